"""API of the assembly: sittings, their attendance and quorum, reports, votes and
deliberations (read for the Département's staff and members; votes recorded by the assembly
service)."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from pacte.core import policy
from pacte.core.errors import api_refusal
from pacte.core.pagination import Pages
from pacte.core.schemas import ClockTime, Input

from . import selectors, services

router = Router(tags=["Assemblée"])


class SittingOut(Schema):
    id: int
    body: str
    body_label: str
    held_on: datetime.date
    opened_at: ClockTime | None
    closed_at: ClockTime | None
    place: str
    president: str
    secretary: str
    members_in_office: int
    reconvened: bool

    @staticmethod
    def resolve_body_label(obj):
        return obj.get_body_display()


class AttendanceOut(Schema):
    id: int
    civility: str
    name: str
    status: str
    arrived_at: ClockTime | None
    left_at: ClockTime | None
    proxy_holder: str | None

    @staticmethod
    def resolve_proxy_holder(obj):
        proxy = getattr(obj, "proxy_given", None)
        return str(proxy.holder) if proxy else None


class QuorumOut(Schema):
    members: int
    present: int
    represented: int
    required: int
    reached: bool
    explanation: str


class ReportSummaryOut(Schema):
    id: int
    number: int
    kind: str
    title: str
    sent_on: datetime.date | None
    urgency: bool
    opened_at: ClockTime | None
    deliberation: str | None

    @staticmethod
    def resolve_deliberation(obj):
        return obj.deliberation.number if hasattr(obj, "deliberation") else None


class SittingDetailOut(SittingOut):
    quorum_at_opening: QuorumOut
    attendance: list[AttendanceOut]
    agenda: list[ReportSummaryOut]


class OpinionOut(Schema):
    commission: str
    met_on: datetime.date
    opinion: str
    remark: str

    @staticmethod
    def resolve_commission(obj):
        return str(obj.commission)


class GroupVoteOut(Schema):
    group: str
    votes_for: int
    votes_against: int
    abstentions: int
    not_voting: int

    @staticmethod
    def resolve_group(obj):
        return obj.group.name


class BallotOut(Schema):
    member: str
    choice: str
    by_proxy: bool

    @staticmethod
    def resolve_member(obj):
        return str(obj.member)


class DeliberationOut(Schema):
    id: int
    number: str
    adopted: bool
    votes_for: int
    votes_against: int
    abstentions: int
    not_voting: int
    casting_vote: bool
    groups_for: list[str]
    groups_against: list[str]
    groups_abstaining: list[str]
    corrects: str | None
    published_on: datetime.date | None
    transmitted_on: datetime.date | None
    actes_id: str
    acknowledged_on: datetime.date | None
    enforceable_on: datetime.date | None
    title: str
    transmission_state: str = Field(
        description="not_sent, sent, acknowledged, anomaly (anomalie signalée par la préfecture)"
    )
    anomaly_on: datetime.date | None
    anomaly_nature: str
    anomaly_detail: str

    @staticmethod
    def resolve_corrects(obj):
        return obj.corrects.number if obj.corrects_id else None

    @staticmethod
    def resolve_title(obj):
        return obj.report.title


class ReportOut(ReportSummaryOut):
    sitting_id: int
    pole: str
    direction: str
    territories: str
    text: str
    visas: str
    proposal: str
    decision: str
    vote_mode: str
    operations: list[str]
    contracts: list[int]
    opinions: list[OpinionOut]
    group_votes: list[GroupVoteOut]
    ballots: list[BallotOut]
    quorum: QuorumOut

    @staticmethod
    def resolve_operations(obj):
        return [o.reference for o in obj.operations.all()]

    @staticmethod
    def resolve_contracts(obj):
        return [c.pk for c in obj.contracts.all()]

    @staticmethod
    def resolve_opinions(obj):
        return list(obj.opinions.all())

    @staticmethod
    def resolve_group_votes(obj):
        return list(obj.group_votes.all())

    @staticmethod
    def resolve_ballots(obj):
        return list(obj.ballots.all())

    @staticmethod
    def resolve_quorum(obj):
        return _quorum(selectors.sitting_quorum(obj.sitting, obj.opened_at))


def _quorum(q) -> dict:
    return {
        "members": q.members,
        "present": q.present,
        "represented": q.represented,
        "required": q.required,
        "reached": q.reached,
        "explanation": q.explanation,
    }


@router.get("/seances/", response=list[SittingOut], summary="Séances")
@policy.endpoint("sitting.read")
@paginate(Pages, page_size=50)
def sittings(request, instance: str = "", annee: int | None = None):
    return selectors.sitting_list(user=request.user, body=instance, year=annee)


@router.get("/seances/{pk}", response=SittingDetailOut, summary="Une séance")
@policy.endpoint("sitting.read")
def sitting(request, pk: int):
    item = selectors.sitting_get(user=request.user, pk=pk)
    item.quorum_at_opening = _quorum(selectors.sitting_quorum(item))
    item.attendance = list(item.attendances.all())
    item.agenda = list(selectors.sitting_reports(user=request.user, sitting=item))
    return item


@router.get("/rapports/{pk}", response=ReportOut, summary="Un rapport, ses avis et ses votes")
@policy.endpoint("report.read")
def report(request, pk: int):
    return selectors.report_get(user=request.user, pk=pk)


@router.get("/actes/", response=list[DeliberationOut], summary="Délibérations")
@policy.endpoint("deliberation.manage")
@paginate(Pages, page_size=50)
def deliberations(request, annee: int | None = None, q: str = ""):
    return selectors.deliberation_list(user=request.user, year=annee, query=q).select_related(
        "corrects"
    )


class OpenIn(Input):
    heure: ClockTime
    demandes_scrutin_public: int = Field(0, ge=0, le=500)


class OpeningOut(Schema):
    atteint: bool
    explication: str
    scrutin_public: bool


@router.post(
    "/rapports/{pk}/ouverture",
    response=OpeningOut,
    summary="Ouvrir l'examen d'un point à son heure (quorum de ce moment, demande de scrutin "
    "public)",
)
@policy.endpoint("report.proceed")
def open_item(request, pk: int, payload: OpenIn):
    item = selectors.report_get(user=request.user, pk=pk, action="proceed")
    try:
        quorum = services.item_open(
            actor=request.user,
            report=item,
            at=payload.heure,
            roll_call_requested_by=payload.demandes_scrutin_public,
        )
    except ValidationError as exc:
        api_refusal(exc)
    item.refresh_from_db(fields=["vote_mode"])
    return {
        "atteint": quorum.reached,
        "explication": quorum.explanation,
        "scrutin_public": item.vote_mode == "roll_call",
    }


class GroupCountIn(Input):
    group: str
    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0
    not_voting: int = 0


class VoteIn(Input):
    groups: list[GroupCountIn] = []
    president_votes_for: bool | None = None
    ballots: dict[int, str] = {}

    @field_validator("groups")
    @classmethod
    def _each_group_once(cls, rows: list[GroupCountIn]) -> list[GroupCountIn]:
        """A group counted twice would leave one of its counts unread: refused."""
        seen: set[str] = set()
        for row in rows:
            if row.group in seen:
                name = row.group[:80].encode("utf-8", "replace").decode("utf-8")
                raise ValueError(f"le groupe « {name} » figure deux fois")
            seen.add(row.group)
        return rows

    @field_validator("ballots", mode="before")
    @classmethod
    def _each_member_once(cls, ballots: object) -> object:
        """Keys that name the same member (« 12 » and « 012 ») would leave one vote unread."""
        if isinstance(ballots, dict):
            seen: set[int] = set()
            for key in ballots:
                try:
                    member = int(str(key).strip())
                except ValueError:
                    continue  # not a member's number: said by the field's own validation
                if member in seen:
                    raise ValueError(f"le membre n°{member} figure deux fois")
                seen.add(member)
        return ballots


@router.post(
    "/rapports/{pk}/vote",
    response={201: DeliberationOut},
    summary="Enregistrer le vote d'un point (par groupe ou par nom) et délibérer",
)
@policy.endpoint("report.proceed")
def vote(request, pk: int, payload: VoteIn):
    item = selectors.report_get(user=request.user, pk=pk, action="proceed")
    try:
        if item.vote_mode == "roll_call":
            if payload.groups and not payload.ballots:
                raise ValidationError(
                    f"Le point n°{item.number} se vote au scrutin public, par appel nominal : "
                    "envoyez le vote de chaque membre (ballots), pas ceux des groupes."
                )
            members = {a.pk: a for a in item.sitting.attendances.all()}
            unknown = set(payload.ballots) - set(members)
            if unknown:
                raise ValidationError(f"Membres inconnus dans cette séance : {sorted(unknown)}.")
            deliberation = services.item_vote_roll_call(
                actor=request.user,
                report=item,
                choices={members[k]: v for k, v in payload.ballots.items()},
            )
        else:
            groups = {g.name: g for g in selectors.political_groups(user=request.user)}
            unknown = sorted({row.group for row in payload.groups} - set(groups))
            if unknown:
                raise ValidationError(f"Groupes politiques inconnus : {', '.join(unknown)}.")
            counts = {}
            for row in payload.groups:
                counts[groups[row.group]] = (
                    row.votes_for,
                    row.votes_against,
                    row.abstentions,
                    row.not_voting,
                )
            deliberation = services.item_vote_by_group(
                actor=request.user,
                report=item,
                counts=counts,
                president_votes_for=payload.president_votes_for,
            )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, deliberation)
