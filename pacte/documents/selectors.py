"""Reads of documents and batches, scoped by the access policy (`pacte.core.policy`): a partner
reads only its own operations' documents; the batches are the Département's."""

import hashlib
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from pacte.core import files, policy
from pacte.core.french import format_date, format_time
from pacte.core.ids import valid_id
from pacte.operations.models import Operation
from pacte.operations.selectors import operation_get

from . import signing
from .models import Document, DocumentBatch, Signatory, SignatureStep
from .services import active_signatory, missing_signatories, signing_refusal


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
        document.missing_signatories = (
            missing_signatories(document) if document.can_prepare_signature else ""
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


def signing_right(user: policy.Viewer, document: Document) -> Signatory | None:
    """The right by which `user` would sign the document's next step (None: none)."""
    step = document.next_step
    if step is None or document.operation is None:
        return None
    return active_signatory(user, step.signer, document.operation.contract.partner_id)


def signed_step(document: Document) -> SignatureStep | None:
    """The last signature recorded on `document` (its file is the signed PDF), or None."""
    return next(
        (s for s in sorted(document.signatures.all(), key=lambda s: -s.order) if s.done), None
    )


def download_name(document: Document) -> str:
    """The file name of the document's current signed file: « …-signe.pdf » once every
    signature is recorded, « …-signature-1-sur-2.pdf » on the way."""
    steps = list(document.signatures.all())
    done = sum(1 for s in steps if s.done)
    stem = document.filename[:-4]
    return (
        f"{stem}-signe.pdf"
        if done == len(steps)
        else f"{stem}-signature-{done}-sur-{len(steps)}.pdf"
    )


def _side(step: SignatureStep) -> str:
    """« le Département », « le partenaire »."""
    label = str(step.get_signer_display())
    return label[:1].lower() + label[1:]


@dataclass
class DocumentVerdict:
    """What « Vérifier les signatures » tells: each signature as checked, whether anything
    changed after the last one, whether every signature recorded is still in the file, and
    whether the stored file is still the one recorded when it was last signed (or generated)."""

    verification: signing.Verification
    hash_matches: bool
    missing: bool = False
    # The signatures recorded, by field (« Signature1 »): who signs (« le partenaire ») and in
    # what quality; and the signers still awaited, in their order.
    recorded: dict[str, tuple[str, str]] = field(default_factory=dict)
    awaited: list[str] = field(default_factory=list)
    # The signatures recorded that the file no longer carries (« la signature n°2 … »).
    lost: list[str] = field(default_factory=list)

    @property
    def awaited_text(self) -> str:
        """« du partenaire, puis du Département »: whose signatures are still awaited."""
        return ", puis ".join(
            "du partenaire" if who == "le partenaire" else "du Département" for who in self.awaited
        )

    @property
    def unsigned(self) -> bool:
        """Not signed yet: nothing to verify, and nothing wrong."""
        return not self.recorded and not self.missing and self.hash_matches

    @property
    def rows(self) -> list[tuple[signing.SignatureCheck, str, str]]:
        """Each signature found in the file, with the side and quality recorded for it."""
        return [
            (check, *self.recorded.get(check.field, ("", "")))
            for check in self.verification.signatures
        ]

    @property
    def problems(self) -> list[str]:
        if self.unsigned:
            return []
        if self.missing:
            return [files.MISSING]
        found = []
        if not self.hash_matches:
            when = "lors de la dernière signature" if self.recorded else "lors de sa génération"
            found.append(
                f"Le fichier stocké ne correspond plus à l'empreinte SHA-256 enregistrée {when} : "
                "il a été remplacé ou altéré."
            )
        found += self.lost
        if not self.recorded:
            # Nothing signed yet: the file is judged by its hash alone.
            return found
        return found + self.verification.problems

    @property
    def ok(self) -> bool:
        return not self.problems


def document_verdict(document: Document) -> DocumentVerdict:
    """Verify the stored file of `document` as last signed (a read: nothing is written)."""
    last = signed_step(document)
    stored, recorded = (last.file, last.sha256) if last else (document.file, document.sha256)
    steps = list(document.signatures.order_by("order"))
    done = [s for s in steps if s.signed_at is not None]
    signed = {f"Signature{s.order}": (_side(s), s.signed_as) for s in done}
    awaited = [_side(s) for s in steps if s.signed_at is None]
    try:
        content = files.read(stored)
    except (FileNotFoundError, ValueError):
        return DocumentVerdict(
            signing.Verification([]), hash_matches=False, missing=True, awaited=awaited
        )
    hash_matches = hashlib.sha256(content).hexdigest() == recorded
    if not signed:
        return DocumentVerdict(signing.Verification([]), hash_matches=hash_matches, awaited=awaited)
    verification = signing.verify_pdf(content)
    present = {check.field for check in verification.signatures}
    lost = [
        f"La signature n°{s.order} ({_side(s)}, enregistrée le {format_date(s.signed_at)} à "
        f"{format_time(timezone.localtime(s.signed_at))}) ne figure plus dans le fichier : il "
        "a été ramené à une version antérieure ou altéré."
        for s in done
        if f"Signature{s.order}" not in present and not verification.unreadable
    ]
    return DocumentVerdict(
        verification, hash_matches=hash_matches, recorded=signed, awaited=awaited, lost=lost
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
