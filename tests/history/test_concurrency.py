"""The same file imported twice at the same moment is written once: real threads, real
connections, committed data (on PostgreSQL the generation's row lock decides; SQLite
serialises writers)."""

import threading

import pytest
from django.db import connection

from pacte.contracts.models import Partner
from pacte.history.models import HistoryImport, ImportedOperation
from pacte.history.services import history_import_file
from pacte.operations.models import Operation
from tests.history.conftest import csv_bytes, demo_rows

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_same_file_imported_twice_at_once_is_written_once(previous, users):
    data = csv_bytes(demo_rows()[:40])
    barrier = threading.Barrier(2)
    results: list[HistoryImport] = []

    def run(name):
        try:
            barrier.wait()
            results.append(
                history_import_file(
                    actor=users["test-agent"], generation=previous, data=data, name=name
                )
            )
        finally:
            connection.close()

    partners = Partner.objects.count()
    threads = [threading.Thread(target=run, args=(f"historique-{n}.csv",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    states = sorted(r.state for r in results)
    assert states == ["done", "refused"], [(r.state, r.error_texts[:2]) for r in results]
    refused = next(r for r in results if r.state == "refused")
    assert "déjà" in refused.error_texts[0] or "vient d'être importée" in refused.error_texts[0]
    assert Operation.objects.filter(contract__generation=previous).count() == 40
    assert ImportedOperation.objects.count() == 40
    created = next(r for r in results if r.state == "done").created_partners
    assert Partner.objects.count() == partners + created


def test_the_command_blocked_by_another_writer_says_so_in_french_and_fails(
    previous, users, tmp_path
):
    """The command run while another process holds SQLite's write lock (a long import writing):
    a French message and a failing exit code, no traceback, nothing written."""
    import os
    import sqlite3
    import subprocess
    import sys

    from tests.core.worker_support import ROOT, database_url

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL imports queue on the generation's lock")
    path = tmp_path / "historique.csv"
    path.write_bytes(csv_bytes(demo_rows()[:5]))
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(),
        PACTE_SQLITE_TIMEOUT="1",
    )
    writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another import, writing
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "import_history", str(path)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert (
        "si un autre import est en cours d'écriture, attendez qu'il finisse" in result.stderr
        or "Import interrompu." in result.stderr
    ), result.stderr[-2000:]
    assert "opérations importées" not in result.stdout
    assert Operation.objects.filter(contract__generation=previous).count() == 0
