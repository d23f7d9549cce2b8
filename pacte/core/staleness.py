"""How long background work may stay silent before it is taken for dead, and what the pages say
then. Read by the supervised models (their pages compute « interrompu » themselves, whether a
worker runs or not), by the runs that beat and by the worker that sweeps.

PACTE_TASK_STALE_SECONDS (90 by default): a running task whose last sign of life (its heartbeat,
written with each progress and by a small thread in between) is older is interrupted. A run
beats several times within that delay, so that a live one is never taken for dead.
"""

from __future__ import annotations

import datetime
import os

from django.conf import settings
from django.utils import timezone

from . import french

STALE_SECONDS_DEFAULT = 90.0


def stale_seconds() -> float:
    """The setting, or the environment's PACTE_TASK_STALE_SECONDS, or 90 s."""
    value = getattr(settings, "PACTE_TASK_STALE_SECONDS", None)
    if value is None:
        value = os.environ.get("PACTE_TASK_STALE_SECONDS") or STALE_SECONDS_DEFAULT
    return max(1.0, float(value))


def beat_seconds() -> float:
    """How often a run and a worker give a sign of life: four times within the stale delay,
    at most every 15 s."""
    return max(0.2, min(stale_seconds() / 4, 15.0))


def stale_limit(now: datetime.datetime | None = None) -> datetime.datetime:
    """Signs of life older than this are those of a dead process."""
    return (now or timezone.now()) - datetime.timedelta(seconds=stale_seconds())


def interruption_message(last_sign_of_life: datetime.datetime | None) -> str:
    """« Le traitement s'est interrompu (processus arrêté le 12/03/2025 à 14 h 05) :
    relancez-le. »"""
    if last_sign_of_life is None:
        return "Le traitement s'est interrompu : relancez-le."
    local = timezone.localtime(last_sign_of_life)
    return (
        f"Le traitement s'est interrompu (processus arrêté le {french.format_date(local)} "
        f"à {french.format_time(local)}) : relancez-le."
    )


def failure_message(error: BaseException) -> str:
    """The interruption of a run stopped by an unexpected error (a bug, a lost database)."""
    text = " ".join(str(error).split())[:150] or type(error).__name__
    return f"Le traitement s'est interrompu sur une erreur inattendue ({text}) : relancez-le."
