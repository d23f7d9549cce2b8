"""Inserting many new rows at once (imports): the rows `bulk_create` would write, without the
work its SQL compiler repeats for each value.

Each value is prepared by its field as `save()` prepares it (`pre_save`, then
`get_db_prep_save`: aware dates to the database's form, decimals, JSON), and the rows go in
multi-row INSERTs of the size the database accepts. What `bulk_create` would add is not done:
related objects are given by their ids, and the ids of the new rows are not read back — give
them beforehand (`core.ids.reserve`) when something must refer to the rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey, Model, fields

if TYPE_CHECKING:  # django-stubs makes fields generic; at run time they are not
    AnyField: TypeAlias = Field[Any, Any]

# Fields whose value of the given type goes to the database as it is (`get_db_prep_save`
# would return it unchanged): the exact classes only, a subclass may prepare differently.
_AS_IS: dict[type, type] = {
    fields.CharField: str,
    fields.TextField: str,
    fields.SlugField: str,
    fields.IntegerField: int,
    fields.BigIntegerField: int,
    fields.SmallIntegerField: int,
    fields.PositiveIntegerField: int,
    fields.PositiveBigIntegerField: int,
    fields.PositiveSmallIntegerField: int,
    fields.AutoField: int,
    fields.BigAutoField: int,
    fields.SmallAutoField: int,
    fields.BooleanField: bool,
}


def _adapter(
    field: AnyField, connection: BaseDatabaseWrapper
) -> tuple[type, Callable[[Any], Any]] | None:
    """For the date, time stamp and decimal fields, the backend's adaptation that
    `get_db_prep_save` ends with, applied directly to a value of the right type."""
    ops = connection.ops
    if type(field) is fields.DecimalField:
        digits, places = field.max_digits, field.decimal_places
        return Decimal, lambda v: ops.adapt_decimalfield_value(v, digits, places)
    if type(field) is fields.DateField:
        return datetime.date, ops.adapt_datefield_value
    if type(field) is fields.DateTimeField:
        return datetime.datetime, ops.adapt_datetimefield_value
    return None


def _preparer(field: AnyField, connection: BaseDatabaseWrapper) -> Callable[[Model], Any]:
    """How one field's value of a new object is prepared for the INSERT: as
    `get_db_prep_save(pre_save(…))`, with the shortest way for the usual types."""
    target = field.target_field if isinstance(field, ForeignKey) else field
    as_is = _AS_IS.get(type(target))
    adapter = _adapter(field, connection)
    attname = field.attname
    prepare = field.get_db_prep_save
    if type(field).pre_save is not Field.pre_save:  # auto_now_add, files…
        return lambda obj: prepare(field.pre_save(obj, True), connection)
    if as_is is not None:

        def plain(obj: Model) -> Any:
            value = getattr(obj, attname)
            return value if value is None or type(value) is as_is else prepare(value, connection)

        return plain
    if adapter is not None:
        kind, adapt = adapter

        def adapted(obj: Model) -> Any:
            value = getattr(obj, attname)
            if value is None:
                return None
            if type(value) is kind and _ready(value):
                return adapt(value)
            return prepare(value, connection)

        return adapted
    return lambda obj: prepare(getattr(obj, attname), connection)


def _ready(value: Any) -> bool:
    """A value the field's own preparation would leave as it is: a finite decimal, an aware
    time stamp (a naive one is made aware, with a warning), a date."""
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, datetime.datetime):
        return value.tzinfo is not None and value.utcoffset() is not None
    return True


def insert_many(objects: Sequence[Model]) -> None:
    """Insert new `objects`, all of one model, in the current transaction."""
    if not objects:
        return
    model = type(objects[0])
    opts = model._meta
    if opts.parents:
        raise TypeError(f"{opts.label}: a model with parents is saved by bulk_create.")
    with_pk = [obj.pk is not None for obj in objects]
    if any(with_pk) and not all(with_pk):
        raise ValueError(f"{opts.label}: the rows are inserted all with their ids or none.")
    columns = [
        f
        for f in opts.concrete_fields
        if (all(with_pk) or f is not opts.pk) and not getattr(f, "generated", False)
    ]
    using = router.db_for_write(model)
    connection = connections[using]
    preparers = [_preparer(f, connection) for f in columns]
    rows = [tuple(prepare(obj) for prepare in preparers) for obj in objects]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608 — names from the model
        f"({', '.join(quote(str(f.column)) for f in columns)}) "
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows streamed in the server's own format, each value written by the
            # driver's compiled adapters.
            names = ", ".join(quote(str(f.column)) for f in columns)
            with cursor.cursor.copy(
                f"COPY {quote(opts.db_table)} ({names}) FROM STDIN"  # noqa: S608
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            size = max(1, connection.ops.bulk_batch_size(columns, objects))
            one = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(
                    head + "VALUES " + ", ".join([one] * len(chunk)),
                    [value for row in chunk for value in row],
                )
    for obj, pk in zip(objects, with_pk, strict=True):
        if pk:
            obj._state.adding = False
            obj._state.db = using
