"""Data for the dashboards' tests, made by the project's services; dates that the services stamp
with "now" (deposit, history rows) are then set to the story each test tells."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pacte.finance import services as finance_services
from pacte.operations import services as operation_services
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.workflows import OPERATION_WORKFLOW
from tests.finance.conftest import ap  # noqa: F401 — the generation's AP, 1 000 000 €
from tests.history.conftest import imported, previous  # noqa: F401 — the past generation's file
from tests.operations.conftest import (  # noqa: F401 — shared fixtures and helpers
    SHEET,
    arras_contract,
    lens_contract,
    make_operation,
    signed_contract,
)

D = datetime.date
PARIS = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def no_dashboard_cache(settings):
    """Each test computes its figures: the audit numbers that key the cache start again after
    each test's rollback, so a figure kept by one test could answer the next."""
    settings.PACTE_PILOTAGE_CACHE_SECONDS = 0


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An aware datetime in Paris."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def partner_user_of(contract, users):
    from pacte.core.models import User

    return User.objects.filter(partner=contract.partner).order_by("pk").first()


def operation_to(
    contract,
    users,
    state: str,
    *,
    submitted: datetime.datetime | None = None,
    voted_on: datetime.date | None = None,
    amount: str = "100000.00",
    signed: datetime.datetime | None = None,
    title: str = "Opération",
) -> Operation:
    """An operation taken by the services to `state` (draft, submitted, in_review, voted,
    agreement_signed), with its deposit and its convention's history row dated as asked."""
    partner = partner_user_of(contract, users)
    operation = make_operation(contract, partner, title=title)
    if state == "draft":
        return operation
    operation_services.operation_submit(actor=partner, operation=operation)
    if submitted:
        Operation.objects.filter(pk=operation.pk).update(submitted_at=submitted)
    if state == "submitted":
        return _fresh(operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    if state == "in_review":
        return _fresh(operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    finance_services.commit_subsidy(
        actor=users["test-assembly"],
        operation=operation,
        amount=Decimal(amount),
        voted_on=voted_on,
        deliberation_number=f"{voted_on.year}-100",
    )
    if state == "voted":
        return _fresh(operation)
    OPERATION_WORKFLOW.apply(operation, "sign_agreement", actor=users["test-agent"])
    if signed:
        OperationEvent.objects.filter(operation=operation, transition="sign_agreement").update(
            at=signed
        )
    return _fresh(operation)


def pay(operation, users, *, amount: str, paid_on: datetime.date, mandate: str):
    """An advance asked by the partner, checked by the agent, paid by the finance officer."""
    payment = finance_services.payment_request_create(
        actor=partner_user_of(operation.contract, users),
        operation=operation,
        kind="advance",
        amount=Decimal(amount),
    )
    finance_services.payment_check(actor=users["test-agent"], payment=payment)
    finance_services.payment_pay(
        actor=users["test-finance"], payment=payment, mandate_number=mandate, paid_on=paid_on
    )
    payment.refresh_from_db()
    return payment


def _fresh(operation):
    operation.refresh_from_db()
    return operation
