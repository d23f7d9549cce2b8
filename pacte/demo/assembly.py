"""The sitting of 26 September 2022, exactly as deliberation 2022-317 records it; who held the
15 proxies is not in the seed, so the demo records plausible ones, marked as demo."""

import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from pacte.assembly import selectors, services
from pacte.assembly.models import Attendance, CommissionOpinion, Report, Sitting, ThematicCommission
from pacte.assembly.services.transmission import deliberation_receive_message
from pacte.territory.models import Councillor, PoliticalGroup
from pacte.territory.text import normalize

from . import seed_2022_317 as seed
from .prefecture import demo_acknowledgement

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
        commission, _ = ThematicCommission.objects.get_or_create(
            number=number, defaults={"name": name}
        )
        if number in seed.REPORT_NAMES and not commission.report_name:
            commission.report_name = seed.REPORT_NAMES[number]
            commission.save(update_fields=["report_name"])
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
    # Publication and transmission dates are not in the text: plausible ones, marked as demo
    # (the published copy's stamp says so).
    deliberation.subject_code = "9.2"
    deliberation.publication_is_demo = True
    deliberation.save(update_fields=["subject_code", "publication_is_demo"])
    _transmit_and_acknowledge(
        actor,
        deliberation,
        sent_on=seed.SITTING_DAY + datetime.timedelta(days=3),
        received_on=seed.SITTING_DAY + datetime.timedelta(days=4),
    )
    services.deliberation_publish(
        actor=actor, deliberation=deliberation, on=seed.SITTING_DAY + datetime.timedelta(days=3)
    )
    return sitting


DEMO_GROUP_VOTES = [44, 9, 14, 9, 2]


def _transmit_and_acknowledge(actor, deliberation, *, sent_on, received_on) -> None:
    """Transmitted on `sent_on`; the demo préfecture's acknowledgement (an ARActe received on
    `received_on`) read and recorded as the clerk's upload would be. Dates marked as demo."""
    services.deliberation_transmit(actor=actor, deliberation=deliberation, sent_on=sent_on)
    deliberation_receive_message(
        actor=actor,
        deliberation=deliberation,
        message=demo_acknowledgement(deliberation, min(received_on, timezone.localdate())),
    )  # plausible votes of the five groups, 78 in all


def _standing_committee(actor, day: datetime.date) -> Sitting:
    """A commission permanente of the demo, at 10:00 in Arras, marked as demo."""
    sitting = services.sitting_create(
        actor=actor,
        body=Sitting.Body.STANDING_COMMITTEE,
        held_on=day,
        place="Arras",
        president=" ".join(seed.PRESIDENT),
        secretary=" ".join(seed.SECRETARY),
        opened_at=datetime.time(10, 0),
        signatory_title=seed.SIGNATORY[0],
        signatory_name=seed.SIGNATORY[1],
    )
    Sitting.objects.filter(pk=sitting.pk).update(is_demo=True)
    return sitting


def _hold(actor, day: datetime.date, absent_positions=(12, 40)) -> Sitting:
    """A commission permanente of the demo: everyone present but two, who give proxies."""
    sitting = _standing_committee(actor, day)
    services.attendance_mark_all_present(actor=actor, sitting=sitting)
    members = list(sitting.attendances.order_by("position"))
    for position in absent_positions:
        giver, holder = members[position], members[position + 1]
        services.attendance_record(actor=actor, attendance=giver, status=Attendance.Status.EXCUSED)
        # An invented sitting: its proxies are as recorded as the rest of it.
        services.proxy_record(actor=actor, sitting=sitting, giver=giver, holder=holder)
    return sitting


def _subsidies_report(actor, sitting, operations, *, sent_on, opinion=True) -> Report:
    count = len(operations)
    report = services.report_save(
        actor=actor,
        sitting=sitting,
        kind=Report.Kind.SUBSIDIES,
        pole="Pôle Partenariats et Ingénierie",
        direction="Direction Accompagnement des Territoires",
        territories="Tous les territoires",
        title="Contractualisation 2023-2026 — attribution de subventions du Fonds d'Innovation "
        "Territorial",
        text=(
            f"Dans le cadre de la contractualisation 2023-2026 (délibération cadre n°"
            f"{seed.DELIBERATION_NUMBER}), {count} opération{'s' if count > 1 else ''} "
            f"inscrite{'s' if count > 1 else ''} aux contrats des partenaires "
            f"{'ont' if count > 1 else 'a'} fait l'objet d'un travail partenarial en phase amont "
            "et d'une fiche détaillée, jointe au présent rapport.\n\n"
            "Les subventions proposées, reprises au tableau annexé, s'inscrivent dans "
            "l'autorisation de programme du Fonds d'Innovation Territorial."
        ),
        visas="Vu le Code Général des Collectivités Territoriales et notamment son article "
        "L.3211-2 ;\nVu la délibération n°2022-317 du Conseil départemental en date du "
        "26/09/2022 « Délibération cadre pour la mise en œuvre de la quatrième démarche de "
        "contractualisation 2023-2026 » ;",
        proposal="- d'attribuer les subventions reprises au tableau annexé ;\n"
        "- d'autoriser le Président à signer les conventions correspondantes.",
        decision="D'attribuer aux partenaires les subventions du Fonds d'Innovation Territorial "
        "reprises au tableau annexé à la présente délibération.\n\n"
        "D'autoriser le Président du Conseil départemental à signer, au nom et pour le compte du "
        "Département, les conventions correspondantes.",
        operations=operations,
    )
    services.report_send(actor=actor, report=report, sent_on=sent_on)
    if not opinion:
        return report
    services.opinion_record(
        actor=actor,
        report=report,
        commission=ThematicCommission.objects.get(number=5),
        met_on=sitting.held_on - datetime.timedelta(days=7),
        opinion=CommissionOpinion.Opinion.FAVOURABLE,
    )
    return report


@transaction.atomic
def hold_demo_standing_committees(actor, votes: dict) -> int:
    """The commissions permanentes of the demo: for each day, a sitting votes one report
    gathering the operations of that day (votes: {day: [operation, …]}); the deliberations are
    published and transmitted (plausible dates, marked as demo)."""
    groups = list(PoliticalGroup.objects.filter(department__code="62").order_by("position"))
    for day in sorted(votes):
        sitting = _hold(actor, day)
        report = _subsidies_report(
            actor, sitting, votes[day], sent_on=day - datetime.timedelta(days=14)
        )
        services.item_open(actor=actor, report=report, at=datetime.time(10, 30))
        # Every member present or represented votes for, group by group.
        figures = selectors.group_presence(sitting, report.opened_at)
        deliberation = services.item_vote_by_group(
            actor=actor,
            report=report,
            counts={g: (sum(figures[g.pk]), 0, 0, 0) for g in groups if g.pk in figures}
            if figures
            else {g: (n, 0, 0, 0) for g, n in zip(groups, DEMO_GROUP_VOTES, strict=False) if n},
        )
        # The dates below are plausible, not recorded: marked as demo (the stamp says so).
        deliberation.__class__.objects.filter(pk=deliberation.pk).update(publication_is_demo=True)
        _transmit_and_acknowledge(
            actor,
            deliberation,
            sent_on=day + datetime.timedelta(days=2),
            received_on=day + datetime.timedelta(days=3),
        )
        # Put online three days after the sitting, or today for a sitting of these last days.
        services.deliberation_publish(
            actor=actor,
            deliberation=deliberation,
            on=min(day + datetime.timedelta(days=3), timezone.localdate()),
        )
        Sitting.objects.filter(pk=sitting.pk).update(closed_at=datetime.time(12, 0))
    return len(votes)


@transaction.atomic
def seed_upcoming_standing_committee(actor, operations) -> Sitting | None:
    """The next commission permanente (a Monday at least two weeks ahead), with a report on the
    operations already put on the agenda, sent today; the roll is still to be called."""
    operations = list(operations)
    if not operations:
        return None
    today = timezone.localdate()
    day = today + datetime.timedelta(days=14 + (7 - today.weekday()) % 7)
    sitting = _standing_committee(actor, day)
    _subsidies_report(actor, sitting, operations, sent_on=today, opinion=False)
    seed_demo_convocations(actor, sitting)
    return sitting


def seed_demo_convocations(actor, sitting: Sitting) -> None:
    """The convocations of the coming sitting: sent (the outbox's mails marked as sent, none
    goes out), two in three acknowledged; the demo's élu gives her proxy online."""
    from pacte.core.models import OutgoingMail, User

    services.convocations_send(actor=actor, sitting=sitting)
    convocations = list(sitting.convocations.order_by("councillor__last_name", "pk"))
    now = timezone.now()
    OutgoingMail.objects.filter(pk__in=[c.mail_id for c in convocations if c.mail_id]).update(
        sent_at=now - datetime.timedelta(hours=1), attempts=1
    )
    # Written a few minutes before they went out, an hour ago; read since.
    sitting.convocations.update(is_demo=True, created_at=now - datetime.timedelta(minutes=65))
    for index, convocation in enumerate(convocations):
        if index % 3 != 2:
            convocation.acknowledged_at = now - datetime.timedelta(minutes=5 + index % 50)
            convocation.save(update_fields=["acknowledged_at"])
    elu = User.objects.filter(username="elu", councillor__isnull=False).first()
    if elu is None:
        return
    holder = (
        sitting.attendances.exclude(councillor=elu.councillor)
        .filter(councillor__isnull=False)
        .order_by("position")
        .first()
    )
    online = services.proxy_give_online(actor=elu, sitting=sitting, holder=holder)
    online.__class__.objects.filter(pk=online.pk).update(is_demo=True)


def seed_demo_minutes(actor) -> int:
    """The minutes of the demo's commissions permanentes: each adopted at the next one, signed
    the day after and published within the week (plausible dates, as the rest of these
    sittings)."""
    held = list(
        Sitting.objects.filter(
            body=Sitting.Body.STANDING_COMMITTEE,
            closed_at__isnull=False,
            held_on__lte=timezone.localdate(),
        ).order_by("held_on")
    )
    count = 0
    for sitting, following in zip(held, held[1:], strict=False):
        if sitting.minutes_state != "draft":
            continue
        services.minutes_adopt(actor=actor, sitting=sitting, at=following)
        signed = min(following.held_on + datetime.timedelta(days=1), timezone.localdate())
        services.minutes_sign(actor=actor, sitting=sitting, on=signed)
        published = min(following.held_on + datetime.timedelta(days=3), timezone.localdate())
        services.minutes_publish(actor=actor, sitting=sitting, on=max(published, signed))
        count += 1
    return count
