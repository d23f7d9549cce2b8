"""Sittings: their creation and their times. Each write is one transaction and leaves an
audit row."""

import datetime
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.models import User
from pacte.territory.models import Councillor

from ..models import (
    Attendance,
    Sitting,
)
from .attendance import votes_unchanged


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
        sitting.save(update_fields=list(fields))
    audit(actor=actor, action="assembly.sitting", obj=sitting, summary=f"{sitting} modifiée")
    return sitting
