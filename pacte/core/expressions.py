"""Database expressions Pacte computes with on SQLite and PostgreSQL alike: the local date of
an aware datetime, whole days between two dates, and the month or year of a date."""

import os
from typing import Any, NoReturn, TypeAlias

from django.conf import settings
from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Func, IntegerField
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler

# An expression's SQL and its parameters, as Django's compiler takes them.
Sql: TypeAlias = tuple[str, tuple[str | int, ...]]


def _sqlite_localtime_is_django_time_zone() -> bool:
    """SQLite's 'localtime' follows the process's TZ, which Django sets to TIME_ZONE on Unix."""
    return bool(settings.USE_TZ and os.environ.get("TZ") == settings.TIME_ZONE)


class LocalDate(TruncDate):
    """The local date (TIME_ZONE) of an aware datetime. Django's TruncDate calls a Python
    function per row on SQLite; SQLite's own date(…, 'localtime') gives the same date natively
    when the process runs in Django's time zone, as Django arranges it."""

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Sql:
        if not _sqlite_localtime_is_django_time_zone():
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, 'localtime')", params


class DayDiff(Func):
    """Whole days from the date `start` to the date `end` (end − start), as an integer."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, end: Combinable | str, start: Combinable | str) -> None:
        super().__init__(end, start)

    def _parts(self, compiler: SQLCompiler) -> tuple[str, str, tuple[str | int, ...]]:
        end, start = self.get_source_expressions()
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Sql:
        end, start, params = self._parts(compiler)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Sql:
        end, start, params = self._parts(compiler)
        return f"(CAST({end} AS date) - CAST({start} AS date))", params

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> NoReturn:
        raise NotSupportedError("Pacte compte les jours sur SQLite et PostgreSQL.")


class PeriodKey(Func):
    """'2024-03' (month) or '2024' (year) of a date, natively in both databases."""

    output_field = CharField()

    def __init__(self, expression: Combinable | str, period: str) -> None:
        self.period = period
        super().__init__(expression)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Sql:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"substr({sql}, 1, {7 if self.period == 'month' else 4})", params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Sql:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        pattern = "YYYY-MM" if self.period == "month" else "YYYY"
        return f"to_char({sql}, '{pattern}')", params

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> NoReturn:
        raise NotSupportedError("Pacte regroupe les dates sur SQLite et PostgreSQL.")
