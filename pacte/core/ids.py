"""Database ids as users send them. Ids are 64-bit: a larger number, a negative one or a word
designates nothing, and is answered as any unknown id (404), never with a server error."""

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

_M = TypeVar("_M", bound=Model)

MAX_ID = 2**63 - 1


def valid_id(raw: object) -> int | None:
    """`raw` as a database id, or None when it cannot be one (not a number, out of range)."""
    try:
        value = int(raw)  # type: ignore[call-overload]  # whatever a user sent: tried
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_ID else None


def get_or_404(qs: QuerySet[_M], pk: object, message: str) -> _M:
    """The object `pk` of the (already scoped) `qs`, or 404 whatever the reason."""
    valid = valid_id(pk)
    if valid is None:
        raise Http404(message)
    try:
        return qs.get(pk=valid)
    except ObjectDoesNotExist as exc:  # the model's DoesNotExist
        raise Http404(message) from exc
