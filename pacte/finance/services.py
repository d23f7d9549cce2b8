"""Writes on the fund: AP and its revisions, CP, commitments, payments, lapse.

Invariants, each guarded here under a row lock and tested:
- Σ net commitments ≤ the AP's amount (current revision);
- Σ payments of year N ≤ the CP of year N;
- Σ payments of an operation ≤ its net commitment;
- no payment before the agreement is signed; thresholds of the generation for advances and
  instalments; the balance pro rata of the actual expenses when they fall short of the plan.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeAlias, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from pacte.contracts.models import Generation
from pacte.core import notifications, policy, settings_history
from pacte.core.audit import audit
from pacte.core.dates import add_years
from pacte.core.french import format_date, format_decimal, format_money
from pacte.core.models import User
from pacte.core.money import MAX_AMOUNT, cents, fits
from pacte.core.workflow import HistoryRow
from pacte.operations import notifications as operation_notifications
from pacte.operations.financing import summarise
from pacte.operations.models import Attachment, Operation
from pacte.operations.workflows import COMPLETE, GRANT, LAPSE, OPERATION_WORKFLOW, SIGN_AGREEMENT

from . import notifications as finance_notifications
from .models import (
    ZERO,
    APRevision,
    Commitment,
    LapseAlert,
    PaymentCredit,
    PaymentRequest,
    ProgrammeAuthorisation,
)
from .workflows import COMMITMENT_WORKFLOW, PAYMENT_WORKFLOW

# An amount as typed or sent: checked and made a Decimal here.
Amount: TypeAlias = Decimal | int | str


def _positive(amount: Amount, label: str) -> Decimal:
    """`amount` as a Decimal: positive, to the cent, and within what a money field holds."""
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        amount = Decimal("NaN")
    if not fits(amount) or amount <= 0 or amount != cents(amount):
        raise ValidationError(
            f"{label} : un montant positif, au centime près, d'au plus {format_money(MAX_AMOUNT)}."
        )
    return amount


def committed_total(authorisation: ProgrammeAuthorisation) -> Decimal:
    totals = authorisation.commitments.aggregate(a=Sum("amount"), lapsed=Sum("lapsed_amount"))
    committed: Decimal = (totals["a"] or ZERO) - (totals["lapsed"] or ZERO)
    return committed


def paid_total(
    *,
    commitment: Commitment | None = None,
    authorisation: ProgrammeAuthorisation | None = None,
    year: int | None = None,
) -> Decimal:
    qs = PaymentRequest.objects.filter(state=PaymentRequest.State.PAID)
    if commitment is not None:
        qs = qs.filter(commitment=commitment)
    if authorisation is not None:
        qs = qs.filter(commitment__authorisation=authorisation)
    if year is not None:
        qs = qs.filter(paid_on__year=year)
    paid: Decimal = qs.aggregate(t=Sum("paid_amount"))["t"] or ZERO
    return paid


# --- AP and CP -----------------------------------------------------------------------------


@transaction.atomic
def ap_create(
    *,
    actor: User | None,
    generation: Generation,
    label: str,
    amount: Amount,
    deliberation_number: str,
    voted_on: datetime.date,
) -> ProgrammeAuthorisation:
    policy.require(actor, "authorisation", "create")
    amount = _positive(amount, "Montant de l'AP")
    if ProgrammeAuthorisation.objects.filter(generation=generation).exists():
        raise ValidationError("Cette génération a déjà son autorisation de programme : révisez-la.")
    ap = ProgrammeAuthorisation.objects.create(
        generation=generation, label=label.strip(), amount=amount
    )
    APRevision.objects.create(
        authorisation=ap,
        number=0,
        amount=amount,
        deliberation_number=deliberation_number.strip(),
        voted_on=voted_on,
        reason="Vote initial",
        created_by=actor,
    )
    change = settings_history.change
    audit(
        actor=actor,
        action="ap.create",
        obj=ap,
        summary=f"AP « {ap.label} » : {format_money(amount)}",
        data=settings_history.data(
            ap,
            actor,
            [
                change("intitulé", None, ap.label, field="label", text=True),
                change("montant en vigueur", None, format_money(amount), field="amount"),
                change("vote initial", None, _deliberation(deliberation_number, voted_on)),
            ],
        ),
    )
    return ap


def _deliberation(number: str, voted_on: datetime.date) -> str:
    """« délibération 2024-12 du 10/02/2024 »."""
    return f"délibération {number.strip()} du {format_date(voted_on)}"


@transaction.atomic
def ap_revise(
    *,
    actor: User | None,
    authorisation: ProgrammeAuthorisation,
    amount: Amount,
    deliberation_number: str,
    voted_on: datetime.date,
    reason: str = "",
) -> APRevision:
    policy.require(actor, "authorisation", "change", authorisation)
    amount = _positive(amount, "Montant révisé")
    ap = ProgrammeAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    policy.require(actor, "authorisation", "change", ap)
    committed = committed_total(ap)
    if amount < committed:
        raise ValidationError(
            f"L'AP ne peut descendre sous ce qui est déjà engagé ({format_money(committed)})."
        )
    number = ap.revisions.count()
    revision = APRevision.objects.create(
        authorisation=ap,
        number=number,
        amount=amount,
        deliberation_number=deliberation_number.strip(),
        voted_on=voted_on,
        reason=reason.strip(),
        created_by=actor,
    )
    previous = ap.amount
    ap.amount = amount
    ap.save(update_fields=["amount"])
    change = settings_history.change
    audit(
        actor=actor,
        action="ap.revise",
        obj=ap,
        summary=f"Révision n°{number} de l'AP : {format_money(previous)} → {format_money(amount)}",
        data=settings_history.data(
            ap,
            actor,
            [
                change(
                    "montant en vigueur",
                    format_money(previous),
                    format_money(amount),
                    field="amount",
                ),
                change(
                    f"révision n°{number}",
                    None,
                    _deliberation(deliberation_number, voted_on)
                    + (f", « {reason.strip()} »" if reason.strip() else ""),
                ),
            ],
        ),
    )
    authorisation.amount = amount
    return revision


@transaction.atomic
def cp_set(
    *,
    actor: User | None,
    authorisation: ProgrammeAuthorisation,
    year: int,
    amount: Amount,
    deliberation_number: str = "",
) -> PaymentCredit:
    policy.require(actor, "authorisation", "change", authorisation)
    amount = Decimal(amount)
    if amount < 0 or amount != cents(amount):
        raise ValidationError("Crédits de paiement : un montant positif ou nul, au centime près.")
    period = authorisation.generation
    if not (period.period_start.year <= year <= period.period_end.year + 4):
        raise ValidationError(f"L'exercice {year} est hors de la période de l'AP.")
    credit = (
        PaymentCredit.objects.select_for_update()
        .filter(authorisation=authorisation, year=year)
        .first()
    )
    paid = paid_total(authorisation=authorisation, year=year)
    if amount < paid:
        raise ValidationError(
            f"Les CP {year} ne peuvent descendre sous ce qui est déjà payé ({format_money(paid)})."
        )
    before = (
        (format_money(credit.amount), credit.deliberation_number)
        if credit is not None
        else (None, None)
    )
    if credit is None:
        credit = PaymentCredit.objects.create(
            authorisation=authorisation,
            year=year,
            amount=amount,
            deliberation_number=deliberation_number,
        )
    else:
        credit.amount = amount
        credit.deliberation_number = deliberation_number or credit.deliberation_number
        credit.save(update_fields=["amount", "deliberation_number"])
    changes = [settings_history.change("montant", before[0], format_money(amount), field="amount")]
    if credit.deliberation_number != (before[1] or ""):
        changes.append(
            settings_history.change(
                "délibération",
                None if before[0] is None else (before[1] or settings_history.EMPTY),
                credit.deliberation_number,
                field="deliberation_number",
            )
        )
    audit(
        actor=actor,
        action="cp.set",
        obj=credit,
        summary=f"CP {year} : {format_money(amount)}",
        data=settings_history.data(credit, actor, changes),
    )
    return credit


# --- Commitment at the vote ----------------------------------------------------------------


def amount_voted_on(authorisation: ProgrammeAuthorisation, day: datetime.date) -> Decimal | None:
    """The AP's amount as voted on that day: that of its latest revision voted that day or
    before; None if it was not voted yet."""
    amount: Decimal | None = (
        authorisation.revisions.filter(voted_on__lte=day)
        .order_by("-voted_on", "-number")
        .values_list("amount", flat=True)
        .first()
    )
    return amount


def check_commitment_fits(
    *,
    authorisation: ProgrammeAuthorisation,
    amounts: Iterable[Amount],
    on: datetime.date | None = None,
) -> None:
    """Refuse, with the figures, a set of subsidies that would exceed the AP. With `on` (the
    day of the sitting that commits), the AP is taken as voted that day: a sitting allocates
    only within an AP already voted (CGCT L3211-2, L3312-4). No write."""
    total = sum((Decimal(a) for a in amounts), ZERO)
    voted = authorisation.amount
    if on is not None:
        as_voted = amount_voted_on(authorisation, on)
        if as_voted is None:
            first = authorisation.revisions.order_by("voted_on").first()
            raise ValidationError(
                f"L'autorisation de programme « {authorisation} » n'était pas encore votée le "
                f"{format_date(on)}"
                + (f" (elle l'a été le {format_date(first.voted_on)})" if first else "")
                + " : une séance n'engage de subventions que dans une autorisation de programme "
                "déjà votée (CGCT L3211-2, L3312-4)."
            )
        voted = min(voted, as_voted)
    committed = committed_total(authorisation)
    remaining = voted - committed
    if total > remaining:
        when = f" au {format_date(on)}" if on is not None and voted != authorisation.amount else ""
        raise ValidationError(
            f"L'autorisation de programme ne suffit pas : {format_money(total)} à engager, "
            f"{format_money(remaining)} disponibles ({format_money(voted)} votés{when}, "
            f"{format_money(committed)} déjà engagés)."
        )


@transaction.atomic
def commit_subsidy(
    *,
    actor: User | None,
    operation: Operation,
    amount: Amount,
    voted_on: datetime.date,
    deliberation_number: str = "",
) -> Commitment:
    """The vote of an operation's subsidy: a commitment against the AP, then the operation
    moves to « voted ». Refused before anything is written when the AP does not suffice."""
    policy.require(actor, "commitment", "create", Commitment(operation_id=operation.pk))
    amount = _positive(amount, "Subvention votée")
    generation = operation.contract.generation
    try:
        ap = ProgrammeAuthorisation.objects.select_for_update().get(generation=generation)
    except ProgrammeAuthorisation.DoesNotExist as exc:
        raise ValidationError(
            "Aucune autorisation de programme n'est votée pour cette génération."
        ) from exc
    locked = Operation.objects.select_for_update().get(pk=operation.pk)
    if (
        locked.state != Operation.State.SCHEDULED
        or Commitment.objects.filter(operation=locked).exists()
    ):
        raise ValidationError(
            f"On ne vote que la subvention d'une opération inscrite à une séance ; celle-ci est "
            f"« {locked.get_state_display().lower()} »."
        )
    check_commitment_fits(authorisation=ap, amounts=[amount], on=voted_on)
    commitment = Commitment.objects.create(
        authorisation=ap,
        operation=operation,
        amount=amount,
        committed_on=voted_on,
        deliberation_number=deliberation_number,
    )
    OPERATION_WORKFLOW.apply(
        operation, GRANT, actor=actor, granted_amount=amount, voted_on=voted_on
    )
    audit(
        actor=actor,
        action="commitment.create",
        obj=commitment,
        summary=f"Engagement de {format_money(amount)} pour {operation.reference}",
    )
    deliberation = f" (délibération n° {deliberation_number})" if deliberation_number else ""
    operation_notifications.notify_decision(
        actor=actor,
        operation=operation,
        granted=True,
        decision=f"Une subvention de {format_money(amount)} est votée le "
        f"{format_date(voted_on)}{deliberation}.",
    )
    return commitment


# --- Payments ------------------------------------------------------------------------------


def _pending_or_paid(commitment: Commitment, kinds: Iterable[str]) -> Decimal:
    qs = commitment.payments.filter(kind__in=kinds).exclude(state=PaymentRequest.State.REFUSED)
    total = ZERO
    for payment in qs:
        total += (
            # The payment workflow's `pay` sets the paid amount with the state.
            (payment.paid_amount or ZERO)
            if payment.state == PaymentRequest.State.PAID
            else (payment.requested_amount)
        )
    return total


def balance_due(commitment: Commitment, actual_expenses: Decimal) -> Decimal:
    """The balance: the subsidy pro rata of the actual expenses (never above the subsidy),
    less what was already paid or is pending."""
    operation = commitment.operation
    planned = summarise(operation).basis
    entitled = commitment.net_amount
    if planned and actual_expenses < planned:
        entitled = min(entitled, cents(commitment.net_amount * actual_expenses / planned))
    already = _pending_or_paid(
        commitment,
        [PaymentRequest.Kind.ADVANCE, PaymentRequest.Kind.INSTALMENT, PaymentRequest.Kind.BALANCE],
    )
    return max(ZERO, entitled - already)


@transaction.atomic
def payment_request_create(
    *,
    actor: User | None,
    operation: Operation,
    kind: str,
    amount: Amount,
    actual_expenses: Amount | None = None,
    evidence: Iterable[Attachment] = (),
) -> PaymentRequest:
    # The request to be, by its operation's id (an unsaved commitment set on the operation itself
    # would stick to it as its `commitment`): a partner asks only for its own operations, and
    # gets 404 for another's.
    probe = PaymentRequest(commitment=Commitment(operation_id=operation.pk))
    policy.require(actor, "payment", "create", probe)
    try:
        commitment = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("operation__contract__generation")
            .get(operation=operation)
        )
    except Commitment.DoesNotExist as exc:
        raise ValidationError("Aucune subvention n'est engagée pour cette opération.") from exc
    if commitment.state != Commitment.State.ACTIVE:
        raise ValidationError(
            f"L'engagement est « {commitment.get_state_display().lower()} » : plus de paiement."
        )
    if operation.state not in Operation.SIGNED_STATES:
        raise ValidationError("Aucun paiement avant la signature de la convention.")
    amount = _positive(amount, "Montant demandé")
    generation = operation.contract.generation
    evidence = list(evidence)
    kinds = {a.kind for a in evidence}
    if any(a.operation_id != operation.pk for a in evidence):
        raise ValidationError("Les justificatifs sont des pièces de cette opération.")
    if kind == PaymentRequest.Kind.ADVANCE:
        ceiling = cents(commitment.net_amount * generation.advance_max_percent / 100)
        already = _pending_or_paid(commitment, [PaymentRequest.Kind.ADVANCE])
        if already + amount > ceiling:
            raise ValidationError(
                f"L'avance est limitée à {format_decimal(generation.advance_max_percent)} % de la "
                f"subvention, "
                f"soit {format_money(ceiling)} (déjà demandé ou versé : {format_money(already)})."
            )
    elif kind == PaymentRequest.Kind.INSTALMENT:
        ceiling = cents(commitment.net_amount * generation.instalments_max_percent / 100)
        already = _pending_or_paid(
            commitment, [PaymentRequest.Kind.ADVANCE, PaymentRequest.Kind.INSTALMENT]
        )
        if already + amount > ceiling:
            raise ValidationError(
                "Avance et acomptes sont limités à "
                f"{format_decimal(generation.instalments_max_percent)} % de la "
                f"subvention, soit {format_money(ceiling)} (déjà demandé ou versé : "
                f"{format_money(already)})."
            )
        if Attachment.Kind.EXPENSE_STATEMENT not in kinds:
            raise ValidationError("Joignez l'état récapitulatif des dépenses acquittées.")
    elif kind == PaymentRequest.Kind.BALANCE:
        if actual_expenses is None or Decimal(actual_expenses) <= 0:
            raise ValidationError("Indiquez le montant des dépenses réalisées.")
        missing = {Attachment.Kind.EXPENSE_STATEMENT, Attachment.Kind.COMPLETION} - kinds
        if missing:
            raise ValidationError(
                "Joignez "
                + " et ".join(f"« {Attachment.Kind(k).label} »" for k in sorted(missing))
                + "."
            )
        due = balance_due(commitment, Decimal(actual_expenses))
        if amount > due:
            raise ValidationError(
                f"Le solde dû est de {format_money(due)} au vu des dépenses réalisées "
                f"({format_money(Decimal(actual_expenses))})."
            )
    else:
        raise ValidationError("Nature de paiement inconnue.")
    if _pending_or_paid(commitment, PaymentRequest.Kind.values) + amount > commitment.net_amount:
        raise ValidationError(
            "La demande dépasse ce qui reste de la subvention "
            f"({format_money(commitment.net_amount)})."
        )
    request = PaymentRequest.objects.create(
        commitment=commitment,
        kind=kind,
        requested_amount=amount,
        actual_expenses=actual_expenses,
        requested_by=actor,
    )
    request.evidence.set(evidence)
    what = (
        f"{request.get_kind_display()} de {format_money(amount)} "
        f"{'demandée' if request.kind == PaymentRequest.Kind.ADVANCE else 'demandé'}"
    )
    audit(
        actor=actor,
        action="payment.request",
        obj=request,
        summary=f"{what} pour {operation.reference}",
    )
    finance_notifications.notify_payment(
        operation_notifications.department_users(operation),
        kind="payment_requested",
        payment=request,
        actor=actor,
        subject=what,
    )
    return request


def _payment_what(payment: PaymentRequest) -> str:
    """« Avance de 10 000,00 € »."""
    return f"{payment.get_kind_display()} de {format_money(payment.requested_amount)}"


@transaction.atomic
def payment_check(*, actor: User | None, payment: PaymentRequest) -> HistoryRow:
    """The agent checked the evidence: the finance officers are told a payment is to mandate."""
    history = PAYMENT_WORKFLOW.apply(payment, "check", actor=actor)
    payment = PaymentRequest.objects.select_related("commitment__operation").get(pk=payment.pk)
    finance_notifications.notify_payment(
        finance_notifications.finance_officers(),
        kind="payment_checked",
        payment=payment,
        actor=actor,
        subject=f"{_payment_what(payment)} à mandater",
    )
    return history


@transaction.atomic
def payment_refuse(*, actor: User | None, payment: PaymentRequest, reason: str) -> HistoryRow:
    """The request is refused, its reason said: the partner and the Département are told."""
    history = PAYMENT_WORKFLOW.apply(payment, "refuse", actor=actor, reason=reason)
    payment = PaymentRequest.objects.select_related("commitment__operation").get(pk=payment.pk)
    operation = payment.commitment.operation
    finance_notifications.notify_payment(
        [
            *operation_notifications.partner_users(operation),
            *operation_notifications.department_users(operation),
        ],
        kind="payment_refused",
        payment=payment,
        actor=actor,
        subject=f"{_payment_what(payment)} refusé{'e' if payment.kind == 'advance' else ''}",
        context={"reason": reason.strip(), "text": reason.strip()},
    )
    return history


MANDATE_TAKEN = "Ce numéro de mandat est déjà enregistré."
MANDATE_NUMBER_MAX_LENGTH: int = PaymentRequest._meta.get_field("mandate_number").max_length or 0


@transaction.atomic
def payment_pay(
    *,
    actor: User | None,
    payment: PaymentRequest,
    mandate_number: str,
    paid_on: datetime.date,
    amount: Amount | None = None,
) -> PaymentRequest:
    """Record the mandate. Locks the commitment and the year's CP: two officers paying the
    last euros at once get one success and one refusal."""
    policy.require(actor, "payment", "pay", payment)
    mandate_number = (mandate_number or "").strip()
    if not mandate_number:
        raise ValidationError("Indiquez le numéro de mandat.")
    if len(mandate_number) > MANDATE_NUMBER_MAX_LENGTH:
        raise ValidationError(
            f"Un numéro de mandat tient en {MANDATE_NUMBER_MAX_LENGTH} caractères au plus."
        )
    today = timezone.localdate()
    if paid_on > today:
        # A mandate to come would be counted against the CP of its year before it is issued.
        raise ValidationError(
            f"Mandat du {format_date(paid_on)} : cette date est à venir (nous sommes le "
            f"{format_date(today)}). Enregistrez le mandat une fois émis."
        )
    if PaymentRequest.objects.filter(mandate_number=mandate_number).exists():
        raise ValidationError(MANDATE_TAKEN)
    commitment = Commitment.objects.select_for_update().get(pk=payment.commitment_id)
    payment = PaymentRequest.objects.get(pk=payment.pk)
    amount = _positive(amount if amount is not None else payment.requested_amount, "Montant payé")
    if amount > payment.requested_amount:
        raise ValidationError("On ne paie pas plus que le montant demandé.")
    credit = (
        PaymentCredit.objects.select_for_update()
        .filter(authorisation_id=commitment.authorisation_id, year=paid_on.year)
        .first()
    )
    if credit is None:
        raise ValidationError(f"Aucun crédit de paiement n'est voté pour {paid_on.year}.")
    paid_year = paid_total(authorisation=commitment.authorisation, year=paid_on.year)
    if paid_year + amount > credit.amount:
        raise ValidationError(
            f"Les crédits de paiement {paid_on.year} ne suffisent pas : "
            f"{format_money(credit.amount - paid_year)} disponibles pour "
            f"{format_money(amount)} à payer."
        )
    paid_operation = paid_total(commitment=commitment)
    if paid_operation + amount > commitment.net_amount:
        raise ValidationError(
            f"Le paiement dépasserait la subvention engagée : {format_money(commitment.net_amount)}"
            f", dont {format_money(paid_operation)} déjà payés."
        )
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the rest usable
            PAYMENT_WORKFLOW.apply(
                payment,
                "pay",
                actor=actor,
                paid_amount=amount,
                mandate_number=mandate_number,
                paid_on=paid_on,
            )
    except IntegrityError:
        # Another payment recorded the same number between the check above and this write
        # (the unique constraint decides the race): the same refusal as when it came first.
        if PaymentRequest.objects.filter(mandate_number=mandate_number).exists():
            raise ValidationError(MANDATE_TAKEN) from None
        raise
    if payment.kind == PaymentRequest.Kind.BALANCE:
        COMMITMENT_WORKFLOW.apply(commitment, "settle", actor=actor)
        operation = commitment.operation
        if operation.state == Operation.State.WORKS_STARTED:
            OPERATION_WORKFLOW.apply(operation, COMPLETE, actor=actor)
    payment = PaymentRequest.objects.select_related("commitment__operation").get(pk=payment.pk)
    operation = payment.commitment.operation
    finance_notifications.notify_payment(
        [
            *operation_notifications.partner_users(operation),
            *finance_notifications.followers(operation),
        ],
        kind="payment_paid",
        payment=payment,
        actor=actor,
        subject=f"{payment.get_kind_display()} de {format_money(payment.paid_amount)} versé"
        + ("e" if payment.kind == PaymentRequest.Kind.ADVANCE else ""),
        context={
            "text": f"Mandat n° {payment.mandate_number} du {format_date(payment.paid_on)} : "
            f"{format_money(payment.paid_amount)}."
        },
    )
    return payment


# --- Lapse ---------------------------------------------------------------------------------


class Deadlines(TypedDict):
    start: datetime.date
    completion: datetime.date
    signed_on: datetime.date | None


def deadlines(commitment: Commitment) -> Deadlines:
    """The start and completion deadlines of a voted operation, from the generation's rules."""
    generation = commitment.operation.contract.generation
    operation = commitment.operation
    start_years = generation.start_deadline_years + (
        generation.start_extension_years if commitment.start_extended else 0
    )
    start = add_years(commitment.committed_on, start_years)
    signed = operation.events.filter(transition=SIGN_AGREEMENT).values_list("at", flat=True)
    signed_on = signed[0].date() if signed else None
    completion = add_years(
        signed_on or commitment.committed_on, generation.completion_deadline_years
    )
    return {"start": start, "completion": completion, "signed_on": signed_on}


@transaction.atomic
def commitment_extend_start(
    *, actor: User | None, commitment: Commitment, reason: str
) -> Commitment:
    policy.require(actor, "commitment", "extend", commitment)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    policy.require(actor, "commitment", "extend", commitment)
    if commitment.start_extended:
        raise ValidationError("Le délai de commencement a déjà été prorogé une fois.")
    if not reason.strip():
        raise ValidationError("Indiquez le motif de la prorogation.")
    commitment.start_extended = True
    commitment.save(update_fields=["start_extended"])
    audit(
        actor=actor,
        action="commitment.extend",
        obj=commitment,
        summary=f"Délai de commencement prorogé pour {commitment.operation.reference}",
        data={"reason": reason.strip()},
    )
    return commitment


def _check_lapse_due(commitment: Commitment, on: datetime.date) -> None:
    """A lapse is recorded once a deadline has passed, on a day between it and today: works
    not started by the start deadline, or the operation not completed by its completion
    deadline."""
    today = timezone.localdate()
    if on > today:
        raise ValidationError(
            f"Caducité au {format_date(on)} : cette date est à venir (nous sommes le "
            f"{format_date(today)})."
        )
    dates = deadlines(commitment)
    started = commitment.operation.works_started_on
    start_missed = (started is None or started > dates["start"]) and on > dates["start"]
    if start_missed or on > dates["completion"]:
        return
    raise ValidationError(
        f"Aucun délai n'est dépassé le {format_date(on)} : les travaux "
        + (
            f"ont commencé le {format_date(started)}"
            if started
            else f"peuvent commencer jusqu'au {format_date(dates['start'])}"
        )
        + f" et l'opération doit s'achever au plus tard le {format_date(dates['completion'])}. "
        "La caducité ne se constate qu'après l'un de ces délais."
    )


@transaction.atomic
def commitment_lapse(
    *, actor: User | None, commitment: Commitment, reason: str, on: datetime.date
) -> Commitment:
    """Cancel the unpaid remainder, which returns to the AP; the operation becomes lapsed."""
    policy.require(actor, "authorisation", "lapse", commitment.authorisation)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    policy.require(actor, "commitment", "lapse", commitment)
    pending = commitment.payments.filter(
        Q(state=PaymentRequest.State.REQUESTED) | Q(state=PaymentRequest.State.CHECKED)
    )
    if pending.exists():
        raise ValidationError("Des demandes de paiement sont en cours : traitez-les d'abord.")
    _check_lapse_due(commitment, on)
    remainder = commitment.amount - paid_total(commitment=commitment)
    COMMITMENT_WORKFLOW.apply(
        commitment, "lapse", actor=actor, reason=reason, lapsed_amount=remainder, lapsed_on=on
    )
    OPERATION_WORKFLOW.apply(commitment.operation, LAPSE, actor=actor, reason=reason)
    return commitment


# Besides the generation's warning period (90 days by default), the notices come again this
# many days before a deadline, and once it has passed (0).
LAPSE_THRESHOLDS = (30, 0)


def lapse_thresholds(generation: Generation) -> list[int]:
    """[90, 30, 0]: the days before a deadline when its notice is due, the earliest first."""
    warning = generation.lapse_warning_days
    return sorted({warning, *(t for t in LAPSE_THRESHOLDS if t <= warning)}, reverse=True)


def lapse_alerts_send(*, on: datetime.date) -> int:
    """Notify the partner's users and the Département of the deadlines of active subsidies
    that come — the generation's warning period (90 days), then 30 days before, then once
    passed —, once per deadline and threshold: a `LapseAlert` row, unique, is written with the
    notification (each in its own transaction), so that running this again the same day, or
    in two workers at once, sends nothing twice. Returns how many notices were sent."""
    sent = 0
    commitments = (
        Commitment.objects.filter(state=Commitment.State.ACTIVE)
        .select_related("operation__contract__generation", "operation__contract__partner")
        .order_by("pk")
    )
    for commitment in commitments:
        operation = commitment.operation
        dates = deadlines(commitment)
        pending = [(LapseAlert.Deadline.COMPLETION, dates["completion"])]
        if not operation.works_started_on:
            pending.insert(0, (LapseAlert.Deadline.START, dates["start"]))
        thresholds = lapse_thresholds(operation.contract.generation)
        due: list[tuple[str, datetime.date, int]] = []
        for deadline, day in pending:
            crossed = [t for t in thresholds if (day - on).days <= t]
            if crossed:
                due.append((deadline, day, min(crossed)))
        if due and _lapse_alert(commitment, due, on=on):
            sent += 1
    return sent


def _lapse_alert(
    commitment: Commitment, due: list[tuple[str, datetime.date, int]], *, on: datetime.date
) -> bool:
    """Send the notice of the deadlines `due` (deadline, date, threshold) not yet noticed at
    that threshold; whether one was sent."""
    operation = commitment.operation
    try:
        with transaction.atomic():
            new = []
            for deadline, day, threshold in due:
                _, created = LapseAlert.objects.get_or_create(
                    commitment=commitment,
                    deadline=deadline,
                    due_on=day,
                    threshold=threshold,
                    defaults={"sent_on": on},
                )
                if created:
                    new.append((deadline, day))
            if not new:
                return False
            lines = [
                f"{LapseAlert.Deadline(deadline).label.capitalize()} avant le {format_date(day)}"
                + (
                    " : le délai est dépassé"
                    if day < on
                    else f", dans {(day - on).days} jour{'s' if (day - on).days > 1 else ''}"
                )
                for deadline, day in new
            ]
            soonest = min(day for _, day in new)
            left = (soonest - on).days
            subject = (
                "Délai dépassé : la subvention peut devenir caduque"
                if left < 0
                else f"Caducité de la subvention dans {left} jour{'s' if left > 1 else ''}"
            )
            operation_notifications.notify_operation(
                [
                    *operation_notifications.partner_users(operation),
                    *operation_notifications.department_users(operation),
                ],
                kind="lapse_approaching",
                operation=operation,
                subject=subject,
                template="finance/mail/lapse_approaching.txt",
                anchor="paiements",
                context={"lines": lines, "text": " ; ".join(lines) + "."},
            )
            return True
    except IntegrityError:
        return False  # another run wrote these notices meanwhile


def lapse_alerts_daily() -> int:
    """The worker's daily run of `lapse_alerts_send` (at each maintenance; once a day per
    process, from the digests' hour; twice would send nothing more)."""
    today = timezone.localdate()
    if _LAST_LAPSE_RUN.get("day") == today:
        return 0
    if timezone.localtime().hour < notifications.digest_hour():
        return 0
    sent = lapse_alerts_send(on=today)
    _LAST_LAPSE_RUN["day"] = today
    return sent


_LAST_LAPSE_RUN: dict[str, datetime.date] = {}
