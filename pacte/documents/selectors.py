"""Reads of documents and batches, scoped by the access policy (`pacte.core.policy`): a partner
reads only its own operations' documents; the batches are the Département's."""

from django.db.models import QuerySet
from django.http import Http404

from pacte.core import policy
from pacte.core.ids import valid_id
from pacte.operations.models import Operation
from pacte.operations.selectors import operation_get

from .models import Document, DocumentBatch, SignatureStep
from .services import signing_refusal


def _in_range(pk: object) -> bool:
    """A database id is a positive 64-bit integer: anything else designates nothing."""
    return valid_id(pk) is not None


def document_list(*, user: policy.Viewer, operation: Operation) -> list[Document]:
    """The documents of an operation read through the operations' selector, each with its next
    pending signature step (or None) and what `user` may do with it: `can_prepare_signature`
    (freeze it and open the signature) and `can_sign` (sign the step whose turn it is)."""
    documents = list(
        policy.scope(user, "document", Document.objects.filter(operation=operation))
        .select_related("generated_by", "operation__contract")
        .prefetch_related("signatures__signed_by")
    )
    for document in documents:
        document.next_step = next((s for s in document.signatures.all() if not s.done), None)
        document.can_prepare_signature = (
            document.kind == Document.Kind.AGREEMENT
            and not document.frozen
            and policy.allows(user, "document", "prepare_signature", document)
        )
        document.can_sign = document.next_step is not None and not signing_refusal(
            user, document, document.next_step
        )
    return documents


def document_get(*, user: policy.Viewer, operation_pk: int, pk: int) -> Document:
    """A document of the operation named in the URL: a document of another operation, of
    another partner or of no one is not found."""
    operation = operation_get(user=user, pk=operation_pk)
    document = next((d for d in document_list(user=user, operation=operation) if d.pk == pk), None)
    if document is None:
        raise Http404("Document introuvable.")
    return document


def signed_step(document: Document) -> SignatureStep | None:
    """The last signature recorded on `document` (its file is the signed PDF), or None."""
    return next(
        (s for s in sorted(document.signatures.all(), key=lambda s: -s.order) if s.done), None
    )


def batch_list(*, user: policy.Viewer) -> QuerySet[DocumentBatch]:
    return policy.scope(user, "batch", DocumentBatch.objects.all()).select_related("requested_by")


def batch_get(*, user: policy.Viewer, pk: int) -> DocumentBatch:
    batch = batch_list(user=user).filter(pk=pk).first() if _in_range(pk) else None
    if batch is None:
        raise Http404("Lot introuvable.")
    return batch


def batch_archive_get(*, user: policy.Viewer, pk: int) -> DocumentBatch:
    """A batch whose archive is built (404 until then)."""
    batches = batch_list(user=user).exclude(archive="")
    batch = batches.filter(pk=pk).first() if _in_range(pk) else None
    if batch is None:
        raise Http404("Archive introuvable.")
    return batch
