"""Reads of the assembly, through the access policy. Sittings, reports and votes are read by
the Département's staff and members; everyone, signed in or not, reads the published
deliberations — from their publication date, not before. A `*_get` answers « introuvable »
(404) whatever the reason: an unknown id, an id out of range, or an object not to be seen."""

import datetime
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pacte.contracts.models import Contract
from pacte.core import policy
from pacte.core.ids import get_or_404, valid_id
from pacte.operations.models import Operation
from pacte.territory.models import PoliticalGroup

from . import rules
from .models import (
    Attendance,
    Convocation,
    Deliberation,
    DeliberationEvent,
    OnlineProxy,
    Proxy,
    Report,
    Sitting,
)

MAX_YEAR = 9999

_M = TypeVar("_M", bound=Model)


def valid_year(raw: object) -> int | None:
    """`raw` as a calendar year, or None when it cannot be one."""
    value = valid_id(raw)  # a positive number, or None
    return value if value is not None and value <= MAX_YEAR else None


# --- Published deliberations (public) ------------------------------------------------------


def is_public(deliberation: Deliberation, today: datetime.date | None = None) -> bool:
    """Published, and its publication date has come (Europe/Paris)."""
    today = today or timezone.localdate()
    return deliberation.published_on is not None and deliberation.published_on <= today


def published_deliberations(user: policy.Viewer = None) -> QuerySet[Deliberation]:
    """Public: every deliberation put online, newest first, from its publication date on (a
    deliberation published with a later date is held back until that day)."""
    return (
        policy.scope(user, "deliberation", Deliberation.objects.all())
        .filter(published_on__isnull=False, published_on__lte=timezone.localdate())
        .select_related("report__sitting", "corrects", "published_document", "document")
        .prefetch_related("corrections")
        .order_by("-published_on", "-year", "-sequence")
    )


def published_deliberation_get(number: str, user: policy.Viewer = None) -> Deliberation:
    message = "Délibération introuvable."
    parts = str(number).split("-")
    year = valid_year(parts[0]) if len(parts) == 2 else None
    sequence = valid_id(parts[1]) if len(parts) == 2 else None
    if year is None or sequence is None:
        raise Http404(message)
    try:
        return published_deliberations(user).get(year=year, sequence=sequence)
    except Deliberation.DoesNotExist as exc:
        raise Http404(message) from exc


def published_corrections(deliberation: Deliberation) -> list[Deliberation]:
    """The public deliberations that correct this one."""
    today = timezone.localdate()
    return [d for d in deliberation.corrections.all() if is_public(d, today)]


# --- Sittings ------------------------------------------------------------------------------


def sitting_list(
    *, user: policy.Viewer, body: str = "", year: object = None, action: str = "read"
) -> QuerySet[Sitting]:
    sittings = policy.scope(
        user,
        "sitting",
        Sitting.objects.annotate(
            report_total=Count("reports", distinct=True),
            adopted_total=Count("reports__deliberation", distinct=True),
        ).order_by("-held_on", "body"),
        action,
    )
    if body:
        sittings = sittings.filter(body=body)
    if year:
        checked = valid_year(year)
        sittings = sittings.filter(held_on__year=checked) if checked else sittings.none()
    return sittings


def sitting_get(*, user: policy.Viewer, pk: int | str) -> Sitting:
    return get_or_404(
        policy.scope(
            user,
            "sitting",
            Sitting.objects.prefetch_related(
                Prefetch(
                    "attendances",
                    queryset=Attendance.objects.select_related(
                        "councillor__political_group", "proxy_given__holder"
                    ).order_by("position"),
                ),
                Prefetch(
                    "proxies", queryset=Proxy.objects.select_related("giver", "holder", "online")
                ),
            ),
        ),
        pk,
        "Séance introuvable.",
    )


def sitting_row(*, user: policy.Viewer, pk: int | str) -> Sitting:
    """The sitting alone (a form's instance)."""
    return get_or_404(
        policy.scope(user, "sitting", Sitting.objects.all()), pk, "Séance introuvable."
    )


def proxy_get(*, user: policy.Viewer, sitting: Sitting, pk: int | str) -> Proxy:
    return get_or_404(
        policy.scope(user, "sitting", Proxy.objects.filter(sitting=sitting)).select_related(
            "sitting", "giver", "holder"
        ),
        pk,
        "Pouvoir introuvable.",
    )


def sitting_reports(*, user: policy.Viewer, sitting: Sitting) -> QuerySet[Report]:
    return (
        policy.scope(user, "report", Report.objects.filter(sitting=sitting))
        .select_related("deliberation", "corrects")
        .prefetch_related("opinions__commission")
        .annotate(operation_total=Count("operations", distinct=True))
        .order_by("number")
    )


def sitting_voted_operations(*, user: policy.Viewer, sitting: Sitting) -> QuerySet[Operation]:
    """The operations of the sitting's adopted reports on subsidies that are voted and wait for
    their convention."""
    return policy.scope(
        user,
        "operation",
        Operation.objects.filter(
            reports__sitting=sitting,
            reports__deliberation__adopted=True,
            state=Operation.State.VOTED,
        ),
    ).distinct()


def sitting_voted_total(*, user: policy.Viewer, sitting: Sitting) -> int:
    """How many operations the sitting's adopted reports on subsidies carry."""
    return policy.scope(
        user,
        "operation",
        Operation.objects.filter(
            reports__sitting=sitting,
            reports__deliberation__adopted=True,
            reports__kind=Report.Kind.SUBSIDIES,
        ),
    ).count()


# --- Reports -------------------------------------------------------------------------------


def report_get(*, user: policy.Viewer, pk: int | str, action: str = "read") -> Report:
    """The report `pk`, for `action` (a role that may not act on reports at all is refused
    before the report is looked for)."""
    return get_or_404(
        policy.scope(user, "report", Report.objects.all(), action)
        .select_related("sitting", "deliberation", "corrects__report__sitting")
        .prefetch_related("opinions__commission", "group_votes__group", "contracts__partner")
        .prefetch_related("ballots__member"),
        pk,
        "Rapport introuvable.",
    )


def report_operations(*, user: policy.Viewer, report: Report) -> QuerySet[Operation]:
    return (
        policy.scope(user, "operation", Operation.objects.filter(reports=report))
        .select_related("contract__partner", "contract__generation")
        .order_by("reference")
    )


def _report_choices(
    user: policy.Viewer, kind: str, model: type[_M], ready_state: str, report: Report | None
) -> QuerySet[_M]:
    """The `model` objects in `ready_state` that the user sees, and those `report` carries."""
    wanted = Q(state=ready_state)
    if report is not None:
        wanted |= Q(reports=report)
    return policy.scope(user, kind, model._default_manager.filter(wanted)).distinct()


def report_operation_choices(
    *, user: policy.Viewer, report: Report | None = None
) -> QuerySet[Operation]:
    """The operations a report on subsidies may carry: those whose sheet is ready, and those it
    already carries."""
    choices = _report_choices(user, "operation", Operation, Operation.State.SHEET_READY, report)
    return choices.select_related("contract__partner").order_by("reference")


def report_contract_choices(
    *, user: policy.Viewer, report: Report | None = None
) -> QuerySet[Contract]:
    """The contracts a report of approval may carry: those agreed with the partner, and those it
    already carries."""
    choices = _report_choices(user, "contract", Contract, Contract.State.AGREED, report)
    return choices.select_related("partner", "generation")


def political_groups(*, user: policy.Viewer) -> QuerySet[PoliticalGroup]:
    """The political groups of the département, in their order."""
    return policy.scope(
        user,
        "referential",
        PoliticalGroup.objects.filter(department__code=settings.PACTE_DEPARTMENT_CODE),
    ).order_by("position")


# --- Deliberations (the assembly service's view) -------------------------------------------


def deliberation_list(
    *, user: policy.Viewer, query: str = "", year: object = None
) -> QuerySet[Deliberation]:
    deliberations = policy.scope(
        user, "deliberation", Deliberation.objects.all(), "manage"
    ).select_related("report__sitting")
    if year:
        checked = valid_year(year)
        deliberations = deliberations.filter(year=checked) if checked else deliberations.none()
    if query:
        deliberations = deliberations.filter(
            Q(report__title__icontains=query) | Q(report__text__icontains=query)
        )
    return deliberations.order_by("-year", "-sequence")


def deliberation_get(*, user: policy.Viewer, pk: int | str) -> Deliberation:
    return get_or_404(
        deliberation_list(user=user).select_related(
            "corrects", "document", "report_document", "published_document"
        ),
        pk,
        "Délibération introuvable.",
    )


def correctable_deliberations(*, user: policy.Viewer) -> QuerySet[Deliberation]:
    return (
        policy.scope(user, "deliberation", Deliberation.objects.filter(adopted=True), "manage")
        .select_related("report")
        .order_by("-year", "-sequence")
    )


def deliberation_events(
    *, user: policy.Viewer, deliberation: Deliberation
) -> QuerySet[DeliberationEvent]:
    """The steps of a deliberation's publicity (put online, sent, acknowledged), in order."""
    found = deliberation_get(user=user, pk=deliberation.pk)
    return found.events.select_related("actor").order_by("at", "id")


# --- Presence and quorum ------------------------------------------------------------------


def presence_at(
    sitting: Sitting,
    moment: datetime.time | None,
    *,
    loaded: tuple[list[Attendance], list[Proxy]] | None = None,
) -> tuple[list[Attendance], list[Proxy]]:
    """(members present, proxies that count) at that time of the sitting: a proxy counts while
    its holder is present and its giver is not. `loaded`: the sitting's attendances and proxies,
    read once by a caller that asks for several times."""
    attendances, all_proxies = loaded or (
        list(sitting.attendances.all()),
        list(sitting.proxies.all()),
    )
    present = [a for a in attendances if a.present_at(moment)]
    present_ids = {a.pk for a in present}
    proxies = [
        p for p in all_proxies if p.holder_id in present_ids and p.giver_id not in present_ids
    ]
    return present, proxies


def notice_days(body: str) -> int:
    """A8: the days of notice of a body's reports — PACTE_NOTICE_DAYS_COUNCIL (12, the law)
    and PACTE_NOTICE_DAYS_STANDING_COMMITTEE (the règlement intérieur's; 12 by default)."""
    name = (
        "PACTE_NOTICE_DAYS_COUNCIL"
        if body == rules.COUNCIL
        else "PACTE_NOTICE_DAYS_STANDING_COMMITTEE"
    )
    return int(getattr(settings, name, rules.REPORT_NOTICE_DAYS))


def sending_warning(
    report: Report, sitting: Sitting, summary: "ConvocationSummary | None" = None
) -> str:
    return rules.report_sending_warning(
        sitting_day=sitting.held_on,
        sent_on=report_sent_on(
            report,
            summary or (convocation_summary(sitting) if sitting.pk else ConvocationSummary()),
        ),
        urgency=report.urgency,
        body=sitting.body,
        notice_days=notice_days(sitting.body),
    )


def voted_presence(sitting: Sitting) -> dict[int, tuple[Any, ...]]:
    """For each item of the sitting already voted: who was present, whose proxies counted and
    the quorum, as they were at its opening. What an adopted act rests on: it must not change."""
    voted = list(sitting.reports.filter(deliberation__isnull=False).order_by("number"))
    if not voted:
        return {}
    # Read once, whatever the number of voted items (three queries in all).
    loaded = (list(sitting.attendances.all()), list(sitting.proxies.all()))
    snapshot: dict[int, tuple[Any, ...]] = {}
    for report in voted:
        present, proxies = presence_at(sitting, report.opened_at, loaded=loaded)
        quorum = sitting_quorum(sitting, report.opened_at, loaded=loaded)
        snapshot[report.pk] = (
            frozenset(a.pk for a in present),
            frozenset((p.giver_id, p.holder_id) for p in proxies),
            quorum.explanation,  # counted, required, reached, reconvened
        )
    return snapshot


def group_presence(sitting: Sitting, moment: datetime.time | None) -> dict[int, tuple[int, int]]:
    """For each political group: its members present at that time and those represented (a
    proxy's vote is its giver's, so it counts in the giver's group). Empty when the members of
    the sitting belong to no group (the groups' figures are not known)."""
    present, proxies = presence_at(sitting, moment)
    group_of = dict(sitting.attendances.values_list("pk", "councillor__political_group_id"))
    if not any(group_of.values()):
        return {}
    figures: dict[int, list[int]] = {}
    for attendance in present:
        if group_of.get(attendance.pk):
            figures.setdefault(group_of[attendance.pk], [0, 0])[0] += 1
    for proxy in proxies:
        if group_of.get(proxy.giver_id):
            figures.setdefault(group_of[proxy.giver_id], [0, 0])[1] += 1
    return {group: (counts[0], counts[1]) for group, counts in figures.items()}


def sitting_quorum(
    sitting: Sitting,
    at: datetime.time | None = None,
    *,
    loaded: tuple[list[Attendance], list[Proxy]] | None = None,
) -> rules.Quorum:
    """The quorum at a time of the sitting (by default its opening)."""
    moment = at or sitting.opened_at
    present, proxies = presence_at(sitting, moment, loaded=loaded)
    return rules.quorum(
        body=sitting.body,
        day=sitting.held_on,
        members=sitting.members_in_office,
        present=len(present),
        represented=len(proxies),
        reconvened=sitting.reconvened,
    )


# --- Convocations and the councillors' space ------------------------------------------------


@dataclass
class ConvocationSummary:
    """Where a sitting's convocations stand. `sent_on`: the day the last of them really went
    out, once every member of the roll is convoked and every mail delivered; `report_dates`:
    for each report, the day it had reached every member (the notice runs from it)."""

    roll: int = 0
    rows: list[Convocation] = field(default_factory=list)
    by_email: int = 0
    by_post: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    acknowledged: int = 0
    sent_on: datetime.date | None = None
    report_dates: dict[int, datetime.date] = field(default_factory=dict)

    # Reports on the agenda that some convocation does not carry yet (a complement is due).
    missing: list[Report] = field(default_factory=list)

    @property
    def convoked(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> bool:
        return bool(self.roll) and self.convoked == self.roll and self.sent == self.roll


def convocation_summary(sitting: Sitting) -> ConvocationSummary:
    rows = list(
        sitting.convocations.select_related("mail", "councillor").order_by(
            "councillor__last_name", "councillor__first_name"
        )
    )
    summary = ConvocationSummary(
        roll=sitting.attendances.filter(councillor__isnull=False).count(), rows=rows
    )
    days = []
    for c in rows:
        if c.channel == Convocation.Channel.POST:
            summary.by_post += 1
        else:
            summary.by_email += 1
        if c.sent_on is not None:
            summary.sent += 1
            days.append(c.sent_on)
        elif c.mail is not None and c.mail.abandoned_at is not None:
            summary.failed += 1
        else:
            summary.pending += 1
        if c.acknowledged_at:
            summary.acknowledged += 1
    if summary.complete:
        summary.sent_on = max(days)
    if rows:
        carried = frozenset.intersection(*(frozenset(c.agenda) for c in rows))
        summary.missing = [r for r in sitting.reports.order_by("number") if r.pk not in carried]
    if rows and summary.convoked == summary.roll:
        for report_id in set().union(*(c.agenda for c in rows)):
            reached = [c.report_sent_on(report_id) for c in rows]
            if all(reached):
                summary.report_dates[report_id] = max(d for d in reached if d)
    return summary


def report_sent_on(report: Report, summary: ConvocationSummary) -> datetime.date | None:
    """A8: when the report reached the members — with the convocations Pacte sent, once every
    member had it; else (convocations sent outside Pacte) on the date the clerk recorded. Once
    Pacte convokes, a typed date no longer counts."""
    if summary.rows:
        return summary.report_dates.get(report.pk)
    return report.sent_on


def councillor_of(user: policy.Viewer) -> int | None:
    if not policy.allows(user, "sitting", "attend"):
        return None
    return getattr(user, "councillor_id", None)


@dataclass
class CouncillorSitting:
    sitting: Sitting
    attendance: Attendance
    convocation: Convocation | None
    online_given: OnlineProxy | None
    coming: bool


def councillor_sittings(*, user: policy.Viewer) -> list[CouncillorSitting]:
    """The sittings the user sits in as a councillor, the coming ones first, with his place on
    the roll, his convocation and the proxy he gave online."""
    councillor_id = councillor_of(user)
    if councillor_id is None:
        return []
    attendances = (
        Attendance.objects.filter(councillor_id=councillor_id)
        .select_related("sitting", "proxy_given__holder")
        .prefetch_related(
            Prefetch(
                "online_proxies_given",
                queryset=OnlineProxy.objects.filter(withdrawn_at__isnull=True).select_related(
                    "holder"
                ),
                to_attr="online_given",
            ),
        )
    )
    convocations = {
        c.sitting_id: c
        for c in Convocation.objects.filter(councillor_id=councillor_id).select_related("mail")
    }
    today = timezone.localdate()
    rows = [
        CouncillorSitting(
            sitting=a.sitting,
            attendance=a,
            convocation=convocations.get(a.sitting_id),
            online_given=a.online_given[0] if a.online_given else None,
            coming=a.sitting.held_on >= today and a.sitting.closed_at is None,
        )
        for a in attendances
    ]
    coming = sorted((r for r in rows if r.coming), key=lambda r: r.sitting.held_on)
    past = sorted((r for r in rows if not r.coming), key=lambda r: r.sitting.held_on, reverse=True)
    return coming + past


def councillor_attendance_get(*, user: policy.Viewer, sitting_pk: int | str) -> Attendance:
    """The user's own place on a sitting's roll (404 for a sitting he does not sit in)."""
    councillor_id, sitting_id = councillor_of(user), valid_id(sitting_pk)
    attendance = None
    if councillor_id and sitting_id:
        attendance = (
            Attendance.objects.filter(councillor_id=councillor_id, sitting_id=sitting_id)
            .select_related("sitting", "proxy_given__holder")
            .first()
        )
    if attendance is None:
        raise Http404("Séance introuvable.")
    return attendance


def councillor_convocation(attendance: Attendance) -> Convocation | None:
    """The councillor's convocation to the sitting of `attendance`, if sent."""
    if attendance.councillor_id is None:
        return None
    return Convocation.objects.filter(
        sitting_id=attendance.sitting_id, councillor_id=attendance.councillor_id
    ).first()


def online_proxy_given(attendance: Attendance) -> OnlineProxy | None:
    return (
        attendance.online_proxies_given.filter(withdrawn_at__isnull=True)
        .select_related("holder", "proxy")
        .first()
    )


def online_proxies_received(attendance: Attendance) -> list[OnlineProxy]:
    return list(
        attendance.online_proxies_received.filter(withdrawn_at__isnull=True).select_related("giver")
    )


def proxy_holder_choices(attendance: Attendance) -> QuerySet[Attendance]:
    """The members to whom the councillor may give his proxy: the other members of the roll,
    but those who gave theirs."""
    return (
        Attendance.objects.filter(sitting_id=attendance.sitting_id, councillor__isnull=False)
        .exclude(pk=attendance.pk)
        .exclude(proxy_given__isnull=False)
        .exclude(pk__in=OnlineProxy.objects.filter(withdrawn_at__isnull=True).values("giver_id"))
        .exclude(status=Attendance.Status.EXCUSED)
        .order_by("position")
    )


def proxy_giver_choices(sitting: Sitting) -> QuerySet[Attendance]:
    """The members the clerk may record as giving a proxy (`services.proxy_record`): not present,
    or present and leaving (their time of departure given), and who have not given theirs —
    recorded, or given online and waiting to be recorded (the page lists it apart)."""
    online = OnlineProxy.objects.filter(
        giver=OuterRef("pk"), withdrawn_at__isnull=True, proxy__isnull=True
    )
    return (
        sitting.attendances.exclude(status=Attendance.Status.PRESENT, left_at__isnull=True)
        .filter(proxy_given__isnull=True)
        .exclude(Exists(online))
        .order_by("position")
    )


def proxy_receiver_choices(sitting: Sitting) -> QuerySet[Attendance]:
    """The members the clerk may record as receiving a proxy (`services.proxy_record`): present,
    who have not given their own, and hold fewer proxies than the law allows at that date."""
    return (
        sitting.attendances.filter(status=Attendance.Status.PRESENT, proxy_given__isnull=True)
        .annotate(held=Count("proxies_held"))
        .filter(held__lt=rules.max_proxies_held(sitting.held_on))
        .order_by("position")
    )


def pending_online_proxies(sitting: Sitting) -> list[OnlineProxy]:
    """Proxies given online that the clerk has not recorded yet."""
    return list(
        sitting.online_proxies.filter(withdrawn_at__isnull=True, proxy__isnull=True)
        .select_related("giver", "holder")
        .order_by("given_at")
    )


def councillor_reports(sitting: Sitting) -> QuerySet[Report]:
    """The sitting's agenda as a councillor reads it: each report with its opinions."""
    return (
        sitting.reports.select_related("deliberation")
        .prefetch_related("opinions__commission")
        .order_by("number")
    )


def calendar_sittings(councillor_id: int) -> QuerySet[Sitting]:
    """The sittings of a councillor's calendar feed: from a year back on."""
    since = timezone.localdate() - datetime.timedelta(days=366)
    return (
        Sitting.objects.filter(attendances__councillor_id=councillor_id, held_on__gte=since)
        .prefetch_related("reports")
        .order_by("held_on")
    )


def convocation_by_token(token: str) -> Convocation:
    """The convocation whose link carries `token` (404 for any other)."""
    from pacte.accounts.models import digest

    found = None
    if token and len(token) <= 100:
        found = (
            Convocation.objects.filter(digest=digest(token))
            .exclude(digest="")
            .select_related("sitting", "councillor")
            .first()
        )
    if found is None:
        raise Http404("Ce lien de convocation n'est pas valable.")
    return found


def online_proxy_get(*, user: policy.Viewer, sitting: Sitting, pk: int | str) -> OnlineProxy:
    return get_or_404(
        policy.scope(user, "sitting", OnlineProxy.objects.filter(sitting=sitting)).select_related(
            "sitting", "giver", "holder"
        ),
        pk,
        "Pouvoir introuvable.",
    )


# --- Minutes (A9) ----------------------------------------------------------------------------


def published_minutes(user: policy.Viewer = None) -> QuerySet[Sitting]:
    """Public: the minutes put online, from their publication date on, newest first."""
    return (
        policy.scope(user, "sitting", Sitting.objects.all(), "minutes")
        .filter(
            minutes_published_on__isnull=False,
            minutes_published_on__lte=timezone.localdate(),
            minutes_document__isnull=False,
        )
        .select_related("minutes_adopted_at", "minutes_document")
        .order_by("-held_on")
    )


def published_minutes_get(pk: int | str, user: policy.Viewer = None) -> Sitting:
    return get_or_404(published_minutes(user), pk, "Procès-verbal introuvable.")


def next_sitting(sitting: Sitting) -> Sitting | None:
    """The next sitting of the same body (the one that adopts its minutes, CGCT L3121-13)."""
    return (
        Sitting.objects.filter(body=sitting.body, held_on__gt=sitting.held_on)
        .order_by("held_on", "pk")
        .first()
    )


def minutes_adopting_choices(sitting: Sitting) -> list[Sitting]:
    """The sitting that may adopt a sitting's minutes: the next one, once its day has come."""
    following = next_sitting(sitting)
    return [following] if following and following.held_on <= timezone.localdate() else []


def minutes_deadline(sitting: Sitting) -> datetime.date | None:
    """A9: the last day to publish the minutes — a week after the sitting that adopted them."""
    from .workflows import MINUTES_PUBLICATION_DAYS

    adopting = sitting.minutes_adopted_at
    if adopting is None:
        return None
    return adopting.held_on + datetime.timedelta(days=MINUTES_PUBLICATION_DAYS)
