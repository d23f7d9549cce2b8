from django.http import Http404

from pacte.operations.selectors import operation_get

from .models import Document


def document_list(*, user, operation) -> list[Document]:
    """The documents of an operation already read through the user-scoped selector, each with
    its next pending signature step (or None)."""
    documents = list(
        Document.objects.filter(operation=operation)
        .select_related("generated_by")
        .prefetch_related("signatures__signed_by")
    )
    for document in documents:
        document.next_step = next((s for s in document.signatures.all() if not s.done), None)
    return documents


def document_get(*, user, operation_pk: int, pk: int) -> Document:
    operation = operation_get(user=user, pk=operation_pk)
    document = next((d for d in document_list(user=user, operation=operation) if d.pk == pk), None)
    if document is None:
        raise Http404("Document introuvable.")
    return document
