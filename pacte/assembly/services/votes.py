"""The vote on an item: its opening (quorum at that moment), by political group or by roll
call. Each write is one transaction and leaves an
audit row."""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_time
from pacte.core.models import User
from pacte.territory.models import PoliticalGroup
from pacte.territory.text import normalize

from .. import rules
from ..models import (
    Attendance,
    Ballot,
    Deliberation,
    GroupVote,
    Report,
    Sitting,
)
from ..selectors import group_presence, presence_at, sitting_quorum
from .acts import report_adopt
from .reports import ensure_editable


@transaction.atomic
def item_open(
    *,
    actor: User | None,
    report: Report,
    at: datetime.time,
    roll_call_requested_by: int = 0,
) -> rules.Quorum:
    """Open the examination of an item at a time: its quorum is the one of that time. When
    one sixth of the members present ask for it (`roll_call_requested_by`), the item is voted
    by public roll call (A7)."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    ensure_editable(report)
    sitting = report.sitting
    today = timezone.localdate()
    if sitting.held_on > today:
        raise ValidationError(
            f"La séance du {format_date(sitting.held_on)} n'a pas encore eu lieu (nous sommes le "
            f"{format_date(today)}) : ses points s'examinent et se votent ce jour-là."
        )
    if sitting.opened_at and at < sitting.opened_at:
        raise ValidationError("Un point s'examine après l'ouverture de la séance.")
    if sitting.closed_at and at > sitting.closed_at:
        raise ValidationError("Un point s'examine avant la clôture de la séance.")
    present, _ = presence_at(sitting, at)
    if roll_call_requested_by < 0 or roll_call_requested_by > len(present):
        raise ValidationError(
            f"{roll_call_requested_by} membres demandant le scrutin public, pour "
            f"{len(present)} présents à {format_time(at)} : c'est impossible."
        )
    report.opened_at = at
    report.roll_call_requested_by = roll_call_requested_by
    fields = ["opened_at", "roll_call_requested_by"]
    if rules.roll_call_required(requested_by=roll_call_requested_by, present=len(present)):
        report.vote_mode = Report.VoteMode.ROLL_CALL
        fields.append("vote_mode")
    report.save(update_fields=fields)
    quorum = sitting_quorum(sitting, at)
    audit(
        actor=actor,
        action="assembly.item_open",
        obj=report,
        summary=f"Point n°{report.number} ouvert à {format_time(at)} — {quorum.explanation}",
    )
    return quorum


CIVILITIES = {"m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "le", "la", "president"}


def _name_key(text: str) -> str:
    """A name without civility, case, accents or punctuation: « M. Jean-Claude LEROY »,
    « Jean-Claude Leroy » and « jean claude leroy » are the same member."""
    words = normalize(text).split()
    while words and words[0] in CIVILITIES:
        words = words[1:]
    return " ".join(words)


def president_attendance(sitting: Sitting) -> Attendance | None:
    """The member who presides the sitting: the one whose name is the président's, whatever
    the civility, the case or the accents; None if none or several are."""
    key = _name_key(sitting.president)
    found = [a for a in sitting.attendances.all() if key and _name_key(a.name) == key]
    return found[0] if len(found) == 1 else None


@transaction.atomic
def item_vote_by_group(
    *,
    actor: User | None,
    report: Report,
    counts: Mapping[PoliticalGroup, Sequence[int | None]],
    president_votes_for: bool | None = None,
) -> Deliberation:
    """Votes per political group: counts[group] = (for, against, abstention, not voting)."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    ensure_editable(report)
    if report.opened_at is not None:
        present, _ = presence_at(report.sitting, report.opened_at)
        if rules.roll_call_required(
            requested_by=report.roll_call_requested_by, present=len(present)
        ):
            raise ValidationError(
                f"{report.roll_call_requested_by} des {len(present)} membres présents ont demandé "
                "le scrutin public, un sixième au moins : le point se vote par appel nominal "
                "(CGCT L3121-15)."
            )
    totals = [0, 0, 0, 0]
    positions: dict[str, list[str]] = {"for": [], "against": [], "abstention": []}
    rows = []
    figures = group_presence(report.sitting, report.opened_at)
    for group, typed in counts.items():
        numbers = [int(n or 0) for n in typed]
        if min(numbers) < 0:
            raise ValidationError(f"{group} : les nombres de voix sont positifs ou nuls.")
        members = report.sitting.members_in_office
        if sum(numbers) > members:
            raise ValidationError(
                f"{group} : {sum(numbers)} voix pour {members} membres en fonction : c'est trop."
            )
        if figures:
            in_person, represented = figures.get(group.pk, (0, 0))
            if sum(numbers) > in_person + represented:
                raise ValidationError(
                    f"{group} : {sum(numbers)} voix pour {in_person} membre(s) présent(s) et "
                    f"{represented} représenté(s) à ce point : c'est trop."
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
def item_vote_roll_call(
    *, actor: User | None, report: Report, choices: Mapping[Attendance, str]
) -> Deliberation:
    """A public roll-call (A7): choices[attendance] = a Ballot.Choice. Each member present at
    the item votes, and the holder of a proxy votes for its giver."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    ensure_editable(report)
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
    tally: dict[str, list[Ballot]] = {c: [] for c in Ballot.Choice.values}
    for ballot in ballots:
        tally[ballot.choice].append(ballot)
    president = president_attendance(sitting)
    president_choice = next(
        (b.choice for b in ballots if president and b.member_id == president.pk), None
    )
    tie = len(tally["for"]) == len(tally["against"]) and tally["for"]
    if tie and president is None:
        raise ValidationError(
            f"Partage égal des voix ({len(tally['for'])} pour, {len(tally['against'])} contre) : "
            f"la voix du président décide (CGCT L3121-15), mais « {sitting.president} », "
            "président de séance, n'est pas l'un des membres inscrits à l'appel. Corrigez le "
            "président de la séance, puis votez."
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
