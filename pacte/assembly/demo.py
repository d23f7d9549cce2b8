"""The sitting of 26 September 2022, exactly as deliberation 2022-317 records it; who held the
15 proxies is not in the seed, so the demo records plausible ones, marked as demo."""

import datetime
from pathlib import Path

from django.db import transaction

from pacte.territory.models import Councillor
from pacte.territory.text import normalize

from . import seed_2022_317 as seed
from . import services
from .models import Attendance, CommissionOpinion, Report, Sitting, ThematicCommission

REPORT_TEXT = Path(__file__).resolve().parent / "data" / "deliberation-2022-317.txt"


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
        signatory_title=seed.SIGNATORY[0],
        signatory_name=seed.SIGNATORY[1],
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
    text = REPORT_TEXT.read_text(encoding="utf-8")
    report = Report.objects.create(
        sitting=sitting,
        number=seed.REPORT_NUMBER,
        kind=Report.Kind.FRAMEWORK,
        pole="Pôle Partenariats et Ingénierie",
        direction="Direction Accompagnement des Territoires",
        title="Délibération cadre pour la mise en œuvre de la quatrième démarche de "
        "contractualisation 2023-2026",
        text=text[text.index("Le Département  du") : text.index("Il convient de statuer")].strip(),
        visas=seed.VISAS,
        proposal=seed.PROPOSAL,
        decision=seed.DECISION,
        sent_on=seed.SITTING_DAY - datetime.timedelta(days=12),
    )
    commissions = {c.number: c for c in ThematicCommission.objects.all()}
    for position, (number, _) in enumerate(seed.COMMISSIONS, start=1):
        CommissionOpinion.objects.create(
            report=report,
            commission=commissions[number],
            position=position,
            met_on=seed.COMMISSIONS_MET_ON,
            opinion=CommissionOpinion.Opinion.FAVOURABLE,
        )
    deliberation = services.report_adopt(
        actor=actor,
        report=report,
        votes_for=78,
        votes_against=0,
        abstentions=0,
        groups_for=seed.GROUPS,
        sequence=int(seed.DELIBERATION_NUMBER.split("-")[1]),
    )
    # Publication and transmission dates are not in the text: plausible ones, marked as demo.
    services.deliberation_publish(
        actor=actor, deliberation=deliberation, on=seed.SITTING_DAY + datetime.timedelta(days=3)
    )
    services.deliberation_transmit(
        actor=actor,
        deliberation=deliberation,
        sent_on=seed.SITTING_DAY + datetime.timedelta(days=3),
        acknowledged_on=seed.SITTING_DAY + datetime.timedelta(days=4),
    )
    deliberation.refresh_from_db()
    deliberation.subject_code = "9.2"
    deliberation.publication_is_demo = True
    deliberation.save(update_fields=["subject_code", "publication_is_demo"])
    return sitting
