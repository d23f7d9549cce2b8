"""The assembly's pages and API, through the real views: who reads, who writes, and a sitting
held from the browser's forms."""

import datetime

import pytest

from pacte.assembly import selectors, services
from pacte.assembly.models import Deliberation, Report, Sitting
from pacte.demo.assembly import seed_sitting_2022_317
from pacte.territory.models import PoliticalGroup

pytestmark = pytest.mark.django_db
T = datetime.time


@pytest.fixture
def seed_sitting(users):
    return seed_sitting_2022_317(users["test-assembly"])


@pytest.mark.parametrize("role", ["assembly", "agent", "elected", "finance", "admin"])
def test_staff_and_members_read_sittings(client_for, seed_sitting, role):
    client = client_for(role)
    report = seed_sitting.reports.get()
    for url in [
        "/seances/",
        f"/seances/{seed_sitting.pk}/",
        f"/seances/{seed_sitting.pk}/presences/",
        f"/rapports/{report.pk}/",
        f"/actes/{report.deliberation.pk}/",
        f"/api/seances/{seed_sitting.pk}",
        f"/api/rapports/{report.pk}",
        "/api/actes/",
    ]:
        assert client.get(url).status_code == 200, url
    html = client.get(f"/seances/{seed_sitting.pk}/").content.decode()
    assert "Quorum atteint : 63 membres présents sur 78 en fonction ; il en faut 40." in html
    can_hold = role in {"assembly", "admin"}
    assert ("Inscrire un rapport" in html) == (role in {"assembly", "admin", "agent"})
    attendance = client.get(f"/seances/{seed_sitting.pk}/presences/").content.decode()
    assert ("Enregistrer les présences" in attendance) == can_hold


def test_partners_and_the_public_do_not_reach_the_sittings(client, client_for, seed_sitting):
    report = seed_sitting.reports.get()
    partner = client_for("partner")
    for url in ["/seances/", f"/seances/{seed_sitting.pk}/", f"/rapports/{report.pk}/"]:
        assert partner.get(url).status_code == 403, url
    assert partner.get(f"/api/seances/{seed_sitting.pk}").status_code == 403
    client.logout()
    assert client.get("/seances/").status_code == 302
    # The published deliberation is public.
    page = client.get("/deliberations/2022-317/")
    assert page.status_code == 200
    assert "en ligne au moins jusqu'au 29/11/2022" in page.content.decode()
    assert client.get("/deliberations/2099-001/").status_code == 404


def test_readers_cannot_write(client_for, seed_sitting):
    client = client_for("elected")
    report = seed_sitting.reports.get()
    assert client.post(f"/rapports/{report.pk}/vote/", {}).status_code == 403
    assert client.post(f"/seances/{seed_sitting.pk}/pouvoirs/", {}).status_code == 403
    response = client.post(f"/api/rapports/{report.pk}/vote", {}, content_type="application/json")
    assert response.status_code == 403


def test_a_sitting_held_through_the_pages(client_for):
    client = client_for("assembly")
    response = client.post(
        "/seances/nouvelle/",
        {
            "body": "standing_committee",
            "held_on": "2025-05-19",
            "opened_at": "10:00",
            "place": "Arras",
            "president": "M. Jean-Claude LEROY",
            "secretary": "M. Bruno COUSEIN",
            "signatory_title": "La Directrice Générale des Services",
            "signatory_name": "",
        },
    )
    sitting = Sitting.objects.get(held_on="2025-05-19")
    assert response.status_code == 302 and response["Location"] == f"/seances/{sitting.pk}/"
    client.post(f"/seances/{sitting.pk}/presences/", {"all_present": "1"})
    members = list(sitting.attendances.order_by("position"))
    # Bad input: a clear message, nothing written.
    page = client.post(
        f"/seances/{sitting.pk}/presences/",
        {f"statut-{members[3].pk}": "present", f"depart-{members[3].pk}": "onze heures"},
        follow=True,
    ).content.decode()
    assert "n&#x27;est pas une heure (HH:MM)" in page
    client.post(
        f"/seances/{sitting.pk}/presences/",
        {f"statut-{members[3].pk}": "present", f"depart-{members[3].pk}": "11:15"},
    )
    members[3].refresh_from_db()
    assert members[3].left_at == T(11, 15)
    client.post(
        f"/seances/{sitting.pk}/pouvoirs/",
        {"giver": members[3].pk, "holder": members[4].pk},
    )
    assert sitting.proxies.count() == 1
    response = client.post(
        f"/seances/{sitting.pk}/rapports/nouveau/",
        {
            "kind": "framework",
            "title": "Règlement du Fonds d'Innovation Territorial",
            "pole": "Pôle Partenariats et Ingénierie",
            "direction": "Direction Accompagnement des Territoires",
            "territories": "Tous les territoires",
            "text": "Exposé du règlement.",
            "decision": "D'adopter le règlement.",
            "vote_mode": "groups",
        },
    )
    report = Report.objects.get(sitting=sitting)
    assert response["Location"] == f"/rapports/{report.pk}/"
    client.post(f"/rapports/{report.pk}/envoi/", {"sent_on": "2025-05-12"})
    html = client.get(f"/seances/{sitting.pk}/").content.decode()
    assert "Envoyé tardivement" in html
    client.post(f"/rapports/{report.pk}/ouverture/", {"at": "11:30"})
    groups = list(PoliticalGroup.objects.filter(department__code="62").order_by("position"))
    for bad in ["deux", "²", "٤٤", "9" * 5000, "4\x004", "-3", "1e3"]:
        response = client.post(
            f"/rapports/{report.pk}/vote/", {f"pour-{groups[0].pk}": bad}, follow=True
        )
        assert response.status_code == 200, bad
        page = response.content.decode()
        assert "n&#x27;est pas un nombre de voix" in page, bad
        assert "\x00" not in page
    assert not Deliberation.objects.filter(report=report).exists()
    client.post(
        f"/rapports/{report.pk}/vote/",
        {f"pour-{groups[0].pk}": "50", f"contre-{groups[3].pk}": "20"},
    )
    deliberation = Deliberation.objects.get(report=report)
    assert (deliberation.votes_for, deliberation.votes_against) == (50, 20)
    # The proxy of the member who left at 11:15 counts at 11:30: 77 present + 1 proxy.
    assert selectors.sitting_quorum(sitting, T(11, 30)).counted == 78
    client.post(f"/actes/{deliberation.pk}/publication/", {"on": "2025-05-21"})
    client.post(
        f"/actes/{deliberation.pk}/transmission/",
        {"sent_on": "2025-05-20", "acknowledged_on": "2025-05-22"},
    )
    deliberation.refresh_from_db()
    assert deliberation.enforceable_on == datetime.date(2025, 5, 22)
    public = client.get(f"/deliberations/{deliberation.number}/").content.decode()
    assert "Règlement du Fonds" in public and "22/05/2025" in public
    exported = client.get("/seances/?format=csv&instance=standing_committee").content.decode(
        "utf-8-sig"
    )
    assert "19/05/2025" in exported and "26/09/2022" not in exported


def test_the_api_records_a_vote_by_group(client_for, users):
    actor = users["test-assembly"]
    sitting = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=datetime.date(2025, 7, 7),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10),
    )
    services.attendance_mark_all_present(actor=actor, sitting=sitting)
    report = services.report_save(
        actor=actor,
        sitting=sitting,
        kind="framework",
        title="Point",
        text="Exposé.",
        decision="D'approuver.",
    )
    services.item_open(actor=actor, report=report, at=T(10, 5))
    client = client_for("assembly")
    too_many = client.post(
        f"/api/rapports/{report.pk}/vote",
        {"groups": [{"group": "Non-Inscrits", "votes_for": 90}]},
        content_type="application/json",
    )
    assert too_many.status_code == 422 and "c'est trop" in too_many.json()["detail"]
    response = client.post(
        f"/api/rapports/{report.pk}/vote",
        {"groups": [{"group": "Non-Inscrits", "votes_for": 70, "abstentions": 2}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["adopted"] and body["groups_for"] == ["Non-Inscrits (70 voix)"]
    detail = client.get(f"/api/rapports/{report.pk}").json()
    assert detail["group_votes"][0]["votes_for"] == 70
    assert detail["quorum"]["reached"] is True


def test_a_reports_page_reads_the_same_number_of_queries_whatever_its_operations(
    client_for, users, ap, lens_contract
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.assembly.conftest import ready_operation

    actor = users["test-assembly"]
    sitting = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=datetime.date(2025, 9, 29),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10),
    )
    client = client_for("agent")
    counts = []
    for size in (1, 4):
        operations = [
            ready_operation(lens_contract, users, f"Opération {size}-{n}") for n in range(size)
        ]
        report = services.report_save(
            actor=users["test-agent"],
            sitting=sitting,
            kind="subsidies",
            title=f"Subventions ({size})",
            text="Exposé.",
            decision="D'attribuer.",
            operations=operations,
        )
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/rapports/{report.pk}/")
        assert page.status_code == 200
        assert f"{size} opération" in page.content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
