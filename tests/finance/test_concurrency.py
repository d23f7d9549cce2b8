"""Two officers at the same moment: one success, one clear refusal. Real threads, real
connections, committed data (on PostgreSQL the row locks decide; SQLite serialises writers)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from pacte.contracts.models import Generation
from pacte.core.models import User
from pacte.finance import services
from pacte.finance.models import Commitment, PaymentRequest, ProgrammeAuthorisation
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW

from .conftest import D, voted_operation

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(*calls):
    """Run the calls in threads released together; return (successes, refusals)."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call):
        try:
            barrier.wait()
            call()
            results.append("ok")
        except ValidationError as exc:
            results.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results.count("ok"), [r for r in results if r != "ok"]


@pytest.fixture
def world(users, lens_contract, arras_contract):
    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    ap = services.ap_create(
        actor=users["test-finance"],
        generation=generation,
        label="FIT",
        amount=Decimal("300000.00"),
        deliberation_number="2023-001",
        voted_on=D(2023, 1, 30),
    )
    services.cp_set(
        actor=users["test-finance"], authorisation=ap, year=2025, amount=Decimal("100000.00")
    )
    return ap


def test_two_officers_paying_the_last_credits_get_one_success(
    world, users, lens_contract, arras_contract
):
    first, _ = voted_operation(lens_contract, users, amount="135000.00")
    second, _ = voted_operation(arras_contract, users, amount="135000.00", title="Parking")
    requests = []
    for operation, partner in [(first, "test-partner"), (second, "test-partner2")]:
        request = services.payment_request_create(
            actor=users[partner], operation=operation, kind="advance", amount=Decimal("40000.00")
        )
        services.payment_check(actor=users["test-agent"], payment=request)
        requests.append(request)
    services.cp_set(
        actor=users["test-finance"], authorisation=world, year=2025, amount=Decimal("60000.00")
    )
    officer = User.objects.get(username="test-finance")
    admin = User.objects.get(username="test-admin")
    ok, refusals = race(
        lambda: services.payment_pay(
            actor=officer, payment=requests[0], mandate_number="M-A", paid_on=D(2025, 3, 3)
        ),
        lambda: services.payment_pay(
            actor=admin, payment=requests[1], mandate_number="M-B", paid_on=D(2025, 3, 3)
        ),
    )
    assert ok == 1 and len(refusals) == 1
    assert "crédits de paiement 2025 ne suffisent pas" in refusals[0]
    assert PaymentRequest.objects.filter(state="paid").count() == 1
    assert services.paid_total(authorisation=world, year=2025) == Decimal("40000.00")


def test_two_votes_on_the_last_euros_of_the_ap_get_one_success(
    world, users, lens_contract, arras_contract
):
    from pacte.operations import services as operation_services
    from tests.finance.conftest import SHEET, make_operation

    scheduled = []
    for contract, partner in [(lens_contract, "test-partner"), (arras_contract, "test-partner2")]:
        operation = make_operation(contract, users[partner], title=f"Projet {partner}")
        operation_services.operation_submit(actor=users[partner], operation=operation)
        operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
        operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
        operation.refresh_from_db()
        operation_services.operation_mark_sheet_ready(
            actor=users["test-agent"], operation=operation
        )
        OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
        scheduled.append(operation)
    voted_operation(lens_contract, users, amount="135000.00", title="Déjà voté")
    # 300 000 € voted, 135 000 € committed: 165 000 € left for two votes of 100 000 €.
    assembly = User.objects.get(username="test-assembly")
    ok, refusals = race(
        *[
            (
                lambda op=op: services.commit_subsidy(
                    actor=assembly,
                    operation=op,
                    amount=Decimal("100000.00"),
                    voted_on=D(2024, 6, 3),
                )
            )
            for op in scheduled
        ]
    )
    assert ok == 1 and "L'autorisation de programme ne suffit pas" in refusals[0]
    assert Commitment.objects.count() == 2
    assert Operation.objects.filter(pk__in=[o.pk for o in scheduled], state="voted").count() == 1
    ap = ProgrammeAuthorisation.objects.get()
    assert services.committed_total(ap) == Decimal("235000.00") <= ap.amount
