"""Reads of the fund's figures, scoped by the access policy (`pacte.core.policy`): the
Département's services read the AP and its credits; a partner reads only its own commitments
and payments. The figures of one AP (`ap_figures`, `ap_by_year`…) take an AP already read
through `ap_get` or `ap_list`."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone

from pacte.contracts.models import Pact, Partner
from pacte.core import policy
from pacte.core.dates import add_years
from pacte.core.french import format_date
from pacte.core.ids import valid_id
from pacte.operations.models import Operation, OperationEvent, Resource
from pacte.operations.workflows import SIGN_AGREEMENT

from .models import ZERO, Commitment, PaymentRequest, ProgrammeAuthorisation
from .services import Deadlines, deadlines

ZERO_MONEY = Value(ZERO, output_field=Commitment._meta.get_field("amount"))


class APFigures(TypedDict):
    voted: Decimal
    committed: Decimal
    paid: Decimal
    remaining: Decimal
    lapsed: Decimal
    to_pay: Decimal


class YearRow(TypedDict):
    year: int
    credits: Decimal
    paid: Decimal
    available: Decimal
    committed: Decimal


class MonthPoint(TypedDict):
    month: datetime.date
    voted: Decimal
    committed: Decimal
    paid: Decimal


class BreakdownRow(TypedDict):
    label: str
    committed: Decimal
    paid: Decimal


class _Totals(TypedDict):
    committed: Decimal
    paid: Decimal


class FunderRow(TypedDict):
    funder: str
    amount: Decimal


class OperationFinance(TypedDict):
    commitment: Commitment
    payments: list[PaymentRequest]
    paid: Decimal
    remaining: Decimal
    deadlines: Deadlines
    alerts: list[str]


class LapseRow(TypedDict):
    commitment: Commitment
    start: datetime.date
    completion: datetime.date
    started: datetime.date | None
    next: datetime.date
    days: int
    late: bool
    soon: bool


def ap_list(*, user: policy.Viewer, action: str = "read") -> QuerySet[ProgrammeAuthorisation]:
    return (
        policy.scope(user, "authorisation", ProgrammeAuthorisation.objects.all(), action)
        .select_related("generation")
        .prefetch_related("revisions", "credits")
    )


def ap_get(*, user: policy.Viewer, pk: int) -> ProgrammeAuthorisation:
    ap = ap_list(user=user).filter(pk=pk).first() if _in_range(pk) else None
    if ap is None:
        raise Http404("Autorisation de programme introuvable.")
    return ap


def _in_range(pk: object) -> bool:
    """A database id is a positive 64-bit integer: anything else designates nothing."""
    return valid_id(pk) is not None


def ap_figures(ap: ProgrammeAuthorisation) -> APFigures:
    """Voted, committed, paid and remaining, from two aggregate queries."""
    c = ap.commitments.aggregate(a=Sum("amount"), lapsed=Sum("lapsed_amount"))
    committed = (c["a"] or ZERO) - (c["lapsed"] or ZERO)
    paid = (
        PaymentRequest.objects.filter(
            commitment__authorisation=ap, state=PaymentRequest.State.PAID
        ).aggregate(t=Sum("paid_amount"))["t"]
        or ZERO
    )
    return {
        "voted": ap.amount,
        "committed": committed,
        "paid": Decimal(paid),
        "remaining": ap.amount - committed,
        "lapsed": c["lapsed"] or ZERO,
        "to_pay": committed - Decimal(paid),
    }


def ap_by_year(ap: ProgrammeAuthorisation) -> list[YearRow]:
    paid = dict(
        PaymentRequest.objects.filter(commitment__authorisation=ap, state=PaymentRequest.State.PAID)
        .values_list("paid_on__year")
        .annotate(t=Sum("paid_amount"))
        .values_list("paid_on__year", "t")
    )
    committed = dict(
        ap.commitments.values_list("committed_on__year")
        .annotate(t=Sum("amount"))
        .values_list("committed_on__year", "t")
    )
    rows: list[YearRow] = []
    for credit in ap.credits.all():
        year_paid = Decimal(paid.get(credit.year) or 0)
        rows.append(
            {
                "year": credit.year,
                "credits": credit.amount,
                "paid": year_paid,
                "available": credit.amount - year_paid,
                "committed": Decimal(committed.get(credit.year) or 0),
            }
        )
    return rows


def ap_timeline(ap: ProgrammeAuthorisation) -> list[MonthPoint]:
    """Cumulative committed and paid, month by month, with the AP in force."""
    committed = dict(
        ap.commitments.annotate(m=TruncMonth("committed_on"))
        .values_list("m")
        .annotate(t=Sum("amount"))
        .values_list("m", "t")
    )
    paid = dict(
        PaymentRequest.objects.filter(commitment__authorisation=ap, state=PaymentRequest.State.PAID)
        .annotate(m=TruncMonth("paid_on"))
        .values_list("m")
        .annotate(t=Sum("paid_amount"))
        .values_list("m", "t")
    )
    revisions = list(ap.revisions.all())
    months = sorted(set(committed) | set(paid))
    if not months:
        return []
    start = min(months + [r.voted_on.replace(day=1) for r in revisions])
    end = max(months)
    points: list[MonthPoint] = []
    c_total, p_total = ZERO, ZERO
    month = start
    while month <= end:
        c_total += Decimal(committed.get(month) or 0)
        p_total += Decimal(paid.get(month) or 0)
        voted = next(
            (r.amount for r in reversed(revisions) if r.voted_on <= _last_day(month)),
            revisions[0].amount,
        )
        points.append({"month": month, "voted": voted, "committed": c_total, "paid": p_total})
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return points


def _last_day(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def ap_breakdown(ap: ProgrammeAuthorisation, by: str) -> list[BreakdownRow]:
    """Committed and paid by territory, pact or partner."""
    if by == "pacte":
        return _breakdown_by_pact(ap)
    paths = {
        "territoire": "operation__contract__partner__territory__name",
        "partenaire": "operation__contract__partner__name",
    }
    path = paths[by]
    committed = dict(
        ap.commitments.values_list(path).annotate(t=Sum("amount")).values_list(path, "t")
    )
    paid = dict(
        PaymentRequest.objects.filter(commitment__authorisation=ap, state=PaymentRequest.State.PAID)
        .values_list(f"commitment__{path}")
        .annotate(t=Sum("paid_amount"))
        .values_list(f"commitment__{path}", "t")
    )
    rows: list[BreakdownRow] = [
        {
            "label": key or "Non renseigné",
            "committed": Decimal(value or 0),
            "paid": Decimal(paid.get(key) or 0),
        }
        for key, value in committed.items()
    ]
    return sorted(rows, key=lambda r: -r["committed"])


def _breakdown_by_pact(ap: ProgrammeAuthorisation) -> list[BreakdownRow]:
    """Each commitment counts once in every pact its operation serves (through its stakes)."""
    pacts_of: defaultdict[int, set[int]] = defaultdict(set)
    for operation_id, pact_id in (
        Operation.objects.filter(commitment__authorisation=ap)
        .values_list("id", "stakes__pacts")
        .distinct()
    ):
        if pact_id:
            pacts_of[operation_id].add(pact_id)
    paid = dict(
        PaymentRequest.objects.filter(commitment__authorisation=ap, state=PaymentRequest.State.PAID)
        .values_list("commitment__operation_id")
        .annotate(t=Sum("paid_amount"))
        .values_list("commitment__operation_id", "t")
    )
    totals: defaultdict[int, _Totals] = defaultdict(lambda: {"committed": ZERO, "paid": ZERO})
    for operation_id, amount, lapsed in ap.commitments.values_list(
        "operation_id", "amount", "lapsed_amount"
    ):
        for pact_id in pacts_of[operation_id]:
            totals[pact_id]["committed"] += amount - lapsed
            totals[pact_id]["paid"] += Decimal(paid.get(operation_id) or 0)
    names = dict(Pact.objects.filter(pk__in=totals).values_list("pk", "name"))
    rows: list[BreakdownRow] = [
        {"label": names[k], "committed": v["committed"], "paid": v["paid"]}
        for k, v in totals.items()
    ]
    return sorted(rows, key=lambda r: -r["committed"])


def cofunding(ap: ProgrammeAuthorisation) -> list[FunderRow]:
    """Every funder of the voted operations, in total (the fund and « droit commun » apart)."""
    totals = dict(
        Resource.objects.filter(operation__commitment__authorisation=ap)
        .values_list("funder")
        .annotate(t=Sum("amount"))
        .values_list("funder", "t")
    )
    labels = dict(Resource.Funder.choices)
    return [
        {"funder": labels[f], "amount": Decimal(totals[f])}
        for f in Resource.Funder.values
        if f in totals
    ]


@dataclass(frozen=True)
class CommitmentFilters:
    """What the list of commitments is narrowed to; None or empty: no narrowing."""

    partner_id: int | None = None
    authorisation_id: int | None = None
    pact_id: int | None = None
    year: int | None = None
    state: str = ""
    query: str = ""


class CommitmentTotals(TypedDict):
    count: int
    committed: Decimal
    lapsed: Decimal
    paid: Decimal
    remaining: Decimal


def commitment_list(
    *,
    user: policy.Viewer,
    authorisation: ProgrammeAuthorisation | None = None,
    action: str = "read",
    filters: CommitmentFilters | None = None,
) -> QuerySet[Commitment]:
    """The commitments `user` may read (or export), newest first, each with `paid`: what its
    paid requests add up to (None when nothing is paid yet), and `remaining`: what is left to
    pay of its net amount."""
    qs = policy.scope(user, "commitment", Commitment.objects.all(), action)
    paid = (
        PaymentRequest.objects.filter(commitment=OuterRef("pk"), state=PaymentRequest.State.PAID)
        .order_by()
        .values("commitment")
        .annotate(t=Sum("paid_amount"))
        .values("t")
    )
    qs = qs.select_related(
        "operation__contract__partner__territory",
        "operation__contract__generation",
        "authorisation",
    ).annotate(paid=Subquery(paid, output_field=Commitment._meta.get_field("amount")))
    qs = qs.annotate(remaining=F("amount") - F("lapsed_amount") - Coalesce("paid", ZERO_MONEY))
    if authorisation is not None:
        qs = qs.filter(authorisation=authorisation)
    if filters is not None:
        qs = _narrow(qs, filters)
    return qs.order_by("-committed_on", "-id")


def _narrow(qs: QuerySet[Commitment], f: CommitmentFilters) -> QuerySet[Commitment]:
    if f.partner_id:
        qs = qs.filter(operation__contract__partner_id=f.partner_id)
    if f.authorisation_id:
        qs = qs.filter(authorisation_id=f.authorisation_id)
    if f.pact_id:
        # An operation serves a pact through its stakes: a subquery, so that an operation
        # serving the pact by two stakes is listed (and counted in the totals) once.
        serving = Operation.objects.filter(stakes__pacts=f.pact_id).values("pk")
        qs = qs.filter(operation__in=serving)
    if f.year:
        qs = qs.filter(committed_on__year=f.year)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.query:
        qs = qs.filter(
            Q(operation__reference__icontains=f.query) | Q(operation__title__icontains=f.query)
        )
    return qs


def commitment_totals(commitments: QuerySet[Commitment]) -> CommitmentTotals:
    """Committed (net of lapsed remainders), paid and remaining to pay of a list of commitments
    from `commitment_list`: two aggregate queries whatever its size (the commitments' amounts,
    then their paid requests, so that no amount is counted once per payment)."""
    chosen = commitments.order_by().values("pk")
    t = Commitment.objects.filter(pk__in=chosen).aggregate(
        count=Count("pk"),
        amount=Coalesce(Sum("amount"), ZERO_MONEY),
        lapsed=Coalesce(Sum("lapsed_amount"), ZERO_MONEY),
    )
    paid = Decimal(
        PaymentRequest.objects.filter(
            commitment__in=chosen, state=PaymentRequest.State.PAID
        ).aggregate(t=Coalesce(Sum("paid_amount"), ZERO_MONEY))["t"]
    )
    committed = Decimal(t["amount"]) - Decimal(t["lapsed"])
    return {
        "count": t["count"],
        "committed": committed,
        "lapsed": Decimal(t["lapsed"]),
        "paid": paid,
        "remaining": committed - paid,
    }


def commitment_years(*, user: policy.Viewer) -> list[int]:
    """The years in which the commitments `user` may read were made, the latest first."""
    commitments = policy.scope(user, "commitment", Commitment.objects.all())
    return [d.year for d in commitments.dates("committed_on", "year", order="DESC")]


def commitment_partners(*, user: policy.Viewer) -> QuerySet[Partner]:
    """The partners with a commitment, for the list's filter: none for a partner, which
    reads only its own anyway."""
    if not policy.allows(user, "authorisation", "read"):
        return Partner.objects.none()
    committed = policy.scope(user, "commitment", Commitment.objects.all()).values(
        "operation__contract__partner"
    )
    return policy.scope(user, "partner", Partner.objects.filter(pk__in=committed)).order_by("name")


def commitment_pacts(*, user: policy.Viewer) -> QuerySet[Pact]:
    """The pacts of the generations that have an AP, for the list's filter."""
    return (
        policy.scope(user, "generation", Pact.objects.all())
        .filter(generation__programme_authorisation__isnull=False)
        .select_related("generation")
        .order_by("-generation__period_start", "position", "name")
    )


def commitment_get(*, user: policy.Viewer, pk: int) -> Commitment:
    commitment = commitment_list(user=user).filter(pk=pk).first() if _in_range(pk) else None
    if commitment is None:
        raise Http404("Engagement introuvable.")
    return commitment


def payment_list(
    *, user: policy.Viewer, state: str = "", action: str = "read"
) -> QuerySet[PaymentRequest]:
    qs = (
        policy.scope(user, "payment", PaymentRequest.objects.all(), action)
        .select_related("commitment__operation__contract__partner", "requested_by")
        .prefetch_related("evidence")
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def payment_get(*, user: policy.Viewer, pk: int) -> PaymentRequest:
    payment = payment_list(user=user).filter(pk=pk).first() if _in_range(pk) else None
    if payment is None:
        raise Http404("Demande de paiement introuvable.")
    return payment


def operation_finance(*, user: policy.Viewer, operation: Operation) -> OperationFinance | None:
    """The money of one operation (its commitment, payments, deadlines), for an operation the
    caller has read through the operations' selector."""
    commitment = (
        policy.scope(user, "commitment", Commitment.objects.filter(operation=operation))
        .prefetch_related("payments__evidence")
        .first()
    )
    if commitment is None:
        return None
    payments = list(commitment.payments.all())
    # The payment workflow's `pay` sets the paid amount with the state.
    paid = sum(
        (p.paid_amount or ZERO for p in payments if p.state == PaymentRequest.State.PAID), ZERO
    )
    dates = deadlines(commitment)
    today = timezone.localdate()
    warning_days = operation.contract.generation.lapse_warning_days
    alerts: list[str] = []
    if commitment.state == Commitment.State.ACTIVE:
        if not operation.works_started_on:
            alerts += _alert("commencer les travaux", dates["start"], today, warning_days)
        alerts += _alert("achever l'opération", dates["completion"], today, warning_days)
    return {
        "commitment": commitment,
        "payments": payments,
        "paid": paid,
        "remaining": commitment.net_amount - paid,
        "deadlines": dates,
        "alerts": alerts,
    }


def _alert(what: str, deadline: datetime.date, today: datetime.date, days: int) -> list[str]:
    if deadline < today:
        return [f"Délai dépassé pour {what} : le {format_date(deadline)}."]
    if (deadline - today).days <= days:
        return [
            f"Il reste {(deadline - today).days} jours pour {what} "
            f"(avant le {format_date(deadline)})."
        ]
    return []


def lapse_watch(
    *, user: policy.Viewer, ap: ProgrammeAuthorisation, action: str = "read"
) -> list[LapseRow]:
    """Active commitments with their deadlines, the most urgent first: the fund's view, for
    those who read (or export) the AP."""
    authorisations = policy.scope(
        user, "authorisation", ProgrammeAuthorisation.objects.filter(pk=ap.pk), action
    )
    today = timezone.localdate()
    rows: list[LapseRow] = []
    commitments = (
        policy.scope(user, "commitment", Commitment.objects.all(), action)
        .filter(authorisation__in=authorisations, state=Commitment.State.ACTIVE)
        .select_related("operation__contract__partner", "operation__contract__generation")
    )
    signed: defaultdict[int, datetime.date | None] = defaultdict(lambda: None)
    for operation_id, at in OperationEvent.objects.filter(
        transition=SIGN_AGREEMENT, operation__commitment__authorisation=ap
    ).values_list("operation_id", "at"):
        signed[operation_id] = timezone.localtime(at).date()
    generation = ap.generation
    for c in commitments:
        start = add_years(
            c.committed_on,
            generation.start_deadline_years
            + (generation.start_extension_years if c.start_extended else 0),
        )
        completion = add_years(
            signed[c.operation_id] or c.committed_on, generation.completion_deadline_years
        )
        next_deadline = completion if c.operation.works_started_on else min(start, completion)
        rows.append(
            {
                "commitment": c,
                "start": start,
                "completion": completion,
                "started": c.operation.works_started_on,
                "next": next_deadline,
                "days": (next_deadline - today).days,
                "late": next_deadline < today,
                "soon": 0 <= (next_deadline - today).days <= generation.lapse_warning_days,
            }
        )
    return sorted(rows, key=lambda r: r["next"])


def contract_money(*, contract_id: int, on: datetime.date) -> dict[int, dict[str, Decimal]]:
    """For each operation of a contract, what the assembly voted (its accounting commitment)
    and what was paid by date `on`: two grouped queries, whatever the number of operations."""
    voted = Commitment.objects.filter(
        operation__contract_id=contract_id, committed_on__lte=on
    ).values_list("operation_id", "amount")
    paid = (
        PaymentRequest.objects.filter(
            commitment__operation__contract_id=contract_id,
            state=PaymentRequest.State.PAID,
            paid_on__lte=on,
        )
        .values("commitment__operation_id")
        .annotate(total=Sum("paid_amount"))
        .values_list("commitment__operation_id", "total")
    )
    money: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"voted": ZERO, "paid": ZERO})
    for operation_id, amount in voted:
        money[operation_id]["voted"] = amount
    for operation_id, total in paid:
        money[operation_id]["paid"] = (total or ZERO).quantize(ZERO)
    return dict(money)
