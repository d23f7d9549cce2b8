"""The sitting of 26 September 2022, exactly as deliberation 2022-317 records it; who held the
15 proxies is not in the seed, so the demo records plausible ones, marked as demo."""

from django.db import transaction

from pacte.territory.models import Councillor
from pacte.territory.text import normalize

from . import seed_2022_317 as seed
from . import services
from .models import Attendance, Sitting, ThematicCommission


def _councillor(name: str, councillors):
    """The register's councillor for a name as the seed writes it: same last name (the words in
    capitals; the register may add a second name, « LAPOUILLE-FLAJOLET »), same first initial."""
    last = normalize(" ".join(w for w in name.split() if w.isupper() and len(w) > 1))
    first = normalize(" ".join(w for w in name.split() if not w.isupper()))[:1]
    for councillor in councillors:
        register_last = normalize(councillor.last_name)
        if (register_last == last or register_last.startswith(last + " ")) and normalize(
            councillor.first_name
        ).startswith(first):
            return councillor
    return None


@transaction.atomic
def seed_sitting_2022_317(actor) -> Sitting:
    for number, name in seed.COMMISSIONS:
        ThematicCommission.objects.get_or_create(number=number, defaults={"name": name})
    existing = Sitting.objects.filter(held_on=seed.SITTING_DAY, body=Sitting.Body.COUNCIL).first()
    if existing:
        return existing
    sitting = Sitting.objects.create(
        body=Sitting.Body.COUNCIL,
        held_on=seed.SITTING_DAY,
        place="Arras",
        president=" ".join(seed.PRESIDENT),
        secretary=" ".join(seed.SECRETARY),
        members_in_office=seed.MEMBERS_IN_OFFICE,
    )
    rows = [(c, n, Attendance.Status.PRESENT) for c, n in seed.PRESENT] + [
        (c, n, Attendance.Status.EXCUSED) for c, n in seed.EXCUSED
    ]
    councillors = list(Councillor.objects.filter(canton__department__code="62"))
    for position, (civility, name, status) in enumerate(rows, start=1):
        Attendance.objects.create(
            sitting=sitting,
            position=position,
            civility=civility,
            name=name,
            status=status,
            councillor=_councillor(name, councillors),
        )
    present = list(
        sitting.attendances.filter(status=Attendance.Status.PRESENT)
        .exclude(name__in=[seed.PRESIDENT[1]])
        .order_by("position")
    )
    excused = list(sitting.attendances.filter(status=Attendance.Status.EXCUSED))
    for index, giver in enumerate(excused):
        services.proxy_record(
            actor=actor,
            sitting=sitting,
            giver=giver,
            holder=present[index * 4 % len(present)],
            is_demo=True,
        )
    return sitting
