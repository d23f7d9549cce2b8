"""The history import's pages and command through the access policy: partners refused, visitors
sent to the login page, unknown or huge ids answered « introuvable », and nothing written by a
request refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from pacte.core.models import AuditEvent
from pacte.history.models import HistoryImport
from tests.history.conftest import DEMO_FILE

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"
UNKNOWN = "999999999999999999"
GETS = ["/pilotage/historique/", "/pilotage/historique/?modele=csv"]


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_partners_get_403_on_the_import_pages_and_nothing_is_written(client_for, previous, role):
    history_import = HistoryImport.objects.create(
        generation=previous, original_name="h.csv", sha256="0" * 64, size=1
    )
    client = client_for(role)
    for url in [*GETS, f"/pilotage/historique/{history_import.pk}/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Votre rôle ne permet pas" in response.content.decode(), url
    audits, imports = AuditEvent.objects.count(), HistoryImport.objects.count()
    with DEMO_FILE.open("rb") as handle:
        response = client.post("/pilotage/historique/", {"generation": previous.pk, "file": handle})
    assert response.status_code == 403
    assert (AuditEvent.objects.count(), HistoryImport.objects.count()) == (audits, imports)


def test_anonymous_visitors_go_to_the_login_page(client):
    for url in GETS:
        response = client.get(url)
        assert response.status_code == 302 and "/connexion/" in response["Location"], url
    response = client.post("/pilotage/historique/", {})
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_unknown_and_huge_ids_are_not_found(client_for, previous):
    client = client_for("admin")
    for url in [f"/pilotage/historique/{UNKNOWN}/", f"/pilotage/historique/{HUGE}/"]:
        assert client.get(url).status_code == 404, url
    with DEMO_FILE.open("rb") as handle:
        response = client.post("/pilotage/historique/", {"generation": HUGE, "file": handle})
    assert response.status_code == 400  # the form says what is wrong
    assert HistoryImport.objects.count() == 0


def test_the_command_refuses_a_user_who_may_not_import(previous, users, tmp_path):
    audits = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="ne peut importer l'historique"):
        call_command(
            "import_history",
            str(DEMO_FILE),
            "--utilisateur",
            "test-elected",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="Indiquez un agent"):
        call_command(
            "import_history", str(DEMO_FILE), "--utilisateur", "inconnu", stdout=io.StringIO()
        )
    assert HistoryImport.objects.count() == 0
    assert AuditEvent.objects.count() == audits
