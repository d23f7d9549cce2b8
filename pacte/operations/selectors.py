"""Reads of operations, scoped by the user: a partner sees only its organisation's."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404

from pacte.contracts.models import Contract, PriorityStake
from pacte.core.roles import Role

from .models import (
    Attachment,
    Message,
    Operation,
    OperationEvent,
    ReciprocalCommitment,
)

REFERENCE = re.compile(r"OP-[\w-]+", re.IGNORECASE)

OPERATION_SORTS = {
    "recent": "-created_at",
    "ancien": "created_at",
    "titre": "title",
    "-titre": "-title",
    "montant": "fund_amount",
    "-montant": "-fund_amount",
    "partenaire": "contract__partner__name",
    "-partenaire": "-contract__partner__name",
    "etat": "state",
    "-etat": "-state",
}


def _scope(qs, user, partner_path: str):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Connectez-vous pour consulter les opérations.")
    if user.role == Role.PARTNER:
        return qs.filter(**{partner_path: user.partner_id})
    if not user.is_internal:
        return qs.none()
    return qs


def _decimal_or_none(raw):
    try:
        return (
            Decimal(str(raw).replace(" ", "").replace(",", ".")) if raw not in (None, "") else None
        )
    except InvalidOperation:
        return None


def operation_list(
    *,
    user,
    generation_id=None,
    territory_id=None,
    partner_id=None,
    state: str = "",
    stake_id=None,
    pact_id=None,
    min_amount=None,
    max_amount=None,
    query: str = "",
    assigned_to_id=None,
    sort: str = "recent",
):
    qs = _scope(Operation.objects.all(), user, "contract__partner_id")
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
    if REFERENCE.fullmatch(query):
        qs = qs.filter(reference=query.upper())  # references are upper case: the index serves
    elif query:
        qs = qs.filter(
            Q(reference__iexact=query)
            | Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(contract__partner__name__icontains=query)
        )
    qs = qs.annotate(fund_amount=F("requested_fund_amount"))
    low, high = _decimal_or_none(min_amount), _decimal_or_none(max_amount)
    if low is not None:
        qs = qs.filter(fund_amount__gte=low)
    if high is not None:
        qs = qs.filter(fund_amount__lte=high)
    return qs.select_related(
        "contract__partner__territory", "contract__generation", "assigned_to"
    ).order_by(OPERATION_SORTS.get(sort, "-created_at"), "-id")


def state_counts(queryset) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state, from one grouped query."""
    counts = dict(
        queryset.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in Operation.State.choices]


def operation_get(*, user, pk: int) -> Operation:
    qs = (
        _scope(Operation.objects.all(), user, "contract__partner_id")
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
        return qs.get(pk=pk)
    except Operation.DoesNotExist as exc:
        raise Http404("Opération introuvable.") from exc


def attachment_get(*, user, operation_pk: int, pk: int) -> Attachment:
    operation = operation_get(user=user, pk=operation_pk)
    attachment = next((a for a in operation.attachments.all() if a.pk == pk), None)
    if attachment is None:
        raise Http404("Pièce introuvable.")
    return attachment


def commitment_list(*, user, contract=None):
    qs = _scope(
        ReciprocalCommitment.objects.select_related("contract__partner", "operation"),
        user,
        "contract__partner_id",
    ).prefetch_related("evidence")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def commitment_get(*, user, pk: int) -> ReciprocalCommitment:
    try:
        return commitment_list(user=user).get(pk=pk)
    except ReciprocalCommitment.DoesNotExist as exc:
        raise Http404("Engagement introuvable.") from exc


def timeline(operation: Operation) -> list[dict]:
    """States, messages and documents of an operation, in the order they happened."""
    items = [
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


def paginate(operations, per_page: int, number):
    """A page of `operations`: the page's ids first, from a lean query that can walk the
    ordering index, then those rows with their relations (two queries whatever the size)."""
    page = Paginator(operations.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {o.pk: o for o in operations.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
