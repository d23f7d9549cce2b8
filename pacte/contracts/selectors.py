"""Reads of partners, scoped by the user: a partner user sees only its own organisation."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from pacte.core.roles import Role

from .models import (
    CommitteeAction,
    Contract,
    ContractEvent,
    EngineeringRequest,
    EngineeringRequestEvent,
    ForumInvitation,
    Generation,
    Partner,
    PriorityStake,
    RaisedStake,
    SteeringCommittee,
    TerritorialForum,
)


def partner_list(*, user, kind: str = "", territory_id: int | None = None, query: str = ""):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Connectez-vous pour consulter les partenaires.")
    qs: QuerySet[Partner] = Partner.objects.select_related("epci", "commune", "territory")
    if user.role == Role.PARTNER:
        qs = qs.filter(pk=user.partner_id)
    elif not user.is_internal:
        return qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if territory_id:
        qs = qs.filter(territory_id=territory_id)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by("name")


def partner_get(*, user, pk: int) -> Partner:
    try:
        return partner_list(user=user).get(pk=pk)
    except Partner.DoesNotExist as exc:
        # The same answer whether it does not exist or belongs to someone else.
        raise Http404("Partenaire introuvable.") from exc


# --- Contracts -----------------------------------------------------------------------------

CONTRACT_SORTS = {
    "partenaire": "partner__name",
    "-partenaire": "-partner__name",
    "etat": "state",
    "-etat": "-state",
    "territoire": "partner__territory__name",
    "-territoire": "-partner__territory__name",
    "vote": "vote_date",
    "-vote": "-vote_date",
}


def _scope_to_user(qs, user, partner_path: str):
    """Internal roles see everything; a partner user only what belongs to its organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Connectez-vous pour consulter les contrats.")
    if user.role == Role.PARTNER:
        return qs.filter(**{partner_path: user.partner_id})
    if not user.is_internal:
        return qs.none()
    return qs


def generation_list(*, user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Connectez-vous pour consulter les générations.")
    return Generation.objects.prefetch_related("pacts", "orientations").select_related("previous")


def generation_current(*, user) -> Generation | None:
    return generation_list(user=user).filter(is_history=False).order_by("-period_start").first()


def contract_list(
    *,
    user,
    generation_id=None,
    territory_id=None,
    kind: str = "",
    state: str = "",
    query: str = "",
    sort: str = "partenaire",
):
    qs = _scope_to_user(
        Contract.objects.select_related("partner__territory", "generation").annotate(
            stake_total=Count("stakes", distinct=True)
        ),
        user,
        "partner_id",
    )
    if generation_id:
        qs = qs.filter(generation_id=generation_id)
    if territory_id:
        qs = qs.filter(partner__territory_id=territory_id)
    if kind:
        qs = qs.filter(partner__kind=kind)
    if state:
        qs = qs.filter(state=state)
    if query:
        qs = qs.filter(partner__name__icontains=query.strip())
    return qs.order_by(CONTRACT_SORTS.get(sort, "partner__name"), "partner__name", "id")


def contract_get(*, user, pk: int) -> Contract:
    qs = _scope_to_user(
        Contract.objects.select_related("partner__territory", "partner__epci", "generation"),
        user,
        "partner_id",
    ).prefetch_related(
        Prefetch(
            "stakes",
            queryset=PriorityStake.objects.prefetch_related("pacts", "orientations"),
        ),
        Prefetch("events", queryset=ContractEvent.objects.select_related("actor")),
        "amendments",
    )
    try:
        return qs.get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise Http404("Contrat introuvable.") from exc


def progress_pack(*, contract: Contract, on) -> dict:
    """The steering committee's progress pack, built from the data at date `on`.

    Operations, amounts and commitments come from their own domains as those are added;
    the structure is fixed so that every committee's pack reads the same way."""
    previous_actions = CommitteeAction.objects.filter(
        committee__contract=contract, committee__held_on__lt=on, done_on__isnull=True
    ).select_related("committee")
    return {
        "date": on.isoformat(),
        "contract_state": contract.get_state_display(),
        "stakes": [s.title for s in contract.stakes.all()],
        "operations": [],
        "totals": {"voted_amount": "0.00", "paid_amount": "0.00"},
        "commitments": {"total": 0, "met": 0, "items": []},
        "open_actions": [
            {
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on.isoformat(),
                "committee_year": a.committee.year,
            }
            for a in previous_actions
        ],
    }


def committee_list(*, user, contract: Contract | None = None):
    qs = _scope_to_user(
        SteeringCommittee.objects.select_related("contract__partner", "contract__generation"),
        user,
        "contract__partner_id",
    ).prefetch_related("actions")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs.order_by("-held_on")


def committee_get(*, user, pk: int) -> SteeringCommittee:
    try:
        return committee_list(user=user).get(pk=pk)
    except SteeringCommittee.DoesNotExist as exc:
        raise Http404("Comité de pilotage introuvable.") from exc


def open_actions_before(*, committee: SteeringCommittee):
    """Actions still open from the contract's earlier committees."""
    return CommitteeAction.objects.filter(
        committee__contract_id=committee.contract_id,
        committee__held_on__lt=committee.held_on,
        done_on__isnull=True,
    ).select_related("committee")


def forum_list(*, user, generation_id=None):
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        raise PermissionDenied("Les assises territoriales sont suivies par les services.")
    qs = TerritorialForum.objects.select_related("territory", "generation").annotate(
        invited_total=Count("invitations", distinct=True),
        stake_total=Count("raised_stakes", distinct=True),
    )
    if generation_id:
        qs = qs.filter(generation_id=generation_id)
    return qs


def forum_get(*, user, pk: int) -> TerritorialForum:
    qs = forum_list(user=user).prefetch_related(
        Prefetch("invitations", queryset=ForumInvitation.objects.select_related("partner")),
        Prefetch(
            "raised_stakes",
            queryset=RaisedStake.objects.select_related(
                "partner", "stake__contract"
            ).prefetch_related("pacts", "orientations"),
        ),
    )
    try:
        return qs.get(pk=pk)
    except TerritorialForum.DoesNotExist as exc:
        raise Http404("Assise introuvable.") from exc


def engineering_request_list(*, user, partner: Partner | None = None, state: str = ""):
    qs = _scope_to_user(
        EngineeringRequest.objects.select_related("partner", "contract", "created_by"),
        user,
        "partner_id",
    )
    if partner is not None:
        qs = qs.filter(partner=partner)
    if state:
        qs = qs.filter(state=state)
    return qs


def engineering_request_get(*, user, pk: int) -> EngineeringRequest:
    try:
        return (
            engineering_request_list(user=user)
            .prefetch_related(
                Prefetch(
                    "events",
                    queryset=EngineeringRequestEvent.objects.select_related("actor"),
                )
            )
            .get(pk=pk)
        )
    except EngineeringRequest.DoesNotExist as exc:
        raise Http404("Demande d'ingénierie introuvable.") from exc
