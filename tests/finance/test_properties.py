"""Random sequences of votes, payment requests, payments and lapses never break the fund's
invariants (hypothesis). Each example works on its own generation and AP."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacte.contracts import services as contract_services
from pacte.contracts.models import Generation, Pact, Partner
from pacte.core.workflow import TransitionRefused
from pacte.finance import services
from pacte.finance.models import Commitment, PaymentRequest
from pacte.operations import services as operation_services
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW
from tests.finance.conftest import SHEET
from tests.operations.conftest import make_operation

pytestmark = pytest.mark.django_db
D = datetime.date

amounts = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("200000.00"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("vote"), st.integers(0, 3), amounts),
        st.tuples(
            st.just("request"),
            st.integers(0, 3),
            amounts,
            st.sampled_from(["advance", "instalment"]),
        ),
        st.tuples(st.just("pay"), st.integers(0, 20), st.integers(2023, 2027)),
        st.tuples(st.just("lapse"), st.integers(0, 3)),
        st.tuples(st.just("cp"), st.integers(2023, 2027), amounts),
    ),
    min_size=1,
    max_size=25,
)
counter = {"n": 0}


def world(users):
    counter["n"] += 1
    generation = Generation.objects.create(
        name=f"Génération de test {counter['n']}",
        period_start=D(2023, 1, 1),
        period_end=D(2026, 12, 31),
    )
    Pact.objects.create(generation=generation, name="Pacte des solidarités territoriales")
    partner = Partner.objects.get(siren="246200364")
    agent = users["test-agent"]
    contract = contract_services.contract_create(
        actor=agent, generation=generation, partner=partner
    )
    contract_services.stake_add(
        actor=agent, contract=contract, title="Enjeu", pacts=list(generation.pacts.all())
    )
    contract_services.contract_agree(actor=agent, contract=contract)
    contract_services.contract_vote(
        actor=agent, contract=contract, deliberation_number="2023-100", vote_date=D(2023, 3, 27)
    )
    ap = services.ap_create(
        actor=users["test-finance"],
        generation=generation,
        label="AP",
        amount=Decimal("300000.00"),
        deliberation_number="2023-1",
        voted_on=D(2023, 1, 30),
    )
    operations = []
    for index in range(4):
        operation = make_operation(contract, users["test-partner"], title=f"Projet {index}")
        operation_services.operation_submit(actor=users["test-partner"], operation=operation)
        operation_services.operation_take_charge(actor=agent, operation=operation)
        operation_services.operation_update(actor=agent, operation=operation, **SHEET)
        operation.refresh_from_db()
        operation_services.operation_mark_sheet_ready(actor=agent, operation=operation)
        OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
        operations.append(operation)
    return ap, operations


def check_invariants(ap):
    ap.refresh_from_db()
    assert services.committed_total(ap) <= ap.amount
    for credit in ap.credits.all():
        assert services.paid_total(authorisation=ap, year=credit.year) <= credit.amount
    for commitment in Commitment.objects.filter(authorisation=ap):
        assert services.paid_total(commitment=commitment) <= commitment.net_amount
        assert commitment.net_amount >= 0
    paid_without_credit = PaymentRequest.objects.filter(
        commitment__authorisation=ap, state="paid"
    ).exclude(paid_on__year__in=ap.credits.values_list("year", flat=True))
    assert not paid_without_credit.exists()
    for payment in PaymentRequest.objects.filter(commitment__authorisation=ap, state="paid"):
        assert payment.commitment.operation.state in {
            "agreement_signed",
            "works_started",
            "completed",
            "lapsed",
        }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_random_sequences_never_break_the_invariants(users, sequence):
    with transaction.atomic():
        ap, operations = world(users)
        finance, agent = users["test-finance"], users["test-agent"]
        for step in sequence:
            try:
                with transaction.atomic():
                    if step[0] == "vote":
                        operation = operations[step[1]]
                        services.commit_subsidy(
                            actor=users["test-assembly"],
                            operation=operation,
                            amount=step[2],
                            voted_on=D(2024, 3, 1),
                        )
                        OPERATION_WORKFLOW.apply(operation, "sign_agreement", actor=agent)
                    elif step[0] == "request":
                        operation = Operation.objects.get(pk=operations[step[1]].pk)
                        request = services.payment_request_create(
                            actor=users["test-partner"],
                            operation=operation,
                            kind=step[3],
                            amount=step[2],
                            evidence=operation.attachments.filter(kind="estimate"),
                        )
                        services.payment_check(actor=agent, payment=request)
                    elif step[0] == "pay":
                        pending = list(
                            PaymentRequest.objects.filter(
                                commitment__authorisation=ap, state="checked"
                            ).order_by("pk")
                        )
                        if pending:
                            payment = pending[step[1] % len(pending)]
                            services.payment_pay(
                                actor=finance,
                                payment=payment,
                                mandate_number=f"P{counter['n']}-{payment.pk}",
                                paid_on=D(step[2], 6, 1),
                            )
                    elif step[0] == "lapse":
                        commitment = Commitment.objects.filter(
                            operation=operations[step[1]]
                        ).first()
                        if commitment:
                            for pending in commitment.payments.filter(
                                state__in=["requested", "checked"]
                            ):
                                services.payment_refuse(
                                    actor=agent, payment=pending, reason="Caducité"
                                )
                            services.commitment_lapse(
                                actor=finance,
                                commitment=commitment,
                                reason="Délai dépassé",
                                on=D(2026, 6, 1),
                            )
                    elif step[0] == "cp":
                        services.cp_set(
                            actor=finance, authorisation=ap, year=step[1], amount=step[2]
                        )
            except (ValidationError, TransitionRefused):
                pass
            check_invariants(ap)
        transaction.set_rollback(True)
