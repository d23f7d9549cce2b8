"""The journey through the pages: the partner drafts and submits, the agent reviews."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.operations.models import Operation

from .conftest import PDF, SHEET, make_operation

pytestmark = pytest.mark.django_db


def test_partner_drafts_is_told_what_is_missing_and_submits(client_for, lens_contract):
    client = client_for("partner")
    stake = lens_contract.stakes.first()
    response = client.post(
        "/operations/nouvelle/",
        {
            "contrat": lens_contract.pk,
            "title": "Tiers-lieu numérique",
            "category": "services",
            "description": "Un tiers-lieu dans l'ancienne gare.",
            "stakes": [stake.pk],
            "communes": [],
            "planned_start": "2027-04-01",
            "planned_end": "2028-03-31",
            "vat_recovered": "on",
        },
    )
    operation = Operation.objects.get(title="Tiers-lieu numérique")
    assert response["Location"] == f"/operations/{operation.pk}/financement/"
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "opération, il reste à faire" in page
    assert "Indiquez au moins une commune" in page
    response = client.post(f"/operations/{operation.pk}/etapes/submit/", follow=True)
    assert "impossible pour l&#x27;instant" in response.content.decode()
    assert Operation.objects.get(pk=operation.pk).state == "draft"
    # Fill everything in through the pages.
    client.post(
        f"/operations/{operation.pk}/modifier/",
        {
            "title": "Tiers-lieu numérique",
            "category": "services",
            "description": "Un tiers-lieu dans l'ancienne gare.",
            "stakes": [stake.pk],
            "communes": [operation.contract.partner.epci.communes.first().pk],
            "planned_start": "2027-04-01",
            "planned_end": "2028-03-31",
            "vat_recovered": "on",
        },
    )
    response = client.post(
        f"/operations/{operation.pk}/financement/",
        {
            "depenses-TOTAL_FORMS": "2",
            "depenses-INITIAL_FORMS": "0",
            "depenses-MIN_NUM_FORMS": "0",
            "depenses-MAX_NUM_FORMS": "30",
            "depenses-0-label": "Travaux",
            "depenses-0-amount_excl_tax": "200000,00",
            "depenses-0-amount_incl_tax": "240000,00",
            "ressources-TOTAL_FORMS": "3",
            "ressources-INITIAL_FORMS": "0",
            "ressources-MIN_NUM_FORMS": "0",
            "ressources-MAX_NUM_FORMS": "30",
            "ressources-0-funder": "fit",
            "ressources-0-amount": "60000",
            "ressources-0-status": "requested",
            "ressources-1-funder": "self",
            "ressources-1-amount": "140000",
            "ressources-1-status": "obtained",
            "ressources-2-funder": "",
            "ressources-2-status": "requested",
        },
        follow=True,
    )
    assert "Le plan de financement est enregistré : il est équilibré" in response.content.decode()
    assert response.redirect_chain == [(f"/operations/{operation.pk}/financement/", 302)]
    for kind in ["deliberation", "estimate"]:
        client.post(
            f"/operations/{operation.pk}/pieces/",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)},
        )
    response = client.post(f"/operations/{operation.pk}/etapes/submit/", follow=True)
    assert "L&#x27;opération est « Déposée »" in response.content.decode()


def test_agent_requests_information_partner_answers_agent_marks_ready(
    client_for, lens_contract, users
):
    from pacte.operations import services

    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    agent = client_for("agent")
    agent.post(f"/operations/{operation.pk}/etapes/take_charge/")
    agent.post(
        f"/operations/{operation.pk}/etapes/request_changes/", {"reason": "Précisez le calendrier."}
    )
    assert Operation.objects.get(pk=operation.pk).state == "awaiting_partner"
    partner = client_for("partner")
    page = partner.get(f"/operations/{operation.pk}/").content.decode()
    assert "Précisez le calendrier." in page and "demande de compléments" in page
    partner.post(f"/operations/{operation.pk}/etapes/answer/", {"body": "Calendrier joint."})
    assert Operation.objects.get(pk=operation.pk).state == "in_review"
    agent = client_for("agent")
    data = {k: v for k, v in SHEET.items()}
    data["proposed_subsidy_amount"] = "135000,00"
    response = agent.post(f"/operations/{operation.pk}/fiche/", data)
    assert response.status_code == 302
    agent.post(f"/operations/{operation.pk}/etapes/mark_sheet_ready/")
    assert Operation.objects.get(pk=operation.pk).state == "sheet_ready"
    history = agent.get(f"/operations/{operation.pk}/historique/").content.decode()
    for text in [
        "Déposée → En instruction",
        "demande de compléments",
        "Calendrier joint.",
        "Délibération du porteur v1",
        "Fiche prête pour le vote",
    ]:
        assert text in history


def test_list_filters_search_counts_and_sorts(client_for, lens_contract, arras_contract, users):
    from pacte.operations import services

    lens_op = make_operation(lens_contract, users["test-partner"], title="Salle de spectacle")
    services.operation_submit(actor=users["test-partner"], operation=lens_op)
    services.operation_take_charge(actor=users["test-agent"], operation=lens_op)
    arras_op = make_operation(arras_contract, users["test-partner2"], title="Parking relais")
    services.operation_submit(actor=users["test-partner2"], operation=arras_op)
    # A draft is its partner's alone: the agent's list and counts do not show it.
    make_operation(lens_contract, users["test-partner"], title="Salle en brouillon")
    client = client_for("agent")
    assert [o.pk for o in client.get("/operations/?q=spectacle").context["page"]] == [lens_op.pk]
    assert [o.pk for o in client.get(f"/operations/?q={arras_op.reference}").context["page"]] == [
        arras_op.pk
    ]
    assert [o.pk for o in client.get("/operations/?etat=submitted").context["page"]] == [
        arras_op.pk
    ]
    response = client.get(f"/operations/?partenaire={lens_contract.partner_id}")
    assert [o.pk for o in response.context["page"]] == [lens_op.pk]
    counts = dict((v, n) for v, _, n in client.get("/operations/").context["counts"])
    assert counts["draft"] == 0 and counts["submitted"] == 1 and counts["in_review"] == 1
    by_amount = [o.fund_amount for o in client.get("/operations/?tri=-montant").context["page"]]
    assert by_amount == sorted(by_amount, reverse=True)
    in_range = client.get("/operations/?min=135000&max=135000,00").context["page"]
    assert {o.pk for o in in_range} == {lens_op.pk, arras_op.pk}
    assert not client.get("/operations/?min=200000").context["page"].object_list
    pact = lens_contract.stakes.first().pacts.first()
    assert client.get(f"/operations/?pacte={pact.pk}").status_code == 200


def test_batch_actions_from_the_list(client_for, lens_contract, users):
    from pacte.operations import services

    ops = [
        make_operation(lens_contract, users["test-partner"], title=f"Projet {i}") for i in range(2)
    ]
    for operation in ops:
        services.operation_submit(actor=users["test-partner"], operation=operation)
    client = client_for("agent")
    response = client.post(
        "/operations/lot/",
        {"action": "take_charge", "ids": [o.pk for o in ops], "next": "/operations/"},
    )
    assert response.status_code == 302
    assert set(
        Operation.objects.filter(pk__in=[o.pk for o in ops]).values_list("state", flat=True)
    ) == {"in_review"}
    response = client.post("/operations/lot/", {"action": "export", "ids": [ops[0].pk]})
    body = response.content.decode("utf-8-sig")
    assert ops[0].reference in body and ops[1].reference not in body
    assert (
        client_for("partner")
        .post("/operations/lot/", {"action": "take_charge", "ids": [ops[0].pk]})
        .status_code
        == 403
    )


def test_a_forged_batch_is_refused_without_echoing_what_was_sent(client_for, lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], title="Projet")
    response = client_for("agent").post(
        "/operations/lot/",
        {"action": "\x00" + "x" * 2000, "ids": [f"{operation.pk}\x00", "9" * 30]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choisissez une action de la liste." in page
    assert "Cochez des opérations de la liste affichée." in page
    assert "\x00" not in page and "x" * 50 not in page and "9" * 30 not in page


def test_operations_list_queries_do_not_grow_with_rows(client_for, lens_contract, users):
    client = client_for("agent")
    make_operation(lens_contract, users["test-partner"], title="Premier")
    client.get("/operations/")
    with CaptureQueriesContext(connection) as one:
        client.get("/operations/")
    for i in range(5):
        make_operation(lens_contract, users["test-partner"], title=f"Encore {i}")
    with CaptureQueriesContext(connection) as six:
        client.get("/operations/")
    assert len(one) == len(six)
    operation = Operation.objects.first()
    with CaptureQueriesContext(connection) as detail:
        client.get(f"/operations/{operation.pk}/")
    make_operation(lens_contract, users["test-partner"], title="Encore")
    with CaptureQueriesContext(connection) as detail_again:
        client.get(f"/operations/{operation.pk}/")
    assert len(detail) == len(detail_again)
