"""Contracts, assises, committees and engineering through the pages, for each role."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from pacte.contracts.models import Contract, EngineeringRequest, Partner, SteeringCommittee

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def demo(generation, users):
    from pacte.demo.contracts import seed_committees, seed_contracts

    seed_contracts(generation)
    seed_committees(generation)
    return generation


def own_contract(demo):
    return Contract.objects.get(generation=demo, partner__siren="246200364")


def other_contract(demo):
    return Contract.objects.get(generation=demo, partner__siren="200033579")


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "finance", "elected"])
def test_internal_roles_list_every_contract(client_for, demo, role):
    response = client_for(role).get("/contrats/")
    assert response.status_code == 200
    assert len(response.context["contracts"]) == 30


def test_partner_sees_only_its_contract_everywhere(client_for, demo):
    client = client_for("partner")
    listing = client.get("/contrats/").context["contracts"]
    assert [c.partner.siren for c in listing] == ["246200364"]
    mine, theirs = own_contract(demo), other_contract(demo)
    assert client.get(f"/contrats/{mine.pk}/").status_code == 200
    assert client.get(f"/contrats/{theirs.pk}/").status_code == 404
    committee = SteeringCommittee.objects.exclude(contract__partner__siren="246200364").first()
    assert client.get(f"/comites/{committee.pk}/").status_code == 404
    exported = client.get("/contrats/?format=csv").content.decode("utf-8-sig")
    assert "Lens - Liévin" in exported and "Arras" not in exported
    for url in [
        "/assises/",
        "/assises/nouvelle/",
        "/contrats/nouveau/",
        f"/contrats/{mine.pk}/modifier/",
        f"/contrats/{mine.pk}/enjeux/ajouter/",
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"/contrats/{mine.pk}/etapes/close/", {"reason": "x", "closed_on": "2026-01-01"}
    )
    assert response.status_code == 403
    assert Contract.objects.get(pk=mine.pk).state == mine.state


def test_partner_space_shows_contract_stakes_engineering_and_committees(client_for, demo):
    mine = own_contract(demo)
    html = client_for("partner").get(f"/partenaires/{mine.partner_id}/").content.decode()
    assert "Quatrième démarche de contractualisation 2023-2026" in html
    assert "Ingénierie 62" in html
    assert "Comités de pilotage" in html


def test_contract_list_filters_sorts_and_counts(client_for, demo):
    client = client_for("agent")
    signed = client.get("/contrats/?etat=signed").context["contracts"]
    assert signed and all(c.state == "signed" for c in signed)
    communes = client.get("/contrats/?nature=commune").context["contracts"]
    assert len(communes) == 6
    by_vote = [
        c.vote_date for c in client.get("/contrats/?tri=-vote").context["contracts"] if c.vote_date
    ]
    assert by_vote == sorted(by_vote, reverse=True)
    html = client.get("/contrats/").content.decode()
    assert "30 contrats" in html


def test_contract_exports_csv_and_xlsx_with_the_filters(client_for, demo):
    client = client_for("agent")
    response = client.get("/contrats/?etat=signed&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Partenaire" and rows[0][5] == "État"
    expected = Contract.objects.filter(generation=demo, state="signed").count()
    assert len(rows) == 1 + expected
    assert all(r[5] == "Signé" for r in rows[1:])
    assert all(len(r[8].split("/")) == 3 for r in rows[1:])  # 27/03/2023
    response = client.get("/contrats/?etat=signed&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + expected
    assert isinstance(sheet.cell(row=2, column=9).value, datetime.datetime)


def test_agent_drafts_a_contract_through_the_pages(client_for, generation):
    client = client_for("agent")
    partner = Partner.objects.get(siren="246200729")  # CA du Boulonnais
    response = client.post("/contrats/nouveau/", {"partner": partner.pk})
    contract = Contract.objects.get(generation=generation, partner=partner)
    assert response["Location"] == f"/contrats/{contract.pk}/"
    # A stake without a pact is refused with the reason, and nothing is written.
    response = client.post(f"/contrats/{contract.pk}/enjeux/ajouter/", {"title": "Mobilités"})
    assert "Rattachez l&#x27;enjeu à au moins un pacte." in response.content.decode()
    assert not contract.stakes.exists()
    pact = generation.pacts.first()
    for title in ["Mobilités douces", "Tiers-lieux"]:
        response = client.post(
            f"/contrats/{contract.pk}/enjeux/ajouter/", {"title": title, "pacts": [pact.pk]}
        )
        assert response.status_code == 302
    client.post(f"/contrats/{contract.pk}/etapes/agree/")
    response = client.post(
        f"/contrats/{contract.pk}/etapes/vote/",
        {"deliberation_number": "mars", "vote_date": "2023-03-27"},
        follow=True,
    )
    assert "Le numéro s&#x27;écrit AAAA-NNN" in response.content.decode()
    client.post(
        f"/contrats/{contract.pk}/etapes/vote/",
        {"deliberation_number": "2023-150", "vote_date": "2023-03-27"},
    )
    client.post(
        f"/contrats/{contract.pk}/etapes/sign/",
        {"partner_signed_on": "2023-04-12", "department_signed_on": "2023-04-14"},
    )
    contract.refresh_from_db()
    assert contract.state == "signed"
    assert contract.events.count() == 3
    # Edit is closed; the page sends the agent to the amendment form.
    response = client.get(f"/contrats/{contract.pk}/modifier/")
    assert response["Location"] == f"/contrats/{contract.pk}/avenant/"
    response = client.post(
        f"/contrats/{contract.pk}/avenant/",
        {
            "pact_ambitions": contract.pact_ambitions,
            "engineering_ingenierie62": "on",
            "engineering_other": "",
            "implementation_terms": "",
            "monitoring_terms": "Semestriel",
            "adopted_on": "2024-05-02",
            "reason": "Suivi renforcé",
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.monitoring_terms == "Semestriel" and contract.amendments.count() == 1


def test_committee_through_the_pages(client_for, demo):
    client = client_for("agent")
    contract = Contract.objects.filter(
        generation=demo, state="signed", committees__isnull=True
    ).first()
    response = client.post(
        f"/contrats/{contract.pk}/comites/nouveau/",
        {
            "held_on": "2024-06-14",
            "place": "Mairie",
            "attendees": "M. le Maire\nMme la VP",
            "decisions": "Continuer.",
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "10",
            "actions-0-description": "Relancer le maître d'œuvre",
            "actions-0-owner": "Partenaire",
            "actions-0-due_on": "2024-09-01",
            "actions-1-description": "Action sans responsable",
        },
    )
    assert response.status_code == 200
    assert "Chaque action a un responsable et une échéance." in response.content.decode()
    assert not contract.committees.exists()
    response = client.post(
        f"/contrats/{contract.pk}/comites/nouveau/",
        {
            "held_on": "2024-06-14",
            "place": "Mairie",
            "attendees": "M. le Maire\nMme la VP",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "10",
            "actions-0-description": "Relancer le maître d'œuvre",
            "actions-0-owner": "Partenaire",
            "actions-0-due_on": "2024-09-01",
        },
    )
    committee = contract.committees.get()
    assert response["Location"] == f"/comites/{committee.pk}/"
    assert committee.attendee_list == ["M. le Maire", "Mme la VP"]
    action = committee.actions.get()
    client.post(f"/comites/{committee.pk}/actions/{action.pk}/realisee/")
    action.refresh_from_db()
    assert action.done_on is not None


def test_forum_pages(client_for, demo):
    client = client_for("agent")
    forums = client.get("/assises/").context["forums"]
    assert len(forums) == 8
    forum = forums[0]
    page = client.get(f"/assises/{forum.pk}/")
    assert page.status_code == 200
    invitation = forum.invitations.first()
    client.post(
        f"/assises/{forum.pk}/", {"action": "attendance", "present": [invitation.partner_id]}
    )
    states = dict(forum.invitations.values_list("partner_id", "attended"))
    assert states[invitation.partner_id] is True
    assert list(states.values()).count(True) == 1
    # Every territory has its assise: planning another is refused by the form.
    response = client.post(
        "/assises/nouvelle/", {"territory": forum.territory_id, "held_on": "2022-10-12"}
    )
    assert response.status_code == 400 and response.context["form"].errors


def test_engineering_request_through_the_pages(client_for, demo):
    client = client_for("agent")
    partner = Partner.objects.get(siren="246200364")
    response = client.post(
        "/ingenierie/nouvelle/",
        {
            "partner": partner.pk,
            "provider": "house",
            "subject": "Aide au montage du dossier",
            "requested_on": "2024-03-04",
        },
    )
    request = EngineeringRequest.objects.get(subject="Aide au montage du dossier")
    assert response["Location"] == f"/ingenierie/{request.pk}/"
    assert request.contract == own_contract(demo)
    client.post(f"/ingenierie/{request.pk}/", {"transition": "start"})
    response = client.post(f"/ingenierie/{request.pk}/", {"transition": "finish"})
    assert "Décrivez le résultat" in response.content.decode()
    client.post(f"/ingenierie/{request.pk}/", {"transition": "finish", "outcome": "Dossier déposé"})
    request.refresh_from_db()
    assert request.state == "done"
    partner_view = client_for("partner").get(f"/ingenierie/{request.pk}/")
    assert partner_view.status_code == 200 and not partner_view.context["transitions"]


def test_generation_page(client_for, generation):
    html = client_for("elected").get(f"/generations/{generation.pk}/").content.decode()
    assert "du 7 octobre 2022 au 20 octobre 2022" in html
    assert "n°2022-317 du 26/09/2022" in html
    assert "Troisième démarche de contractualisation 2019-2022" in html
