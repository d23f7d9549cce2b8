"""Demo AP of the Fonds d'Innovation Territorial for 2023-2026, its CP, and payments consistent
with the demo operations' states. The figures are demo values (the real AP is not in the seed)."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from pacte.core.models import User
from pacte.core.roles import Role
from pacte.finance import services
from pacte.finance.models import PaymentRequest, ProgrammeAuthorisation
from pacte.operations import services as operation_services
from pacte.operations.financing import summarise
from pacte.operations.models import Attachment, Operation

AP_AMOUNT = Decimal("30000000.00")
CP = {2023: "2000000", 2024: "6000000", 2025: "8000000", 2026: "9000000", 2027: "5000000"}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _officer():
    return (
        User.objects.filter(role__in=[Role.FINANCE, Role.ADMIN], is_active=True)
        .order_by("-role", "pk")
        .first()
    )


@transaction.atomic
def seed_ap(generation) -> ProgrammeAuthorisation:
    existing = ProgrammeAuthorisation.objects.filter(generation=generation).first()
    if existing:
        return existing
    officer = _officer()
    ap = services.ap_create(
        actor=officer,
        generation=generation,
        label="Fonds d'Innovation Territorial 2023-2026",
        amount=AP_AMOUNT,
        deliberation_number="2023-001",
        voted_on=datetime.date(2023, 1, 30),
    )
    for year, amount in CP.items():
        services.cp_set(
            actor=officer,
            authorisation=ap,
            year=year,
            amount=Decimal(amount),
            deliberation_number=f"{year}-001" if year < 2027 else "",
        )
    return ap


def _contact(operation, fallback):
    return operation.contract.partner.users.filter(is_active=True).order_by("pk").first() or (
        fallback
    )


@transaction.atomic
def seed_payments(generation, complete=()) -> None:
    """An advance for every operation under way; for those in `complete`, the balance too."""
    officer = _officer()
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    operations = (
        Operation.objects.filter(
            contract__generation=generation,
            state=Operation.State.WORKS_STARTED,
            commitment__isnull=False,
        )
        .select_related("commitment", "contract__partner")
        .order_by("pk")
    )
    for index, operation in enumerate(operations, start=1):
        commitment = operation.commitment
        if commitment.payments.exists():
            continue
        advance = (commitment.amount * Decimal("0.30")).quantize(Decimal("0.01"))
        request = services.payment_request_create(
            actor=_contact(operation, agent),
            operation=operation,
            kind=PaymentRequest.Kind.ADVANCE,
            amount=advance,
        )
        services.payment_check(actor=agent, payment=request)
        paid_on = min(
            max(operation.works_started_on, datetime.date(2024, 1, 10)), datetime.date(2026, 10, 30)
        )
        services.payment_pay(
            actor=officer, payment=request, mandate_number=f"M-{index:05d}", paid_on=paid_on
        )
    for operation in complete:
        operation.refresh_from_db()
        _pay_balance(operation, officer, agent)


def _pay_balance(operation, officer, agent):
    commitment = operation.commitment
    contact = _contact(operation, agent)
    evidence = [
        operation_services.attachment_add(
            actor=contact,
            operation=operation,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
        )
        for kind in [Attachment.Kind.EXPENSE_STATEMENT, Attachment.Kind.COMPLETION]
    ]
    # Actual expenses 5 % under the plan: the balance is computed pro rata.
    actual = (summarise(operation).basis * Decimal("0.95")).quantize(Decimal("0.01"))
    request = services.payment_request_create(
        actor=contact,
        operation=operation,
        kind=PaymentRequest.Kind.BALANCE,
        amount=services.balance_due(commitment, actual),
        actual_expenses=actual,
        evidence=evidence,
    )
    services.payment_check(actor=agent, payment=request)
    services.payment_pay(
        actor=officer,
        payment=request,
        mandate_number=f"M-S{operation.pk:05d}",
        paid_on=datetime.date(2026, 6, 15),
    )
