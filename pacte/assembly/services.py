"""Writes of the assembly: sittings, attendance, proxies, reports, opinions, votes, adoption,
publication and transmission. Each is one transaction and leaves an audit row."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pacte.contracts.models import Contract
from pacte.contracts.workflows import CONTRACT_WORKFLOW
from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date
from pacte.finance.models import ProgrammeAuthorisation
from pacte.finance.services import check_commitment_fits, commit_subsidy
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW
from pacte.territory.models import Councillor

from . import rules
from .models import (
    Attendance,
    Ballot,
    CommissionOpinion,
    GroupVote,
    Proxy,
    Report,
    Sitting,
)


def _editable(report: Report):
    if hasattr(report, "deliberation"):
        raise ValidationError(
            f"Le rapport n°{report.number} est délibéré : il ne change plus. Une correction "
            "passe par une nouvelle délibération qui rectifie la première."
        )


# --- Sittings and attendance ---------------------------------------------------------------


def _member_label(councillor) -> str:
    return f"{councillor.first_name} {councillor.last_name.upper()}"


@transaction.atomic
def sitting_create(
    *,
    actor,
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


@transaction.atomic
def sitting_update(*, actor, sitting: Sitting, **fields) -> Sitting:
    policy.require(actor, "sitting", "change", sitting)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    allowed = {
        "place",
        "president",
        "secretary",
        "opened_at",
        "closed_at",
        "reconvened",
        "signatory_title",
        "signatory_name",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(sitting, name, value)
    if sitting.opened_at and sitting.closed_at and sitting.closed_at <= sitting.opened_at:
        raise ValidationError("La clôture suit l'ouverture de la séance.")
    sitting.save(update_fields=list(fields))
    audit(actor=actor, action="assembly.sitting", obj=sitting, summary=f"{sitting} modifiée")
    return sitting


@transaction.atomic
def attendance_record(
    *,
    actor,
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
    attendance.save(update_fields=["status", "arrived_at", "left_at"])
    audit(
        actor=actor,
        action="assembly.attendance",
        obj=attendance.sitting,
        summary=f"{attendance} : {attendance.get_status_display().lower()}"
        + (f", arrivé à {arrived_at:%H:%M}" if arrived_at else "")
        + (f", parti à {left_at:%H:%M}" if left_at else ""),
    )
    return attendance


@transaction.atomic
def attendance_mark_all_present(*, actor, sitting: Sitting) -> int:
    """The roll call: everyone not yet recorded (absent) is present."""
    policy.require(actor, "sitting", "change", sitting)
    count = sitting.attendances.filter(
        status=Attendance.Status.ABSENT, proxy_given__isnull=True
    ).update(status=Attendance.Status.PRESENT)
    audit(
        actor=actor,
        action="assembly.attendance",
        obj=sitting,
        summary=f"Appel : {count} membres marqués présents",
    )
    return count


@transaction.atomic
def proxy_record(
    *, actor, sitting: Sitting, giver: Attendance, holder: Attendance, is_demo: bool = False
) -> Proxy:
    """A5: a member absent gives a proxy to a member present, who holds at most one (two under
    the temporary rules of 2020-2022)."""
    policy.require(actor, "sitting", "change", sitting)
    giver = Attendance.objects.get(pk=giver.pk)
    holder = Attendance.objects.select_for_update().get(pk=holder.pk)
    if giver.sitting_id != sitting.pk or holder.sitting_id != sitting.pk:
        raise ValidationError("Les deux membres sont ceux de cette séance.")
    if giver.status == Attendance.Status.PRESENT and not giver.left_at:
        raise ValidationError(
            f"{giver} est présent : il ne donne pas de pouvoir (sauf en partant, heure de départ "
            "indiquée)."
        )
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


@transaction.atomic
def proxy_remove(*, actor, proxy: Proxy) -> None:
    policy.require(actor, "sitting", "change", proxy.sitting)
    if Ballot.objects.filter(member=proxy.giver, by_proxy=True).exists():
        raise ValidationError(f"Le pouvoir de {proxy.giver} a servi à un vote : il reste.")
    audit(
        actor=actor, action="assembly.proxy", obj=proxy.sitting, summary=f"Pouvoir retiré : {proxy}"
    )
    proxy.delete()


def presence_at(sitting: Sitting, moment: datetime.time | None):
    """(members present, proxies that count) at that time of the sitting: a proxy counts while
    its holder is present and its giver is not."""
    attendances = {a.pk: a for a in sitting.attendances.all()}
    present = [a for a in attendances.values() if a.present_at(moment)]
    present_ids = {a.pk for a in present}
    proxies = [
        p
        for p in sitting.proxies.all()
        if p.holder_id in present_ids and p.giver_id not in present_ids
    ]
    return present, proxies


def sitting_quorum(sitting: Sitting, at: datetime.time | None = None) -> rules.Quorum:
    """The quorum at a time of the sitting (by default its opening)."""
    moment = at or sitting.opened_at
    present, proxies = presence_at(sitting, moment)
    return rules.quorum(
        body=sitting.body,
        day=sitting.held_on,
        members=sitting.members_in_office,
        present=len(present),
        represented=len(proxies),
        reconvened=sitting.reconvened,
    )


# --- Reports, agenda and opinions ----------------------------------------------------------

REPORT_FIELDS = (
    "kind",
    "pole",
    "direction",
    "territories",
    "title",
    "text",
    "visas",
    "proposal",
    "decision",
    "vote_mode",
    "corrects",
)


def _check_report(report: Report, sitting: Sitting):
    if report.kind == Report.Kind.BUDGET and sitting.body == Sitting.Body.STANDING_COMMITTEE:
        raise ValidationError(
            "La commission permanente ne peut se prononcer sur le budget ni sur les comptes "
            "(CGCT L3211-2) : inscrivez ce rapport à une séance du conseil départemental."
        )
    if report.corrects_id and report.corrects.report_id == report.pk:
        raise ValidationError("Une délibération ne se rectifie pas elle-même.")


def _schedule(actor, report: Report, operations) -> None:
    """Gather operations whose sheets are ready: they are put on the agenda (scheduled)."""
    current = set(report.operations.values_list("pk", flat=True))
    wanted = {o.pk for o in operations}
    for operation in Operation.objects.filter(pk__in=wanted - current):
        if operation.state == Operation.State.SCHEDULED:
            # Put on the agenda earlier, without a report yet: it joins this one.
            elsewhere = operation.reports.filter(deliberation__isnull=True).exclude(pk=report.pk)
            if elsewhere.exists():
                raise ValidationError(
                    f"{operation.reference} est déjà portée par le rapport n°"
                    f"{elsewhere.first().number} ({elsewhere.first().sitting})."
                )
            continue
        if operation.state != Operation.State.SHEET_READY:
            raise ValidationError(
                f"{operation.reference} n'a pas sa fiche prête (état « "
                f"{operation.get_state_display().lower()} ») : elle ne peut être inscrite."
            )
        if not operation.proposed_subsidy_amount:
            raise ValidationError(f"{operation.reference} n'a pas de subvention proposée.")
        OPERATION_WORKFLOW.apply(operation, "schedule", actor=actor)
    for operation in Operation.objects.filter(pk__in=current - wanted):
        OPERATION_WORKFLOW.apply(
            operation,
            "unschedule",
            actor=actor,
            reason=f"Retirée du rapport n°{report.number} ({report.sitting})",
        )
    report.operations.set(wanted)


@transaction.atomic
def report_save(
    *, actor, sitting: Sitting, report: Report | None = None, operations=(), contracts=(), **fields
) -> Report:
    """Write (or rewrite) a report on the agenda of a sitting. A report on subsidies gathers
    operations whose sheets are ready and schedules them; their total must fit in the AP."""
    creating = report is None
    if creating:
        policy.require(actor, "report", "create")
    else:
        report = Report.objects.select_for_update().get(pk=report.pk)
        policy.require(actor, "report", "change", report)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    if creating:
        number = (sitting.reports.aggregate(m=Max("number"))["m"] or 0) + 1
        report = Report(sitting=sitting, number=number, created_by=actor)
    else:
        _editable(report)
    for name, value in fields.items():
        setattr(report, name, value)
    if not report.title.strip() or not report.decision.strip():
        raise ValidationError("Un rapport a un intitulé et une décision proposée.")
    _check_report(report, sitting)
    report.save()
    operations = list(operations)
    contracts = list(contracts)
    if report.kind == Report.Kind.SUBSIDIES:
        if not operations:
            raise ValidationError("Un rapport de subventions porte au moins une opération.")
        generations = {o.contract.generation_id for o in operations}
        if len(generations) > 1:
            raise ValidationError("Les opérations d'un rapport relèvent d'une même génération.")
        ap = ProgrammeAuthorisation.objects.filter(generation_id__in=generations).first()
        if ap is None:
            raise ValidationError(
                "Aucune autorisation de programme n'est votée pour cette génération."
            )
        check_commitment_fits(
            authorisation=ap, amounts=[o.proposed_subsidy_amount or 0 for o in operations]
        )
    elif operations:
        raise ValidationError("Seul un rapport de subventions porte des opérations.")
    _schedule(actor, report, operations if report.kind == Report.Kind.SUBSIDIES else [])
    if report.kind == Report.Kind.CONTRACTS:
        if not contracts:
            raise ValidationError("Un rapport d'approbation porte au moins un contrat.")
        for contract in contracts:
            if contract.state != Contract.State.AGREED:
                raise ValidationError(
                    f"Le {contract} n'est pas accordé avec le partenaire : il ne peut être soumis "
                    "au vote."
                )
        report.contracts.set(contracts)
    elif contracts:
        raise ValidationError("Seul un rapport d'approbation porte des contrats.")
    else:
        report.contracts.clear()
    audit(
        actor=actor,
        action="assembly.report",
        obj=report,
        summary=f"{report} {'inscrit' if creating else 'modifié'} ({sitting})",
    )
    return report


@transaction.atomic
def report_send(*, actor, report: Report, sent_on: datetime.date, urgency: bool = False):
    """A8: record when the report was sent to members (and whether urgency was declared)."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    _editable(report)
    if sent_on > report.sitting.held_on:
        raise ValidationError("Un rapport est envoyé aux élus avant la séance.")
    report.sent_on = sent_on
    report.urgency = urgency
    report.save(update_fields=["sent_on", "urgency"])
    audit(
        actor=actor,
        action="assembly.report_sent",
        obj=report,
        summary=f"{report} envoyé aux élus le {sent_on:%d/%m/%Y}"
        + (" (urgence)" if urgency else ""),
    )
    return report


@transaction.atomic
def opinion_record(
    *, actor, report: Report, commission, met_on: datetime.date, opinion: str, remark: str = ""
) -> CommissionOpinion:
    """A thematic commission's opinion on a report, given at a dated meeting."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    _editable(report)
    if met_on > report.sitting.held_on:
        raise ValidationError("La commission se réunit avant la séance.")
    if opinion not in CommissionOpinion.Opinion.values:
        raise ValidationError("Avis inconnu.")
    position = (report.opinions.aggregate(m=Max("position"))["m"] or 0) + 1
    record, created = CommissionOpinion.objects.update_or_create(
        report=report,
        commission=commission,
        defaults={"met_on": met_on, "opinion": opinion, "remark": remark.strip()},
        create_defaults={
            "met_on": met_on,
            "opinion": opinion,
            "remark": remark.strip(),
            "position": position,
        },
    )
    audit(
        actor=actor,
        action="assembly.opinion",
        obj=report,
        summary=f"{record} sur le rapport n°{report.number}",
    )
    return record


@transaction.atomic
def item_open(*, actor, report: Report, at: datetime.time) -> rules.Quorum:
    """Open the examination of an item at a time: its quorum is the one of that time."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    _editable(report)
    sitting = report.sitting
    if sitting.opened_at and at < sitting.opened_at:
        raise ValidationError("Un point s'examine après l'ouverture de la séance.")
    if sitting.closed_at and at > sitting.closed_at:
        raise ValidationError("Un point s'examine avant la clôture de la séance.")
    report.opened_at = at
    report.save(update_fields=["opened_at"])
    quorum = sitting_quorum(sitting, at)
    audit(
        actor=actor,
        action="assembly.item_open",
        obj=report,
        summary=f"Point n°{report.number} ouvert à {at:%H:%M} — {quorum.explanation}",
    )
    return quorum


def _president_attendance(sitting: Sitting):
    label = sitting.president.split(" ", 1)[-1] if " " in sitting.president else sitting.president
    return sitting.attendances.filter(name=label).first()


@transaction.atomic
def item_vote_by_group(*, actor, report: Report, counts: dict, president_votes_for=None):
    """Votes per political group: counts[group] = (for, against, abstention, not voting)."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    _editable(report)
    totals = [0, 0, 0, 0]
    positions = {"for": [], "against": [], "abstention": []}
    rows = []
    for group, numbers in counts.items():
        numbers = [int(n or 0) for n in numbers]
        if min(numbers) < 0:
            raise ValidationError(f"{group} : les nombres de voix sont positifs ou nuls.")
        members = report.sitting.members_in_office
        if sum(numbers) > members:
            raise ValidationError(
                f"{group} : {sum(numbers)} voix pour {members} membres en fonction : c'est trop."
            )
        if not any(numbers):
            continue
        rows.append(
            GroupVote(report=report, group=group, **dict(zip(_COUNT_FIELDS, numbers, strict=True)))
        )
        totals = [t + n for t, n in zip(totals, numbers, strict=True)]
        split = sum(1 for n in numbers[:3] if n) > 1
        for key, n in zip(positions, numbers[:3], strict=False):
            if n:
                positions[key].append(f"{group.name} ({n} voix)" if split else group.name)
    if not rows:
        raise ValidationError("Aucune voix n'est saisie.")
    report.group_votes.all().delete()
    GroupVote.objects.bulk_create(rows)
    return report_adopt(
        actor=actor,
        report=report,
        votes_for=totals[0],
        votes_against=totals[1],
        abstentions=totals[2],
        not_voting=totals[3],
        groups_for=positions["for"],
        groups_against=positions["against"],
        groups_abstaining=positions["abstention"],
        president_votes_for=president_votes_for,
        vote_mode=Report.VoteMode.GROUPS,
    )


_COUNT_FIELDS = ("votes_for", "votes_against", "abstentions", "not_voting")


@transaction.atomic
def item_vote_roll_call(*, actor, report: Report, choices: dict):
    """A public roll-call (A7): choices[attendance] = a Ballot.Choice. Each member present at
    the item votes, and the holder of a proxy votes for its giver."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    _editable(report)
    sitting = report.sitting
    present, proxies = presence_at(sitting, report.opened_at)
    present_ids = {a.pk for a in present}
    represented = {p.giver_id for p in proxies}
    ballots = []
    for member, choice in choices.items():
        if not choice:
            continue
        if choice not in Ballot.Choice.values:
            raise ValidationError(f"{member} : vote inconnu.")
        if member.sitting_id != sitting.pk:
            raise ValidationError(f"{member} n'est pas membre de cette séance.")
        if member.pk not in present_ids and member.pk not in represented:
            raise ValidationError(
                f"{member} n'est ni présent ni représenté à ce point : il ne vote pas."
            )
        ballots.append(
            Ballot(report=report, member=member, choice=choice, by_proxy=member.pk in represented)
        )
    if not ballots:
        raise ValidationError("Aucun vote n'est saisi.")
    report.ballots.all().delete()
    Ballot.objects.bulk_create(ballots)
    tally = {c: [] for c in Ballot.Choice.values}
    for ballot in ballots:
        tally[ballot.choice].append(ballot)
    president = _president_attendance(sitting)
    president_choice = next(
        (b.choice for b in ballots if president and b.member_id == president.pk), None
    )
    return report_adopt(
        actor=actor,
        report=report,
        votes_for=len(tally["for"]),
        votes_against=len(tally["against"]),
        abstentions=len(tally["abstention"]),
        not_voting=len(tally["not_voting"]),
        groups_for=[str(b.member) for b in tally["for"]],
        groups_against=[str(b.member) for b in tally["against"]],
        groups_abstaining=[str(b.member) for b in tally["abstention"]],
        president_votes_for=president_choice == Ballot.Choice.FOR if president_choice else None,
        vote_mode=Report.VoteMode.ROLL_CALL,
    )


def next_number(year: int) -> int:
    """Draw the next deliberation number of the year under a row lock: never twice the same,
    even when two items are adopted at the same moment."""
    from .models import DeliberationCounter

    DeliberationCounter.objects.get_or_create(year=year)
    counter = DeliberationCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def report_adopt(
    *,
    actor,
    report,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    not_voting: int = 0,
    groups_for=(),
    groups_against=(),
    groups_abstaining=(),
    president_votes_for: bool | None = None,
    sequence: int | None = None,
    vote_mode: str = "groups",
):
    """Record the vote on a report and create its numbered deliberation. A report on subsidies
    commits each operation's subsidy against the AP when adopted, or rejects them."""
    from .models import Deliberation, Report

    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    if hasattr(report, "deliberation"):
        raise ValidationError("Ce rapport a déjà sa délibération : elle ne change plus.")
    sitting = report.sitting
    _check_report(report, sitting)
    quorum = sitting_quorum(sitting, report.opened_at)
    if not quorum.reached:
        opened = f" à l'ouverture du point ({report.opened_at:%H:%M})" if report.opened_at else ""
        raise ValidationError(
            f"Vote refusé : le point a été ouvert sans quorum{opened}. {quorum.explanation} "
            "Le point est reporté à une séance reconvoquée."
        )
    problems = rules.check_vote_counts(
        for_votes=votes_for,
        against=votes_against,
        abstention=abstentions,
        not_voting=not_voting,
        present=quorum.present,
        proxies=quorum.represented,
    )
    if problems:
        raise ValidationError(problems)
    outcome = rules.result(
        for_votes=votes_for,
        against=votes_against,
        abstention=abstentions,
        president_votes_for=president_votes_for,
    )
    operations = list(report.operations.select_related("contract__generation"))
    if outcome.adopted and operations:
        ap = ProgrammeAuthorisation.objects.select_for_update().get(
            generation=operations[0].contract.generation
        )
        check_commitment_fits(
            authorisation=ap, amounts=[o.proposed_subsidy_amount or 0 for o in operations]
        )
    year = sitting.held_on.year
    if sequence is not None:
        # A number given by an act already published (history): later numbers follow it.
        from .models import DeliberationCounter

        counter, _ = DeliberationCounter.objects.select_for_update().get_or_create(year=year)
        if Deliberation.objects.filter(year=year, sequence=sequence).exists():
            raise ValidationError(f"La délibération n°{year}-{sequence:03d} existe déjà.")
        counter.last = max(counter.last, sequence)
        counter.save(update_fields=["last"])
    deliberation = Deliberation.objects.create(
        report=report,
        year=year,
        sequence=sequence or next_number(year),
        adopted=outcome.adopted,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        not_voting=not_voting,
        casting_vote=outcome.casting_vote_used,
        groups_for=list(groups_for),
        groups_against=list(groups_against),
        groups_abstaining=list(groups_abstaining),
        vote_mode=vote_mode,
        corrects=report.corrects,
    )
    for contract in report.contracts.all() if outcome.adopted else []:
        CONTRACT_WORKFLOW.apply(
            contract,
            "vote",
            actor=actor,
            vote_deliberation_number=deliberation.number,
            vote_date=sitting.held_on,
        )
    for operation in operations:
        if outcome.adopted:
            commit_subsidy(
                actor=actor,
                operation=operation,
                amount=operation.proposed_subsidy_amount,
                voted_on=sitting.held_on,
                deliberation_number=deliberation.number,
            )
        else:
            OPERATION_WORKFLOW.apply(
                operation,
                "reject",
                actor=actor,
                reason=f"Rapport rejeté (délibération {deliberation.number})",
            )
    from .documents import deliberation_documents_generate

    deliberation_documents_generate(actor=actor, deliberation=deliberation)
    audit(
        actor=actor,
        action="assembly.adopt",
        obj=deliberation,
        summary=f"{deliberation} : {'adoptée' if outcome.adopted else 'rejetée'} "
        f"({votes_for} pour, {votes_against} contre, {abstentions} abstention)",
    )
    return deliberation


@transaction.atomic
def deliberation_publish(*, actor, deliberation, on):
    """A12: put online (the public page lists it, kept at least two months)."""
    from .models import Deliberation

    deliberation = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    policy.require(actor, "deliberation", "publish", deliberation)
    if deliberation.published_on:
        raise ValidationError("Cette délibération est déjà publiée.")
    today = timezone.localdate()
    if on > today:
        raise ValidationError(
            f"La date de mise en ligne du {format_date(on)} est à venir (nous sommes le "
            f"{format_date(today)}) : une délibération n'est publiée qu'une fois en ligne. "
            "Publiez-la ce jour-là."
        )
    deliberation.published_on = on
    deliberation.save(update_fields=["published_on"])
    from .documents import published_document_generate

    published_document_generate(actor=actor, deliberation=deliberation)
    audit(
        actor=actor,
        action="assembly.publish",
        obj=deliberation,
        summary=f"{deliberation} mise en ligne",
    )
    return deliberation


def actes_identifier(deliberation, department_code: str, siren: str, sent_on) -> str:
    """A13: DDD-SIREN-YYYYMMDD-<internal number>-DE."""
    return f"{department_code.zfill(3)}-{siren}-{sent_on:%Y%m%d}-{deliberation.number}-DE"


@transaction.atomic
def deliberation_transmit(*, actor, deliberation, sent_on, acknowledged_on=None):
    from django.conf import settings

    from .models import Deliberation

    deliberation = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    policy.require(actor, "deliberation", "publish", deliberation)
    if acknowledged_on and acknowledged_on < sent_on:
        raise ValidationError("L'accusé de réception suit la transmission.")
    deliberation.transmitted_on = sent_on
    deliberation.acknowledged_on = acknowledged_on
    deliberation.actes_id = actes_identifier(
        deliberation, settings.PACTE_DEPARTMENT_CODE, settings.PACTE_COLLECTIVITY_SIREN, sent_on
    )
    deliberation.save(update_fields=["transmitted_on", "acknowledged_on", "actes_id"])
    audit(
        actor=actor,
        action="assembly.transmit",
        obj=deliberation,
        summary=f"{deliberation} transmise au préfet ({deliberation.actes_id})",
    )
    return deliberation
