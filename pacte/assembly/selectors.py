"""Reads of the assembly. Sittings, reports and votes are read by the Département's staff and
members (internal roles); partners and the public read only published deliberations."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from pacte.core.roles import INTERNAL_ROLES

from .models import Attendance, Deliberation, Proxy, Report, Sitting


def _require_internal(user):
    if not user.is_authenticated or user.role not in INTERNAL_ROLES:
        raise PermissionDenied("Les séances sont consultées par les services et les élus.")


def published_deliberations():
    """Public: every deliberation put online, newest first (no user needed: they are public)."""
    return (
        Deliberation.objects.filter(published_on__isnull=False)
        .select_related("report__sitting", "corrects", "published_document", "document")
        .prefetch_related("corrections")
        .order_by("-published_on", "-year", "-sequence")
    )


def published_deliberation_get(number: str) -> Deliberation:
    try:
        year, sequence = (int(part) for part in number.split("-"))
    except ValueError:
        year = sequence = 0
    return get_object_or_404(published_deliberations(), year=year, sequence=sequence)


def sitting_list(*, user, body: str = "", year: int | None = None):
    _require_internal(user)
    sittings = Sitting.objects.annotate(
        report_total=Count("reports", distinct=True),
        adopted_total=Count("reports__deliberation", distinct=True),
    ).order_by("-held_on", "body")
    if body:
        sittings = sittings.filter(body=body)
    if year:
        sittings = sittings.filter(held_on__year=year)
    return sittings


def sitting_get(*, user, pk: int) -> Sitting:
    _require_internal(user)
    return get_object_or_404(
        Sitting.objects.prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related(
                    "councillor__political_group", "proxy_given__holder"
                ).order_by("position"),
            ),
            Prefetch("proxies", queryset=Proxy.objects.select_related("giver", "holder")),
        ),
        pk=pk,
    )


def sitting_reports(*, user, sitting: Sitting):
    _require_internal(user)
    return (
        sitting.reports.select_related("deliberation", "corrects")
        .prefetch_related("opinions__commission")
        .annotate(operation_total=Count("operations", distinct=True))
        .order_by("number")
    )


def report_get(*, user, pk: int) -> Report:
    _require_internal(user)
    return get_object_or_404(
        Report.objects.select_related("sitting", "deliberation", "corrects__report__sitting")
        .prefetch_related("opinions__commission", "group_votes__group", "contracts__partner")
        .prefetch_related("ballots__member"),
        pk=pk,
    )


def report_operations(*, user, report: Report):
    _require_internal(user)
    return report.operations.select_related("contract__partner", "contract__generation").order_by(
        "reference"
    )


def deliberation_list(*, user, query: str = "", year: int | None = None):
    _require_internal(user)
    deliberations = Deliberation.objects.select_related("report__sitting").order_by(
        "-year", "-sequence"
    )
    if year:
        deliberations = deliberations.filter(year=year)
    if query:
        deliberations = deliberations.filter(
            Q(report__title__icontains=query) | Q(report__text__icontains=query)
        )
    return deliberations


def correctable_deliberations(*, user):
    _require_internal(user)
    return (
        Deliberation.objects.filter(adopted=True)
        .select_related("report")
        .order_by("-year", "-sequence")
    )
