"""Reads of the dashboards: operations by state and territory, money against the AP over time,
processing times, late items and reciprocal commitments met.

Every figure comes from a few queries whose number does not grow with the data: counts and
sums are grouped in SQL, over the operations' reporting index (contract, state, dates of deposit
and vote, subsidy, instructor, start of works) rather than their wide rows; processing times are
computed in days by the database, between local (Europe/Paris) dates (see `LocalDate` and
`DayDiff`), streamed as bare integers into a histogram from which the median and the 9th
decile are read. The figures that read the whole history (processing times, lapse deadlines)
are served from the shared cache and recomputed in the background after a write
(`figures_cache`).

Internal roles only (the access policy's `dashboard` rules): a partner is refused (403), and
selectors check it again. Partners' drafts never submitted (a draft, or withdrawn before its
deposit) are not yet the Département's business: no figure counts them.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from pacte.contracts.models import Contract, Generation
from pacte.core import policy
from pacte.core.dates import add_years
from pacte.core.expressions import DayDiff, LocalDate, PeriodKey
from pacte.core.french import SHORT_MONTHS
from pacte.finance.models import Commitment, PaymentRequest, ProgrammeAuthorisation
from pacte.operations.models import Operation, OperationEvent, ReciprocalCommitment
from pacte.operations.workflows import SIGN_AGREEMENT

from . import figures_cache

ZERO = Decimal("0.00")
PARIS = ZoneInfo(settings.TIME_ZONE)
# Local policy: thresholds of the "late items", settings with these defaults
# (docs/tableaux-de-bord.md).
WAITING_DAYS_DEFAULT = 90
SIGNATURE_DAYS_DEFAULT = 180
PAYMENT_DAYS_DEFAULT = 30
LATE_LIST_SIZE = 10

# The dashboards, each opened by the access policy's rule `dashboard.<kind>`, in the order of
# their tabs: a user lands on the first one its role opens. The elected members' view is
# aggregate and read-only; every internal role may read it.
DASHBOARDS = ("direction", "instruction", "finances", "elus")
# A partner's operation that was never submitted (a draft, or withdrawn before its deposit).
NEVER_SUBMITTED = policy.KINDS["operation"].private_q(None)


def require_dashboard(user, kind: str) -> None:
    policy.require(user, "dashboard", kind)


def dashboards_for(user) -> list[str]:
    return [kind for kind in DASHBOARDS if policy.allows(user, "dashboard", kind)]


def home_dashboard(user) -> str | None:
    """The dashboard a user lands on: the first one its role opens."""
    return next(iter(dashboards_for(user)), None)


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    generation_id: int | None = None
    territory_id: int | None = None

    def contracts(self):
        """The contracts in view, as a subquery; None when nothing is filtered."""
        if not (self.generation_id or self.territory_id):
            return None
        qs = Contract.objects.all()
        if self.generation_id:
            qs = qs.filter(generation_id=self.generation_id)
        if self.territory_id:
            qs = qs.filter(partner__territory_id=self.territory_id)
        return qs.values("id")

    def apply(self, qs, prefix: str = ""):
        """Filter a queryset whose operation is reached through `prefix` ("" for operations,
        "operation__" for commitments…) by the contract of the operation: a subquery on the
        small contracts table, which keeps the operations' own indexes in play."""
        contracts = self.contracts()
        return qs if contracts is None else qs.filter(**{f"{prefix}contract_id__in": contracts})

    def apply_to_commitments(self, qs, prefix: str = ""):
        """Commitments (through `prefix`) by their AP's generation, joining the operation only
        for a territory."""
        if self.generation_id:
            qs = qs.filter(**{f"{prefix}authorisation__generation_id": self.generation_id})
        if self.territory_id:
            qs = qs.filter(
                **{
                    f"{prefix}operation__contract_id__in": Contract.objects.filter(
                        partner__territory_id=self.territory_id
                    ).values("id")
                }
            )
        return qs


def _operations(filters: Filters):
    """The operations in view, partners' never-submitted drafts left out."""
    return filters.apply(Operation.objects.order_by().exclude(NEVER_SUBMITTED))


# --- Operations by state and by territory ---------------------------------------------------


@dataclass
class OperationFigures:
    """What one grouped query over the operations gives: counts by state, by territory, the
    user's own, and those waiting beyond the thresholds."""

    states: list[dict]
    by_territory: list[dict]
    mine: list[dict]
    waiting_count: int
    unsigned_count: int


def _thresholds() -> dict:
    return {
        "waiting_days": _threshold("PACTE_PILOTAGE_WAITING_DAYS", WAITING_DAYS_DEFAULT),
        "signature_days": _threshold("PACTE_PILOTAGE_SIGNATURE_DAYS", SIGNATURE_DAYS_DEFAULT),
        "payment_days": _threshold("PACTE_PILOTAGE_PAYMENT_DAYS", PAYMENT_DAYS_DEFAULT),
    }


def _waiting_q(now: datetime.datetime, days: int) -> Q:
    return Q(
        state__in=Operation.WAITING_STATES, submitted_at__lt=now - datetime.timedelta(days=days)
    )


def _unsigned_q(today: datetime.date, days: int) -> Q:
    return Q(state=Operation.State.VOTED, voted_on__lt=today - datetime.timedelta(days=days))


def operation_figures(*, user, filters: Filters) -> OperationFigures:
    """Counts by contract and state from the operations' reporting index (one query), then
    by territory through the contracts in view (one query on the contracts)."""
    _internal(user)
    now, today, limits = timezone.now(), timezone.localdate(), _thresholds()
    rows = list(
        _operations(filters)
        .values_list("contract_id", "state")
        .annotate(
            n=Count("pk"),
            voted=Count("pk", filter=Q(granted_amount__isnull=False)),
            amount=Sum("granted_amount"),
            mine=Count("pk", filter=Q(assigned_to=user)),
            waiting=Count("pk", filter=_waiting_q(now, limits["waiting_days"])),
            unsigned=Count("pk", filter=_unsigned_q(today, limits["signature_days"])),
        )
        .values_list("contract_id", "state", "n", "voted", "amount", "mine", "waiting", "unsigned")
    )
    territory_of = dict(
        Contract.objects.filter(pk__in={row[0] for row in rows}).values_list(
            "pk", "partner__territory__name"
        )
    )
    states, mine = Counter(), Counter()
    territories = defaultdict(lambda: {"total": 0, "voted": 0, "amount": ZERO})
    waiting = unsigned = 0
    for contract_id, state, n, voted, amount, own, late, not_signed in rows:
        states[state] += n
        mine[state] += own
        waiting += late
        unsigned += not_signed
        row = territories[territory_of.get(contract_id) or "Sans territoire"]
        row["total"] += n
        row["voted"] += voted
        row["amount"] += Decimal(amount or 0)
    by_territory = sorted(
        ({"label": label, **values} for label, values in territories.items()),
        key=lambda r: (-r["amount"], -r["total"], r["label"]),
    )
    return OperationFigures(
        # No draft is counted (see NEVER_SUBMITTED): the states start at the deposit.
        states=[
            {"state": value, "label": label, "count": states.get(value, 0)}
            for value, label in Operation.State.choices
            if value != Operation.State.DRAFT
        ],
        by_territory=by_territory,
        mine=[
            {"state": value, "label": label, "count": mine[value]}
            for value, label in Operation.State.choices
            if mine.get(value)
        ],
        waiting_count=waiting,
        unsigned_count=unsigned,
    )


def operations_by_state(*, user, filters: Filters) -> list[dict]:
    """Every state from the deposit on, with its number of operations."""
    return operation_figures(user=user, filters=filters).states


def operations_by_territory(*, user, filters: Filters) -> list[dict]:
    """Per territory of the partner: operations submitted (never-submitted drafts aside),
    subsidies voted and their amount."""
    return operation_figures(user=user, filters=filters).by_territory


def my_operations(*, user, filters: Filters) -> list[dict]:
    """The operations assigned to the agent, by state (states with none left out)."""
    return operation_figures(user=user, filters=filters).mine


# --- Money over time ------------------------------------------------------------------------


def _by_period(qs, date_field: str, amount_field: str, period: str) -> dict[str, Decimal]:
    return {
        key: Decimal(total or 0)
        for key, total in qs.filter(**{f"{date_field}__isnull": False})
        .annotate(period_key=PeriodKey(F(date_field), period))
        .values_list("period_key")
        .annotate(t=Sum(amount_field))
        .values_list("period_key", "t")
    }


def _next_period(key: str, period: str) -> str:
    if period == "year":
        return str(int(key) + 1)
    year, month = int(key[:4]), int(key[5:7])
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def period_label(key: str) -> str:
    if len(key) == 4:
        return key
    return f"{SHORT_MONTHS[int(key[5:7]) - 1]} {key[:4]}"


def _period_end(key: str) -> datetime.date:
    if len(key) == 4:
        return datetime.date(int(key), 12, 31)
    following = _next_period(key, "month")
    return datetime.date(int(following[:4]), int(following[5:7]), 1) - datetime.timedelta(days=1)


def amounts_over_time(*, user, filters: Filters, period: str = "month") -> dict:
    """Subsidies voted, committed (net of lapsed remainders) and paid, per month or year, and
    cumulated, with the AP in force when one generation is chosen and no territory.

    Five grouped queries (voted, committed, lapsed, paid, AP revisions)."""
    _internal(user)
    period = period if period in {"month", "year"} else "month"
    voted = _by_period(_operations(filters), "voted_on", "granted_amount", period)
    commitments = filters.apply_to_commitments(Commitment.objects.order_by())
    committed = _by_period(commitments, "committed_on", "amount", period)
    lapsed = _by_period(commitments, "lapsed_on", "lapsed_amount", period)
    payments = filters.apply_to_commitments(
        PaymentRequest.objects.order_by().filter(state=PaymentRequest.State.PAID), "commitment__"
    )
    paid = _by_period(payments, "paid_on", "paid_amount", period)
    revisions = []
    if filters.generation_id and not filters.territory_id:
        revisions = list(
            ProgrammeAuthorisation.objects.filter(generation_id=filters.generation_id)
            .values_list("revisions__voted_on", "revisions__amount")
            .order_by("revisions__number")
        )
        revisions = [(day, amount) for day, amount in revisions if day is not None]
    keys = set(voted) | set(committed) | set(lapsed) | set(paid)
    if not keys:
        return {"period": period, "rows": [], "has_ap": bool(revisions), "totals": None}
    first = min(keys)
    if revisions:
        first = min(first, revisions[0][0].isoformat()[: 7 if period == "month" else 4])
    last = max(keys)
    rows, key = [], first
    cumul = {"voted": ZERO, "committed": ZERO, "paid": ZERO}
    while key <= last:
        cumul["voted"] += voted.get(key, ZERO)
        cumul["committed"] += committed.get(key, ZERO) - lapsed.get(key, ZERO)
        cumul["paid"] += paid.get(key, ZERO)
        end = _period_end(key)
        in_force = [amount for day, amount in revisions if day <= end]
        rows.append(
            {
                "key": key,
                "label": period_label(key),
                "voted": voted.get(key, ZERO),
                "paid": paid.get(key, ZERO),
                "voted_total": cumul["voted"],
                "committed_total": cumul["committed"],
                "paid_total": cumul["paid"],
                "ap": in_force[-1] if in_force else None,
            }
        )
        key = _next_period(key, period)
    return {"period": period, "rows": rows, "has_ap": bool(revisions), "totals": dict(cumul)}


# --- Processing times -----------------------------------------------------------------------


@dataclass
class Durations:
    """A processing time: how many operations, the median and the 9th decile in days."""

    key: str
    label: str
    count: int
    median: Decimal | None
    decile9: int | None
    excluded: int  # pairs of dates in the wrong order (end before start), left out
    histogram: list[tuple[int, int]]  # (days, number of operations), shortest first


def percentiles_from_histogram(histogram: dict[int, int]) -> tuple[Decimal | None, int | None]:
    """Median (mean of the two middle values when their number is even) and 9th decile
    (nearest rank: the smallest duration that at least 90 % of them do not exceed)."""
    n = sum(histogram.values())
    if n == 0:
        return None, None
    ordered = sorted(histogram.items())

    def at_rank(rank: int) -> int:  # 1-based
        seen = 0
        for days, count in ordered:
            seen += count
            if seen >= rank:
                return days
        raise AssertionError("rank beyond the count")

    if n % 2:
        median = Decimal(at_rank(n // 2 + 1))
    else:
        median = (Decimal(at_rank(n // 2)) + Decimal(at_rank(n // 2 + 1))) / 2
    return median, at_rank(math.ceil(0.9 * n))


def _durations(key: str, label: str, qs) -> Durations:
    """The durations in days of `qs`, computed by the database and streamed as bare integers
    (a GROUP BY would have SQLite compute each row's correlated subqueries twice)."""
    histogram = Counter(days for days in qs.values_list("days", flat=True) if days is not None)
    kept = {days: n for days, n in histogram.items() if days >= 0}
    median, decile9 = percentiles_from_histogram(kept)
    return Durations(
        key=key,
        label=label,
        count=sum(kept.values()),
        median=median,
        decile9=decile9,
        excluded=sum(n for days, n in histogram.items() if days < 0),
        histogram=sorted(kept.items()),
    )


def processing_times(*, user, filters: Filters) -> list[Durations]:
    _internal(user)
    return figures_cache.cached("times", filters, lambda: _processing_times(filters))


@figures_cache.computation("times")
def _times_of(generation_id: int | None, territory_id: int | None) -> list["Durations"]:
    return _processing_times(Filters(generation_id=generation_id, territory_id=territory_id))


def _processing_times(filters: Filters) -> list[Durations]:
    """Submission → vote, vote → convention signed, convention → first payment.

    Submission: the operation's deposit (`submitted_at`); vote: its vote date (`voted_on`);
    convention: the history row of the signed convention; first payment: the earliest payment
    date. One grouped query per step, from the operations' reporting index joined to the
    history rows' step index."""
    voted = _operations(filters).filter(voted_on__isnull=False)
    submission_to_vote = voted.filter(submitted_at__isnull=False).annotate(
        days=DayDiff(F("voted_on"), LocalDate("submitted_at"))
    )
    signed = voted.annotate(
        signature=FilteredRelation("events", condition=Q(events__transition=SIGN_AGREEMENT))
    ).filter(signature__at__isnull=False)
    vote_to_signature = signed.annotate(days=DayDiff(LocalDate("signature__at"), F("voted_on")))
    # From the signatures' history rows alone: the first payment of the operation's
    # commitment (of the generation in view); the operations' wide rows are not read, unless a
    # territory is chosen. Operations not paid yet give no number of days (NULL), left out.
    first_payment = filters.apply_to_commitments(
        PaymentRequest.objects.filter(
            commitment__operation_id=OuterRef("operation_id"), state=PaymentRequest.State.PAID
        ),
        "commitment__",
    )
    signature_to_payment = (
        OperationEvent.objects.order_by()
        .filter(transition=SIGN_AGREEMENT)
        .annotate(
            days=DayDiff(
                Subquery(first_payment.order_by("paid_on").values("paid_on")[:1]),
                LocalDate("at"),
            )
        )
    )
    return [
        _durations("vote", "Du dépôt au vote", submission_to_vote),
        _durations("signature", "Du vote à la convention signée", vote_to_signature),
        _durations("payment", "De la convention au premier paiement", signature_to_payment),
    ]


# --- Late items -----------------------------------------------------------------------------


def _threshold(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def deadline_cutoff(years: int, on: datetime.date) -> datetime.date:
    """The earliest date d such that d + `years` (as finance counts years) falls on or after
    `on`: a deadline counted from a date before it has passed by `on`."""
    try:
        candidate = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        candidate = on.replace(year=on.year - years, day=28)
    while add_years(candidate - datetime.timedelta(days=1), years) >= on:
        candidate -= datetime.timedelta(days=1)
    while add_years(candidate, years) < on:
        candidate += datetime.timedelta(days=1)
    return candidate


def _deadlines_before(generation: Generation, on: datetime.date) -> Q:
    """Commitments of `generation` whose next lapse deadline falls before `on`, as in the
    finance's lapse watch: the start deadline while works have not started (extended once if
    granted), the completion deadline counted from the convention's signature (or the vote,
    before it). The date comes first: the operation's row is read only for commitments old
    enough for their start deadline to matter."""
    start = generation.start_deadline_years
    extended = start + generation.start_extension_years
    start_passed = (
        Q(start_extended=False, committed_on__lt=deadline_cutoff(start, on))
        | Q(start_extended=True, committed_on__lt=deadline_cutoff(extended, on))
    ) & Q(works_started_on__isnull=True)
    # The signature's local date is before the cutoff when the signature is before the
    # cutoff's local midnight: compared as stored, without converting each row.
    cutoff = deadline_cutoff(generation.completion_deadline_years, on)
    midnight = datetime.datetime.combine(cutoff, datetime.time(), tzinfo=PARIS)
    completion_passed = Q(signed_at__lt=midnight) | Q(
        signed_at__isnull=True, committed_on__lt=cutoff
    )
    return start_passed | completion_passed


def lapse_alerts(*, user, filters: Filters, today: datetime.date | None = None) -> dict:
    _internal(user)
    if today is not None and today != timezone.localdate():
        return _lapse_alerts(filters, today)
    return figures_cache.cached(
        "lapse", filters, lambda: _lapse_alerts(filters, timezone.localdate())
    )


@figures_cache.computation("lapse")
def _lapses_of(generation_id: int | None, territory_id: int | None) -> dict:
    filters = Filters(generation_id=generation_id, territory_id=territory_id)
    return _lapse_alerts(filters, timezone.localdate())


def _lapse_alerts(filters: Filters, today: datetime.date) -> dict:
    """Active commitments past a lapse deadline, and those within the warning period: one
    grouped query per generation in view, over the commitments (the operation's start of works
    and the convention's history row through indexed subqueries)."""
    generations = Generation.objects.filter(programme_authorisation__isnull=False)
    if filters.generation_id:
        generations = generations.filter(pk=filters.generation_id)
    works_started_on = (
        Operation.objects.filter(pk=OuterRef("operation_id")).order_by().values("works_started_on")
    )
    signed_at = (
        OperationEvent.objects.filter(
            operation_id=OuterRef("operation_id"), transition=SIGN_AGREEMENT
        )
        .order_by()
        .values("at")[:1]
    )
    late = soon = 0
    aps = []
    for generation in generations.select_related("programme_authorisation"):
        ap = generation.programme_authorisation
        warning_end = today + datetime.timedelta(days=generation.lapse_warning_days + 1)
        category = Case(
            When(_deadlines_before(generation, today), then=Value("late")),
            When(_deadlines_before(generation, warning_end), then=Value("soon")),
            default=Value(""),
            output_field=CharField(),
        )
        # Streamed, one short text per commitment: grouped in SQL, SQLite would evaluate the
        # subqueries of each row twice.
        counts = Counter(
            Filters(territory_id=filters.territory_id)
            .apply_to_commitments(Commitment.objects.order_by())
            .filter(authorisation=ap, state=Commitment.State.ACTIVE)
            .annotate(
                works_started_on=Subquery(works_started_on),
                signed_at=Subquery(signed_at),
            )
            .annotate(category=category)
            .values_list("category", flat=True)
        )
        late += counts.get("late", 0)
        soon += counts.get("soon", 0)
        aps.append(ap)
    return {"late": late, "soon": soon, "aps": aps}


def _oldest(qs, order: tuple[str, ...], related: str) -> list:
    """The first rows in `order`: their ids from the index first, then those few rows."""
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[:LATE_LIST_SIZE])
    rows = {o.pk: o for o in qs.model.objects.filter(pk__in=ids).select_related(related)}
    return [rows[pk] for pk in ids]


def late_items(
    *,
    user,
    filters: Filters,
    with_lists: bool = True,
    figures: OperationFigures | None = None,
    met: dict | None = None,
) -> dict:
    """Operations waiting beyond the thresholds, payments awaiting, lapse alerts, reciprocal
    commitments awaiting validation. `with_lists` adds the oldest items (not for the elected
    members' aggregate view); `figures` reuses the counts already made for the page."""
    _internal(user)
    now, today, limits = timezone.now(), timezone.localdate(), _thresholds()
    figures = figures or operation_figures(user=user, filters=filters)
    payments = filters.apply_to_commitments(PaymentRequest.objects.order_by(), "commitment__")
    payments = payments.filter(
        state__in=[PaymentRequest.State.REQUESTED, PaymentRequest.State.CHECKED],
        requested_at__lt=now - datetime.timedelta(days=limits["payment_days"]),
    )
    if met is None:
        met = commitments_met(user=user, filters=filters)
    result = {
        **limits,
        "waiting_count": figures.waiting_count,
        "unsigned_count": figures.unsigned_count,
        "payments_count": payments.count(),
        "to_validate_count": sum(i["reported"] for i in met["items"]),
        "lapse": lapse_alerts(user=user, filters=filters),
    }
    if with_lists:
        operations = _operations(filters)
        result["waiting"] = _oldest(
            operations.filter(_waiting_q(now, limits["waiting_days"])),
            ("submitted_at", "id"),
            "contract__partner",
        )
        result["unsigned"] = _oldest(
            operations.filter(_unsigned_q(today, limits["signature_days"])),
            ("voted_on", "id"),
            "contract__partner",
        )
        result["payments"] = _oldest(
            payments, ("requested_at", "id"), "commitment__operation__contract__partner"
        )
    return result


# --- Reciprocal commitments -----------------------------------------------------------------


def _commitments(filters: Filters):
    contracts = filters.contracts()
    qs = ReciprocalCommitment.objects.order_by()
    return qs if contracts is None else qs.filter(contract_id__in=contracts)


def commitments_met(*, user, filters: Filters) -> dict:
    """Reciprocal commitments validated against all of them, by kind (one grouped query)."""
    _internal(user)
    S = ReciprocalCommitment.State
    rows = (
        _commitments(filters)
        .values_list("kind")
        .annotate(
            total=Count("id"),
            validated=Count("id", filter=Q(state=S.VALIDATED)),
            reported=Count("id", filter=Q(state=S.REPORTED)),
            refused=Count("id", filter=Q(state=S.REFUSED)),
        )
        .values_list("kind", "total", "validated", "reported", "refused")
    )
    by_kind = {row[0]: row[1:] for row in rows}
    items = []
    for value, label in ReciprocalCommitment.Kind.choices:
        if value not in by_kind:
            continue
        total, validated, reported, refused = by_kind[value]
        items.append(
            {
                "kind": value,
                "label": label,
                "total": total,
                "validated": validated,
                "reported": reported,
                "refused": refused,
                "rate": _rate(validated, total),
            }
        )
    total = sum(i["total"] for i in items)
    validated = sum(i["validated"] for i in items)
    return {
        "items": items,
        "total": total,
        "validated": validated,
        "rate": _rate(validated, total),
    }


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# --- Helpers --------------------------------------------------------------------------------


def _internal(user) -> None:
    policy.require(user, "dashboard", "read")
