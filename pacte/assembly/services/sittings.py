"""Sittings: their creation and their times. Each write is one transaction and leaves an
audit row."""

import datetime
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_time
from pacte.core.models import User
from pacte.territory.models import Councillor

from ..models import (
    Attendance,
    Sitting,
)
from .attendance import votes_unchanged

# A sitting is planned at most this far ahead; none before the départements' assemblies.
AHEAD = datetime.timedelta(days=2 * 366)
FIRST_YEAR = 1871


def _member_label(councillor: Councillor) -> str:
    return f"{councillor.first_name} {councillor.last_name.upper()}"


@transaction.atomic
def sitting_create(
    *,
    actor: User | None,
    body: str,
    held_on: datetime.date,
    place: str,
    president: str,
    secretary: str = "",
    opened_at: datetime.time | None = None,
    reconvened: bool = False,
    signatory_title: str = "",
    signatory_name: str = "",
) -> Sitting:
    """A sitting, with the roll of the councillors in office (the président first, then the
    vice-présidents by rank, then the others by name), all marked absent until recorded."""
    from django.conf import settings

    policy.require(actor, "sitting", "create")
    if not president.strip():
        raise ValidationError("Indiquez le président de séance.")
    today = timezone.localdate()
    if held_on > today + AHEAD:
        raise ValidationError(
            f"Une séance se prévoit au plus deux ans à l'avance : le {format_date(held_on)} "
            "est trop loin."
        )
    if held_on.year < FIRST_YEAR:
        raise ValidationError(f"Le {format_date(held_on)} précède l'assemblée départementale.")
    # The roll: the councillors in office today (the register keeps no former member: a sitting
    # recorded after the fact gets today's roll, to be corrected by hand).
    councillors = list(
        Councillor.objects.filter(
            canton__department__code=settings.PACTE_DEPARTMENT_CODE, in_office=True
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    if not councillors:
        raise ValidationError("Aucun conseiller départemental en fonction n'est connu.")
    rank = {"PRE": 0, "VPE": 1}
    councillors.sort(
        key=lambda c: (rank.get(c.function, 2), c.function_rank or 99, c.last_name, c.first_name)
    )
    sitting = Sitting.objects.create(
        body=body,
        held_on=held_on,
        opened_at=opened_at,
        place=place.strip() or "Arras",
        president=president.strip(),
        secretary=secretary.strip(),
        members_in_office=len(councillors),
        reconvened=reconvened,
        created_by=actor,
        **({"signatory_title": signatory_title} if signatory_title else {}),
        signatory_name=signatory_name,
    )
    Attendance.objects.bulk_create(
        Attendance(
            sitting=sitting,
            position=position,
            civility=c.civility,
            name=_member_label(c),
            councillor=c,
            status=Attendance.Status.ABSENT,
        )
        for position, c in enumerate(councillors, start=1)
    )
    audit(actor=actor, action="assembly.sitting", obj=sitting, summary=f"{sitting} créée")
    return sitting


def _check_items_within(sitting: Sitting) -> None:
    """The items taken up (opened) lie between the sitting's opening and its closing; a
    sitting is closed only once its day has come, and its times stay once its minutes are
    adopted."""
    if sitting.closed_at and sitting.held_on > timezone.localdate():
        raise ValidationError(
            f"La séance se tient le {format_date(sitting.held_on)} : sa clôture s'enregistre ce "
            "jour-là."
        )
    if sitting.minutes_state != "draft":
        recorded = Sitting.objects.values_list("opened_at", "closed_at").get(pk=sitting.pk)
        if (sitting.opened_at, sitting.closed_at) != recorded:
            raise ValidationError(
                "Le procès-verbal de la séance est arrêté : ses heures ne changent plus."
            )
    times = sorted(t for t in sitting.reports.values_list("opened_at", flat=True) if t is not None)
    if not times:
        return
    if sitting.opened_at is None:
        raise ValidationError(
            "Des points ont été examinés : l'heure d'ouverture de la séance reste indiquée."
        )
    first, last = times[0], times[-1]
    if sitting.opened_at and sitting.opened_at > first:
        raise ValidationError(
            f"Un point a été examiné à {format_time(first)} : la séance était ouverte à cette "
            "heure-là, l'ouverture ne peut être plus tardive."
        )
    if sitting.closed_at and sitting.closed_at < last:
        raise ValidationError(
            f"Un point a été examiné à {format_time(last)} : la séance n'était pas encore levée, "
            "la clôture ne peut être plus matinale."
        )


class SittingChanges(TypedDict, total=False):
    """What of a sitting changes after its creation (see `sitting_update`)."""

    place: str
    president: str
    secretary: str
    opened_at: datetime.time | None
    closed_at: datetime.time | None
    reconvened: bool
    signatory_title: str
    signatory_name: str


@transaction.atomic
def sitting_update(
    *, actor: User | None, sitting: Sitting, **fields: Unpack[SittingChanges]
) -> Sitting:
    policy.require(actor, "sitting", "change", sitting)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    unknown = set(fields) - set(SittingChanges.__annotations__)
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    with votes_unchanged(sitting):  # the opening time and the reconvening count for quorum
        for name, value in fields.items():
            setattr(sitting, name, value)
        if sitting.opened_at and sitting.closed_at and sitting.closed_at <= sitting.opened_at:
            raise ValidationError("La clôture suit l'ouverture de la séance.")
        _check_items_within(sitting)
        sitting.save(update_fields=list(fields))
    audit(actor=actor, action="assembly.sitting", obj=sitting, summary=f"{sitting} modifiée")
    return sitting
