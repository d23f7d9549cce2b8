"""The dashboards' figures that read the whole history (processing times, lapse deadlines),
served from the shared cache and recomputed in the background after a write: a page never waits
for them but the very first time (stale-while-revalidate).

An entry is known by its name and the filters' generation and territory, and carries the
version of the data it was computed on: the last audit row (each write of Pacte leaves one) and
the day. A page finding an older version serves it and queues `refresh_figures` once.
PACTE_PILOTAGE_CACHE_SECONDS bounds how long an entry is kept (0: never kept, always computed).
The computations register themselves by name (`computation`), so that the worker recomputes
them without this module knowing the dashboards.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from pacte.core.models import AuditEvent

CACHE_SECONDS_DEFAULT = 86400  # a day: the version changes with each write and each day

# name → function(generation_id, territory_id) computing the figures.
_COMPUTATIONS: dict[str, Callable[[int | None, int | None], Any]] = {}


def computation(name: str) -> Callable:
    """Register the function that computes the figures `name` for a generation and territory."""

    def register(function):
        _COMPUTATIONS[name] = function
        return function

    return register


def _seconds() -> int:
    return int(getattr(settings, "PACTE_PILOTAGE_CACHE_SECONDS", CACHE_SECONDS_DEFAULT))


def figures_version() -> str:
    """Changes with every write of Pacte (each leaves an audit row) and every day."""
    last = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
    return f"{timezone.localdate().isoformat()}:{last}"


def cache_key(name: str, generation_id: int | None, territory_id: int | None) -> str:
    return f"pacte:pilotage:{name}:{generation_id}:{territory_id}"


def cached(name: str, filters, compute: Callable[[], Any]):
    """The figures `name` for `filters` (its generation and territory), from the cache."""
    seconds = _seconds()
    if seconds <= 0:
        return compute()
    key = cache_key(name, filters.generation_id, filters.territory_id)
    version = figures_version()
    entry = cache.get(key)
    if entry is None:
        result = compute()
        cache.set(key, {"version": version, "result": result}, seconds)
        return result
    if entry["version"] != version and cache.add(f"{key}:refresh", 1, 120):
        refresh_figures.enqueue(name, filters.generation_id, filters.territory_id)
    return entry["result"]


def refresh(name: str, generation_id: int | None, territory_id: int | None) -> None:
    """Recompute figures kept in the cache (run by the worker, see `cached`)."""
    key = cache_key(name, generation_id, territory_id)
    try:
        version = figures_version()
        result = _COMPUTATIONS[name](generation_id, territory_id)
        cache.set(key, {"version": version, "result": result}, _seconds())
    finally:
        # Done or failed, the next page may queue it again (a worker killed meanwhile leaves
        # the mark for two minutes, and the next worker queues its task again).
        cache.delete(f"{key}:refresh")


@task()
def refresh_figures(name: str, generation_id: int | None, territory_id: int | None) -> None:
    """Background refresh of one entry (run by `manage.py pacte_worker`)."""
    refresh(name, generation_id, territory_id)
