import datetime
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date
from pacte.core.models import User
from pacte.core.workflow import HistoryRow
from pacte.territory.models import Commune, Epci, Territory

from .models import (
    Amendment,
    CommitteeAction,
    Contract,
    EngineeringRequest,
    ForumInvitation,
    Generation,
    Orientation,
    Pact,
    Partner,
    PriorityStake,
    RaisedStake,
    SteeringCommittee,
    TerritorialForum,
)
from .selectors import progress_pack
from .workflows import CONTRACT_WORKFLOW, ENGINEERING_WORKFLOW


class PartnerFields(TypedDict, total=False):
    """What identifies and describes a partner (see `partner_create`)."""

    name: str
    kind: str
    siren: str
    siret: str
    rna: str
    epci: Epci | None
    commune: Commune | None
    territory: Territory | None
    address: str
    email: str
    representative: str
    representative_title: str
    centrality_reason: str
    is_demo: bool


@transaction.atomic
def partner_create(*, actor: User | None, **fields: Unpack[PartnerFields]) -> Partner:
    """Create a partner after the full checks of its identifiers (raises ValidationError)."""
    policy.require(actor, "partner", "create")
    unknown = set(fields) - set(PartnerFields.__annotations__)
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    partner = Partner(**fields)
    partner.full_clean()
    partner.save()
    audit(
        actor=actor,
        action="partner.create",
        obj=partner,
        summary=f"Partenaire « {partner.name} » créé",
    )
    return partner


@transaction.atomic
def partners_create_from_epcis(
    *, actor: User | None, epcis: QuerySet[Epci] | None = None, is_demo: bool = False
) -> list[Partner]:
    """One partner per intercommunalité of the referential that has none yet."""
    policy.require(actor, "partner", "create")
    epcis = Epci.objects.filter(partner__isnull=True) if epcis is None else epcis
    created = []
    for epci in epcis.select_related("territory").order_by("name"):
        created.append(
            partner_create(
                actor=actor,
                name=epci.name,
                kind=Partner.Kind.EPCI,
                siren=epci.siren,
                epci=epci,
                territory=epci.territory,
                is_demo=is_demo,
            )
        )
    return created


# --- Contracts -----------------------------------------------------------------------------


# The contract's text: what the partner agrees to, changed after the vote only by an amendment.
class ContractText(TypedDict, total=False):
    """The texts of a contract (see `contract_create`, `contract_update`, `amendment_create`)."""

    pact_ambitions: str
    engineering_ingenierie62: str
    engineering_house: str
    engineering_other: str
    implementation_terms: str
    monitoring_terms: str


class NewContractText(ContractText, total=False):
    is_demo: bool


CONTRACT_TEXT_FIELDS = tuple(ContractText.__annotations__)


def _known_texts(text: Mapping[str, object], allowed: Iterable[str]) -> None:
    unknown = set(text) - set(allowed)
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")


def _refuse_if_frozen(contract: Contract) -> None:
    if contract.state == Contract.State.AGREED:
        raise ValidationError(
            "Ce contrat est accordé avec le partenaire : reprenez la rédaction pour le modifier."
        )
    if contract.is_frozen:
        raise ValidationError(
            "Ce contrat est voté : son texte ne change plus que par un avenant enregistré."
        )


CONTRACT_TAKEN = "Ce partenaire a déjà un contrat pour cette génération."


@transaction.atomic
def contract_create(
    *,
    actor: User | None,
    generation: Generation,
    partner: Partner,
    **text: Unpack[NewContractText],
) -> Contract:
    policy.require(actor, "contract", "create", Contract(generation=generation, partner=partner))
    _known_texts(text, NewContractText.__annotations__)
    if generation.is_history:
        raise ValidationError("Cette génération est passée : on n'y crée plus de contrat.")
    contract = Contract(generation=generation, partner=partner, **text)
    if not contract.pact_ambitions:
        contract.pact_ambitions = "\n\n".join(
            f"{pact.name} : {pact.ambition}" for pact in generation.pacts.all() if pact.ambition
        )
    contract.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the rest usable
            contract.save()
    except IntegrityError:
        # Another request created the partner's contract between the check of `full_clean`
        # and this write (the unique constraint decides the race): the same refusal.
        if Contract.objects.filter(generation=generation, partner=partner).exists():
            raise ValidationError(CONTRACT_TAKEN) from None
        raise
    audit(actor=actor, action="contract.create", obj=contract, summary=f"{contract} créé")
    return contract


@transaction.atomic
def contract_update(
    *, actor: User | None, contract: Contract, **text: Unpack[ContractText]
) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    policy.require(actor, "contract", "change", contract)
    _known_texts(text, CONTRACT_TEXT_FIELDS)
    _refuse_if_frozen(contract)
    changed = {
        k: v for k, v in text.items() if k in CONTRACT_TEXT_FIELDS and getattr(contract, k) != v
    }
    for name, new in changed.items():
        setattr(contract, name, new)
    if changed:
        contract.save(update_fields=list(changed))
        audit(
            actor=actor,
            action="contract.update",
            obj=contract,
            summary=f"{contract} modifié",
            data={"fields": sorted(changed)},
        )
    return contract


@transaction.atomic
def stake_add(
    *,
    actor: User | None,
    contract: Contract,
    title: str,
    description: str = "",
    pacts: Iterable[Pact] = (),
    orientations: Iterable[Orientation] = (),
) -> PriorityStake:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    policy.require(actor, "stake", "create", PriorityStake(contract=contract))
    _refuse_if_frozen(contract)
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Donnez un intitulé à l'enjeu."})
    pacts = list(pacts)
    if not pacts:
        raise ValidationError({"pacts": "Rattachez l'enjeu à au moins un pacte."})
    if any(p.generation_id != contract.generation_id for p in pacts) or any(
        o.generation_id != contract.generation_id for o in orientations
    ):
        raise ValidationError("Les pactes et orientations sont ceux de la génération du contrat.")
    stake = PriorityStake.objects.create(
        contract=contract,
        title=title,
        description=description.strip(),
        position=contract.stakes.count() + 1,
    )
    stake.pacts.set(pacts)
    stake.orientations.set(orientations)
    audit(
        actor=actor, action="stake.add", obj=stake, summary=f"Enjeu « {title} » ajouté à {contract}"
    )
    return stake


def contract_agree(*, actor: User | None, contract: Contract, reason: str = "") -> HistoryRow:
    return CONTRACT_WORKFLOW.apply(contract, "agree", actor=actor, reason=reason)


def contract_reopen(*, actor: User | None, contract: Contract, reason: str) -> HistoryRow:
    return CONTRACT_WORKFLOW.apply(contract, "reopen", actor=actor, reason=reason)


def contract_vote(
    *,
    actor: User | None,
    contract: Contract,
    deliberation_number: str,
    vote_date: datetime.date | None,
) -> HistoryRow:
    return CONTRACT_WORKFLOW.apply(
        contract,
        "vote",
        actor=actor,
        vote_deliberation_number=(deliberation_number or "").strip(),
        vote_date=vote_date,
    )


def contract_sign(
    *,
    actor: User | None,
    contract: Contract,
    partner_signed_on: datetime.date | None,
    department_signed_on: datetime.date | None,
) -> HistoryRow:
    return CONTRACT_WORKFLOW.apply(
        contract,
        "sign",
        actor=actor,
        partner_signed_on=partner_signed_on,
        department_signed_on=department_signed_on,
    )


def contract_close(
    *, actor: User | None, contract: Contract, closed_on: datetime.date | None, reason: str
) -> HistoryRow:
    return CONTRACT_WORKFLOW.apply(
        contract, "close", actor=actor, reason=reason, closed_on=closed_on
    )


@transaction.atomic
def amendment_create(
    *,
    actor: User | None,
    contract: Contract,
    adopted_on: datetime.date,
    reason: str,
    deliberation_number: str = "",
    **text: Unpack[ContractText],
) -> Amendment:
    """Change a voted contract's text through an avenant that keeps the previous wording."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    policy.require(actor, "contract", "change", contract)
    _known_texts(text, CONTRACT_TEXT_FIELDS)
    if not contract.is_frozen:
        raise ValidationError("Un contrat non voté se modifie directement, sans avenant.")
    if not reason.strip():
        raise ValidationError({"reason": "Indiquez l'objet de l'avenant."})
    changes = {
        name: {"avant": getattr(contract, name), "après": new}
        for name, new in text.items()
        if name in CONTRACT_TEXT_FIELDS and getattr(contract, name) != new
    }
    if not changes:
        raise ValidationError("L'avenant ne modifie rien au contrat.")
    number = (contract.amendments.aggregate(m=models.Max("number"))["m"] or 0) + 1
    amendment = Amendment.objects.create(
        contract=contract,
        number=number,
        adopted_on=adopted_on,
        reason=reason.strip(),
        deliberation_number=deliberation_number.strip(),
        changes=changes,
        created_by=actor,
    )
    for name, change in changes.items():
        setattr(contract, name, change["après"])
    contract.save(update_fields=list(changes))
    audit(
        actor=actor,
        action="contract.amend",
        obj=contract,
        summary=f"Avenant n°{number} à {contract}",
        data={"fields": sorted(changes)},
    )
    return amendment


# --- Assises territoriales -----------------------------------------------------------------


@transaction.atomic
def forum_create(
    *,
    actor: User | None,
    generation: Generation,
    territory: Territory,
    held_on: datetime.date,
    place: str = "",
    partners: Iterable[Partner] = (),
    is_demo: bool = False,
) -> TerritorialForum:
    policy.require(actor, "forum", "create")
    forum = TerritorialForum(
        generation=generation,
        territory=territory,
        held_on=held_on,
        place=place.strip(),
        is_demo=is_demo,
    )
    forum.full_clean()
    if (
        generation.forum_start
        and generation.forum_end
        and not (generation.forum_start <= held_on <= generation.forum_end)
    ):
        raise ValidationError(
            {
                "held_on": "Les assises de cette génération se tiennent du "
                f"{format_date(generation.forum_start)} au {format_date(generation.forum_end)}."
            }
        )
    forum.save()
    ForumInvitation.objects.bulk_create(ForumInvitation(forum=forum, partner=p) for p in partners)
    audit(actor=actor, action="forum.create", obj=forum, summary=f"{forum} planifiée")
    return forum


@transaction.atomic
def forum_record_attendance(
    *, actor: User | None, forum: TerritorialForum, attended: dict[int, bool]
) -> None:
    """`attended` maps partner ids to present (True) or absent (False)."""
    policy.require(actor, "forum", "change", forum)
    invitations = {i.partner_id: i for i in forum.invitations.select_for_update()}
    unknown = set(attended) - set(invitations)
    if unknown:
        raise ValidationError("Seuls les partenaires invités peuvent être notés présents.")
    for partner_id, present in attended.items():
        invitation = invitations[partner_id]
        if invitation.attended != present:
            invitation.attended = present
            invitation.save(update_fields=["attended"])
    audit(
        actor=actor,
        action="forum.attendance",
        obj=forum,
        summary=f"Présences enregistrées — {forum}",
    )


@transaction.atomic
def raised_stake_add(
    *,
    actor: User | None,
    forum: TerritorialForum,
    partner: Partner,
    title: str,
    description: str = "",
    pacts: Iterable[Pact] = (),
    orientations: Iterable[Orientation] = (),
) -> RaisedStake:
    policy.require(actor, "forum", "change", forum)
    if not forum.invitations.filter(partner=partner).exists():
        raise ValidationError("Ce partenaire n'était pas invité à cette assise.")
    if not title.strip():
        raise ValidationError({"title": "Donnez un intitulé à l'enjeu."})
    pacts, orientations = list(pacts), list(orientations)
    if not pacts:
        raise ValidationError({"pacts": "Rattachez l'enjeu à au moins un pacte."})
    if any(p.generation_id != forum.generation_id for p in pacts) or any(
        o.generation_id != forum.generation_id for o in orientations
    ):
        raise ValidationError("Les pactes et orientations sont ceux de la génération de l'assise.")
    raised = RaisedStake.objects.create(
        forum=forum, partner=partner, title=title.strip(), description=description.strip()
    )
    raised.pacts.set(pacts)
    raised.orientations.set(orientations)
    audit(actor=actor, action="forum.stake", obj=raised, summary=f"Enjeu soulevé : {title}")
    return raised


@transaction.atomic
def forum_stakes_to_contracts(
    *, actor: User | None, forum: TerritorialForum
) -> list[PriorityStake]:
    """Each stake raised at the assise becomes a draft priority stake of its partner's contract
    (the contract is opened in drafting when the partner has none yet). Runs once per stake."""
    policy.require(actor, "forum", "change", forum)
    created = []
    pending = forum.raised_stakes.filter(stake__isnull=True).select_related("partner")
    for raised in pending.prefetch_related("pacts", "orientations"):
        contract = Contract.objects.filter(
            generation=forum.generation, partner=raised.partner
        ).first() or contract_create(
            actor=actor,
            generation=forum.generation,
            partner=raised.partner,
            is_demo=forum.is_demo,
        )
        if contract.is_frozen:
            continue
        stake = stake_add(
            actor=actor,
            contract=contract,
            title=raised.title,
            description=raised.description,
            pacts=raised.pacts.all(),
            orientations=raised.orientations.all(),
        )
        raised.stake = stake
        raised.save(update_fields=["stake"])
        created.append(stake)
    return created


# --- Ingénierie ----------------------------------------------------------------------------


@transaction.atomic
def engineering_request_create(
    *,
    actor: User | None,
    partner: Partner,
    provider: str,
    subject: str,
    description: str = "",
    people: str = "",
    requested_on: datetime.date,
    contract: Contract | None = None,
    is_demo: bool = False,
) -> EngineeringRequest:
    # A partner asks for its own organisation only (404 for another's).
    policy.require(actor, "engineering", "create", EngineeringRequest(partner=partner))
    request = EngineeringRequest(
        partner=partner,
        contract=contract,
        provider=provider,
        subject=subject.strip(),
        description=description.strip(),
        people=people.strip(),
        requested_on=requested_on,
        created_by=actor,
        is_demo=is_demo,
    )
    request.full_clean()
    if contract is not None and contract.partner_id != partner.pk:
        raise ValidationError({"contract": "Ce contrat n'est pas celui du partenaire."})
    request.save()
    audit(
        actor=actor,
        action="engineering.create",
        obj=request,
        summary=f"Demande d'ingénierie « {request.subject} »",
    )
    return request


def engineering_request_move(
    *,
    actor: User | None,
    request: EngineeringRequest,
    transition: str,
    reason: str = "",
    outcome: str = "",
) -> HistoryRow:
    updates = {"outcome": outcome.strip()} if outcome else {}
    return ENGINEERING_WORKFLOW.apply(request, transition, actor=actor, reason=reason, **updates)


# --- Comités de pilotage -------------------------------------------------------------------


@transaction.atomic
def committee_hold(
    *,
    actor: User | None,
    contract: Contract,
    held_on: datetime.date,
    attendees: str,
    place: str = "",
    decisions: str = "",
    actions: Iterable[Mapping[str, Any]] = (),
    is_demo: bool = False,
) -> SteeringCommittee:
    """Record the year's steering committee with its progress pack taken from the data.

    `actions` is a list of dicts with description, owner and due_on."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    policy.require(actor, "committee", "create", SteeringCommittee(contract=contract))
    if contract.state not in Contract.IN_FORCE_STATES:
        raise ValidationError("Un comité de pilotage suit un contrat voté ou signé.")
    if not attendees.strip():
        raise ValidationError({"attendees": "Indiquez au moins un participant."})
    committee = SteeringCommittee(
        contract=contract,
        year=held_on.year,
        held_on=held_on,
        place=place.strip(),
        attendees=attendees.strip(),
        decisions=decisions.strip(),
        created_by=actor,
        progress=progress_pack(contract=contract, on=held_on),
        is_demo=is_demo,
    )
    committee.full_clean()
    committee.save()
    for action in actions:
        description = (action.get("description") or "").strip()
        if not description:
            continue
        if not action.get("owner") or not action.get("due_on"):
            raise ValidationError("Chaque action a un responsable et une échéance.")
        CommitteeAction.objects.create(
            committee=committee,
            description=description,
            owner=action["owner"].strip(),
            due_on=action["due_on"],
        )
    audit(actor=actor, action="committee.hold", obj=committee, summary=f"{committee} tenu")
    return committee


@transaction.atomic
def committee_action_done(
    *, actor: User | None, action: CommitteeAction, done_on: datetime.date
) -> CommitteeAction:
    action = CommitteeAction.objects.select_for_update().get(pk=action.pk)
    policy.require(actor, "committee", "change", action.committee)
    if action.done_on is None:
        action.done_on = done_on
        action.save(update_fields=["done_on"])
        audit(
            actor=actor,
            action="committee.action_done",
            obj=action,
            summary=f"Action réalisée : {action.description[:100]}",
        )
    return action
