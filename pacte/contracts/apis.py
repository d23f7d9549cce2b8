import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from pacte.core import policy
from pacte.core.errors import api_refusal
from pacte.core.pagination import Pages
from pacte.core.schemas import IdFilter, Input, column
from pacte.core.workflow import TransitionRefused

from . import selectors, services
from .models import (
    CommitteeAction,
    Contract,
    EngineeringRequest,
    PriorityStake,
    SteeringCommittee,
)

router = Router(tags=["Partenaires et contrats"])


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    siren: str
    siret: str
    rna: str
    epci_siren: str | None
    commune_insee: str | None
    territory: str | None
    is_demo: bool

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_epci_siren(obj):
        return obj.epci.siren if obj.epci_id else None

    @staticmethod
    def resolve_commune_insee(obj):
        return obj.commune.insee_code if obj.commune_id else None

    @staticmethod
    def resolve_territory(obj):
        return obj.territory.name if obj.territory_id else None


class NamedOut(Schema):
    id: int
    name: str


class StakeOut(Schema):
    id: int
    title: str
    description: str
    pacts: list[NamedOut]
    orientations: list[NamedOut]

    @staticmethod
    def resolve_pacts(obj):
        return list(obj.pacts.all())

    @staticmethod
    def resolve_orientations(obj):
        return list(obj.orientations.all())


class EventOut(Schema):
    at: datetime.datetime
    actor: str | None
    from_state: str
    to_state: str
    reason: str

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class ContractOut(Schema):
    id: int
    generation: str
    partner_id: int
    partner: str
    state: str
    state_label: str
    vote_deliberation_number: str
    vote_date: datetime.date | None
    partner_signed_on: datetime.date | None
    department_signed_on: datetime.date | None

    @staticmethod
    def resolve_generation(obj):
        return obj.generation.name

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.name

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class ContractDetailOut(ContractOut):
    pact_ambitions: str
    engineering_ingenierie62: bool
    engineering_house: bool
    engineering_other: str
    implementation_terms: str
    monitoring_terms: str
    stakes: list[StakeOut]
    events: list[EventOut]

    @staticmethod
    def resolve_stakes(obj):
        return list(obj.stakes.all())

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class ContractIn(Input):
    partner_id: int


class StakeIn(Input):
    title: str = column(PriorityStake, "title")
    description: str = ""
    pact_ids: list[int] = Field(..., max_length=100)
    orientation_ids: list[int] = Field(default=[], max_length=100)


class TransitionIn(Input):
    reason: str = ""
    deliberation_number: str = column(Contract, "vote_deliberation_number", "")
    vote_date: datetime.date | None = None
    partner_signed_on: datetime.date | None = None
    department_signed_on: datetime.date | None = None
    closed_on: datetime.date | None = None


@router.get("/partenaires", response=list[PartnerOut], summary="Partenaires visibles")
@policy.endpoint("partner.read")
@paginate(Pages, page_size=100)
def partners(request, nature: str = "", q: str = ""):
    return selectors.partner_list(user=request.user, kind=nature, query=q)


@router.get("/partenaires/{partner_id}", response=PartnerOut, summary="Un partenaire")
@policy.endpoint("partner.read")
def partner(request, partner_id: int):
    return selectors.partner_get(user=request.user, pk=partner_id)


@router.get("/contrats", response=list[ContractOut], summary="Contrats visibles")
@policy.endpoint("contract.read")
@paginate(Pages, page_size=100)
def contracts(request, generation: IdFilter = None, etat: str = "", nature: str = ""):
    return selectors.contract_list(
        user=request.user, generation_id=generation, state=etat, kind=nature
    )


@router.get("/contrats/{contract_id}", response=ContractDetailOut, summary="Un contrat")
@policy.endpoint("contract.read")
def contract(request, contract_id: int):
    return selectors.contract_get(user=request.user, pk=contract_id)


@router.post("/contrats", response={201: ContractDetailOut}, summary="Créer un contrat")
@policy.endpoint("contract.create")
def contract_create(request, payload: ContractIn):
    generation = selectors.generation_current(user=request.user)
    if generation is None:
        raise HttpError(422, "Aucune génération de contractualisation en cours.")
    partner = selectors.partner_get(user=request.user, pk=payload.partner_id)
    try:
        created = services.contract_create(
            actor=request.user, generation=generation, partner=partner
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, selectors.contract_get(user=request.user, pk=created.pk))


@router.post("/contrats/{contract_id}/enjeux", response={201: StakeOut}, summary="Ajouter un enjeu")
@policy.endpoint("stake.create")
def stake_create(request, contract_id: int, payload: StakeIn):
    contract = selectors.contract_get(user=request.user, pk=contract_id)
    generation = contract.generation
    pacts = selectors.pacts_by_ids(user=request.user, generation=generation, ids=payload.pact_ids)
    if pacts is None:
        raise HttpError(422, "Pacte inconnu pour cette génération.")
    orientations = selectors.orientations_by_ids(
        user=request.user, generation=generation, ids=payload.orientation_ids
    )
    if orientations is None:
        raise HttpError(422, "Orientation inconnue pour cette génération.")
    try:
        stake = services.stake_add(
            actor=request.user,
            contract=contract,
            title=payload.title,
            description=payload.description,
            pacts=pacts,
            orientations=orientations,
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, stake)


TRANSITIONS = {
    "agree": lambda c, u, p: services.contract_agree(actor=u, contract=c, reason=p.reason),
    "reopen": lambda c, u, p: services.contract_reopen(actor=u, contract=c, reason=p.reason),
    "vote": lambda c, u, p: services.contract_vote(
        actor=u, contract=c, deliberation_number=p.deliberation_number, vote_date=p.vote_date
    ),
    "sign": lambda c, u, p: services.contract_sign(
        actor=u,
        contract=c,
        partner_signed_on=p.partner_signed_on,
        department_signed_on=p.department_signed_on,
    ),
    "close": lambda c, u, p: services.contract_close(
        actor=u, contract=c, closed_on=p.closed_on, reason=p.reason
    ),
}


@router.post(
    "/contrats/{contract_id}/etapes/{name}",
    response=ContractDetailOut,
    summary="Faire avancer un contrat (agree, reopen, vote, sign, close)",
)
@policy.endpoint("contract.<name>", choices={"name": TRANSITIONS})
def contract_transition(request, contract_id: int, name: str, payload: TransitionIn):
    if name not in TRANSITIONS:
        raise HttpError(404, "Action inconnue.")
    contract = selectors.contract_get(user=request.user, pk=contract_id)
    try:
        TRANSITIONS[name](contract, request.user, payload)
    except (TransitionRefused, ValidationError) as exc:
        api_refusal(exc)
    return selectors.contract_get(user=request.user, pk=contract_id)


# --- Assises, comités de pilotage, ingénierie -----------------------------------------------


class InvitationOut(Schema):
    partner_id: int
    partner: str
    attended: bool | None

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.name


class RaisedStakeOut(Schema):
    id: int
    partner_id: int
    title: str
    stake_id: int | None


class ForumOut(Schema):
    id: int
    generation: str
    territory: str
    held_on: datetime.date
    place: str
    invited_total: int
    stake_total: int

    @staticmethod
    def resolve_generation(obj):
        return obj.generation.name

    @staticmethod
    def resolve_territory(obj):
        return obj.territory.name


class ForumDetailOut(ForumOut):
    invitations: list[InvitationOut]
    raised_stakes: list[RaisedStakeOut]

    @staticmethod
    def resolve_invitations(obj):
        return list(obj.invitations.all())

    @staticmethod
    def resolve_raised_stakes(obj):
        return list(obj.raised_stakes.all())


class ActionOut(Schema):
    id: int
    description: str
    owner: str
    due_on: datetime.date
    done_on: datetime.date | None


class CommitteeOut(Schema):
    id: int
    contract_id: int
    partner: str
    year: int
    held_on: datetime.date
    place: str
    attendees: list[str]
    decisions: str
    progress: dict
    actions: list[ActionOut]

    @staticmethod
    def resolve_partner(obj):
        return obj.contract.partner.name

    @staticmethod
    def resolve_attendees(obj):
        return obj.attendee_list

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


class ActionIn(Input):
    description: str = column(CommitteeAction, "description")
    owner: str = column(CommitteeAction, "owner")
    due_on: datetime.date


class CommitteeIn(Input):
    held_on: datetime.date
    attendees: list[str] = Field(..., max_length=200)
    place: str = column(SteeringCommittee, "place", "")
    decisions: str = ""
    actions: list[ActionIn] = Field(default=[], max_length=200)


class EngineeringOut(Schema):
    id: int
    partner_id: int
    partner: str
    contract_id: int | None
    provider: str
    subject: str
    description: str
    people: str
    state: str
    state_label: str
    outcome: str
    requested_on: datetime.date

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.name

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()


class EngineeringIn(Input):
    # A partner user's own organisation when left out.
    partner_id: int | None = None
    provider: EngineeringRequest.Provider
    subject: str = column(EngineeringRequest, "subject")
    description: str = ""
    people: str = ""
    requested_on: datetime.date


@router.get("/assises", response=list[ForumOut], summary="Assises territoriales")
@policy.endpoint("forum.read")
def forums(request):
    generation = selectors.generation_current(user=request.user)
    return selectors.forum_list(
        user=request.user, generation_id=generation.pk if generation else None
    )


@router.get("/assises/{forum_id}", response=ForumDetailOut, summary="Une assise territoriale")
@policy.endpoint("forum.read")
def forum(request, forum_id: int):
    return selectors.forum_get(user=request.user, pk=forum_id)


@router.get("/comites", response=list[CommitteeOut], summary="Comités de pilotage visibles")
@policy.endpoint("committee.read")
@paginate(Pages, page_size=100)
def committees(request):
    return selectors.committee_list(user=request.user)


@router.get("/comites/{committee_id}", response=CommitteeOut, summary="Un comité de pilotage")
@policy.endpoint("committee.read")
def committee(request, committee_id: int):
    return selectors.committee_get(user=request.user, pk=committee_id)


@router.post(
    "/contrats/{contract_id}/comites",
    response={201: CommitteeOut},
    summary="Enregistrer le comité de pilotage de l'année",
)
@policy.endpoint("committee.create")
def committee_create(request, contract_id: int, payload: CommitteeIn):
    contract = selectors.contract_get(user=request.user, pk=contract_id)
    try:
        created = services.committee_hold(
            actor=request.user,
            contract=contract,
            held_on=payload.held_on,
            attendees="\n".join(payload.attendees),
            place=payload.place,
            decisions=payload.decisions,
            actions=[a.dict() for a in payload.actions],
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, selectors.committee_get(user=request.user, pk=created.pk))


@router.get("/ingenierie", response=list[EngineeringOut], summary="Demandes d'ingénierie")
@policy.endpoint("engineering.read")
@paginate(Pages, page_size=100)
def engineering_requests(request, etat: str = ""):
    return selectors.engineering_request_list(user=request.user, state=etat)


@router.post("/ingenierie", response={201: EngineeringOut}, summary="Demander de l'ingénierie")
@policy.endpoint("engineering.create")
def engineering_create(request, payload: EngineeringIn):
    partner_id = payload.partner_id or getattr(request.user, "partner_id", None)
    if partner_id is None:
        policy.require(request.user, "engineering", "create")  # a role that may not: 403 first
        raise HttpError(422, "Indiquez le partenaire (partner_id).")
    partner = selectors.partner_get(user=request.user, pk=partner_id)
    data = payload.dict(exclude={"partner_id"})
    try:
        created = services.engineering_request_create(actor=request.user, partner=partner, **data)
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, created)
