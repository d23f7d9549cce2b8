"""Reads of operations, financing plans, attachments and commitments, scoped by the user through
the access policy: a partner sees only its organisation's, a partner's draft is seen only by
that partner (and its author) until it is submitted."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, NotRequired, TypedDict, cast

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404

from pacte.contracts.models import Contract, Pact, Partner, PriorityStake
from pacte.core import policy
from pacte.core.dates import local_datetime
from pacte.core.ids import valid_id
from pacte.core.models import User
from pacte.core.money import fits
from pacte.territory.models import Commune, Territory
from pacte.territory.querysets import CommuneQuerySet

from . import search
from .models import (
    Annotation,
    Attachment,
    Message,
    Operation,
    OperationEvent,
    OpinionEvent,
    OpinionRequest,
    ReciprocalCommitment,
)
from .querysets import OperationQuerySet
from .workflows import ANSWER_OPINION

REFERENCE = re.compile(r"OP-[\w-]+", re.IGNORECASE)

# Each order in full, its ties broken in the same direction, so that an index on the same
# columns serves it read forwards or backwards (Operation.Meta.indexes) and a page of a hundred
# thousand operations reads only its own rows.
OPERATION_SORTS = {
    "recent": ("-created_at", "-id"),
    "ancien": ("created_at", "id"),
    "titre": ("title", "created_at", "id"),
    "-titre": ("-title", "-created_at", "-id"),
    "montant": ("fund_amount", "created_at", "id"),
    "-montant": ("-fund_amount", "-created_at", "-id"),
    "partenaire": ("contract__partner__name", "-created_at", "-id"),
    "-partenaire": ("-contract__partner__name", "-created_at", "-id"),
    "etat": ("state", "-created_at", "-id"),
    "-etat": ("-state", "created_at", "id"),
}


def _decimal_or_none(raw: object) -> Decimal | None:
    """An amount typed in a filter (« 1 500,50 »), or None when it is none (NaN, infinite, or
    beyond what a money field holds): the filter is then ignored."""
    if raw in (None, ""):
        return None
    try:
        value = Decimal("".join(str(raw).split()).replace(",", "."))  # spaces, no-break too
    except InvalidOperation:
        return None
    return value if fits(value) else None


def operation_list(
    *,
    user: policy.Viewer,
    generation_id: int | None = None,
    territory_id: int | None = None,
    partner_id: int | None = None,
    state: str = "",
    stake_id: int | None = None,
    pact_id: int | None = None,
    min_amount: object = None,
    max_amount: object = None,
    query: str = "",
    assigned_to_id: int | None = None,
    sort: str = "",
    action: str = "read",
) -> OperationQuerySet:
    """The operations `user` may read (`action="export"` for an export), filtered."""
    qs = policy.scope(user, "operation", Operation.objects.all(), action)
    if generation_id:
        # A subquery rather than a join: SQLite then walks the "recent first" index.
        qs = qs.filter(
            contract_id__in=Contract.objects.filter(generation_id=generation_id).values("id")
        )
    if territory_id:
        qs = qs.filter(contract__partner__territory_id=territory_id)
    if partner_id:
        qs = qs.filter(contract__partner_id=partner_id)
    if state:
        qs = qs.filter(state=state)
    if assigned_to_id:
        qs = qs.filter(assigned_to_id=assigned_to_id)
    if stake_id:
        qs = qs.filter(stakes__id=stake_id)
    if pact_id:
        qs = qs.filter(stakes__pacts__id=pact_id)
    if stake_id or pact_id:
        qs = qs.distinct()
    query = (query or "").strip()
    searched = False
    if REFERENCE.fullmatch(query) and qs.filter(reference=query.upper()).exists():
        qs = qs.filter(reference=query.upper())  # references are upper case: the index serves
    elif query:
        qs, searched = search.matching(qs, query), True
    funded = qs.annotate(fund_amount=F("requested_fund_amount"))
    low, high = _decimal_or_none(min_amount), _decimal_or_none(max_amount)
    if low is not None:
        funded = funded.filter(fund_amount__gte=low)
    if high is not None:
        funded = funded.filter(fund_amount__lte=high)
    # A search is ranked by relevance unless another order is asked for.
    if searched and sort in {"", "pertinence"}:
        order: tuple[str, ...] = ("-relevance", "-created_at", "-id")
    else:
        order = OPERATION_SORTS.get(sort, OPERATION_SORTS["recent"])
    return funded.select_related(
        "contract__partner__territory", "contract__generation", "assigned_to"
    ).order_by(*order)


def state_counts(queryset: QuerySet[Operation]) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state, from one grouped query."""
    # Grouped by an expression of the state (the same values: states are lower case), not the
    # column: SQLite then counts from the narrow `operation_scope` index that its filters
    # select, instead of walking the whole table in the order of the state's index.
    counts = dict(
        queryset.order_by()
        .annotate(grouped_state=Lower("state"))
        .values_list("grouped_state")
        .annotate(n=Count("id"))
        .values_list("grouped_state", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in Operation.State.choices]


def operation_get(*, user: policy.Viewer, pk: int) -> Operation:
    """The operation with its plan, attachments, messages, history and commitments; 404 when
    `user` may not see it, whatever the reason (another partner's, a draft, unknown)."""
    valid = valid_id(pk)
    if valid is None:
        raise Http404("Opération introuvable.")
    qs = (
        policy.scope(user, "operation", Operation.objects.all())
        .select_related(
            "contract__partner__territory",
            "contract__partner__epci",
            "contract__generation",
            "assigned_to",
            "created_by",
        )
        .prefetch_related(
            "expenses",
            "resources",
            Prefetch("stakes", queryset=PriorityStake.objects.prefetch_related("pacts")),
            "communes",
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
            Prefetch("messages", queryset=Message.objects.select_related("author")),
            Prefetch("events", queryset=OperationEvent.objects.select_related("actor")),
            Prefetch(
                "commitments", queryset=ReciprocalCommitment.objects.prefetch_related("evidence")
            ),
        )
    )
    try:
        return qs.get(pk=valid)
    except Operation.DoesNotExist as exc:
        raise Http404("Opération introuvable.") from exc


def attachment_get(*, user: policy.Viewer, operation_pk: int, pk: int) -> Attachment:
    """An attachment of the operation `operation_pk`; 404 for one of another operation."""
    valid_operation_pk, valid_pk = valid_id(operation_pk), valid_id(pk)
    if valid_operation_pk is None or valid_pk is None:
        raise Http404("Pièce introuvable.")
    qs = policy.scope(user, "attachment", Attachment.objects.select_related("operation"))
    try:
        return qs.get(operation_id=valid_operation_pk, pk=valid_pk)
    except Attachment.DoesNotExist as exc:
        raise Http404("Pièce introuvable.") from exc


def attachment_list(*, user: policy.Viewer, operation: Operation | None) -> QuerySet[Attachment]:
    """The attachments of `operation` that `user` may read (none without an operation)."""
    qs = policy.scope(user, "attachment", Attachment.objects.all())
    if operation is None:
        return qs.none()
    return qs.filter(operation=operation).order_by("kind", "-version")


def reciprocal_commitment_list(
    *, user: policy.Viewer, contract: Contract | None = None
) -> QuerySet[ReciprocalCommitment]:
    qs = policy.scope(
        user,
        "reciprocal_commitment",
        ReciprocalCommitment.objects.select_related("contract__partner", "operation"),
    ).prefetch_related("evidence")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def reciprocal_commitment_get(*, user: policy.Viewer, pk: int) -> ReciprocalCommitment:
    valid = valid_id(pk)
    if valid is None:
        raise Http404("Engagement introuvable.")
    try:
        return reciprocal_commitment_list(user=user).get(pk=valid)
    except ReciprocalCommitment.DoesNotExist as exc:
        raise Http404("Engagement introuvable.") from exc


def assignable_agents(*, user: policy.Viewer) -> QuerySet[User]:
    """The active users an operation can be given to: those whose role instructs. Only an
    instructor, who distributes the work, gets the list."""
    if not policy.allows(user, "operation", "assign"):
        return User.objects.none()
    return User.objects.filter(role__in=policy.INSTRUCT.roles, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def partner_choices(*, user: policy.Viewer) -> QuerySet[Partner]:
    """The partners with a contract, for the list's filter: every one for the Département's
    readers, none for a partner (it sees only its own operations anyway)."""
    if not policy.allows(user, "referential", "read"):
        return Partner.objects.none()
    return policy.scope(user, "partner", Partner.objects.filter(contracts__isnull=False)).distinct()


def commune_choices(*, contract: Contract) -> CommuneQuerySet:
    """The communes an operation of `contract` may be located in: those of the partner's
    intercommunalité, or of its département for a partner that is not one."""
    partner = contract.partner
    if partner.epci_id:
        return Commune.objects.filter(epci_id=partner.epci_id)
    if partner.commune is not None:
        return Commune.objects.filter(department_id=partner.commune.department_id)
    return Commune.objects.all()


def pact_choices(*, user: policy.Viewer, generation_id: int | None = None) -> QuerySet[Pact]:
    """The pacts of a generation, for the list's filter."""
    qs = policy.scope(user, "generation", Pact.objects.all())
    return qs.filter(generation_id=generation_id) if generation_id else qs.none()


class TimelineItem(TypedDict):
    """One line of an operation's history (see `timeline`)."""

    at: datetime.datetime
    kind: str
    who: User | None
    text: str
    detail: str
    attachment: NotRequired[Attachment]


def timeline(operation: Operation) -> list[TimelineItem]:
    """States, messages and documents of an operation, in the order they happened."""
    items: list[TimelineItem] = [
        {
            "at": e.at,
            "kind": "étape",
            "who": e.actor,
            "text": f"{e.from_label} → {e.to_label}",
            "detail": e.reason,
        }
        for e in operation.events.all()
    ]
    items += [
        {
            "at": m.created_at,
            "kind": "demande de compléments" if m.is_information_request else "message",
            "who": m.author,
            "text": m.body,
            "detail": "",
        }
        for m in operation.messages.all()
    ]
    items += [
        {
            "at": a.uploaded_at,
            "kind": "pièce",
            "who": a.uploaded_by,
            "text": f"{a.get_kind_display()} v{a.version} : {a.original_name}",
            "detail": f"SHA-256 {a.sha256}",
            "attachment": a,
        }
        for a in operation.attachments.all()
    ]
    items.append(
        {
            "at": operation.created_at,
            "kind": "création",
            "who": operation.created_by,
            "text": "Opération créée",
            "detail": "",
        }
    )
    return sorted(items, key=lambda item: item["at"])


class _CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told how many objects there are (the page's counts already say it)."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def paginate(
    operations: QuerySet[Operation],
    per_page: int,
    number: int | str | None,
    *,
    count: int | None = None,
) -> Page[Operation]:
    """A page of `operations`: the page's ids first, from a lean query that can walk the
    ordering index, then those rows with their relations (two queries whatever the size; one
    more to count them, unless `count` is given)."""
    all_ids = operations.values_list("pk", flat=True)
    paginator = (
        Paginator(all_ids, per_page)
        if count is None
        else _CountedPaginator(all_ids, per_page, count)
    )
    ids_page = paginator.get_page(number)
    ids = list(ids_page.object_list)
    rows = {o.pk: o for o in operations.order_by().filter(pk__in=ids)}
    page = cast("Page[Operation]", ids_page)  # the same page, its ids replaced by their rows
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


# --- Instruction tools: annotations and opinions (the Département's services only) ----------


class InstructionTools(TypedDict):
    """What the services see of an operation's instruction (see `instruction_tools`)."""

    annotations: list[Annotation]
    opinions: list[OpinionRequest]


def instruction_tools(*, user: policy.Viewer, operation: Operation) -> InstructionTools | None:
    """The private annotations and the opinions asked on `operation`, for the Département's
    services (two queries, whatever their number); None for anyone else — a partner, an elected
    member — whose page then shows nothing of them."""
    if not policy.allows(user, "annotation", "read") or not policy.allows(user, "opinion", "read"):
        return None
    annotations = policy.scope(
        user, "annotation", Annotation.objects.filter(operation=operation)
    ).select_related("author")
    opinions = (
        policy.scope(user, "opinion", OpinionRequest.objects.filter(operation=operation))
        .select_related("requested_by", "addressee", "house")
        .order_by("-requested_at", "-id")
    )
    return {"annotations": list(annotations), "opinions": list(opinions)}


def annotation_get(*, user: policy.Viewer, operation_pk: int, pk: int) -> Annotation:
    """An annotation of the operation `operation_pk`; 404 for one of another operation."""
    valid_operation_pk, valid_pk = valid_id(operation_pk), valid_id(pk)
    if valid_operation_pk is None or valid_pk is None:
        raise Http404("Annotation introuvable.")
    qs = policy.scope(user, "annotation", Annotation.objects.select_related("operation"))
    try:
        return qs.get(operation_id=valid_operation_pk, pk=valid_pk)
    except Annotation.DoesNotExist as exc:
        raise Http404("Annotation introuvable.") from exc


def _opinions(user: policy.Viewer) -> QuerySet[OpinionRequest]:
    """The opinions `user` may read, with what their lists show; none for a user who may not
    read any (a partner, an elected member)."""
    if not policy.allows(user, "opinion", "read"):
        return OpinionRequest.objects.none()
    return policy.scope(user, "opinion", OpinionRequest.objects.all()).select_related(
        "operation", "requested_by", "addressee", "house"
    )


def opinion_get(*, user: policy.Viewer, pk: int) -> OpinionRequest:
    valid = valid_id(pk)
    if valid is None:
        raise Http404("Demande d'avis introuvable.")
    try:
        return (
            policy.scope(user, "opinion", OpinionRequest.objects.all())
            .select_related("operation__contract__partner", "requested_by", "addressee", "house")
            .prefetch_related(
                Prefetch("events", queryset=OpinionEvent.objects.select_related("actor"))
            )
            .get(pk=valid)
        )
    except OpinionRequest.DoesNotExist as exc:
        raise Http404("Demande d'avis introuvable.") from exc


def opinions_pending_for(user: policy.Viewer) -> QuerySet[OpinionRequest]:
    """The opinions asked of `user` and not given yet, the most urgent first (his « à
    traiter »: `.count()` is one query)."""
    if not isinstance(user, User):
        return OpinionRequest.objects.none()
    return (
        _opinions(user)
        .filter(addressee=user, state=OpinionRequest.State.REQUESTED)
        # An operation closed since the request (withdrawn, rejected…) awaits it no more.
        .exclude(operation__state__in=Operation.CLOSED_STATES)
        .order_by("due_on", "id")
    )


def opinions_answered_unread_for(user: policy.Viewer) -> QuerySet[OpinionRequest]:
    """The opinions `user` asked for that were given and that he has not read yet (opening the
    opinion's page marks it read), the latest first (`.count()` is one query)."""
    if not isinstance(user, User):
        return OpinionRequest.objects.none()
    return (
        _opinions(user)
        .filter(
            requested_by=user,
            state=OpinionRequest.State.ANSWERED,
            answer_seen_at__isnull=True,
        )
        .order_by("-answered_at", "-id")
    )


def opinions_requested_by(user: policy.Viewer) -> QuerySet[OpinionRequest]:
    """The opinions `user` asked for, those still awaited first, then the latest."""
    if not isinstance(user, User):
        return OpinionRequest.objects.none()
    return _opinions(user).filter(requested_by=user).order_by("-requested_at", "-id")


def opinions_given_by(user: policy.Viewer) -> QuerySet[OpinionRequest]:
    """The opinions `user` gave, the latest first."""
    if not isinstance(user, User):
        return OpinionRequest.objects.none()
    return (
        _opinions(user)
        .filter(addressee=user, state=OpinionRequest.State.ANSWERED)
        .order_by("-answered_at", "-id")
    )


def opinion_addressees(*, user: policy.Viewer) -> QuerySet[User]:
    """Whom an opinion may be asked of: the active users of the Département's services other
    than `user` (none for a user who may not ask)."""
    if not isinstance(user, User) or not policy.allows(user, "opinion", "create"):
        return User.objects.none()
    roles = policy.roles_for("opinion", ANSWER_OPINION)
    return (
        User.objects.filter(role__in=roles, is_active=True, partner__isnull=True)
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name", "pk")
    )


def opinion_houses() -> QuerySet[Territory]:
    """The territories with a Maison du Département, by name."""
    return Territory.objects.exclude(house_name="").order_by("house_name", "pk")


def contract_progress(*, contract: Contract, on: datetime.date) -> dict[str, object]:
    """What a steering committee reviews of `contract`'s operations at date `on`: each operation
    deposited by then, in the state its history gives it that day (the last step dated on or
    before it; its present state when its history starts later, as for an operation taken from
    the history of a past generation), and the reciprocal commitments made with them. The
    system's reading: the committee's pack is a record of the contract."""
    end = local_datetime(on + datetime.timedelta(days=1))
    state_then = (
        OperationEvent.objects.filter(operation=OuterRef("pk"), at__lt=end)
        .order_by("-at", "-pk")
        .values("to_state")[:1]
    )
    operations = (
        Operation.objects.filter(contract=contract)
        .exclude(state=Operation.State.DRAFT)
        .filter(Q(submitted_at__lt=end) | Q(submitted_at__isnull=True))
        .annotate(state_then=Coalesce(Subquery(state_then), F("state")))
        .order_by("reference")
    )
    commitments = list(
        ReciprocalCommitment.objects.filter(contract=contract)
        .order_by("pk")
        .only("description", "state")
    )
    return {
        "operations": [
            {
                "pk": pk,
                "reference": reference,
                "title": title,
                "state": Operation.State(state_then).label,
            }
            for pk, reference, title, state_then in operations.values_list(
                "pk", "reference", "title", "state_then"
            )
        ],
        "commitments": {
            "total": len(commitments),
            "met": sum(c.is_met for c in commitments),
            "items": [
                {"description": c.description, "state": c.get_state_display()} for c in commitments
            ],
        },
    }
