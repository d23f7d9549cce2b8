"""Attendance and proxies at a sitting. Each write is one transaction and leaves an
audit row. Once an item is voted, the attendance and proxies it rests on no longer change: a
change that would alter who was present, represented or counted for the quorum at a voted
item is refused (later departures may still be recorded)."""

import datetime
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_time
from pacte.core.models import User

from .. import rules
from ..models import (
    Attendance,
    Ballot,
    OnlineProxy,
    Proxy,
    Report,
    Sitting,
)
from ..selectors import pending_online_proxies, voted_presence


@contextmanager
def votes_unchanged(sitting: Sitting) -> Any:
    """Run a change of attendance, then refuse it (the transaction rolls back) if it alters what
    a voted item rests on."""
    before = voted_presence(sitting)
    yield
    if not before:
        return
    after = voted_presence(sitting)
    changed = [pk for pk, facts in before.items() if after.get(pk) != facts]
    if changed:
        report = Report.objects.select_related("deliberation").get(pk=changed[0])
        raise ValidationError(
            f"Ce changement modifierait les présences au vote du point n°{report.number} "
            f"(délibération n°{report.deliberation.number}) : une délibération votée ne change "
            "plus, ni les présences et les pouvoirs sur lesquels elle repose. Seuls les départs "
            "postérieurs au dernier vote s'enregistrent encore."
        )


def check_day_come(sitting: Sitting) -> None:
    """Attendance and proxies are recorded from the sitting's day on, not before."""
    today = timezone.localdate()
    if sitting.held_on > today:
        raise ValidationError(
            f"La séance se tient le {format_date(sitting.held_on)} : les présences et les "
            "pouvoirs se relèvent ce jour-là (les pouvoirs donnés en ligne d'ici là sont "
            "enregistrés à l'appel)."
        )


def _guarded(sitting: Sitting, change: Callable[[], Any]) -> Any:
    with votes_unchanged(sitting):
        return change()


@transaction.atomic
def attendance_record(
    *,
    actor: User | None,
    attendance: Attendance,
    status: str,
    arrived_at: datetime.time | None = None,
    left_at: datetime.time | None = None,
) -> Attendance:
    """Present, excused or absent; a member present may arrive late or leave early."""
    policy.require(actor, "sitting", "change", attendance.sitting)
    attendance = (
        Attendance.objects.select_for_update().select_related("sitting").get(pk=attendance.pk)
    )
    check_day_come(attendance.sitting)
    if status not in Attendance.Status.values:
        raise ValidationError("Présence inconnue.")
    if status != Attendance.Status.PRESENT:
        if arrived_at or left_at:
            raise ValidationError(
                f"{attendance} n'est pas présent : pas d'heure d'arrivée ni de départ."
            )
        holding = list(attendance.proxies_held.select_related("giver"))
        if holding:
            raise ValidationError(
                f"{attendance} détient le pouvoir de {holding[0].giver} : retirez d'abord ce "
                "pouvoir."
            )
    elif hasattr(attendance, "proxy_given") and not left_at:
        raise ValidationError(
            f"{attendance} a donné son pouvoir : retirez-le avant de le marquer présent, ou "
            "indiquez l'heure de son départ."
        )
    if arrived_at and left_at and left_at <= arrived_at:
        raise ValidationError(f"{attendance} : le départ suit l'arrivée.")
    attendance.status = status
    attendance.arrived_at = arrived_at
    attendance.left_at = left_at
    _guarded(
        attendance.sitting,
        lambda: attendance.save(update_fields=["status", "arrived_at", "left_at"]),
    )
    audit(
        actor=actor,
        action="assembly.attendance",
        obj=attendance.sitting,
        summary=f"{attendance} : {attendance.get_status_display().lower()}"
        + (f", arrivé à {format_time(arrived_at)}" if arrived_at else "")
        + (f", parti à {format_time(left_at)}" if left_at else ""),
    )
    return attendance


def attendance_mark_all_present(*, actor: User | None, sitting: Sitting) -> int:
    """The roll call (see `roll_call`): how many members were marked present."""
    count, _ = roll_call(actor=actor, sitting=sitting)
    return count


@transaction.atomic
def roll_call(*, actor: User | None, sitting: Sitting) -> tuple[int, list[str]]:
    """The roll call: everyone not yet recorded (absent) is present, but those who gave their
    proxy online; then the proxies given online are recorded where their holder is present.
    Returns how many were marked present, and why each proxy given online that could not be
    recorded was not (it stays listed for the clerk)."""
    policy.require(actor, "sitting", "change", sitting)
    check_day_come(sitting)
    givers = OnlineProxy.objects.filter(
        sitting=sitting, withdrawn_at__isnull=True, proxy__isnull=True
    ).values("giver_id")
    count: int = _guarded(
        sitting,
        lambda: (
            sitting.attendances.filter(status=Attendance.Status.ABSENT, proxy_given__isnull=True)
            .exclude(pk__in=givers)
            .update(status=Attendance.Status.PRESENT)
        ),
    )
    problems = apply_online_proxies(actor=actor, sitting=sitting)
    audit(
        actor=actor,
        action="assembly.attendance",
        obj=sitting,
        summary=f"Appel : {count} membres marqués présents",
    )
    return count, problems


@transaction.atomic
def proxy_record(
    *,
    actor: User | None,
    sitting: Sitting,
    giver: Attendance,
    holder: Attendance,
    is_demo: bool = False,
) -> Proxy:
    """A5: a member absent gives a proxy to a member present, who holds at most one (two under
    the temporary rules of 2020-2022)."""
    policy.require(actor, "sitting", "change", sitting)
    check_day_come(sitting)
    giver = Attendance.objects.get(pk=giver.pk)
    holder = Attendance.objects.select_for_update().get(pk=holder.pk)
    if giver.sitting_id != sitting.pk or holder.sitting_id != sitting.pk:
        raise ValidationError("Les deux membres sont ceux de cette séance.")
    if giver.pk == holder.pk:
        raise ValidationError(
            f"{giver} ne peut se donner pouvoir à lui-même : un pouvoir se donne à un autre "
            "membre (CGCT L3121-16)."
        )
    if giver.status == Attendance.Status.PRESENT and not giver.left_at:
        raise ValidationError(
            f"{giver} est présent : il ne donne pas de pouvoir (sauf en partant, heure de départ "
            "indiquée)."
        )
    if holder.status != Attendance.Status.PRESENT:
        raise ValidationError(f"{holder} n'est pas présent : il ne peut recevoir de pouvoir.")
    if Proxy.objects.filter(giver=holder).exists():
        raise ValidationError(
            f"{holder} a lui-même donné son pouvoir : il ne peut recevoir celui de {giver}."
        )
    if giver.left_at and holder.left_at and holder.left_at <= giver.left_at:
        raise ValidationError(
            f"{holder} est parti à {format_time(holder.left_at)}, avant le départ de {giver} "
            f"({format_time(giver.left_at)}) : il ne peut recevoir son pouvoir."
        )
    if Proxy.objects.filter(giver=giver).exists():
        raise ValidationError(f"{giver} a déjà donné son pouvoir.")
    limit = rules.max_proxies_held(sitting.held_on)
    held = Proxy.objects.select_for_update().filter(holder=holder).count()
    if held >= limit:
        raise ValidationError(
            f"{holder} détient déjà {held} pouvoir{'s' if held > 1 else ''} : "
            f"{limit} au plus par membre."
        )
    proxy: Proxy = _guarded(
        sitting,
        lambda: Proxy.objects.create(
            sitting=sitting, giver=giver, holder=holder, is_demo=is_demo, recorded_by=actor
        ),
    )
    audit(actor=actor, action="assembly.proxy", obj=sitting, summary=f"Pouvoir : {proxy}")
    return proxy


@transaction.atomic
def proxy_remove(*, actor: User | None, proxy: Proxy) -> None:
    policy.require(actor, "sitting", "change", proxy.sitting)
    if Ballot.objects.filter(member=proxy.giver, by_proxy=True).exists():
        raise ValidationError(f"Le pouvoir de {proxy.giver} a servi à un vote : il reste.")
    audit(
        actor=actor, action="assembly.proxy", obj=proxy.sitting, summary=f"Pouvoir retiré : {proxy}"
    )
    # Given online: withdrawn with it, not offered again on the roll call.
    OnlineProxy.objects.filter(proxy=proxy).update(withdrawn_at=timezone.now())
    _guarded(proxy.sitting, proxy.delete)


@transaction.atomic
def online_proxy_record(*, actor: User | None, online: OnlineProxy) -> Proxy:
    """The clerk records on the roll call a proxy given online: the giver is excused, the
    holder must be present (every rule of `proxy_record` applies)."""
    policy.require(actor, "sitting", "change", online.sitting)
    online = (
        OnlineProxy.objects.select_for_update()
        .select_related("giver", "holder", "sitting")
        .get(pk=online.pk)
    )
    if online.withdrawn_at is not None:
        raise ValidationError(f"{online.giver} a retiré ce pouvoir.")
    if online.proxy_id is not None:
        raise ValidationError("Ce pouvoir est déjà enregistré.")
    if online.giver.status == Attendance.Status.ABSENT:
        attendance_record(actor=actor, attendance=online.giver, status=Attendance.Status.EXCUSED)
    proxy = proxy_record(
        actor=actor, sitting=online.sitting, giver=online.giver, holder=online.holder
    )
    online.proxy = proxy
    online.save(update_fields=["proxy"])
    return proxy


def apply_online_proxies(
    *, actor: User | None, sitting: Sitting, present_holders_only: bool = False
) -> list[str]:
    """At the roll call: record each proxy given online whose holder is present. Returns the
    French reasons of those that could not be (the holder absent…), left for the clerk.
    `present_holders_only`: try only those whose holder is now present (a roll called row by
    row, whose other members are not called yet)."""
    problems = []
    for online in pending_online_proxies(sitting):
        if present_holders_only and online.holder.status != Attendance.Status.PRESENT:
            continue
        try:
            with transaction.atomic():
                online_proxy_record(actor=actor, online=online)
        except ValidationError as exc:
            problems.append(f"Pouvoir de {online.giver} à {online.holder} : {exc.messages[0]}")
    return problems
