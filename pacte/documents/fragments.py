"""What the documents app contributes to the operations' pages (see core.fragments): the
documents of an operation on its page, and batches of documents started from the list."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from pacte.core import fragments
from pacte.core.errors import flash_refusal
from pacte.core.french import plural_suffix

from .models import Document
from .selectors import document_list
from .services import batch_start


@fragments.provide("operation_detail", "documents")
def operation_documents(*, user, operation):
    return document_list(user=user, operation=operation)


@fragments.provide("operation_detail", "agreement_frozen")
def agreement_frozen(*, user, operation) -> bool:
    """Whether the convention's signature has started: it is then generated no more, in PDF
    or in DOCX, and its buttons are not offered."""
    return Document.objects.filter(
        operation=operation, kind=Document.Kind.AGREEMENT, frozen=True
    ).exists()


# « Fiches détaillées de 60 opérations »: each word of the nature in the plural.
BATCH_LABELS = {
    Document.Kind.SHEET: "Fiches détaillées",
    Document.Kind.AGREEMENT: "Conventions",
    Document.Kind.AGREEMENT_DOCX: "Conventions (DOCX modifiables)",
}


def _start(kind, *, request, operations, back):
    try:
        batch = batch_start(
            actor=request.user,
            kind=kind,
            operations=operations,
            label=f"{BATCH_LABELS[kind]} de {len(operations)} "
            f"opération{plural_suffix(len(operations))}",
        )
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect(back)
    return redirect("documents:batch", batch_pk=batch.pk)


@fragments.action("operation_batch", "agreements", "Générer les conventions (en arrière-plan)")
def agreements_batch(**kwargs):
    return _start(Document.Kind.AGREEMENT, **kwargs)


@fragments.action("operation_batch", "sheets", "Générer les fiches détaillées (en arrière-plan)")
def sheets_batch(**kwargs):
    return _start(Document.Kind.SHEET, **kwargs)
