"""Demo AP of the Fonds d'Innovation Territorial for 2023-2026, its CP, and payments consistent
with the demo operations' states, dated by each operation's story from the day the demo is
built: requested after the convention's signature, checked by the agent, paid some weeks later;
a few still waiting for the agent or for the finance, one refused; one start extended, one
subsidy lapsed. The figures are demo values (the real AP is not in the seed)."""

import contextlib
import datetime
import random
from collections.abc import Iterator
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone

from pacte.core.models import AuditEvent, User
from pacte.core.roles import Role
from pacte.finance import services
from pacte.finance.models import (
    Commitment,
    CommitmentEvent,
    PaymentEvent,
    PaymentRequest,
    ProgrammeAuthorisation,
)
from pacte.finance.workflows import CHECK
from pacte.operations import services as operation_services
from pacte.operations.financing import summarise
from pacte.operations.models import Attachment, Operation, OperationEvent
from pacte.operations.workflows import SIGN_AGREEMENT

AP_AMOUNT = Decimal("30000000.00")
AP_VOTED_ON = datetime.date(2023, 1, 30)
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
        voted_on=AP_VOTED_ON,
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


DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)

# The stories of the operations under way, beyond their advance paid: those of the partners
# whose users log in to the demo first (« partenaire2 » sees its refused instalment).
UNDER_WAY_STORIES = [
    "instalment_refused",
    "instalment_checked",
    "balance_checked",
    "instalment_requested",
    "instalment_paid",
]
REFUSAL = (
    "L'état récapitulatif des dépenses n'est pas visé par le comptable public. Merci de "
    "joindre l'état visé à une nouvelle demande."
)
EXTENSION = (
    "Permis de construire délivré avec retard à la suite d'un recours, sans faute du porteur."
)
LAPSE = (
    "Travaux non commencés dans le délai de commencement, sans demande de prorogation. Le "
    "reliquat revient à l'autorisation de programme."
)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


def _last_pk(model: type[models.Model]) -> int:
    return model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0


@contextlib.contextmanager
def _dated(
    *,
    request: datetime.date | None = None,
    check: datetime.date | None = None,
    settle: datetime.date | None = None,
) -> Iterator[None]:
    """The services stamp their writes with the moment the demo is built: those made inside
    get the day of their step instead. The request and its evidence on `request`, the agent's
    check on `check`, the payment, the refusal, the settlement, the completion, an extension or
    a lapse on `settle`: their record, their history rows and their audit rows."""
    written = [PaymentRequest, Attachment, PaymentEvent, CommitmentEvent, OperationEvent]
    marks = {model: _last_pk(model) for model in [*written, AuditEvent]}
    yield
    steps = {"request": request, "check": check, "settle": settle}
    hours = {"request": 10, "check": 11, "settle": 15}
    now = timezone.now()  # a step of today is never at an hour still to come
    given = {
        name: min(_at(day, hours[name]), now - MINUTE * (2 - rank))
        for rank, (name, day) in enumerate(steps.items())
        if day is not None
    }
    # A write of a step without its day takes the latest day given.
    times = {name: given.get(name, max(given.values())) for name in steps}
    if "request" in times:
        for model, field in [(PaymentRequest, "requested_at"), (Attachment, "uploaded_at")]:
            model.objects.filter(pk__gt=marks[model]).update(**{field: times["request"]})
    for model in [PaymentEvent, CommitmentEvent, OperationEvent]:
        for row in model.objects.filter(pk__gt=marks[model]):
            step = "check" if row.transition == CHECK else "settle"
            model.objects.filter(pk=row.pk).update(at=times[step])
    for row in AuditEvent.objects.filter(pk__gt=marks[AuditEvent]):
        if row.action in {"payment.request", "operation.attachment"}:
            step = "request"
        else:
            step = "check" if row.action.endswith(".check") else "settle"
        AuditEvent.objects.filter(pk=row.pk).update(at=times[step])


def _signed_on(operation) -> datetime.date:
    at = (
        OperationEvent.objects.filter(operation=operation, transition=SIGN_AGREEMENT)
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localtime(at).date()


def _steps(rng, requested: datetime.date, today: datetime.date):
    """A payment's check a few days after its request, and its mandate some weeks later, by
    yesterday at the latest."""
    requested = min(requested, today - DAY * 3)
    checked = requested + DAY * rng.randrange(2, 9)
    paid = min(checked + DAY * rng.randrange(10, 31), today - DAY)
    return requested, min(checked, paid), paid


@transaction.atomic
def seed_payments(generation, complete=(), advances=()) -> None:
    """For every operation under way, an advance requested once the convention is signed and
    the works begin, paid some weeks later; for five of them, an instalment or the balance
    refused, waiting for the agent's check or for the mandate, or paid; for those in
    `complete`, the balance paid (which completes them); for the signed operations in
    `advances`, an advance waiting for the mandate, then one waiting for the agent's check."""
    officer = _officer()
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    rng = random.Random(2024)
    today = timezone.localdate()
    operations = list(
        Operation.objects.filter(
            contract__generation=generation,
            state=Operation.State.WORKS_STARTED,
            commitment__isnull=False,
        )
        .select_related("commitment", "contract__partner")
        .order_by("pk")
    )
    completing = {operation.pk for operation in complete}
    under_way = sorted(
        (o for o in operations if o.pk not in completing),
        key=lambda o: (not _logs_in(o), o.pk),
    )
    stories = {o.pk: story for o, story in zip(under_way, UNDER_WAY_STORIES, strict=False)}
    for index, operation in enumerate(operations, start=1):
        commitment = operation.commitment
        if commitment.payments.exists():
            continue
        contact = _contact(operation, agent)
        started = operation.works_started_on
        requested = max(
            _signed_on(operation) + DAY * rng.randrange(5, 20),
            started + DAY * rng.randrange(-10, 20),
        )
        requested, checked, paid = _steps(rng, requested, today)
        with _dated(request=requested, check=checked, settle=paid):
            request = services.payment_request_create(
                actor=contact,
                operation=operation,
                kind=PaymentRequest.Kind.ADVANCE,
                amount=_share(commitment, "0.30"),
            )
            services.payment_check(actor=agent, payment=request)
            services.payment_pay(
                actor=officer, payment=request, mandate_number=f"M-{index:05d}", paid_on=paid
            )
        story = stories.get(operation.pk)
        if operation.pk in completing:
            balance = min(
                started + DAY * rng.randrange(330, 540), today - DAY * rng.randrange(50, 110)
            )
            _pay_balance(operation, officer, agent, max(balance, paid + DAY * 30), rng, today)
        elif story == "instalment_paid":
            later = min(paid + DAY * rng.randrange(120, 240), today - DAY * 40)
            _instalment(operation, contact, agent, officer, *_steps(rng, later, today))
        elif story == "instalment_refused":
            asked = today - DAY * rng.randrange(40, 70)
            refused = asked + DAY * rng.randrange(5, 12)
            with _dated(request=asked, settle=refused):
                request = _instalment_request(operation, contact)
                services.payment_refuse(actor=agent, payment=request, reason=REFUSAL)
        elif story == "instalment_checked":
            asked = today - DAY * rng.randrange(8, 20)
            _instalment(operation, contact, agent, None, asked, asked + DAY * rng.randrange(1, 6))
        elif story == "instalment_requested":
            _instalment(operation, contact, None, None, today - DAY * rng.randrange(1, 6))
        elif story == "balance_checked":
            asked = today - DAY * rng.randrange(10, 25)
            _balance_request(operation, contact, agent, asked, asked + DAY * rng.randrange(2, 7))
    for number, pk in enumerate(advances):
        operation = Operation.objects.select_related("commitment", "contract__partner").get(pk=pk)
        signed = _signed_on(operation)
        asked = min(
            today - DAY,
            max(signed + DAY * rng.randrange(5, 20), today - DAY * rng.randrange(5, 25)),
        )
        checked = min(today, asked + DAY * rng.randrange(1, 5)) if number == 0 else None
        with _dated(request=asked, check=checked):
            request = services.payment_request_create(
                actor=_contact(operation, agent),
                operation=operation,
                kind=PaymentRequest.Kind.ADVANCE,
                amount=_share(operation.commitment, "0.30"),
            )
            if checked:
                services.payment_check(actor=agent, payment=request)


def _logs_in(operation) -> bool:
    """Whether a user of the operation's partner logs in to the demo."""
    return any(u.has_usable_password() for u in operation.contract.partner.users.all())


def _share(commitment, rate: str) -> Decimal:
    return (commitment.amount * Decimal(rate)).quantize(Decimal("0.01"))


def _evidence(operation, contact, kinds):
    return [
        operation_services.attachment_add(
            actor=contact,
            operation=operation,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
        )
        for kind in kinds
    ]


def _instalment_request(operation, contact):
    """An instalment of 30 % of the subsidy, with the statement of the expenses paid."""
    return services.payment_request_create(
        actor=contact,
        operation=operation,
        kind=PaymentRequest.Kind.INSTALMENT,
        amount=_share(operation.commitment, "0.30"),
        evidence=_evidence(operation, contact, [Attachment.Kind.EXPENSE_STATEMENT]),
    )


def _instalment(operation, contact, agent, officer, asked, checked=None, paid=None):
    """An instalment requested on `asked`; checked by `agent` on `checked`, paid by `officer`
    on `paid`, when given."""
    with _dated(request=asked, check=checked, settle=paid):
        request = _instalment_request(operation, contact)
        if agent:
            services.payment_check(actor=agent, payment=request)
        if officer:
            services.payment_pay(
                actor=officer,
                payment=request,
                mandate_number=f"M-A{operation.pk:05d}",
                paid_on=paid,
            )


def _balance_request(operation, contact, agent, asked, checked, officer=None, paid=None):
    """The balance requested on `asked` with the statement of the expenses and the certificate
    of completion (actual expenses 5 % under the plan: the balance is computed pro rata),
    checked on `checked`; paid on `paid`, which completes the operation, when given."""
    commitment = operation.commitment
    with _dated(request=asked, check=checked, settle=paid):
        evidence = _evidence(
            operation, contact, [Attachment.Kind.EXPENSE_STATEMENT, Attachment.Kind.COMPLETION]
        )
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
        if officer:
            services.payment_pay(
                actor=officer,
                payment=request,
                mandate_number=f"M-S{operation.pk:05d}",
                paid_on=paid,
            )


def _pay_balance(operation, officer, agent, asked, rng, today):
    asked, checked, paid = _steps(rng, asked, today)
    _balance_request(
        operation, _contact(operation, agent), agent, asked, checked, officer=officer, paid=paid
    )


@transaction.atomic
def seed_lapses(*, extended=(), lapsed=()) -> None:
    """The deadlines' stories: for the operations in `extended`, the start extended by the fund's
    manager some weeks before its deadline; for those in `lapsed`, the lapse recorded a few weeks
    after the start deadline passed (the works never began), its remainder back to the AP."""
    officer = _officer()
    rng = random.Random(2025)
    today = timezone.localdate()
    for pk in extended:
        commitment = Commitment.objects.select_related("operation").get(operation_id=pk)
        deadline = services.deadlines(commitment)["start"]
        on = min(today - DAY, deadline - DAY * rng.randrange(20, 60))
        with _dated(settle=on):
            services.commitment_extend_start(actor=officer, commitment=commitment, reason=EXTENSION)
    for pk in lapsed:
        commitment = Commitment.objects.select_related("operation").get(operation_id=pk)
        deadline = services.deadlines(commitment)["start"]
        on = min(today - DAY, deadline + DAY * rng.randrange(14, 35))
        with _dated(settle=on):
            services.commitment_lapse(actor=officer, commitment=commitment, reason=LAPSE, on=on)
