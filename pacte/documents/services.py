"""Generating, storing, freezing and signing documents."""

import datetime
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from pacte.core import files, policy, supervision
from pacte.core.audit import audit
from pacte.core.french import format_date, format_money, format_time
from pacte.core.models import User
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW, SIGN_AGREEMENT

from . import notifications as document_notifications
from . import rendering, signing, tasks
from .docx import agreement_docx
from .models import (
    FILE_NAMES,
    Document,
    DocumentBatch,
    Signatory,
    SignatureStep,
    SigningCertificate,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_store(
    *,
    actor: User | None,
    operation: Operation | None,
    kind: str,
    template: str,
    data: dict[str, Any],
    content: bytes,
    content_type: str = "application/pdf",
    signature_fields: list[dict[str, Any]] | None = None,
) -> Document:
    """Save a new version of a document. A document of no operation (a deliberation, a report,
    the minutes) is known by the `reference` of its data (« 2022-317 »): its versions, file
    name and audit follow it."""
    if operation is not None:
        versions = Document.objects.filter(operation=operation, kind=kind)
        reference = operation.reference
    else:
        reference = data.get("reference") or ""
        if not reference:
            raise ValueError("A document of no operation needs a reference in its data.")
        versions = Document.objects.filter(
            operation__isnull=True, kind=kind, data__reference=reference
        )
    version = (versions.aggregate(m=Max("version"))["m"] or 0) + 1
    document = Document(
        kind=kind,
        operation=operation,
        version=version,
        template_name=template,
        template_sha256=rendering.template_sha256(template) if template.endswith(".typ") else "",
        data=data,
        sha256=hashlib.sha256(content).hexdigest(),
        generated_by=actor,
        content_type=content_type,
        signature_fields=signature_fields or [],
    )
    files.save(document.file, document.filename, content)
    document.save()
    audit(
        actor=actor,
        action="document.generate",
        obj=document,
        summary=f"Génération : {document} de {reference}",
        data={"sha256": document.sha256},
    )
    return document


@transaction.atomic
def sheet_generate(*, actor: User | None, operation: Operation) -> Document:
    policy.require(actor, "document", "generate", Document(operation=operation))
    data = rendering.sheet_data(operation)
    pdf = rendering.render_pdf("sheet.typ", data, dated=timezone.now())
    return document_store(
        actor=actor,
        operation=operation,
        kind=Document.Kind.SHEET,
        template="sheet.typ",
        data=data,
        content=pdf,
    )


def _agreement_inputs(
    operation: Operation, department_signatory: str, partner_signatory: str
) -> dict[str, Any]:
    if operation.state not in Operation.VOTED_STATES:
        raise ValidationError("La convention suit le vote de la subvention.")
    partner = operation.contract.partner
    president = _party_signatory(Signatory.Side.DEPARTMENT, None)
    representative = _party_signatory(Signatory.Side.PARTNER, partner.pk)
    return rendering.agreement_data(
        operation,
        department_signatory=department_signatory.strip()
        or (str(president) if president else "le Président du Conseil départemental"),
        partner_signatory=partner_signatory.strip()
        or (str(representative) if representative else "")
        or (
            f"{partner.representative}, {partner.representative_title}".strip(", ")
            or "son représentant légal"
        ),
    )


class SignatureStarted(ValidationError):
    """The document's signature has started: it is not generated again."""


def _refuse_if_signing(operation: Operation) -> None:
    current = (
        Document.objects.filter(operation=operation, kind=Document.Kind.AGREEMENT)
        .order_by("-version")
        .first()
    )
    if current is not None and current.frozen:
        waiting = current.signatures.filter(signed_at__isnull=True).exists()
        raise SignatureStarted(
            f"La convention v{current.version} est "
            f"{'en cours de signature' if waiting else 'signée'} : elle n'est pas régénérée."
        )


@transaction.atomic
def agreement_generate(
    *,
    actor: User | None,
    operation: Operation,
    department_signatory: str = "",
    partner_signatory: str = "",
) -> Document:
    policy.require(actor, "document", "generate", Document(operation=operation))
    _refuse_if_signing(operation)
    data = _agreement_inputs(operation, department_signatory, partner_signatory)
    pdf = rendering.render_pdf("agreement.typ", data, dated=timezone.now())
    return document_store(
        actor=actor,
        operation=operation,
        kind=Document.Kind.AGREEMENT,
        template="agreement.typ",
        data=data,
        content=pdf,
        signature_fields=rendering.signature_fields("agreement.typ", data),
    )


@transaction.atomic
def agreement_docx_generate(
    *,
    actor: User | None,
    operation: Operation,
    department_signatory: str = "",
    partner_signatory: str = "",
) -> Document:
    policy.require(actor, "document", "generate", Document(operation=operation))
    # The editable text serves before signing: once the signature has started, the signed PDF
    # is the convention, and a DOCX of other words (a signatory renamed since) would contradict it.
    _refuse_if_signing(operation)
    data = _agreement_inputs(operation, department_signatory, partner_signatory)
    docx = agreement_docx(data, dated=timezone.now())
    return document_store(
        actor=actor,
        operation=operation,
        kind=Document.Kind.AGREEMENT_DOCX,
        template="docx.py",
        data=data,
        content=docx,
        content_type=DOCX_TYPE,
    )


@transaction.atomic
def signing_start(
    *, actor: User | None, document: Document, order: list[str]
) -> list[SignatureStep]:
    """Freeze the document and set who signs in which order."""
    policy.require(actor, "document", "prepare_signature", document)
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("operation__contract")
        .get(pk=document.pk)
    )
    policy.require(actor, "document", "prepare_signature", document)
    if document.kind != Document.Kind.AGREEMENT:
        raise ValidationError("Seule la convention (PDF) se signe.")
    if document.frozen:
        raise ValidationError("La signature de ce document a déjà commencé.")
    closed = _closed_operation(document)
    if closed:
        raise ValidationError(closed)
    if sorted(order) != sorted(SignatureStep.Signer.values):
        raise ValidationError("Indiquez l'ordre des deux signataires.")
    newer = Document.objects.filter(
        operation=document.operation, kind=document.kind, version__gt=document.version
    ).exists()
    if newer:
        raise ValidationError("Une version plus récente de ce document existe.")
    unsigned = missing_signatories(document)
    if unsigned:
        raise ValidationError(unsigned)
    document.frozen = True
    document.save(update_fields=["frozen"])
    steps = [
        SignatureStep.objects.create(document=document, order=i, signer=signer)
        for i, signer in enumerate(order, start=1)
    ]
    audit(
        actor=actor,
        action="document.signing_start",
        obj=document,
        summary=f"Signature de {document} ouverte : "
        + " puis ".join(str(SignatureStep.Signer(signer).label).lower() for signer in order),
    )
    _notify_next(actor, document)
    return steps


def _notify_next(actor: User | None, document: Document) -> None:
    """Tell the next signer's side that the convention waits for its signature."""
    step = document.signatures.filter(signed_at__isnull=True).order_by("order").first()
    operation = document.operation
    if step is None or operation is None:
        return
    rights = _rights(step.signer, operation.contract.partner_id, timezone.localdate())
    signers = list(User.objects.filter(pk__in=rights.values("user_id"), is_active=True))
    document_notifications.notify_next_signature(
        actor=actor, document=document, step=step, signers=signers
    )


def missing_signatories(document: Document) -> str:
    """Why the signature of `document` cannot open yet ("" when it can): a side for which no
    one holds a right to sign today, whose step no one could ever sign."""
    operation = document.operation
    if operation is None:
        return ""
    partner = operation.contract.partner
    today = timezone.localdate()
    missing = []
    if not _rights(Signatory.Side.DEPARTMENT, None, today).exists():
        missing.append(
            "pour le Département, son Président (droit « Président(e) du Conseil "
            "départemental ») ou un délégataire désigné par arrêté"
        )
    if not _rights(Signatory.Side.PARTNER, partner.pk, today).exists():
        missing.append(
            f"pour {partner.name}, son représentant légal (nom et qualité), parmi les "
            "utilisateurs du partenaire"
        )
    if not missing:
        return ""
    return (
        "La signature ne peut pas s'ouvrir : personne n'est enregistré pour la signer "
        f"{' ni '.join(missing)}. Un administrateur l'enregistre d'abord (administration, "
        "« Signataires »)."
    )


def active_signatory(
    user: policy.Viewer, side: str, partner_id: int | None, day: datetime.date | None = None
) -> Signatory | None:
    """`user`'s right to sign for `side` (for the partner `partner_id`) on `day`: a delegation
    or an office in force, or None."""
    user_id: int | None = getattr(user, "pk", None)
    if user_id is None:
        return None
    return _rights(side, partner_id, day or timezone.localdate()).filter(user_id=user_id).first()


def holds_a_right_to_sign(user: User, obj: Any = None) -> bool:
    """Whether `user` holds a right to sign in force today: for the Département, or for the
    partner of the document `obj` when there is one (any partner when `obj` is None)."""
    day = timezone.localdate()
    rights = _rights(Signatory.Side.DEPARTMENT, None, day)
    operation = getattr(obj, "operation", None) if isinstance(obj, Document) else None
    if operation is not None:
        rights = rights | _rights(Signatory.Side.PARTNER, operation.contract.partner_id, day)
    elif obj is None:
        rights = rights | _in_force(Signatory.objects.filter(side=Signatory.Side.PARTNER), day)
    return rights.filter(user_id=user.pk).exists()


def _in_force(rights: QuerySet[Signatory], day: datetime.date) -> QuerySet[Signatory]:
    """The rights in force on `day`: started, not ended, not revoked (by now)."""
    return (
        rights.filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=timezone.now()))
    )


def _rights(side: str, partner_id: int | None, day: datetime.date) -> QuerySet[Signatory]:
    """The rights to sign for `side` (the partner `partner_id`) in force on `day`."""
    rights = _in_force(Signatory.objects.filter(side=side), day)
    if side == Signatory.Side.PARTNER:
        rights = rights.filter(partner__isnull=False, partner__pk=partner_id or 0)
    else:
        # For the Département: its Président, or a delegate by arrêté; no one else.
        rights = rights.filter(Q(is_president=True) | ~Q(delegation=""))
    return rights.order_by("-starts_on", "-pk")


def _party_signatory(side: str, partner_id: int | None) -> Signatory | None:
    """The holder of the office who signs for a party (no delegation): the Président (the
    right marked so, whatever its quality says), or the partner's legal representative, as
    recorded today."""
    rights = _rights(side, partner_id, timezone.localdate()).filter(delegation="")
    if side == Signatory.Side.DEPARTMENT:
        rights = rights.filter(is_president=True)
    return rights.first()


def _closed_operation(document: Document) -> str:
    """Why the convention of `document` no longer gets signed ("" while its subsidy stands)."""
    operation = document.operation
    if operation is None or operation.state in Operation.VOTED_STATES:
        return ""
    return (
        f"L'opération est « {operation.get_state_display().lower()} » : sa convention ne se "
        "signe plus."
    )


def signing_refusal(actor: policy.Viewer, document: Document, step: SignatureStep | None) -> str:
    """Why `actor` may not sign `step` of `document` now ("" when they may). Each side signs
    its own step: the Département's by those who instruct, the partner's by the partner's own
    users, and by no one else."""
    if step is None:
        return "Ce document n'attend aucune signature."
    refusal = _closed_operation(document)
    if refusal:
        return refusal
    if not policy.allows(actor, "document", "sign", document):
        return f"Votre rôle ne permet pas de {policy.rule('document', 'sign').description}."
    # `sign` allows those who instruct (any document) and the partner (its own documents):
    # the partner's users sign the partner's step, the others the Département's.
    for_partner = policy.is_own(actor, "document", document)
    if step.signer == SignatureStep.Signer.DEPARTMENT and for_partner:
        return "C'est au tour du Département de signer."
    if step.signer == SignatureStep.Signer.PARTNER and not for_partner:
        return "C'est au tour du partenaire de signer."
    partner_id = document.operation.contract.partner_id if document.operation else None
    right = active_signatory(actor, step.signer, partner_id)
    if right is None:
        if step.signer == SignatureStep.Signer.DEPARTMENT:
            return (
                "Vous ne détenez pas de délégation de signature en cours : le Département "
                "signe par son Président ou par un délégataire désigné par arrêté."
            )
        return (
            "Seul le représentant légal du partenaire, enregistré comme signataire, signe pour lui."
        )
    return _beyond_delegation(right, document)


def _beyond_delegation(right: Signatory, document: Document) -> str:
    """Why a delegation limited in amount does not cover the document's subsidy ("" when it
    does)."""
    granted = document.operation.granted_amount if document.operation else None
    if right.max_amount is None or granted is None or granted <= right.max_amount:
        return ""
    return (
        f"Votre délégation ({right.delegation}) couvre les conventions dont la subvention ne "
        f"dépasse pas {format_money(right.max_amount)} ; celle-ci porte sur "
        f"{format_money(granted)} : elle est signée par le Président ou par un délégataire "
        "dont la délégation la couvre."
    )


def current_file(document: Document) -> bytes:
    """The document as last signed (or as generated), checked against the hash recorded then:
    nothing is signed on top of a file that changed since."""
    last = document.signatures.filter(signed_at__isnull=False).order_by("-order").first()
    since = "sa dernière signature" if last is not None else "sa génération"
    try:
        if last is not None:
            return files.read_checked(last.file, last.sha256)
        return files.read_checked(document.file, document.sha256)
    except files.StoredFileError as exc:
        if exc.status == 404:
            raise ValidationError(
                "Le fichier à signer est introuvable sur le serveur : rien n'a été signé. "
                "Signalez-le à l'administrateur."
            ) from exc
        raise ValidationError(
            f"Le fichier à signer a changé depuis {since} : son empreinte SHA-256 n'est plus "
            "celle enregistrée alors (il a été remplacé ou altéré). Rien n'a été signé ; "
            "signalez-le à l'administrateur."
        ) from exc


@transaction.atomic
def document_sign(*, actor: User, document: Document) -> SignatureStep:
    """Sign the document as the next signer in the order set, if the actor is that signer (a
    person: the system signs nothing)."""
    policy.require(actor, "document", "sign", document)
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("operation__contract__partner__commune")
        .get(pk=document.pk)
    )
    policy.require(actor, "document", "sign", document)
    step = document.signatures.filter(signed_at__isnull=True).order_by("order").first()
    if step is None:
        raise ValidationError("Ce document est déjà signé par tous ses signataires.")
    refusal = signing_refusal(actor, document, step)
    if refusal:
        raise PermissionDenied(refusal)
    operation = document.operation
    if operation is None:  # `signing_start` opens the signature of an operation's agreement only
        raise ValidationError("Seule la convention (PDF) se signe.")
    partner = operation.contract.partner
    right = active_signatory(actor, step.signer, partner.pk)
    if right is None:  # checked by `signing_refusal`: a right that ended meanwhile
        raise PermissionDenied("Votre droit de signer n'est plus en cours.")
    location: str | None = None  # where the partner signs is not known, but a commune's seat
    if step.signer == SignatureStep.Signer.DEPARTMENT:
        organisation, location = "Département du Pas-de-Calais", settings.PACTE_SIGNING_LOCATION
    else:
        organisation = partner.name
        if partner.commune is not None:
            location = partner.commune.name
    now = timezone.now()
    field = next((f for f in document.signature_fields if f.get("signer") == step.signer), None)
    # Under the Président's name printed in the block, a delegate signs « pour le Président
    # et par délégation » (the arrêté is in the signature's reason and on the check page).
    on_behalf = (
        "Pour le Président et par délégation,"
        if step.signer == SignatureStep.Signer.DEPARTMENT and right.delegation
        else ""
    )
    appearance = (
        signing.Appearance.in_field(
            field,
            signed_by=right.name,
            quality=right.quality if on_behalf else right.capacity,
            at=f"{format_date(now)} à {format_time(timezone.localtime(now))}",
            on_behalf=on_behalf,
        )
        if field is not None
        else None
    )
    with signing.signer_for(
        key_id=f"signataire-{right.pk}", common_name=right.name, organisation=organisation
    ) as signer:
        signed = signing.sign_pdf(
            current_file(document),
            field_name=f"Signature{step.order}",
            appearance=appearance,
            signer=signer,
            signer_name=right.name,
            location=location,
            reason=f"Convention {operation.reference}, signée par {right.signs_as}"[:250],
        )
        certificate = signer.signing_cert
    if certificate is not None and signing.issued_by_pacte(certificate):
        # Known to the authority from now on: revoked with the right.
        SigningCertificate.objects.get_or_create(
            serial=str(certificate.serial_number),
            defaults={"signatory": right, "not_after": certificate.not_valid_after},
        )
    step.signed_by = actor
    step.signed_as = right.signs_as[:400]
    step.signed_at = now
    step.sha256 = hashlib.sha256(signed).hexdigest()
    files.save(step.file, f"{document.filename[:-4]}-signe-{step.order}.pdf", signed)
    step.save()
    audit(
        actor=actor,
        action="document.sign",
        obj=document,
        summary=f"Signature de {document} par {step.get_signer_display().lower()}",
        data={"sha256": step.sha256, "signed_as": step.signed_as},
    )
    all_signed = not document.signatures.filter(signed_at__isnull=True).exists()
    if all_signed and operation.state == Operation.State.VOTED:
        OPERATION_WORKFLOW.apply(
            operation,
            SIGN_AGREEMENT,
            actor=actor,
            reason=f"Convention signée (empreinte {step.sha256[:12]}…)",
        )
    if all_signed:
        document_notifications.notify_signed(actor=actor, document=document)
    else:
        _notify_next(actor, document)
    return step


def batch_start(
    *, actor: User | None, kind: str, operations: Iterable[Operation], label: str
) -> DocumentBatch:
    """Queue a batch of documents; the worker generates them and builds the archive."""
    policy.require(actor, "batch", "create")
    ids = [o.pk for o in operations]
    if not ids:
        raise ValidationError("Aucune opération sélectionnée.")
    if kind not in Document.Kind.values:
        raise ValidationError("Nature de document inconnue.")
    batch = DocumentBatch.objects.create(
        kind=kind, label=label, operation_ids=ids, total=len(ids), requested_by=actor
    )
    audit(
        actor=actor,
        action="document.batch",
        obj=batch,
        summary=f"Lot « {label} » : {len(ids)} document(s)",
    )
    transaction.on_commit(lambda: tasks.generate_batch.enqueue(batch.pk, batch.attempt))
    return batch


@transaction.atomic
def batch_relaunch(*, actor: User | None, batch: DocumentBatch) -> DocumentBatch:
    """Start an interrupted batch again: its new run generates only the documents it does not
    hold yet."""
    policy.require(actor, "batch", "relaunch", batch)
    locked = DocumentBatch.objects.select_for_update().get(pk=batch.pk)
    locked = supervision.relaunch(locked, actor=actor)
    transaction.on_commit(lambda: tasks.generate_batch.enqueue(locked.pk, locked.attempt))
    return locked


BATCH_GENERATORS: dict[str, Callable[..., Document]] = {
    Document.Kind.SHEET: sheet_generate,
    Document.Kind.AGREEMENT: agreement_generate,
    Document.Kind.AGREEMENT_DOCX: agreement_docx_generate,
}
# Errors of the database stop the run (it is then interrupted and can be started again); any
# other error is the operation's own, recorded as a failure of the batch.
RUN_STOPPING_ERRORS = (OperationalError, InterfaceError)


def batch_item(
    *,
    run: supervision.Run[DocumentBatch],
    batch: DocumentBatch,
    operation: Operation | None,
    operation_id: int,
) -> Document | None:
    """Generate the batch's document for one operation and record it in the batch, in one
    transaction: a run stopped anywhere leaves both or neither. An operation already processed
    (by an earlier run of the batch) is skipped; a failure is recorded in the batch, and the
    run goes on. `Superseded` when the batch was started again or interrupted meanwhile."""
    generate = BATCH_GENERATORS[batch.kind]
    try:
        with transaction.atomic():
            locked = run.lock()
            if operation_id in locked.processed_ids:
                return None
            if operation is None:
                raise LookupError("opération introuvable")
            document = generate(actor=batch.requested_by, operation=operation)
            run.update(
                processed_ids=[*locked.processed_ids, operation_id],
                document_ids=[*locked.document_ids, document.pk],
                done=F("done") + 1,
            )
            return document
    except (supervision.Superseded, *RUN_STOPPING_ERRORS):
        raise
    except SignatureStarted as exc:
        reason = " ".join(exc.messages)
        skipped = {"operation": _reference_of(operation, operation_id), "reason": reason}
        _record_outcome(run, operation_id, skipped=skipped)
        return None
    except Exception as exc:  # noqa: BLE001 — one failure must not stop the others
        text = " ".join(getattr(exc, "messages", [str(exc)]))
        _record_outcome(
            run,
            operation_id,
            failure={"operation": _reference_of(operation, operation_id), "error": text},
        )
        return None


def _reference_of(operation: Operation | None, operation_id: int) -> str:
    return operation.reference if operation else f"#{operation_id}"


def _record_outcome(
    run: supervision.Run[DocumentBatch],
    operation_id: int,
    *,
    failure: dict[str, str] | None = None,
    skipped: dict[str, str] | None = None,
) -> None:
    """An operation of the batch processed without a document: failed, or left as it is."""
    with transaction.atomic():
        locked = run.lock()
        if operation_id in locked.processed_ids:
            return
        fields: dict[str, Any] = {"processed_ids": [*locked.processed_ids, operation_id]}
        if failure:
            fields["failures"] = [*locked.failures, failure]
        if skipped:
            fields["skipped"] = [*locked.skipped, skipped]
        run.update(**fields)


@transaction.atomic
def batch_finish(*, run: supervision.Run[DocumentBatch]) -> DocumentBatch:
    """Build the archive of every document the batch holds, in the order of its operations,
    and mark it done."""
    locked = run.lock()
    documents = Document.objects.filter(pk__in=locked.document_ids).select_related("operation")
    order = {operation_id: index for index, operation_id in enumerate(locked.operation_ids)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in sorted(documents, key=lambda d: order.get(d.operation_id, len(order))):
            # Each file as it was generated: an altered one stops the archive (checked).
            archive.writestr(document.filename, files.read_checked(document.file, document.sha256))
    slug = FILE_NAMES[Document.Kind(locked.kind)]
    content = buffer.getvalue()
    files.save(locked.archive, f"lot-{locked.pk}-{slug}.zip", content)
    run.finish(archive=locked.archive.name, archive_sha256=hashlib.sha256(content).hexdigest())
    audit(
        actor=None,
        action="document.batch_done",
        obj=locked,
        summary=f"Lot « {locked.label} » terminé : {locked.done} document(s), "
        f"{len(locked.failures)} échec(s)",
        data={"attempt": locked.attempt},
    )
    locked.refresh_from_db()
    return locked
