"""The steering committee's progress pack: the contract's operations deposited by its date,
what the assembly voted for them and what was paid by then, and the reciprocal commitments met."""

import datetime
from decimal import Decimal

import pytest

from pacte.contracts import services as contract_services
from pacte.core.dates import local_datetime
from pacte.finance import services
from pacte.operations import services as operation_services
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.workflows import GRANT, SIGN_AGREEMENT

from .conftest import D, make_operation, voted_operation

pytestmark = pytest.mark.django_db


def pay(users, operation, amount, on):
    request = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal(amount)
    )
    services.payment_check(actor=users["test-agent"], payment=request)
    services.payment_pay(
        actor=users["test-finance"], payment=request, mandate_number=f"M-{request.pk}", paid_on=on
    )


def test_the_pack_holds_the_operations_the_amounts_voted_and_paid_and_the_commitments(
    lens_contract, users, ap, client_for
):
    agent = users["test-agent"]
    voted, _ = voted_operation(lens_contract, users, amount="135000.00", title="Véloroute")
    pay(users, voted, "40500.00", D(2025, 5, 2))
    waiting = make_operation(lens_contract, users["test-partner"], title="Halle couverte")
    operation_services.operation_submit(actor=users["test-partner"], operation=waiting)
    make_operation(lens_contract, users["test-partner"], title="Brouillon du partenaire")
    # Both deposited in early 2024, the first voted in March 2024 and its convention signed in
    # September: the committees of 2024 and 2025 see it voted, then signed.
    Operation.objects.exclude(state="draft").update(submitted_at=local_datetime(D(2024, 2, 1)))
    steps = OperationEvent.objects.filter(operation__in=[voted, waiting])
    steps.update(at=local_datetime(D(2024, 2, 1)))
    steps.filter(transition=GRANT).update(at=local_datetime(D(2024, 3, 25)))
    steps.filter(transition=SIGN_AGREEMENT).update(at=local_datetime(D(2024, 9, 2)))
    kept = operation_services.commitment_add(
        actor=agent,
        contract=lens_contract,
        operation=voted,
        kind="placements",
        description="Stages",
    )
    operation_services.commitment_add(
        actor=agent, contract=lens_contract, kind="other", description="Entretien des sentiers"
    )
    operation_services.commitment_report(actor=users["test-partner"], commitment=kept, report="8")
    operation_services.commitment_validate(actor=agent, commitment=kept, accept=True)

    before = contract_services.committee_hold(
        actor=agent, contract=lens_contract, held_on=D(2024, 6, 10), attendees="M. le Président"
    )
    after = contract_services.committee_hold(
        actor=agent, contract=lens_contract, held_on=D(2025, 6, 10), attendees="M. le Président"
    )
    rows = {o["title"]: o for o in after.progress["operations"]}
    assert set(rows) == {"Véloroute", "Halle couverte"}  # not the partner's draft
    assert (rows["Véloroute"]["voted_amount"], rows["Véloroute"]["paid_amount"]) == (
        "135000.00",
        "40500.00",
    )
    assert (rows["Halle couverte"]["voted_amount"], rows["Halle couverte"]["state"]) == (
        "0.00",
        "Déposée",
    )
    assert after.progress["totals"] == {"voted_amount": "135000.00", "paid_amount": "40500.00"}
    # A year earlier, the subsidy was voted but nothing paid yet, its convention not signed.
    assert before.progress["totals"] == {"voted_amount": "135000.00", "paid_amount": "0.00"}
    states = {o["title"]: o["state"] for o in before.progress["operations"]}
    assert states == {"Véloroute": "Subvention votée", "Halle couverte": "Déposée"}
    assert rows["Véloroute"]["state"] == "Convention signée"
    assert (after.progress["commitments"]["met"], after.progress["commitments"]["total"]) == (1, 2)

    page = client_for("partner").get(f"/comites/{after.pk}/").content.decode()
    assert "135\u202f000,00\xa0€" in page and "40\u202f500,00\xa0€" in page
    assert "1 sur 2" in page and "Véloroute" in page and "Brouillon du partenaire" not in page


def test_an_operation_deposited_after_the_committee_is_not_in_its_pack(lens_contract, users, ap):
    operation = make_operation(lens_contract, users["test-partner"], title="Médiathèque")
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    held = contract_services.committee_hold(
        actor=users["test-agent"],
        contract=lens_contract,
        held_on=datetime.date(2025, 6, 10),
        attendees="M. le Président",
    )
    assert held.progress["operations"] == []
    assert held.progress["totals"] == {"voted_amount": "0.00", "paid_amount": "0.00"}
