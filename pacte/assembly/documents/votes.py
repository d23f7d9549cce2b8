"""How a deliberation writes its vote: by political group or by name, and its outcome."""

from pacte.core.french import (
    votes,
)

from ..models import Deliberation, Report
from .text import POSITIONS, member_name


def is_roll_call(report: Report, deliberation: Deliberation | None) -> bool:
    mode = Report.VoteMode.ROLL_CALL
    asked = report.vote_mode == mode or (
        deliberation is not None and deliberation.vote_mode == mode
    )
    return asked and report.ballots.exists()


def group_lists(report: Report, deliberation: Deliberation) -> dict[str, list[str]]:
    """Each position's groups; a group whose votes were split shows its count there."""
    group_votes = list(report.group_votes.select_related("group"))
    if not group_votes:
        return {
            "for": list(deliberation.groups_for),
            "against": list(deliberation.groups_against),
            "abstention": list(deliberation.groups_abstaining),
            "not_voting": [],
        }
    fields = {
        "for": "votes_for",
        "against": "votes_against",
        "abstention": "abstentions",
        "not_voting": "not_voting",
    }
    lists = {key: [] for key in fields}
    for vote in group_votes:
        counts = {key: getattr(vote, field) for key, field in fields.items()}
        split = sum(1 for c in counts.values() if c) > 1
        for key, count in counts.items():
            if count:
                lists[key].append(
                    f"{vote.group.name} ({votes(count)})" if split else vote.group.name
                )
    return lists


def ballot_lists(report: Report) -> dict[str, list[str]]:
    lists = {key: [] for key, _ in POSITIONS}
    for ballot in report.ballots.select_related("member").order_by("member__position"):
        name = member_name(ballot.member) + (" (par pouvoir)" if ballot.by_proxy else "")
        lists[ballot.choice].append(name)
    return lists


def vote_lines(deliberation: Deliberation) -> list[str]:
    """« Pour : 78 voix (Groupe … ; …) », « Contre : 0 voix »…; by name for a roll-call."""
    report = deliberation.report
    roll_call = is_roll_call(report, deliberation)
    lists = ballot_lists(report) if roll_call else group_lists(report, deliberation)
    separator = ", " if roll_call else " ; "
    counts = {
        "for": deliberation.votes_for,
        "against": deliberation.votes_against,
        "abstention": deliberation.abstentions,
        "not_voting": deliberation.not_voting,
    }
    result = []
    for key, label in POSITIONS:
        if key == "not_voting" and not counts[key] and not lists[key]:
            continue
        line = f"{label} : {votes(counts[key])}"
        if lists[key]:
            line += f" ({separator.join(lists[key])})"
        result.append(line)
    return result


def outcome(deliberation: Deliberation) -> str:
    word = "Adopté" if deliberation.adopted else "Rejeté"
    if deliberation.casting_vote:
        return f"({word}, la voix du Président étant prépondérante)"
    return f"({word})"
