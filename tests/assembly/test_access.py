"""The assembly through the access policy: published means published (from its date on, never
before), who reaches which page, and bad input answered clearly without writing anything."""

import csv
import datetime
import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacte.assembly import services
from pacte.assembly.models import Deliberation, GroupVote, Report
from pacte.core.models import AuditEvent
from pacte.demo.assembly import seed_sitting_2022_317
from pacte.documents.models import Document

pytestmark = pytest.mark.django_db
T = datetime.time
HUGE = "99999999999999999999999"
UNKNOWN = "999999999999999999"


@pytest.fixture
def sitting(users):
    return seed_sitting_2022_317(users["test-assembly"])


def _adopted(sitting, users, number=40) -> Deliberation:
    report = Report.objects.create(
        sitting=sitting,
        opened_at=datetime.time(10, 0),
        number=number,
        kind="framework",
        title=f"Rapport {number}",
        text="Exposé",
        decision="Décision",
    )
    return services.report_adopt(
        actor=users["test-assembly"], report=report, votes_for=40, votes_against=0, abstentions=0
    )


def _scdl_ids(client) -> list[str]:
    response = client.get("/deliberations/scdl.csv")
    assert response.status_code == 200
    return [row["DELIB_ID"] for row in csv.DictReader(io.StringIO(response.content.decode()))]


# --- Published means published --------------------------------------------------------------


def test_a_publication_date_to_come_is_refused_and_nothing_is_written(sitting, users, client):
    deliberation = _adopted(sitting, users)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    audits, documents = AuditEvent.objects.count(), Document.objects.count()
    with pytest.raises(ValidationError, match="est à venir"):
        services.deliberation_publish(
            actor=users["test-assembly"], deliberation=deliberation, on=tomorrow
        )
    deliberation.refresh_from_db()
    assert deliberation.published_on is None and deliberation.published_document is None
    assert (AuditEvent.objects.count(), Document.objects.count()) == (audits, documents)
    assert client.get(f"/deliberations/{deliberation.number}/").status_code == 404

    # Through the page: a French message, nothing written.
    assembly = client
    assembly.force_login(users["test-assembly"])
    response = assembly.post(
        f"/actes/{deliberation.pk}/publication/", {"on": tomorrow.isoformat()}, follow=True
    )
    assert response.status_code == 200
    assert "est à venir" in html.unescape(response.content.decode())
    deliberation.refresh_from_db()
    assert deliberation.published_on is None
    assert AuditEvent.objects.count() == audits

    # Today is fine: public at once.
    services.deliberation_publish(
        actor=users["test-assembly"], deliberation=deliberation, on=timezone.localdate()
    )
    assembly.logout()
    assert client.get(f"/deliberations/{deliberation.number}/").status_code == 200
    assert deliberation.number in _scdl_ids(client)


def test_a_deliberation_dated_later_is_held_back_until_that_day(sitting, users, client):
    """A row published with a later date (written before the check existed, or by hand) shows
    nowhere public — list, page, PDF, SCDL file — until its date."""
    deliberation = _adopted(sitting, users)
    services.deliberation_publish(
        actor=users["test-assembly"], deliberation=deliberation, on=timezone.localdate()
    )
    later = timezone.localdate() + datetime.timedelta(days=10)
    Deliberation.objects.filter(pk=deliberation.pk).update(published_on=later)
    number = deliberation.number
    for visitor in ["anonymous", "partner", "elected"]:
        if visitor != "anonymous":
            client.force_login(users[f"test-{visitor}"])
        assert number not in client.get("/deliberations/").content.decode(), visitor
        assert client.get(f"/deliberations/{number}/").status_code == 404, visitor
        assert client.get(f"/deliberations/{number}/pdf/").status_code == 404, visitor
        assert _scdl_ids(client) == ["2022-317"], visitor
        client.logout()
    # The Département's services still see it where they manage it.
    client.force_login(users["test-assembly"])
    manage = client.get(f"/actes/{deliberation.pk}/")
    assert manage.status_code == 200
    assert "page publique à partir de cette date" in manage.content.decode()
    client.logout()
    # On the day, it is public.
    Deliberation.objects.filter(pk=deliberation.pk).update(published_on=timezone.localdate())
    assert client.get(f"/deliberations/{number}/").status_code == 200
    assert client.get(f"/deliberations/{number}/pdf/").status_code == 200
    assert number in client.get("/deliberations/").content.decode()
    assert number in _scdl_ids(client)


def test_a_correction_dated_later_is_not_announced_on_the_public_page(sitting, users, client):
    original = sitting.reports.get().deliberation
    report = Report.objects.create(
        sitting=sitting,
        opened_at=datetime.time(10, 0),
        number=41,
        kind="framework",
        title="Rectification",
        text="Exposé",
        decision="Décision",
        corrects=original,
    )
    correction = services.report_adopt(
        actor=users["test-assembly"], report=report, votes_for=40, votes_against=0, abstentions=0
    )
    later = timezone.localdate() + datetime.timedelta(days=3)
    Deliberation.objects.filter(pk=correction.pk).update(published_on=later)
    page = client.get(f"/deliberations/{original.number}/").content.decode()
    assert correction.number not in page
    Deliberation.objects.filter(pk=correction.pk).update(published_on=timezone.localdate())
    page = client.get(f"/deliberations/{original.number}/").content.decode()
    assert "rectifiée par la délibération" in page and correction.number in page


# --- Who reaches what -----------------------------------------------------------------------


def _internal_urls(sitting):
    report = sitting.reports.get()
    deliberation = report.deliberation
    proxy = sitting.proxies.first()
    gets = [
        "/seances/",
        "/seances/?format=csv",
        "/seances/nouvelle/",
        f"/seances/{sitting.pk}/",
        f"/seances/{sitting.pk}/quorum/",
        f"/seances/{sitting.pk}/presences/",
        f"/seances/{sitting.pk}/proces-verbal.pdf",
        f"/seances/{sitting.pk}/rapports/nouveau/",
        f"/rapports/{report.pk}/",
        f"/rapports/{report.pk}/modifier/",
        f"/actes/{deliberation.pk}/",
        f"/actes/{deliberation.pk}/deliberation.pdf",
    ]
    posts = [
        "/seances/nouvelle/",
        f"/seances/{sitting.pk}/heures/",
        f"/seances/{sitting.pk}/presences/",
        f"/seances/{sitting.pk}/pouvoirs/",
        f"/seances/{sitting.pk}/pouvoirs/{proxy.pk}/retirer/",
        f"/seances/{sitting.pk}/conventions/",
        f"/seances/{sitting.pk}/rapports/nouveau/",
        f"/rapports/{report.pk}/modifier/",
        f"/rapports/{report.pk}/envoi/",
        f"/rapports/{report.pk}/avis/",
        f"/rapports/{report.pk}/ouverture/",
        f"/rapports/{report.pk}/vote/",
        f"/actes/{deliberation.pk}/publication/",
        f"/actes/{deliberation.pk}/transmission/",
    ]
    return gets, posts


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_partners_get_403_on_every_internal_page_and_nothing_is_written(client_for, sitting, role):
    gets, posts = _internal_urls(sitting)
    client = client_for(role)
    audits = AuditEvent.objects.count()
    for url in gets:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Votre rôle ne permet pas" in response.content.decode(), url
    for url in posts:
        assert client.post(url, {"all_present": "1"}).status_code == 403, url
    for url in ["/api/seances/", f"/api/seances/{sitting.pk}", "/api/actes/"]:
        assert client.get(url).status_code == 403, url
    report = sitting.reports.get()
    assert (
        client.post(
            f"/api/rapports/{report.pk}/vote", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert AuditEvent.objects.count() == audits


def test_anonymous_visitors_go_to_the_login_page_and_read_the_public_pages(client, sitting):
    gets, posts = _internal_urls(sitting)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/connexion/" in response["Location"], url
    for url in posts:
        response = client.post(url, {})
        assert response.status_code == 302 and "/connexion/" in response["Location"], url
    for url in [
        "/deliberations/",
        "/deliberations/2022-317/",
        "/deliberations/2022-317/pdf/",
        "/deliberations/scdl.csv",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.post("/deliberations/", {}).status_code == 405


@pytest.mark.parametrize(
    "role,can_hold,can_correct",
    [
        ("assembly", True, True),
        ("admin", True, True),
        ("agent", False, True),
        ("elected", False, False),
        ("finance", False, False),
    ],
)
def test_the_deliberation_page_offers_what_the_role_may_do(
    client_for, sitting, role, can_hold, can_correct
):
    deliberation = sitting.reports.get().deliberation
    page = client_for(role).get(f"/actes/{deliberation.pk}/").content.decode()
    # The founding act is published, sent and acknowledged: its history shows, no form is left.
    assert "Publicité de l'acte" in page and "Transmise au préfet le" not in page
    type(deliberation).objects.filter(pk=deliberation.pk).update(
        publication_state="unpublished", transmission_state="not_sent"
    )
    page = client_for(role).get(f"/actes/{deliberation.pk}/").content.decode()
    assert ("Transmise au préfet le" in page) == can_hold
    assert ("Mise en ligne le" in page) == can_hold
    assert ("préparer une délibération rectificative" in page) == can_correct


# --- Bad input ------------------------------------------------------------------------------


def test_unknown_and_huge_ids_are_not_found(client_for, sitting):
    client = client_for("assembly")
    for url in [
        f"/seances/{UNKNOWN}/",
        f"/seances/{HUGE}/",
        f"/rapports/{UNKNOWN}/",
        f"/actes/{UNKNOWN}/",
        f"/actes/{UNKNOWN}/deliberation.pdf",
        f"/seances/{sitting.pk}/pouvoirs/{UNKNOWN}/retirer/",
        f"/seances/{sitting.pk}/rapports/nouveau/?rectifie={UNKNOWN}",
        f"/seances/{sitting.pk}/rapports/nouveau/?rectifie={HUGE}",
        f"/actes/{sitting.reports.get().deliberation.pk}/autre.pdf",
        "/deliberations/2022-99999999999999999999999/",
        "/deliberations/99999999999999999999-317/",
        "/deliberations/2022-317-1/",
        "/deliberations/abc/",
        "/deliberations/abc/pdf/",
        f"/api/seances/{UNKNOWN}",
        f"/api/seances/{HUGE}",
        f"/api/rapports/{HUGE}",
    ]:
        method = client.post if "retirer" in url else client.get
        response = method(url)
        assert response.status_code == 404, url
    for url in [
        f"/seances/?annee={HUGE}",
        "/seances/?annee=0",
        "/seances/?annee=abc",
        f"/seances/?annee={HUGE}&format=csv",
        f"/api/seances/?annee={HUGE}",
        f"/api/actes/?annee={HUGE}",
    ]:
        assert client.get(url).status_code == 200, url


def test_huge_vote_counts_are_refused_in_french_and_nothing_is_written(
    client_for, standing_committee, users
):
    actor = users["test-assembly"]
    report = services.report_save(
        actor=actor,
        sitting=standing_committee,
        kind="framework",
        title="Point",
        text="Exposé.",
        decision="D'approuver.",
    )
    services.item_open(actor=actor, report=report, at=T(10, 5))
    group = (
        GroupVote._meta.get_field("group")
        .related_model.objects.filter(department__code="62")
        .first()
    )
    audits = AuditEvent.objects.count()
    client = client_for("assembly")
    response = client.post(
        f"/rapports/{report.pk}/vote/", {f"pour-{group.pk}": "9" * 30}, follow=True
    )
    assert response.status_code == 200
    assert "voix pour 78 membres en fonction : c'est trop" in html.unescape(
        response.content.decode()
    )
    api = client.post(
        f"/api/rapports/{report.pk}/vote",
        {"groups": [{"group": "Groupe inconnu", "votes_for": 3}]},
        content_type="application/json",
    )
    assert api.status_code == 422 and "Groupe inconnu" in api.json()["detail"]
    assert not GroupVote.objects.filter(report=report).exists()
    assert not Deliberation.objects.filter(report=report).exists()
    assert AuditEvent.objects.count() == audits


def test_a_sitting_with_no_convention_to_make_says_so(client_for, sitting):
    client = client_for("agent")
    response = client.post(f"/seances/{sitting.pk}/conventions/", follow=True)
    assert response.redirect_chain[-1][0] == f"/seances/{sitting.pk}/"
    assert "Aucune opération votée à cette séance n&#x27;attend sa convention" in (
        response.content.decode()
    )
