"""The query planners' statistics: taken after the migrations, refreshed hourly on SQLite."""

import pytest
from django.core.management import call_command
from django.db import connection

from pacte.core import statistics

pytestmark = pytest.mark.django_db


def _stat_tables() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'territory_commune'")
        return cursor.fetchone()[0]


def test_the_migrations_leave_statistics_for_the_planner():
    call_command("migrate", verbosity=0)  # nothing to apply: post_migrate still runs
    assert _stat_tables() > 0


def test_sqlite_is_optimized_at_most_once_an_hour(monkeypatch):
    monkeypatch.setattr(statistics, "_last_optimize", 0.0)
    ran = statistics.optimize_hourly()
    assert ran == (connection.vendor == "sqlite")
    assert statistics.optimize_hourly() is False
