"""Database ids as users send them. Ids are 64-bit: a larger number, a negative one or a word
designates nothing, and is answered as any unknown id (404), never with a server error."""

from django.db.models import QuerySet
from django.http import Http404

MAX_ID = 2**63 - 1


def valid_id(raw) -> int | None:
    """`raw` as a database id, or None when it cannot be one (not a number, out of range)."""
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_ID else None


def get_or_404(qs: QuerySet, pk, message: str):
    """The object `pk` of the (already scoped) `qs`, or 404 whatever the reason."""
    pk = valid_id(pk)
    if pk is None:
        raise Http404(message)
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist as exc:
        raise Http404(message) from exc
