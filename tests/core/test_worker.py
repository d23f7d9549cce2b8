"""The supervised worker (`pacte.core.worker`): it waits out a database outage instead of
exiting, and takes back the tasks that a dead worker left running."""

import datetime
import sqlite3
import threading

import pytest
from django.core import mail as django_mail
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pacte.core import mail
from pacte.core.models import OutgoingMail, WorkerProcess
from pacte.core.worker import PacteWorker

from .worker_support import DATABASE_TASKS, wait_until


def worker(**options) -> PacteWorker:
    return PacteWorker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=options.pop("max_tasks", None),
        worker_id=options.pop("worker_id", "essai"),
        excluded_queue_names=[],
    )


def queued_mail() -> OutgoingMail:
    """A mail recorded by a write, its sending queued when the write commits."""
    with transaction.atomic():
        queued = OutgoingMail.objects.create(
            kind="essai", recipients=["mairie@exemple.fr"], subject="[Pacte] Essai", body="?"
        )
        transaction.on_commit(lambda: mail.enqueue(queued.pk))
    return queued


class Outage:
    """The database refuses the worker for a while: on PostgreSQL, new connections refused and
    the open ones cut (as in a restart); on SQLite, another process holds the write lock longer
    than the worker's connection waits for it."""

    def __enter__(self):
        if connection.vendor == "postgresql":
            self.alter(allow=False)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        else:
            # New connections (the worker's) wait half a second for the lock, not 20.
            self.options = connections.settings["default"].setdefault("OPTIONS", {})
            self.timeout = self.options.get("timeout")
            self.options["timeout"] = 0.5
            self.lock = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
            self.lock.execute("BEGIN EXCLUSIVE")
        return self

    def end(self):
        if connection.vendor == "postgresql":
            self.alter(allow=True)
        elif self.lock is not None:
            self.lock.rollback()
            self.lock.close()
            self.lock = None

    @staticmethod
    def alter(*, allow: bool):
        """From the server's maintenance database: a database does not close itself."""
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')

    def __exit__(self, *exc):
        self.end()
        if connection.vendor != "postgresql":
            self.options["timeout"] = self.timeout


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_waits_out_a_database_outage_and_carries_on(settings):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    queued = queued_mail()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    subject = worker(max_tasks=1)
    errors = []

    def run():
        try:
            subject.run()
        except BaseException as exc:  # noqa: BLE001 — the test reports it
            errors.append(exc)
        finally:
            connections.close_all()

    with Outage() as outage:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        wait_until(lambda: subject.reconnections >= 2, timeout=30)
        assert thread.is_alive() and not errors  # the error went by, the worker waits
        assert OutgoingMail.objects.get(pk=queued.pk).sent_at is None
        outage.end()
        thread.join(timeout=60)
    assert not thread.is_alive() and not errors, errors
    assert OutgoingMail.objects.get(pk=queued.pk).sent_at is not None
    assert len(django_mail.outbox) == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_tasks_left_running_by_a_dead_worker_are_queued_again_then_failed(settings):
    settings.TASKS = DATABASE_TASKS
    settings.PACTE_TASK_STALE_SECONDS = 60
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    WorkerProcess.objects.create(worker_id="mort", pid=1, seen_at=long_ago)
    WorkerProcess.objects.create(worker_id="vivant", pid=2, seen_at=timezone.now())
    dead = DBTaskResult.objects.get(id=mail.send_outgoing_mail.enqueue(1).id)
    alive = DBTaskResult.objects.get(id=mail.send_outgoing_mail.enqueue(2).id)
    DBTaskResult.objects.filter(pk=dead.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=["mort"], started_at=long_ago
    )
    DBTaskResult.objects.filter(pk=alive.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=["vivant"], started_at=long_ago
    )
    recovering = worker(worker_id="suivant")
    assert recovering.recover_tasks() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    # Claimed again, and its worker died again: it is not run a third time.
    DBTaskResult.objects.filter(pk=dead.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=["mort", "mort"], started_at=long_ago
    )
    assert recovering.recover_tasks() == 1
    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "pacte.core.worker.WorkerLost"
    assert "Le processus de fond s'est arrêté pendant cette tâche, 2 fois" in dead.traceback


@pytest.mark.django_db
def test_a_worker_that_just_started_a_task_is_given_the_stale_delay(settings):
    settings.TASKS = DATABASE_TASKS
    settings.PACTE_TASK_STALE_SECONDS = 60
    fresh = DBTaskResult.objects.get(id=mail.send_outgoing_mail.enqueue(1).id)
    DBTaskResult.objects.filter(pk=fresh.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=["inconnu"], started_at=timezone.now()
    )
    assert worker(worker_id="suivant").recover_tasks() == 0
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING
