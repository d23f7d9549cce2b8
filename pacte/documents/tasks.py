"""Background generation of documents in batches (run by `manage.py db_worker`)."""

import io
import zipfile

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from pacte.core.models import User
from pacte.operations.models import Operation

from .models import Document, DocumentBatch

# Progress is written outside any long transaction, so that the page reading it sees it move.


@task()
def generate_batch(batch_id: int) -> int:
    from . import services

    batch = DocumentBatch.objects.get(pk=batch_id)
    DocumentBatch.objects.filter(pk=batch_id).update(started_at=timezone.now())
    actor = batch.requested_by or User.objects.filter(role="admin").first()
    generate = {
        Document.Kind.SHEET: services.sheet_generate,
        Document.Kind.AGREEMENT: services.agreement_generate,
        Document.Kind.AGREEMENT_DOCX: services.agreement_docx_generate,
    }[batch.kind]
    produced = []
    operations = Operation.objects.in_bulk(batch.operation_ids)
    for operation_id in batch.operation_ids:
        operation = operations.get(operation_id)
        try:
            if operation is None:
                raise LookupError("opération introuvable")
            produced.append(generate(actor=actor, operation=operation))
        except Exception as exc:  # noqa: BLE001 — one failure must not stop the others
            failures = DocumentBatch.objects.get(pk=batch_id).failures
            reference = operation.reference if operation else f"#{operation_id}"
            text = " ".join(getattr(exc, "messages", [str(exc)]))
            DocumentBatch.objects.filter(pk=batch_id).update(
                failures=failures + [{"operation": reference, "error": text}]
            )
        else:
            DocumentBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in produced:
            with document.file.open("rb") as handle:
                archive.writestr(document.filename, handle.read())
    batch.refresh_from_db()
    batch.archive.save(
        f"lot-{batch.pk}-{batch.kind}.zip", ContentFile(buffer.getvalue()), save=False
    )
    batch.finished_at = timezone.now()
    batch.save(update_fields=["archive", "finished_at"])
    return len(produced)
