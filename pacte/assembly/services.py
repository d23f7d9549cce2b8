from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pacte.core.audit import audit
from pacte.core.roles import Role

from . import rules
from .models import Attendance, Proxy, Sitting

WRITERS = {Role.ADMIN, Role.ASSEMBLY}


def _require(actor):
    if getattr(actor, "role", None) not in WRITERS:
        raise PermissionDenied("Les séances sont tenues par le service des assemblées.")


@transaction.atomic
def proxy_record(
    *, actor, sitting: Sitting, giver: Attendance, holder: Attendance, is_demo: bool = False
) -> Proxy:
    """A5: a member absent gives a proxy to a member present, who holds at most one (two under
    the temporary rules of 2020-2022)."""
    _require(actor)
    if giver.sitting_id != sitting.pk or holder.sitting_id != sitting.pk:
        raise ValidationError("Les deux membres sont ceux de cette séance.")
    if giver.status == Attendance.Status.PRESENT:
        raise ValidationError(f"{giver} est présent : il ne donne pas de pouvoir.")
    if holder.status != Attendance.Status.PRESENT:
        raise ValidationError(f"{holder} n'est pas présent : il ne peut recevoir de pouvoir.")
    if Proxy.objects.filter(giver=giver).exists():
        raise ValidationError(f"{giver} a déjà donné son pouvoir.")
    limit = rules.max_proxies_held(sitting.held_on)
    held = Proxy.objects.select_for_update().filter(holder=holder).count()
    if held >= limit:
        raise ValidationError(
            f"{holder} détient déjà {held} pouvoir{'s' if held > 1 else ''} : "
            f"{limit} au plus par membre."
        )
    proxy = Proxy.objects.create(
        sitting=sitting, giver=giver, holder=holder, is_demo=is_demo, recorded_by=actor
    )
    audit(actor=actor, action="assembly.proxy", obj=sitting, summary=f"Pouvoir : {proxy}")
    return proxy


def sitting_quorum(sitting: Sitting) -> rules.Quorum:
    statuses = list(sitting.attendances.values_list("status", flat=True))
    return rules.quorum(
        body=sitting.body,
        day=sitting.held_on,
        members=sitting.members_in_office,
        present=statuses.count(Attendance.Status.PRESENT),
        represented=sitting.proxies.count(),
        reconvened=sitting.reconvened,
    )
