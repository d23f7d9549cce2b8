"""Pacte's background worker (`manage.py pacte_worker`): django-tasks-db's worker, supervised.

- **It survives its database.** An error of the database (SQLite locked for longer than its
  timeout, PostgreSQL restarted) no longer ends the process: the worker closes its connections,
  waits (1 s, 2 s, 4 s… up to a minute) and carries on.
- **It gives signs of life.** Each worker has a row (`WorkerProcess`) that a small thread
  refreshes; a task still marked running by a worker silent for longer than
  PACTE_TASK_STALE_SECONDS is one whose process died.
- **It takes back what dead workers left.** At start-up, after each reconnection and then
  regularly, it records the supervised work silent for too long as interrupted (its page offers
  « Relancer »), queues again the tasks of dead workers (once: a task that kills its worker
  twice is marked failed) and queues again the mails whose sending was lost.
- **It runs the other applications' upkeep.** An application above core registers, in its
  `AppConfig.ready`, what the worker calls at each maintenance (`register_maintenance`): the
  assembly queues again the sendings of acts to the préfet, and the asking for their answers,
  whose tasks were lost. One that fails is logged; the worker carries on.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from . import mail, staleness, supervision
from .models import WorkerProcess

logger = logging.getLogger(__name__)

# A task found running in a dead worker is queued again this many times at most (counting the
# run that died): a task that kills its worker again and again is marked failed instead.
MAX_CLAIMS = 2
BACKOFF_MAX_SECONDS = 60.0
FORGET_WORKERS_AFTER = datetime.timedelta(days=1)
DATABASE_ERRORS = (OperationalError, InterfaceError)


def resident_mebibytes() -> float | None:
    """The process's resident memory now (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


# What other applications have the worker do at each maintenance (see the module's docstring).
_MAINTENANCE: list[Callable[[], object]] = []


def register_maintenance(job: Callable[[], object]) -> None:
    """Have the worker call `job` at each maintenance (once, however often registered)."""
    if job not in _MAINTENANCE:
        _MAINTENANCE.append(job)


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker stopped while running it."""


class PacteWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stop_beating = threading.Event()
        self._beat_thread: threading.Thread | None = None
        self._last_maintenance = 0.0
        self.reconnections = 0

    # --- The loop --------------------------------------------------------------------------

    def run(self) -> None:
        logger.info("Processus de fond %s démarré (pid %s)", self.worker_id, os.getpid())
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 — workers started together spread out
        self._start_beating()
        backoff = 1.0
        try:
            while self.running:
                try:
                    if self._maintenance_due():
                        self.maintain()
                    retrieved, task_result = self._claim_next()
                    if task_result is not None:
                        self.run_task(task_result)
                    close_old_connections()
                except DATABASE_ERRORS as exc:
                    if not self.running:
                        break
                    self._reconnect(exc, backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                    continue
                backoff = 1.0
                if self.batch and retrieved and task_result is None:
                    logger.info(
                        "Plus rien à faire : le processus de fond %s s'arrête.", self.worker_id
                    )
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if task_result is not None and self._too_big():
                    return
                if self.running and task_result is None:
                    time.sleep(self.interval)
        finally:
            self._stop()

    def _too_big(self) -> bool:
        """Whether the process, after a task, holds more memory than PACTE_WORKER_MAX_MEMORY_MB:
        Python keeps what a large import used, so the worker then stops between two tasks and
        its supervision starts a fresh one (./pacte.sh demo, systemd)."""
        limit = getattr(settings, "PACTE_WORKER_MAX_MEMORY_MB", 0)
        resident = resident_mebibytes()
        if not limit or resident is None or resident <= limit:
            return False
        logger.info(
            "Processus de fond %s : %s Mio en mémoire (plus de %s) : il s'arrête pour être "
            "relancé.",
            self.worker_id,
            round(resident),
            limit,
        )
        return True

    def _claim_next(self) -> tuple[bool, DBTaskResult[Any, Any] | None]:
        """The next ready task, claimed (as django-tasks-db's worker does)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        task_result: DBTaskResult[Any, Any] | None = None
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                return False, None  # a writer holds SQLite: try again in a moment
        return True, task_result

    def _reconnect(self, error: Exception, delay: float) -> None:
        self.reconnections += 1
        logger.warning(
            "Base de données indisponible (%s) : nouvel essai dans %.0f s.",
            " ".join(str(error).split())[:200],
            delay,
        )
        connections.close_all()
        time.sleep(delay)
        self._last_maintenance = 0.0  # take back at once what the outage may have left

    # --- Maintenance ---------------------------------------------------------------------

    def _maintenance_due(self) -> bool:
        return time.monotonic() - self._last_maintenance >= max(1.0, staleness.stale_seconds() / 3)

    def maintain(self) -> None:
        """Record stale work as interrupted, queue again the tasks of dead workers and the lost
        mails, run the registered upkeep, forget long-dead workers."""
        self._last_maintenance = time.monotonic()
        self._beat()
        supervision.interrupt_stale()
        self.recover_tasks()
        mail.requeue_lost()
        for job in list(_MAINTENANCE):
            try:
                job()
            except DATABASE_ERRORS:
                raise
            except Exception:  # noqa: BLE001 — one application's upkeep stops no other work
                logger.exception("Entretien %s en échec", getattr(job, "__qualname__", job))
        WorkerProcess.objects.filter(seen_at__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()

    def recover_tasks(self) -> int:
        """Tasks marked running by a worker that is dead (silent for longer than the stale
        delay), or by this one while it runs nothing (a database error cut its task short): queued
        again, or failed after MAX_CLAIMS runs. Returns how many."""
        limit = staleness.stale_limit()
        alive = set(
            WorkerProcess.objects.filter(seen_at__gte=limit).values_list("worker_id", flat=True)
        )
        alive.discard(self.worker_id)
        count = 0
        running = DBTaskResult.objects.running().filter(backend_name=self.backend_name)
        for task_result in running:
            last = task_result.worker_ids[-1] if task_result.worker_ids else ""
            if last in alive:
                continue
            if last != self.worker_id and not (
                task_result.started_at and task_result.started_at < limit
            ):
                continue  # a worker not (yet) known: give it the stale delay
            count += 1
            started = staleness.interruption_message(task_result.started_at)
            if len(task_result.worker_ids) < MAX_CLAIMS:
                logger.warning(
                    "Tâche %s (%s) laissée en cours par le processus %s : remise en file.",
                    task_result.id,
                    task_result.task_path,
                    last,
                )
                DBTaskResult.objects.filter(pk=task_result.pk, status=task_result.status).update(
                    status=TaskResultStatus.READY, started_at=None
                )
            else:
                logger.error("Tâche %s abandonnée après %s essais.", task_result.id, MAX_CLAIMS)
                task_result.set_failed(
                    WorkerLost(
                        f"Le processus de fond s'est arrêté pendant cette tâche, "
                        f"{len(task_result.worker_ids)} fois. {started}"
                    )
                )
        return count

    # --- Signs of life -------------------------------------------------------------------

    def _start_beating(self) -> None:
        try:
            WorkerProcess.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "seen_at": timezone.now(),
                },
            )
        except DATABASE_ERRORS as exc:  # the loop will wait for the database
            logger.warning("Processus de fond non inscrit : %s", exc)
        self._beat_thread = threading.Thread(
            target=self._beat_until_stopped, name="worker-heartbeat", daemon=True
        )
        self._beat_thread.start()

    def _beat(self) -> None:
        updated = WorkerProcess.objects.filter(worker_id=self.worker_id).update(
            seen_at=timezone.now()
        )
        if not updated:
            WorkerProcess.objects.create(
                worker_id=self.worker_id,
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
                seen_at=timezone.now(),
            )

    def _beat_until_stopped(self) -> None:
        try:
            while not self._stop_beating.wait(staleness.beat_seconds()):
                try:
                    self._beat()
                except DatabaseError as exc:
                    logger.debug("Signe de vie du processus de fond différé : %s", exc)
                    connections.close_all()
        finally:
            connections.close_all()

    def _stop(self) -> None:
        self._stop_beating.set()
        if self._beat_thread is not None:
            self._beat_thread.join(timeout=30)
        with contextlib.suppress(DatabaseError):  # else forgotten a day later
            WorkerProcess.objects.filter(worker_id=self.worker_id).delete()
        logger.info("Processus de fond %s arrêté.", self.worker_id)
