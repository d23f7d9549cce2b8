"""Fresh statistics for the query planners, so that they walk the indexes meant for each query.

- After the migrations: `ANALYZE` (SQLite and PostgreSQL), the tables and indexes being new.
- Then, on SQLite, `PRAGMA optimize` at most once an hour from the worker's maintenance: SQLite
  analyses again only the tables that changed enough. PostgreSQL's autovacuum keeps its own.
"""

import logging
import time

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

EVERY_SECONDS = 3600
_last_optimize = 0.0


def analyze(using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE")


def after_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """post_migrate is sent once per application: the statistics are taken once, for core."""
    if sender.label == "core":
        analyze(using)


def optimize_hourly() -> bool:
    """`PRAGMA optimize` on SQLite, at most once an hour; True when it ran."""
    global _last_optimize
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or time.monotonic() - _last_optimize < EVERY_SECONDS:
        return False
    _last_optimize = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    logger.info("Statistiques de SQLite rafraîchies (PRAGMA optimize)")
    return True
