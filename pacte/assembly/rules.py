"""The legal rules of the assembly's sittings, as pure functions (docs/regles.md, A1 to A6).

- A1: quorum of the conseil départemental — absolute majority of members in office physically
  present (proxies do not count); a sitting reconvened after a failed quorum needs none.
- A3: quorum of the commission permanente — absolute majority of its members, present or
  represented.
- A4: from 2020 to 31 July 2022 the temporary rules applied: quorum of one third of the members
  (present or represented), two proxies per member.
- A5: each member holds at most one proxy (ordinary rules).
- A6: decisions by majority of votes cast; on a tie, the président's vote decides.
"""

import datetime
from dataclasses import dataclass

TEMPORARY_RULES_START = datetime.date(2020, 3, 24)
TEMPORARY_RULES_END = datetime.date(2022, 7, 31)

COUNCIL = "council"
STANDING_COMMITTEE = "standing_committee"


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int
    represented: int
    required: int
    counts_proxies: bool
    reconvened: bool

    @property
    def counted(self) -> int:
        return self.present + (self.represented if self.counts_proxies else 0)

    @property
    def reached(self) -> bool:
        return self.reconvened or self.counted >= self.required

    @property
    def explanation(self) -> str:
        if self.reconvened:
            return "Séance reconvoquée après un quorum non atteint : aucun quorum n'est exigé."
        basis = "présents ou représentés" if self.counts_proxies else "présents"
        verdict = "atteint" if self.reached else "non atteint"
        return (
            f"Quorum {verdict} : {self.counted} membres {basis} sur {self.members} en "
            f"fonction ; il en faut {self.required}."
        )


def temporary_rules(day: datetime.date) -> bool:
    return TEMPORARY_RULES_START <= day <= TEMPORARY_RULES_END


def quorum(
    *,
    body: str,
    day: datetime.date,
    members: int,
    present: int,
    represented: int,
    reconvened: bool = False,
) -> Quorum:
    if temporary_rules(day):
        required, counts_proxies = -(-members // 3), True  # one third, rounded up
    elif body == COUNCIL:
        required, counts_proxies = members // 2 + 1, False
    else:
        required, counts_proxies = members // 2 + 1, True
    return Quorum(
        members=members,
        present=present,
        represented=represented,
        required=required,
        counts_proxies=counts_proxies,
        reconvened=reconvened,
    )


def max_proxies_held(day: datetime.date) -> int:
    return 2 if temporary_rules(day) else 1


@dataclass(frozen=True)
class Result:
    for_votes: int
    against: int
    abstention: int
    casting_vote_used: bool

    @property
    def cast(self) -> int:
        """Votes cast: abstentions are not votes cast."""
        return self.for_votes + self.against

    @property
    def adopted(self) -> bool:
        if self.for_votes == self.against:
            return self.casting_vote_used
        return self.for_votes > self.against


def result(
    *, for_votes: int, against: int, abstention: int, president_votes_for: bool | None = None
) -> Result:
    """The outcome; on a tie the président's vote decides (A6)."""
    tie = for_votes == against and for_votes > 0
    return Result(
        for_votes=for_votes,
        against=against,
        abstention=abstention,
        casting_vote_used=bool(tie and president_votes_for),
    )


def check_vote_counts(
    *, for_votes: int, against: int, abstention: int, not_voting: int, present: int, proxies: int
) -> list[str]:
    """Votes (cast, abstention, not voting) never exceed members present plus proxies held."""
    problems = []
    if min(for_votes, against, abstention, not_voting) < 0:
        problems.append("Les nombres de voix sont positifs ou nuls.")
    total = for_votes + against + abstention + not_voting
    if total > present + proxies:
        problems.append(
            f"{total} voix exprimées ou non, pour {present} présents et {proxies} pouvoirs : "
            "c'est trop."
        )
    return problems


def roll_call_required(*, requested_by: int, present: int) -> bool:
    """A7 (CGCT L3121-15): a public roll call when one sixth of the members present ask."""
    return requested_by > 0 and requested_by * 6 >= present


REPORT_NOTICE_DAYS = 12  # CGCT L3121-19, the conseil départemental


def report_sending_warning(
    *,
    sitting_day: datetime.date,
    sent_on: datetime.date | None,
    urgency: bool,
    body: str = COUNCIL,
    notice_days: int = REPORT_NOTICE_DAYS,
) -> str:
    """A8: reports reach members `notice_days` before the sitting — twelve for the conseil
    départemental (CGCT L3121-19), what the règlement intérieur sets for the commission
    permanente; in urgency the notice may be shorter, but never less than one clear day. Empty
    when the rule is met."""
    if sent_on is None:
        return "Rapport non encore envoyé aux élus."
    notice = (sitting_day - sent_on).days
    if urgency:
        if notice < 2:
            return (
                f"Envoyé le {sent_on:%d/%m/%Y}, {notice} jour(s) avant la séance : même en "
                "urgence, un jour franc au moins est requis."
            )
        return ""
    if notice < notice_days:
        source = "CGCT L3121-19" if body == COUNCIL else "règlement intérieur"
        return (
            f"Envoyé tardivement : le {sent_on:%d/%m/%Y}, {notice} jour(s) avant la séance au lieu "
            f"de {notice_days} ({source}) ; l'urgence n'est pas déclarée."
        )
    return ""
