"""A history import whose worker dies while it writes: nothing written, seen as interrupted by
its page, then started again from its stored file by « Relancer » and imported once.

The first test kills a real worker (`manage.py pacte_worker`, a subprocess on the test
database) during the writing; the others drive the same pieces in the test's process."""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from pacte.core.models import AuditEvent
from pacte.core.supervision import Run
from pacte.history.models import HistoryImport, ImportedOperation
from pacte.history.services import history_import_relaunch, history_import_start
from pacte.operations.models import Operation
from tests.core.worker_support import DATABASE_TASKS, STALE_SECONDS, Worker, wait_until

from .conftest import csv_bytes, demo_rows

COPIES = 50  # the demo's 104 rows, 50 times over (other titles): a writing of two seconds or so


def big_file(copies: int) -> tuple[bytes, int]:
    rows = []
    for copy in range(copies):
        for row in demo_rows():
            rows.append({**row, "intitule": f"{row['intitule']} ({copy + 1})"})
    return csv_bytes(rows), len(rows)


def imported_in(previous):
    return Operation.objects.filter(contract__generation=previous).count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_whose_worker_is_killed_while_writing_writes_nothing_then_imports_once(
    previous, users, settings, tmp_path
):
    settings.TASKS = DATABASE_TASKS
    settings.PACTE_TASK_STALE_SECONDS = STALE_SECONDS
    settings.MEDIA_ROOT = tmp_path / "test-media"  # the worker's (PACTE_VAR_DIR=tmp_path)
    data, rows = big_file(COPIES)
    before = imported_in(previous)
    history_import = history_import_start(
        actor=users["test-agent"], generation=previous, data=data, name="historique.csv"
    )
    page = f"/pilotage/historique/{history_import.pk}/"
    client = Client()
    client.force_login(users["test-agent"])
    workers = [Worker(tmp_path, "premier")]
    try:
        started = time.monotonic()
        checked_at = wait_until(
            lambda: HistoryImport.objects.get(pk=history_import.pk).checked_at, step=0.02
        )
        time.sleep(0.2)  # into the writing's transaction
        workers[0].kill()
        killed = time.monotonic()
        history_import.refresh_from_db()
        promised = max(0.0, (history_import.heartbeat_at - checked_at).total_seconds())
        if connection.vendor == "sqlite":
            # On SQLite the writing holds the database and the run's beats wait for it: the
            # run promised a sign of life for its writing's length, and silent longer than the
            # stale delay it is not taken for dead before then. (On PostgreSQL the beats go on
            # while it writes, and stop when it dies.)
            assert promised > STALE_SECONDS + 1, promised
            time.sleep(max(0.0, STALE_SECONDS + 0.5 - (time.monotonic() - killed)))
            assert "interrompu" not in client.get(page).content.decode()
        history_import.refresh_from_db()
        assert history_import.finished_at is None, "l'écriture a fini avant l'arrêt : grossir"
        assert history_import.state == "writing"
        # The writing was one transaction: nothing of it is left.
        assert imported_in(previous) == before
        assert not ImportedOperation.objects.filter(history_import=history_import).exists()

        content = wait_until(
            lambda: (text := client.get(page).content.decode()) and "interrompu" in text and text,
            timeout=STALE_SECONDS * 4 + promised,
        )
        seen_stale = time.monotonic()
        assert "rien n&#x27;a été enregistré" in content
        assert "processus arrêté le " in content and ">Relancer</button>" in content

        workers.append(Worker(tmp_path, "second"))
        response = client.post(f"{page}relancer/")
        assert response.status_code == 302 and response["Location"] == page
        wait_until(lambda: HistoryImport.objects.get(pk=history_import.pk).finished_at, timeout=120)
        done = time.monotonic()
        history_import.refresh_from_db()
        assert (history_import.state, history_import.created_operations) == ("done", rows)
        assert history_import.attempt == 2
        assert imported_in(previous) == before + rows
        assert ImportedOperation.objects.filter(history_import=history_import).count() == rows
        assert AuditEvent.objects.filter(
            action="history.relaunched", object_id=str(history_import.pk)
        ).exists()
        assert "Import terminé" in client.get(page).content.decode()
        print(
            f"\n{rows} lignes ; tué {killed - started:.1f} s après la demande, pendant "
            f"l'écriture ; interrompu vu {seen_stale - killed:.1f} s plus tard ; relancé et "
            f"importé en {done - seen_stale:.1f} s (écriture : "
            f"{(history_import.finished_at - history_import.checked_at).total_seconds():.1f} s)"
        )
    finally:
        for worker in workers:
            worker.stop()


# --- The same pieces, in the test's process ------------------------------------------------


@pytest.fixture
def stale_import(previous, users, settings):
    """An import whose run checked its file, started writing, then fell silent for too long."""
    settings.PACTE_TASK_STALE_SECONDS = 60
    data, _ = big_file(1)
    history_import = history_import_start(
        actor=users["test-agent"], generation=previous, data=data, name="historique.csv"
    )
    run = Run(HistoryImport, history_import.pk, history_import.attempt)
    assert run.claim()
    long_ago = timezone.now() - datetime.timedelta(seconds=61)
    run.update(checked_at=long_ago, checked_rows=104, total_rows=104)
    HistoryImport.objects.filter(pk=history_import.pk).update(heartbeat_at=long_ago)
    history_import.refresh_from_db()
    return history_import


@pytest.mark.django_db
def test_relancer_imports_an_interrupted_file_once(
    stale_import, previous, users, django_capture_on_commit_callbacks
):
    assert stale_import.state == "interrupted"
    page = f"/pilotage/historique/{stale_import.pk}/"
    agent = Client()
    agent.force_login(users["test-agent"])
    assert ">Relancer</button>" in agent.get(page).content.decode()
    fragment = agent.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment
    elected = Client()
    elected.force_login(users["test-elected"])
    assert elected.post(f"{page}relancer/").status_code == 403
    before = imported_in(previous)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(f"{page}relancer/", follow=True)
    assert "L&#x27;import est relancé depuis son fichier" in response.content.decode()
    stale_import.refresh_from_db()
    assert (stale_import.state, stale_import.created_operations) == ("done", 104)
    assert imported_in(previous) == before + 104
    with pytest.raises(ValidationError, match="terminé"):
        history_import_relaunch(actor=users["test-agent"], history_import=stale_import)
