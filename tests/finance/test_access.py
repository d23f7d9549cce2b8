"""The access policy on the fund's pages, API and services: who may read and write, another
partner's objects not found, bad ids answered 4xx, and a refused write writes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pacte.core.models import AuditEvent
from pacte.core.services import api_token_create
from pacte.finance import selectors, services
from pacte.finance.models import Commitment, PaymentRequest
from pacte.operations import services as operation_services
from pacte.operations.models import Attachment

from .conftest import D, pdf, voted_operation

pytestmark = pytest.mark.django_db

HUGE = "999999999999999999"  # 18 digits: the longest id the URLs accept, and no row's


@pytest.fixture
def lens_op(lens_contract, users, ap):
    return voted_operation(lens_contract, users)


@pytest.fixture
def arras_op(arras_contract, users, ap):
    return voted_operation(arras_contract, users, title="Médiathèque d'Arras")


def writes():
    """What a refused write must leave untouched."""
    return (
        PaymentRequest.objects.count(),
        AuditEvent.objects.count(),
        list(Commitment.objects.values_list("state", "start_extended", "lapsed_amount")),
    )


def headers(users, role):
    _, raw = api_token_create(user=users[f"test-{role}"], name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- The payment request page ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "elected", "assembly"])
def test_a_read_only_role_gets_403_on_the_payment_request_form_and_writes_nothing(
    client_for, lens_op, role
):
    operation, _ = lens_op
    url = f"/finances/operations/{operation.pk}/paiement/"
    client = client_for(role)
    assert client.get(url).status_code == 403
    before = writes()
    assert client.post(url, {"kind": "advance", "amount": "1000,00"}).status_code == 403
    assert writes() == before


def test_a_partner_gets_404_on_another_partners_payment_request_page(client_for, lens_op):
    operation, _ = lens_op
    url = f"/finances/operations/{operation.pk}/paiement/"
    client = client_for("partner2")
    assert client.get(url).status_code == 404
    before = writes()
    assert client.post(url, {"kind": "advance", "amount": "1000,00"}).status_code == 404
    assert writes() == before
    assert client.get(f"/finances/operations/{HUGE}/paiement/").status_code == 404


def test_the_owner_and_an_agent_open_the_payment_request_form(client_for, lens_op):
    operation, _ = lens_op
    url = f"/finances/operations/{operation.pk}/paiement/"
    assert client_for("partner").get(url).status_code == 200
    assert client_for("agent").get(url).status_code == 200


def test_evidence_of_another_operation_is_refused_on_the_page(client_for, lens_op, users):
    operation, _ = lens_op
    other, _ = voted_operation(operation.contract, users, title="Autre opération")
    foreign = operation_services.attachment_add(
        actor=users["test-partner"],
        operation=other,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat.pdf"),
    )
    before = writes()
    response = client_for("partner").post(
        f"/finances/operations/{operation.pk}/paiement/",
        {"kind": "instalment", "amount": "1000,00", "evidence": [foreign.pk]},
    )
    assert response.status_code == 400 and response.context["form"].errors["evidence"]
    assert writes() == before


# --- Services ----------------------------------------------------------------------------


def test_a_partner_asking_payment_for_another_partners_operation_gets_not_found(lens_op, users):
    operation, _ = lens_op
    before = writes()
    with pytest.raises(Http404):
        services.payment_request_create(
            actor=users["test-partner2"],
            operation=operation,
            kind="advance",
            amount=Decimal("1000"),
        )
    assert writes() == before


@pytest.mark.parametrize("role", ["finance", "elected", "assembly"])
def test_roles_that_do_not_instruct_cannot_ask_for_a_payment(lens_op, users, role):
    operation, _ = lens_op
    before = writes()
    with pytest.raises(PermissionDenied, match="demander un paiement"):
        services.payment_request_create(
            actor=users[f"test-{role}"], operation=operation, kind="advance", amount=Decimal("1")
        )
    assert writes() == before


def test_the_refused_request_leaves_the_operation_as_it_was(lens_op, users):
    """The check reads the operation by its id: the caller's operation keeps its commitment."""
    operation, commitment = lens_op
    services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )
    assert operation.commitment.pk == commitment.pk


def test_only_the_fund_managers_write_the_ap_and_lapse(lens_op, users, ap):
    _, commitment = lens_op
    before = writes()
    for role in ["agent", "assembly", "elected", "partner"]:
        actor = users[f"test-{role}"]
        with pytest.raises(PermissionDenied):
            services.ap_revise(
                actor=actor,
                authorisation=ap,
                amount=Decimal("2000000"),
                deliberation_number="X",
                voted_on=D(2025, 1, 1),
            )
        with pytest.raises(PermissionDenied):
            services.cp_set(actor=actor, authorisation=ap, year=2025, amount=Decimal("1"))
        with pytest.raises(PermissionDenied, match="constater une caducité"):
            services.commitment_lapse(
                actor=actor, commitment=commitment, reason="Test", on=D(2026, 11, 25)
            )
    assert writes() == before
    ap.refresh_from_db()
    assert ap.amount == Decimal("1000000.00")


def test_an_agent_extends_a_deadline_but_a_partner_may_not(lens_op, users):
    _, commitment = lens_op
    before = writes()
    with pytest.raises(PermissionDenied, match="proroger"):
        services.commitment_extend_start(
            actor=users["test-partner"], commitment=commitment, reason="Pour voir"
        )
    assert writes() == before
    services.commitment_extend_start(
        actor=users["test-agent"], commitment=commitment, reason="Intempéries"
    )
    commitment.refresh_from_db()
    assert commitment.start_extended


def test_only_the_assembly_commits_a_subsidy(lens_contract, users, ap):
    from pacte.operations.workflows import OPERATION_WORKFLOW
    from tests.operations.conftest import SHEET, make_operation

    operation = make_operation(lens_contract, users["test-partner"])
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    before = writes()
    for role in ["agent", "finance", "partner"]:
        with pytest.raises(PermissionDenied):
            services.commit_subsidy(
                actor=users[f"test-{role}"],
                operation=operation,
                amount=Decimal("1000"),
                voted_on=D(2024, 3, 25),
            )
    assert writes() == before


# --- Selectors ---------------------------------------------------------------------------


def test_selectors_scope_partners_and_refuse_anonymous_visitors(lens_op, arras_op, users):
    from django.contrib.auth.models import AnonymousUser

    for who, expected in [("test-partner", lens_op), ("test-partner2", arras_op)]:
        commitments = selectors.commitment_list(user=users[who])
        assert [c.pk for c in commitments] == [expected[1].pk]
    assert selectors.commitment_list(user=users["test-elected"]).count() == 2
    with pytest.raises(Http404):
        selectors.commitment_get(user=users["test-partner2"], pk=lens_op[1].pk)
    with pytest.raises(Http404):
        selectors.commitment_get(user=users["test-finance"], pk=10**19)
    with pytest.raises(PermissionDenied):
        selectors.ap_list(user=users["test-partner"])
    for read in [selectors.commitment_list, selectors.payment_list, selectors.ap_list]:
        with pytest.raises(PermissionDenied):
            read(user=AnonymousUser())
    lens_finance = selectors.operation_finance(user=users["test-partner2"], operation=lens_op[0])
    assert lens_finance is None  # another's money is not read, even through a bare call


# --- The lapse watch and the commitment actions -------------------------------------------


def test_the_agent_is_offered_the_extension_it_may_grant_not_the_lapse(client_for, lens_op, ap):
    _, commitment = lens_op
    action = f"/finances/engagements/{commitment.pk}/"
    agent = client_for("agent").get(f"/finances/ap/{ap.pk}/caducite/").content.decode()
    assert action in agent and "Proroger" in agent and "Annuler le reliquat" not in agent
    elected = client_for("elected").get(f"/finances/ap/{ap.pk}/caducite/").content.decode()
    assert action not in elected
    finance = client_for("finance").get(f"/finances/ap/{ap.pk}/caducite/").content.decode()
    assert "Proroger" in finance and "Annuler le reliquat" in finance


def test_commitment_actions_refuse_other_roles_bad_actions_and_bad_ids(client_for, lens_op):
    _, commitment = lens_op
    url = f"/finances/engagements/{commitment.pk}/"
    before = writes()
    lapse = {"action": "lapse", "reason": "Pas de commencement", "on": "2026-11-25"}
    assert client_for("agent").post(url, lapse).status_code == 403
    for role in ["partner", "elected", "assembly"]:
        assert client_for(role).post(url, {"action": "extend", "reason": "x"}).status_code == 403
    assert (
        client_for("finance").post(url, {"action": "delete"}).status_code == 302
    )  # a French message on the page
    assert client_for("finance").get(url).status_code == 405
    extend = {"action": "extend", "reason": "x"}
    assert client_for("finance").post(f"/finances/engagements/{HUGE}/", extend).status_code == 404
    assert writes() == before


def test_anonymous_visitors_are_sent_to_the_login_page(client, lens_op, ap):
    _, commitment = lens_op
    for url in [
        "/finances/",
        f"/finances/ap/{ap.pk}/",
        f"/finances/ap/{ap.pk}/caducite/",
        "/finances/paiements/",
        f"/finances/operations/{lens_op[0].pk}/paiement/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


# --- Payments: pages and API --------------------------------------------------------------


@pytest.fixture
def lens_payment(lens_op, users):
    operation, _ = lens_op
    return services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )


def test_payment_pages_hide_another_partners_request_and_refuse_readers(client_for, lens_payment):
    url = f"/finances/paiements/{lens_payment.pk}/"
    before = writes()
    assert client_for("partner2").get(url).status_code == 404
    assert client_for("partner2").post(url, {"action": "check"}).status_code == 403
    assert client_for("elected").get(url).status_code == 200
    assert client_for("elected").post(url, {"action": "check"}).status_code == 403
    assert (
        client_for("agent").post(url, {"action": "annuler"}).status_code == 302
    )  # a French message on the page
    assert client_for("agent").get(f"/finances/paiements/{HUGE}/").status_code == 404
    assert writes() == before
    export = client_for("partner2").get("/finances/paiements/?format=csv")
    assert lens_payment.commitment.operation.reference not in export.content.decode("utf-8-sig")


def test_the_api_refuses_another_operations_evidence_and_writes_nothing(client, lens_op, users):
    operation, _ = lens_op
    other, _ = voted_operation(operation.contract, users, title="Autre opération")
    foreign = operation_services.attachment_add(
        actor=users["test-partner"],
        operation=other,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat.pdf"),
    )
    partner = headers(users, "partner")
    before = writes()
    for evidence in [[foreign.pk], [10**19]]:
        response = client.post(
            "/api/paiements",
            {
                "operation_id": operation.pk,
                "kind": "advance",
                "amount": "1000.00",
                "evidence_ids": evidence,
            },
            content_type="application/json",
            **partner,
        )
        assert response.status_code == 422, response.content
        assert "pièces de cette opération" in response.json()["detail"]
    assert writes() == before


def test_the_api_answers_404_for_another_partners_or_unknown_ids(client, lens_payment, users):
    operation = lens_payment.commitment.operation
    partner2, agent, elected = (headers(users, r) for r in ["partner2", "agent", "elected"])
    before = writes()
    for operation_id in [operation.pk, 10**19, 999999]:
        response = client.post(
            "/api/paiements",
            {"operation_id": operation_id, "kind": "advance", "amount": "1.00"},
            content_type="application/json",
            **partner2,
        )
        assert response.status_code == 404, (operation_id, response.content)
    for payment_id in [lens_payment.pk, 10**19]:
        response = client.post(
            f"/api/paiements/{payment_id}/verification",
            {},
            content_type="application/json",
            **partner2,
        )
        assert response.status_code in {403, 404}
        assert str(lens_payment.requested_amount) not in response.content.decode()
    response = client.post(
        f"/api/paiements/{10**19}/verification", {}, content_type="application/json", **agent
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/paiements/{lens_payment.pk}/mandat",
        {"mandate_number": "M-1", "paid_on": "2025-05-05"},
        content_type="application/json",
        **elected,
    )
    assert response.status_code == 403
    assert writes() == before


@pytest.mark.parametrize("role", ["finance", "elected", "assembly"])
def test_the_api_refuses_payment_requests_from_read_only_roles(client, lens_op, users, role):
    operation, _ = lens_op
    auth = headers(users, role)
    before = writes()
    response = client.post(
        "/api/paiements",
        {"operation_id": operation.pk, "kind": "advance", "amount": "1.00"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403
    assert "demander un paiement" in response.json()["detail"]
    assert writes() == before


def test_the_pay_service_refuses_before_reading_the_mandate(lens_payment, users):
    before = writes()
    with pytest.raises(PermissionDenied):
        services.payment_pay(
            actor=users["test-agent"],
            payment=lens_payment,
            mandate_number="",
            paid_on=D(2025, 1, 1),
        )
    assert writes() == before
