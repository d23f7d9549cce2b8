"""Runs of supervised background work (`models.SupervisedWork`): claimed once, fenced, beating,
interrupted when their process died, started again on demand.

A task runs its object through a `Run`:

    run = Run(DocumentBatch, batch_id, attempt)
    if not run.claim():            # finished, interrupted, superseded, or already started
        return
    with run.beating():            # a small thread refreshes the heartbeat in between
        run.update(done=F("done") + 1)   # progress, with a heartbeat; Superseded if no longer
                                         # the current run

Every write of a run is conditional on the run still being the current one (its attempt) and
neither finished nor interrupted: a run whose object was started again (`relaunch`) stops at
its next write, and its last transaction, if it was in one, rolls back.

The state changes that do not come from the run itself — the interruption seen by the worker,
the relaunch asked by a user — are service writes with their audit row (`interrupt_stale`,
`record_interruption`, `relaunch`).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import staleness
from .audit import audit
from .models import SupervisedWork, User

logger = logging.getLogger(__name__)

_Work = TypeVar("_Work", bound=SupervisedWork)


class Superseded(Exception):
    """The run is no longer the current one: its object finished, was interrupted or was
    started again. The run stops; what it was writing rolls back."""


def _running() -> Q:
    return Q(started_at__isnull=False, finished_at__isnull=True, interrupted_at__isnull=True)


def _silent_since(limit: Any) -> Q:
    return Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)


class Run(Generic[_Work]):
    """One run (attempt) of a supervised object, by the task that runs it."""

    def __init__(self, model: type[_Work], pk: int, attempt: int | None = None) -> None:
        self.model = model
        self.pk = pk
        if attempt is None:  # a task enqueued before runs were numbered: the current one
            found = model._default_manager.filter(pk=pk).values_list("attempt", flat=True).first()
            attempt = found or 1
        self.attempt = attempt

    def _current(self) -> QuerySet[_Work]:
        return self.model._default_manager.filter(
            pk=self.pk, attempt=self.attempt, finished_at__isnull=True, interrupted_at__isnull=True
        )

    def claim(self) -> bool:
        """Start the run: only once per attempt, and only if its object still waits for it."""
        now = timezone.now()
        claimed = (
            self._current().filter(started_at__isnull=True).update(started_at=now, heartbeat_at=now)
        )
        if not claimed:
            logger.info(
                "%s %s : tentative %s déjà traitée", self.model.__name__, self.pk, self.attempt
            )
        return bool(claimed)

    def update(self, **fields: Any) -> None:
        """Write progress (and a heartbeat); `Superseded` if the run is no longer current."""
        if not self._current().update(heartbeat_at=timezone.now(), **fields):
            raise Superseded(f"{self.model.__name__} {self.pk}, tentative {self.attempt}")

    def beat(self) -> None:
        self.update()

    def promise(self, seconds: float, **fields: Any) -> None:
        """Write progress before one long write transaction, with a sign of life promised
        `seconds` ahead: on SQLite that transaction holds the database, and the beats of the
        thread wait for it, so the run stays « en cours » until then rather than being taken
        for dead while it writes. A run that dies meanwhile is seen once the promise is past."""
        promised = timezone.now() + datetime.timedelta(seconds=seconds)
        if not self._current().update(heartbeat_at=promised, **fields):
            raise Superseded(f"{self.model.__name__} {self.pk}, tentative {self.attempt}")

    def lock(self) -> _Work:
        """The object, locked until the end of the transaction, if the run is still current."""
        found = self._current().select_for_update().first()
        if found is None:
            raise Superseded(f"{self.model.__name__} {self.pk}, tentative {self.attempt}")
        return found

    def finish(self, **fields: Any) -> None:
        self.update(finished_at=timezone.now(), **fields)

    def fail(self, error: BaseException) -> None:
        """Record an unexpected error as the run's interruption, if it is still current (best
        effort: the database itself may be what failed)."""
        try:
            record_interruption(
                self.model, self.pk, attempt=self.attempt, message=staleness.failure_message(error)
            )
        except DatabaseError:
            logger.exception("Interruption de %s %s non enregistrée", self.model.__name__, self.pk)

    @contextlib.contextmanager
    def beating(self) -> Iterator[Run[_Work]]:
        """A small thread refreshes the heartbeat while the block runs (a long single step: a
        document, a file written in one transaction). Not inside a transaction of the caller
        (the tests' immediate tasks): the beats would not see the row, or wait for it."""
        if transaction.get_connection().in_atomic_block:
            yield self
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=self._beat_until, args=(stop,), name=f"heartbeat-{self.pk}", daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=30)

    def _beat_until(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(staleness.beat_seconds()):
                try:
                    self.beat()
                except Superseded:
                    return
                except DatabaseError as exc:  # locked by the run's own write, or the base away
                    logger.debug("Signe de vie de %s %s différé : %s", self.model, self.pk, exc)
        finally:
            connections.close_all()  # this thread's own connections


# --- Services: interruption and relaunch ---------------------------------------------------


def _label(model: type[SupervisedWork]) -> str:
    return str(model._meta.verbose_name).capitalize()


def supervised_models() -> list[type[SupervisedWork]]:
    return [m for m in apps.get_models() if issubclass(m, SupervisedWork)]


def record_interruption(
    model: type[SupervisedWork],
    pk: int,
    *,
    attempt: int | None = None,
    message: str = "",
    stale_only: bool = False,
) -> bool:
    """Mark the object's run interrupted (with its French message) and audit it, unless it
    finished meanwhile. `stale_only`: only if it is still silent (a beat arriving meanwhile
    keeps it running)."""
    now = timezone.now()
    with transaction.atomic():
        current = model._default_manager.filter(
            pk=pk, finished_at__isnull=True, interrupted_at__isnull=True
        )
        if attempt is not None:
            current = current.filter(attempt=attempt)
        if stale_only:
            current = current.filter(_running() & _silent_since(staleness.stale_limit(now)))
        found = current.first()
        if found is None:
            return False
        message = message or staleness.interruption_message(found.last_sign_of_life)
        if not current.update(interrupted_at=now, interruption=message[:255]):
            return False
        audit(
            actor=None,
            action=f"{model._meta.app_label}.interrupted",
            obj=found,
            summary=f"{_label(model)} « {found} » : {message}",
            data={"attempt": found.attempt},
        )
    logger.warning("%s %s interrompu : %s", model.__name__, pk, message)
    return True


def interrupt_stale() -> int:
    """Record every run silent for longer than the stale delay as interrupted (run by the
    worker, at start-up and regularly). Returns how many."""
    count = 0
    limit = staleness.stale_limit()
    for model in supervised_models():
        stale = model._default_manager.filter(_running() & _silent_since(limit)).values_list(
            "pk", flat=True
        )
        for pk in list(stale):
            count += record_interruption(model, pk, stale_only=True)
    return count


def relaunch(work: _Work, *, actor: User | None, reset: dict[str, Any] | None = None) -> _Work:
    """Start an interrupted run again: a new attempt, queued. Call it in the service's
    transaction, on the object locked (`select_for_update`), after the policy allowed it; the
    service enqueues the task with `work.attempt` once the transaction commits."""
    if work.finished_at:
        raise ValidationError("Ce traitement est terminé : il n'y a rien à relancer.")
    if not work.is_interrupted:
        raise ValidationError(
            "Ce traitement est en cours ou en attente : il ne se relance que s'il s'est interrompu."
        )
    if work.interrupted_at is None:  # seen by the page before any worker recorded it
        record_interruption(type(work), work.pk, attempt=work.attempt)
    fields: dict[str, Any] = {
        "attempt": work.attempt + 1,
        "started_at": None,
        "heartbeat_at": None,
        "interrupted_at": None,
        "interruption": "",
        **(reset or {}),
    }
    type(work)._default_manager.filter(pk=work.pk).update(**fields)
    work.refresh_from_db()
    audit(
        actor=actor,
        action=f"{work._meta.app_label}.relaunched",
        obj=work,
        summary=f"{_label(type(work))} « {work} » relancé (tentative {work.attempt})",
        data={"attempt": work.attempt},
    )
    return work
