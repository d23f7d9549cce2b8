"""Reads of partners, generations, contracts, assises, committees and engineering requests,
scoped by the user through the access policy: a partner user sees only its own organisation's
records; a `*_get` answers « introuvable » (404) whether the object does not exist or belongs
to someone else."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, Model, Prefetch, QuerySet

from pacte.core import fragments, policy
from pacte.core.ids import get_or_404, valid_id

from .models import (
    CommitteeAction,
    Contract,
    ContractEvent,
    EngineeringRequest,
    EngineeringRequestEvent,
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

_M = TypeVar("_M", bound=Model)

# --- Partners ------------------------------------------------------------------------------


def partner_list(
    *, user: policy.Viewer, kind: str = "", territory_id: int | None = None, query: str = ""
) -> QuerySet[Partner]:
    qs = policy.scope(
        user, "partner", Partner.objects.select_related("epci", "commune", "territory")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if territory_id:
        qs = qs.filter(territory_id=territory_id)
    if query:
        qs = qs.filter(name__icontains=query.strip())
    return qs.order_by("name")


def partner_get(*, user: policy.Viewer, pk: int) -> Partner:
    # The same answer whether it does not exist or belongs to someone else.
    return get_or_404(partner_list(user=user), pk, "Partenaire introuvable.")


# --- Generations ---------------------------------------------------------------------------


def generation_list(*, user: policy.Viewer) -> QuerySet[Generation]:
    return policy.scope(
        user,
        "generation",
        Generation.objects.prefetch_related("pacts", "orientations").select_related("previous"),
    )


def generation_get(*, user: policy.Viewer, pk: int) -> Generation:
    return get_or_404(generation_list(user=user), pk, "Génération introuvable.")


def generation_current(*, user: policy.Viewer) -> Generation | None:
    return generation_list(user=user).filter(is_history=False).order_by("-period_start").first()


def pacts_by_ids(
    *, user: policy.Viewer, generation: Generation, ids: Iterable[object]
) -> list[Pact] | None:
    """The pacts `ids` of `generation`, or None when one of them is not one of its pacts."""
    return _by_ids(user, Pact.objects.filter(generation=generation), ids)


def orientations_by_ids(
    *, user: policy.Viewer, generation: Generation, ids: Iterable[object]
) -> list[Orientation] | None:
    """The orientations `ids` of `generation`, or None when one of them is not one of its."""
    return _by_ids(user, Orientation.objects.filter(generation=generation), ids)


def _by_ids(user: policy.Viewer, qs: QuerySet[_M], ids: Iterable[object]) -> list[_M] | None:
    wanted = set(ids)
    valid = {pk for pk in (valid_id(i) for i in wanted) if pk is not None}
    if len(valid) != len(wanted):
        return None
    found = list(policy.scope(user, "generation", qs).filter(pk__in=valid).order_by("pk"))
    return found if len(found) == len(valid) else None


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


def contract_list(
    *,
    user: policy.Viewer,
    generation_id: int | None = None,
    territory_id: int | None = None,
    kind: str = "",
    state: str = "",
    query: str = "",
    sort: str = "partenaire",
) -> QuerySet[Contract]:
    qs = policy.scope(
        user,
        "contract",
        Contract.objects.select_related("partner__territory", "generation").annotate(
            stake_total=Count("stakes", distinct=True)
        ),
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


def contract_get(*, user: policy.Viewer, pk: int) -> Contract:
    qs = policy.scope(
        user,
        "contract",
        Contract.objects.select_related("partner__territory", "partner__epci", "generation"),
    ).prefetch_related(
        Prefetch(
            "stakes",
            queryset=PriorityStake.objects.prefetch_related("pacts", "orientations"),
        ),
        Prefetch("events", queryset=ContractEvent.objects.select_related("actor")),
        "amendments",
    )
    return get_or_404(qs, pk, "Contrat introuvable.")


ZERO = Decimal("0.00")


def progress_pack(*, contract: Contract, on: datetime.date) -> dict[str, Any]:
    """The steering committee's progress pack, built from the data at date `on`, as JSON-ready
    values (it is kept with the committee as it was presented).

    The operations and their reciprocal commitments come from the operations app, the amounts
    voted and paid from the finance app (`progress_pack` slot of core.fragments); the structure
    is fixed so that every committee's pack reads the same way. `contract` is one the caller
    may already read (from `contract_get`, or the service writing its committee)."""
    previous_actions = CommitteeAction.objects.filter(
        committee__contract=contract, committee__held_on__lt=on, done_on__isnull=True
    ).select_related("committee")
    parts = fragments.collect("progress_pack", contract=contract, on=on)
    known = parts.get("operations") or {"operations": [], "commitments": None}
    money = parts.get("money") or {}
    nothing = {"voted": ZERO, "paid": ZERO}
    operations = [
        {
            "reference": o["reference"],
            "title": o["title"],
            "state": o["state"],
            "voted_amount": str(money.get(o["pk"], nothing)["voted"]),
            "paid_amount": str(money.get(o["pk"], nothing)["paid"]),
        }
        for o in known["operations"]
    ]
    return {
        "date": on.isoformat(),
        "contract_state": contract.get_state_display(),
        "stakes": [s.title for s in contract.stakes.all()],
        "operations": operations,
        "totals": {
            "voted_amount": str(sum((Decimal(o["voted_amount"]) for o in operations), ZERO)),
            "paid_amount": str(sum((Decimal(o["paid_amount"]) for o in operations), ZERO)),
        },
        "commitments": known["commitments"] or {"total": 0, "met": 0, "items": []},
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


# --- Steering committees -------------------------------------------------------------------


def committee_list(
    *, user: policy.Viewer, contract: Contract | None = None, partner: Partner | None = None
) -> QuerySet[SteeringCommittee]:
    qs = policy.scope(
        user,
        "committee",
        SteeringCommittee.objects.select_related("contract__partner", "contract__generation"),
    ).prefetch_related("actions")
    if contract is not None:
        qs = qs.filter(contract=contract)
    if partner is not None:
        qs = qs.filter(contract__partner=partner)
    return qs.order_by("-held_on")


def committee_get(*, user: policy.Viewer, pk: int) -> SteeringCommittee:
    return get_or_404(committee_list(user=user), pk, "Comité de pilotage introuvable.")


def committee_action_get(*, user: policy.Viewer, committee_pk: int, pk: int) -> CommitteeAction:
    """An action of the committee `committee_pk`, and of that committee only (404 otherwise)."""
    committee = committee_get(user=user, pk=committee_pk)
    qs = CommitteeAction.objects.filter(committee=committee).select_related("committee__contract")
    return get_or_404(qs, pk, "Action introuvable.")


def open_actions_before(*, committee: SteeringCommittee) -> QuerySet[CommitteeAction]:
    """Actions still open from the contract's earlier committees (`committee` comes from
    `committee_get`: these are actions of the same contract)."""
    return CommitteeAction.objects.filter(
        committee__contract_id=committee.contract_id,
        committee__held_on__lt=committee.held_on,
        done_on__isnull=True,
    ).select_related("committee")


# --- Assises territoriales -----------------------------------------------------------------


def forum_list(
    *, user: policy.Viewer, generation_id: int | None = None
) -> QuerySet[TerritorialForum]:
    qs = policy.scope(
        user,
        "forum",
        TerritorialForum.objects.select_related("territory", "generation").annotate(
            invited_total=Count("invitations", distinct=True),
            stake_total=Count("raised_stakes", distinct=True),
        ),
    )
    if generation_id:
        qs = qs.filter(generation_id=generation_id)
    return qs


def forum_get(*, user: policy.Viewer, pk: int) -> TerritorialForum:
    qs = forum_list(user=user).prefetch_related(
        Prefetch("invitations", queryset=ForumInvitation.objects.select_related("partner")),
        Prefetch(
            "raised_stakes",
            queryset=RaisedStake.objects.select_related(
                "partner", "stake__contract"
            ).prefetch_related("pacts", "orientations"),
        ),
    )
    return get_or_404(qs, pk, "Assise introuvable.")


# --- Engineering ---------------------------------------------------------------------------


def engineering_request_list(
    *,
    user: policy.Viewer,
    partner: Partner | None = None,
    contract: Contract | None = None,
    state: str = "",
) -> QuerySet[EngineeringRequest]:
    qs = policy.scope(
        user,
        "engineering",
        EngineeringRequest.objects.select_related("partner", "contract", "created_by"),
    )
    if partner is not None:
        qs = qs.filter(partner=partner)
    if contract is not None:
        qs = qs.filter(contract=contract)
    if state:
        qs = qs.filter(state=state)
    return qs


def engineering_request_get(*, user: policy.Viewer, pk: int) -> EngineeringRequest:
    qs = engineering_request_list(user=user).prefetch_related(
        Prefetch("events", queryset=EngineeringRequestEvent.objects.select_related("actor"))
    )
    return get_or_404(qs, pk, "Demande d'ingénierie introuvable.")
