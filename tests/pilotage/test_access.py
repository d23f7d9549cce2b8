"""The pilotage pages through the access policy: partners refused everywhere internal, visitors
sent to the login page (open data aside), unknown or huge ids answered « introuvable », and
partners' never-submitted drafts kept out of the bilans' exports. The history import's pages:
tests/history/test_access.py."""

import pytest
from django.core.exceptions import PermissionDenied

from pacte.contracts.models import Partner
from pacte.core.models import AuditEvent
from pacte.operations import services as operation_services
from pacte.pilotage import opendata
from tests.pilotage.conftest import operation_to

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"
UNKNOWN = "999999999999999999"


def _internal_gets(previous):
    return [
        "/pilotage/",
        "/pilotage/direction/",
        "/pilotage/instruction/",
        "/pilotage/finances/",
        "/pilotage/elus/",
        "/pilotage/equilibre-territorial/",
        "/pilotage/equilibre-territorial/?format=csv",
        "/pilotage/bilans/",
        f"/pilotage/bilans/{previous.pk}/",
        f"/pilotage/bilans/{previous.pk}/?format=csv&tableau=operations",
        f"/pilotage/bilans/{previous.pk}/bilan.pdf",
    ]


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_partners_get_403_on_every_internal_page_and_nothing_is_written(
    client_for, previous, users, role
):
    client = client_for(role)
    audits = AuditEvent.objects.count()
    for url in _internal_gets(previous):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Votre rôle ne permet pas" in response.content.decode(), url
    assert AuditEvent.objects.count() == audits


def test_anonymous_visitors_go_to_the_login_page_and_read_the_open_data(client, previous):
    for url in _internal_gets(previous):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion/" in response["Location"], url
    assert client.get("/donnees-ouvertes/").status_code == 200
    assert client.get("/donnees-ouvertes/subventions.csv").status_code == 200
    assert client.post("/donnees-ouvertes/", {}).status_code == 405


@pytest.mark.parametrize("role,sees", [("elected", True), ("partner", False), (None, False)])
def test_only_the_services_see_the_conventions_held_back(
    client, client_for, users, imported, role, sees
):
    Partner.objects.filter(siren="246200729").update(siret="")
    client = client_for(role) if role else client
    html = client.get("/donnees-ouvertes/").content.decode()
    assert ('id="a-completer"' in html) is sees
    if not sees and role:
        with pytest.raises(PermissionDenied):
            opendata.held_back_partners(user=users[f"test-{role}"])


@pytest.mark.parametrize(
    "role,can_import", [("agent", True), ("admin", True), ("elected", False), ("finance", False)]
)
def test_the_bilans_page_offers_the_import_to_those_who_may(client_for, role, can_import):
    html = client_for(role).get("/pilotage/bilans/").content.decode()
    assert ("Importer l'historique d'une génération passée" in html) == can_import


def test_unknown_and_huge_ids_are_not_found(client_for, previous):
    client = client_for("admin")
    for url in [
        f"/pilotage/bilans/{UNKNOWN}/",
        f"/pilotage/bilans/{UNKNOWN}/bilan.pdf",
        f"/pilotage/bilans/{HUGE}/",
        "/pilotage/inconnu/",
        "/pilotage/read/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/pilotage/direction/?generation={HUGE}&territoire={HUGE}",
        f"/pilotage/elus/?generation={UNKNOWN}&territoire=abc",
        f"/pilotage/equilibre-territorial/?generation={HUGE}",
        f"/pilotage/equilibre-territorial/?generation={HUGE}&format=csv",
        "/pilotage/finances/?generation=-1",
    ]:
        assert client.get(url).status_code == 200, url


def test_bilan_exports_leave_out_partners_drafts(client_for, lens_contract, users, generation, ap):
    operation_to(lens_contract, users, "voted", voted_on=generation.period_start, title="Votée")
    operation_to(lens_contract, users, "draft", title="Brouillon secret")
    withdrawn = operation_to(lens_contract, users, "draft", title="Retirée avant dépôt")
    operation_services.operation_withdraw(
        actor=users["test-partner"], operation=withdrawn, reason="Abandon."
    )
    client = client_for("admin")
    export = client.get(f"/pilotage/bilans/{generation.pk}/?format=csv&tableau=operations")
    text = export.content.decode("utf-8-sig")
    assert "Votée" in text
    assert "Brouillon secret" not in text and "Retirée avant dépôt" not in text
    page = client.get(f"/pilotage/bilans/{generation.pk}/").content.decode()
    assert "Brouillon secret" not in page and "Retirée avant dépôt" not in page
