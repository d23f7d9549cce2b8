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


def reserve(model: type[Model], count: int) -> list[int]:
    """`count` new ids for rows of `model` about to be inserted, so that what depends on the
    id (a reference) is written with the row instead of by an UPDATE after it. Call inside the
    write transaction: on PostgreSQL the ids come from the table's sequence; on SQLite the
    transaction holds the database's write lock from its start (`transaction_mode` IMMEDIATE),
    so the ids after the highest ever given are free until it commits."""
    from django.db import connection

    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("Ids are reserved inside the transaction that inserts the rows.")
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted_table = connection.ops.quote_name(table)
        quoted_column = connection.ops.quote_name(column)
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quoted_column}) FROM {quoted_table}), 0))",  # noqa: S608
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))
