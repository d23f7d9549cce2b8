"""A batch of documents whose worker dies: seen as interrupted by its page, recorded by the next
worker, started again by « Relancer », and completed with exactly one document per operation.

The first test kills a real worker (`manage.py pacte_worker`, a subprocess on the test
database) in the middle of a batch; the others drive the same pieces in the test's process."""

import datetime
import time
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from pacte.core.models import AuditEvent
from pacte.core.supervision import Run, Superseded, interrupt_stale
from pacte.documents import services
from pacte.documents.models import Document, DocumentBatch
from pacte.documents.tasks import generate_batch
from tests.core.worker_support import DATABASE_TASKS, STALE_SECONDS, Worker, wait_until
from tests.operations.conftest import make_operation

OPERATIONS = 40  # sheets: about 0.15 s each, several seconds in all


@pytest.fixture
def var_dir(tmp_path, settings):
    """The worker's var/ directory: its files (var/test-media) are the test's media."""
    settings.MEDIA_ROOT = tmp_path / "test-media"
    return tmp_path


def operations(contract, users, count):
    return [
        make_operation(contract, users["test-partner"], complete=False, title=f"Opération {i}")
        for i in range(count)
    ]


def one_sheet_per_operation(batch):
    sheets = Document.objects.filter(kind=Document.Kind.SHEET, operation_id__in=batch.operation_ids)
    return sorted(sheets.values_list("operation_id", flat=True))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_whose_worker_is_killed_is_interrupted_then_relaunched_without_duplicates(
    lens_contract, users, client_for, settings, var_dir
):
    settings.TASKS = DATABASE_TASKS
    settings.PACTE_TASK_STALE_SECONDS = STALE_SECONDS
    ops = operations(lens_contract, users, OPERATIONS)
    batch = services.batch_start(
        actor=users["test-agent"], kind=Document.Kind.SHEET, operations=ops, label="Fiches"
    )
    page = f"/documents/lots/{batch.pk}/"
    client = client_for("agent")
    workers = [Worker(var_dir, "premier")]
    try:
        started = time.monotonic()
        wait_until(lambda: DocumentBatch.objects.get(pk=batch.pk).done >= 5)
        workers[0].kill()
        killed = time.monotonic()
        batch.refresh_from_db()
        assert 5 <= batch.done < OPERATIONS, workers[0].output()
        # Each document was recorded by the batch in the transaction that made it: the one being
        # made when the process died is gone with its transaction.
        assert len(one_sheet_per_operation(batch)) == batch.done
        assert batch.state == "running"  # its heartbeat is fresh: the page still says so
        assert "en cours" in client.get(page).content.decode()

        # No worker runs: the page itself sees the silence, once the stale delay has passed.
        content = wait_until(
            lambda: (text := client.get(page).content.decode()) and "interrompu" in text and text,
            timeout=STALE_SECONDS * 4,
        )
        shown = content[content.index("Avancement") : content.index("</progress>") + 600]
        assert "Le traitement s&#x27;est interrompu (processus arrêté le " in content, shown
        assert "relancez-le" in content and ">Relancer</button>" in content, shown
        seen_stale = time.monotonic()
        fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in fragment  # it stopped refreshing itself
        finance = Client()
        finance.force_login(users["test-finance"])
        assert "Relancer" not in finance.get(page).content.decode()

        # The next worker records the interruption (with its audit row) at start-up.
        workers.append(Worker(var_dir, "second"))
        wait_until(lambda: DocumentBatch.objects.get(pk=batch.pk).interrupted_at)
        assert AuditEvent.objects.filter(
            action="documents.interrupted", object_id=str(batch.pk)
        ).exists()

        response = client.post(f"{page}relancer/")
        assert response.status_code == 302 and response["Location"] == page
        wait_until(lambda: DocumentBatch.objects.get(pk=batch.pk).finished_at, timeout=90)
        done = time.monotonic()
        batch.refresh_from_db()
        assert (batch.state, batch.done, batch.failures, batch.attempt) == (
            "done",
            OPERATIONS,
            [],
            2,
        )
        assert one_sheet_per_operation(batch) == sorted(o.pk for o in ops)
        with batch.archive.open("rb") as handle:
            names = zipfile.ZipFile(handle).namelist()
        assert sorted(names) == sorted(f"{o.reference}-fiche-detaillee-v1.pdf" for o in ops)
        assert AuditEvent.objects.filter(
            action="documents.relaunched", object_id=str(batch.pk), actor=users["test-agent"]
        ).exists()
        assert "terminé" in client.get(page).content.decode()
        assert all(worker.alive for worker in workers[1:])
        print(
            f"\ntué après {killed - started:.1f} s, interrompu vu {seen_stale - killed:.1f} s "
            f"plus tard, relancé et terminé en {done - seen_stale:.1f} s"
        )
    finally:
        for worker in workers:
            worker.stop()


# --- The same pieces, in the test's process ------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def stale_batch(lens_contract, users, settings, django_capture_on_commit_callbacks):
    """A batch of three sheets whose run produced one, then fell silent for too long."""
    ops = operations(lens_contract, users, 3)
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run
        batch = services.batch_start(
            actor=users["test-agent"], kind=Document.Kind.SHEET, operations=ops, label="Fiches"
        )
    run = Run(DocumentBatch, batch.pk, batch.attempt)
    assert run.claim()
    services.batch_item(run=run, batch=batch, operation=ops[0], operation_id=ops[0].pk)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.PACTE_TASK_STALE_SECONDS + 1)
    DocumentBatch.objects.filter(pk=batch.pk).update(heartbeat_at=long_ago)
    batch.refresh_from_db()
    return batch, ops, run


@pytest.fixture(autouse=True)
def stale_seconds(settings):
    settings.PACTE_TASK_STALE_SECONDS = 60


@pytestmark_db
def test_the_page_offers_relancer_and_the_new_run_makes_only_what_is_missing(
    stale_batch, users, client_for, django_capture_on_commit_callbacks
):
    batch, ops, old_run = stale_batch
    assert (batch.state, batch.done) == ("interrupted", 1)
    page = f"/documents/lots/{batch.pk}/"
    content = client_for("agent").get(page).content.decode()
    assert "interrompu" in content and ">Relancer</button>" in content
    # Refused to those who may not generate documents, and nothing written.
    elected = Client()
    elected.force_login(users["test-elected"])
    assert elected.post(f"{page}relancer/").status_code == 403
    assert DocumentBatch.objects.get(pk=batch.pk).attempt == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("agent").post(f"{page}relancer/", follow=True)
    assert "seuls les documents qui manquent seront générés" in response.content.decode()
    batch.refresh_from_db()
    assert (batch.state, batch.done, batch.attempt) == ("done", 3, 2)
    assert one_sheet_per_operation(batch) == sorted(o.pk for o in ops)
    # The replaced run, were it still alive, could write nothing more.
    with pytest.raises(Superseded):
        old_run.beat()
    assert generate_batch.call(batch.pk, 1) == 0


@pytestmark_db
def test_the_worker_records_the_interruption_once_with_its_audit_row(stale_batch):
    batch, _, _ = stale_batch
    assert batch.interrupted_at is None
    assert interrupt_stale() == 1
    assert interrupt_stale() == 0
    batch.refresh_from_db()
    assert batch.interrupted_at and batch.interruption.startswith(
        "Le traitement s'est interrompu (processus arrêté le "
    )
    assert batch.interruption.endswith(") : relancez-le.")
    assert AuditEvent.objects.filter(action="documents.interrupted").count() == 1


@pytestmark_db
def test_a_running_batch_is_not_relaunched(stale_batch, users):
    batch, _, run = stale_batch
    run.beat()  # alive again
    batch.refresh_from_db()
    assert batch.state == "running"
    with pytest.raises(ValidationError, match="ne se relance que s'il s'est interrompu"):
        services.batch_relaunch(actor=users["test-agent"], batch=batch)
    with pytest.raises(PermissionDenied):
        services.batch_relaunch(actor=users["test-finance"], batch=batch)
    generate_batch.call(batch.pk)  # a run of the current attempt already started: nothing
    batch.refresh_from_db()
    assert batch.done == 1
