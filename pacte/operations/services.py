"""Every write on operations, financing plans, attachments, messages and commitments."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.urls import reverse
from django.utils import timezone

from pacte.contracts.models import Contract, PriorityStake
from pacte.core import files, ids, notifications, policy
from pacte.core.audit import audit
from pacte.core.bulk import insert_many
from pacte.core.dates import add_years
from pacte.core.french import format_date, format_decimal, format_integer
from pacte.core.models import User
from pacte.core.workflow import HistoryRow
from pacte.territory.models import Commune, Territory

from . import notifications as operation_notifications
from .financing import plan_lines
from .models import (
    Annotation,
    Attachment,
    Expense,
    Follow,
    Message,
    Operation,
    OpinionRequest,
    ReciprocalCommitment,
    Resource,
)
from .workflows import (
    ANSWER_OPINION,
    CANCEL_OPINION,
    OPERATION_WORKFLOW,
    OPINION_WORKFLOW,
    RECIPROCAL_COMMITMENT_WORKFLOW,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Accepted files, recognised by their first bytes rather than by their name.
SIGNATURES = [
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
    (b"PK\x03\x04", "application/zip", {".docx", ".xlsx", ".odt", ".ods", ".zip"}),
]


class PartnerChanges(TypedDict, total=False):
    """What the partner describes of its operation (see `operation_update`)."""

    title: str
    description: str
    category: str
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    vat_recovered: bool
    derogation: str
    derogation_order: str


class SheetChanges(TypedDict, total=False):
    """The detailed sheet, written by the Département (see `operation_update`)."""

    shared_objectives: str
    environment: str
    territorial_reach: str
    usage_terms: str
    proposed_subsidy_amount: Decimal | None
    justification_policies: str
    justification_dynamics: str
    justification_cofunding: str
    early_start_authorised_on: datetime.date | None


class OperationChanges(PartnerChanges, SheetChanges, total=False):
    pass


PARTNER_FIELDS = frozenset(PartnerChanges.__annotations__)
SHEET_FIELDS = frozenset(SheetChanges.__annotations__)


CLOSED = Operation.CLOSED_STATES


def _for_partner(actor: User | None, operation: Operation) -> bool:
    """Whether `actor` acts for the operation's partner (once the policy let it act at all):
    the partner holds the file only at some stages, the Département at others."""
    return actor is not None and policy.is_own(actor, "operation", operation)


def _locked(operation: Operation) -> Operation:
    return Operation.objects.select_for_update().select_related("contract").get(pk=operation.pk)


# --- Operation and financing plan ---------------------------------------------------------


@transaction.atomic
def operation_create(
    *,
    actor: User | None,
    contract: Contract,
    title: str,
    category: str,
    description: str = "",
    stakes: Iterable[PriorityStake] = (),
    communes: Iterable[Commune] = (),
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    vat_recovered: bool = True,
    is_demo: bool = False,
) -> Operation:
    policy.require(actor, "operation", "create", Operation(contract=contract))
    if contract.state not in Contract.IN_FORCE_STATES:
        raise ValidationError(
            "Les opérations se déposent sur un contrat voté ou signé "
            f"(ce contrat est « {contract.get_state_display().lower()} »)."
        )
    operation = Operation(
        contract=contract,
        title=title.strip(),
        description=description.strip(),
        category=category,
        planned_start=planned_start,
        planned_end=planned_end,
        vat_recovered=vat_recovered,
        created_by=actor,
        is_demo=is_demo,
    )
    operation.full_clean(exclude=["reference"])
    operation_insert(operation)
    _set_links(operation, stakes=stakes, communes=communes)
    audit(
        actor=actor,
        action="operation.create",
        obj=operation,
        summary=f"Opération « {operation.title} » créée",
    )
    return operation


def operation_insert(operation: Operation) -> Operation:
    """Save a new operation with its reference, OP-<first year of its generation>-<id>: the id
    makes it unique. Every operation gets its reference here or in `operations_insert` (a
    deposit, the history import)."""
    return operations_insert([operation])[0]


def operations_insert(operations: list[Operation]) -> list[Operation]:
    """Save new operations at once, each with its reference (see `operation_insert`): their ids
    are reserved first, so that each row is written once, reference included."""
    for operation, pk in zip(operations, ids.reserve(Operation, len(operations)), strict=True):
        year = operation.contract.generation.period_start.year
        operation.pk = pk
        operation.reference = f"OP-{year}-{pk:05d}"
    insert_many(operations)
    return operations


def _set_links(
    operation: Operation,
    *,
    stakes: Iterable[PriorityStake] | None = None,
    communes: Iterable[Commune] | None = None,
) -> None:
    if stakes is not None:
        stakes = list(stakes)
        if any(s.contract_id != operation.contract_id for s in stakes):
            raise ValidationError("Les enjeux servis sont ceux du contrat de l'opération.")
        operation.stakes.set(stakes)
    if communes is not None:
        operation.communes.set(list(communes))


@transaction.atomic
def operation_update(
    *,
    actor: User | None,
    operation: Operation,
    stakes: Iterable[PriorityStake] | None = None,
    communes: Iterable[Commune] | None = None,
    **fields: Unpack[OperationChanges],
) -> Operation:
    """Partner fields while the partner holds the file; sheet fields for the Département."""
    operation = _locked(operation)
    policy.require(actor, "operation", "change", operation)
    unknown = set(fields) - PARTNER_FIELDS - SHEET_FIELDS
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    if set(fields) & SHEET_FIELDS:
        # The detailed sheet is the Département's: « Votre rôle ne permet pas de rédiger… ».
        policy.require(actor, "operation", "sheet", operation)
    if _for_partner(actor, operation):
        if not operation.is_editable_by_partner:
            raise ValidationError(
                "L'opération est entre les mains du Département : elle ne se modifie plus "
                "de votre côté, sauf s'il vous demande des compléments."
            )
    elif operation.state not in Operation.DEPARTMENT_EDITABLE_STATES:
        raise ValidationError(
            f"L'opération est « {operation.get_state_display().lower()} » : "
            "elle ne se modifie plus."
        )
    changed = [name for name, value in fields.items() if getattr(operation, name) != value]
    for name in changed:
        setattr(operation, name, fields[name])  # type: ignore[literal-required]
    operation.full_clean(exclude=["reference"])
    operation.save(update_fields=[*changed, "updated_at"])
    _set_links(operation, stakes=stakes, communes=communes)
    audit(
        actor=actor,
        action="operation.update",
        obj=operation,
        summary=f"Opération {operation.reference} modifiée",
        data={"fields": changed},
    )
    return operation


@transaction.atomic
def financing_plan_set(
    *,
    actor: User | None,
    operation: Operation,
    # Lines as typed or sent (raw values, checked here).
    expenses: Iterable[Mapping[str, Any]],
    resources: Iterable[Mapping[str, Any]],
) -> Operation:
    """Replace the plan's expenses and resources, all or nothing."""
    operation = _locked(operation)
    policy.require(actor, "financing", "change", operation)
    editable = (
        operation.is_editable_by_partner
        if _for_partner(actor, operation)
        else operation.state in {Operation.State.DRAFT, *Operation.DEPARTMENT_EDITABLE_STATES}
    )
    if not editable:
        raise ValidationError("Le plan de financement de cette opération ne se modifie plus.")
    lines = plan_lines(operation, expenses, resources)
    if lines.problems:
        raise ValidationError(lines.problems)
    new_expenses, new_resources = lines.expenses, lines.resources
    operation.expenses.all().delete()
    operation.resources.all().delete()
    Expense.objects.bulk_create(new_expenses)
    Resource.objects.bulk_create(new_resources)
    operation.requested_fund_amount = sum(
        (r.amount for r in new_resources if r.funder == Resource.Funder.FIT), Decimal("0.00")
    )
    operation.save(update_fields=["requested_fund_amount", "updated_at"])
    audit(
        actor=actor,
        action="operation.financing",
        obj=operation,
        summary=f"Plan de financement de {operation.reference} enregistré",
        data={"expenses": len(new_expenses), "resources": len(new_resources)},
    )
    return operation


def sniff(head: bytes, name: str) -> str:
    """The content type recognised from the file's first bytes, checked against its name."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for magic, content_type, extensions in SIGNATURES:
        if head.startswith(magic):
            if extension not in extensions:
                raise ValidationError(f"Le fichier « {name} » ne correspond pas à son extension.")
            return content_type
    raise ValidationError(
        f"Le fichier « {name} » n'est pas d'un type accepté (PDF, PNG, JPEG, documents "
        "bureautiques DOCX, XLSX, ODT, ODS)."
    )


@transaction.atomic
def attachment_add(
    *, actor: User | None, operation: Operation, kind: str, upload: UploadedFile[bytes]
) -> Attachment:
    """Store a checked file (type sniffed, size limited, SHA-256); a new version each time."""
    operation = _locked(operation)
    policy.require(actor, "attachment", "create", Attachment(operation=operation))
    if operation.state in CLOSED:
        raise ValidationError("Cette opération est close : on n'y joint plus de pièce.")
    if kind not in Attachment.Kind.values:
        raise ValidationError("Choisissez le type de la pièce.")
    # Django gives every upload its size and name; the types allow None.
    size, name = upload.size, upload.name or ""
    if not size:
        raise ValidationError("Le fichier est vide.")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"Le fichier pèse {format_decimal(size / (1024 * 1024), 1)} Mio : 10 Mio au plus."
        )
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[:16]
        digest.update(chunk)
    content_type = sniff(head, name)
    upload.seek(0)
    version = (operation.attachments.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
    attachment = Attachment(
        operation=operation,
        kind=kind,
        version=version,
        original_name=name[:255],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    files.save(attachment.file, f"{operation.reference}-{kind}-v{version}", upload)
    attachment.save()
    audit(
        actor=actor,
        action="operation.attachment",
        obj=operation,
        summary=f"Pièce « {attachment.get_kind_display()} » v{version} jointe",
        data={"sha256": attachment.sha256, "name": attachment.original_name},
    )
    return attachment


@transaction.atomic
def message_post(
    *,
    actor: User | None,
    operation: Operation,
    body: str,
    is_information_request: bool = False,
    notify: bool = True,
) -> Message:
    """A message on the operation's exchange. The other side is notified (`notify`): the
    partner's users of the Département's message, the instructor (or the agents) and the
    followers of the partner's."""
    operation = Operation.objects.select_related("contract__partner", "assigned_to").get(
        pk=operation.pk
    )
    policy.require(actor, "message", "create", Message(operation=operation))
    body = body.strip()
    if not body:
        raise ValidationError("Le message est vide.")
    if len(body) > Message.MAX_LENGTH:
        raise ValidationError(
            f"Un message tient en {format_integer(Message.MAX_LENGTH)} caractères au plus "
            f"(celui-ci en a {format_integer(len(body))}) : joignez un document pour le reste."
        )
    message = Message.objects.create(
        operation=operation, author=actor, body=body, is_information_request=is_information_request
    )
    if not notify:
        return message
    if _for_partner(actor, operation):
        recipients = operation_notifications.department_users(operation)
    else:
        recipients = operation_notifications.partner_users(operation)
    operation_notifications.notify_operation(
        recipients,
        kind="information_request" if is_information_request else "message",
        operation=operation,
        actor=actor,
        anchor="demande" if is_information_request else "echanges",
        context={"author": actor, "body": body},
    )
    return message


# --- Transitions ---------------------------------------------------------------------------


@transaction.atomic
def operation_submit(*, actor: User | None, operation: Operation) -> HistoryRow:
    """The partner files the operation: the Département is told (its instructor, or the agents
    while it has none, and its followers)."""
    history = OPERATION_WORKFLOW.apply(
        operation, "submit", actor=actor, submitted_at=timezone.now()
    )
    operation_notifications.notify_operation(
        operation_notifications.department_users(operation),
        kind="operation_submitted",
        operation=operation,
        actor=actor,
        context={"author": actor, "partner": operation.contract.partner},
    )
    return history


def operation_take_charge(
    *, actor: User | None, operation: Operation, assignee: User | None = None
) -> HistoryRow:
    policy.require(actor, "operation", "take_charge", operation)
    assignee = assignee or actor
    _check_instructor(assignee)
    return OPERATION_WORKFLOW.apply(operation, "take_charge", actor=actor, assigned_to=assignee)


@transaction.atomic
def operation_request_changes(
    *, actor: User | None, operation: Operation, reason: str
) -> HistoryRow:
    history = OPERATION_WORKFLOW.apply(operation, "request_changes", actor=actor, reason=reason)
    message_post(actor=actor, operation=operation, body=reason, is_information_request=True)
    return history


@transaction.atomic
def operation_answer(*, actor: User | None, operation: Operation, body: str) -> HistoryRow:
    policy.require(actor, "operation", "answer", operation)
    if body.strip():
        message_post(actor=actor, operation=operation, body=body, notify=False)
    history = OPERATION_WORKFLOW.apply(operation, "answer", actor=actor, reason=body.strip())
    operation_notifications.notify_operation(
        operation_notifications.department_users(operation),
        kind="answer_received",
        operation=operation,
        actor=actor,
        anchor="demande",
        context={"author": actor, "body": body.strip()},
    )
    return history


def operation_mark_sheet_ready(*, actor: User | None, operation: Operation) -> HistoryRow:
    return OPERATION_WORKFLOW.apply(operation, "mark_sheet_ready", actor=actor)


def operation_reopen_review(*, actor: User | None, operation: Operation, reason: str) -> HistoryRow:
    return OPERATION_WORKFLOW.apply(operation, "reopen_review", actor=actor, reason=reason)


def operation_withdraw(*, actor: User | None, operation: Operation, reason: str) -> HistoryRow:
    return OPERATION_WORKFLOW.apply(operation, "withdraw", actor=actor, reason=reason)


def operation_start_works(
    *, actor: User | None, operation: Operation, started_on: datetime.date
) -> HistoryRow:
    return OPERATION_WORKFLOW.apply(
        operation, "start_works", actor=actor, works_started_on=started_on
    )


def _check_instructor(assignee: User | None) -> None:
    """Operations are instructed by the Département's active users whose role instructs."""
    if assignee is None or assignee.role not in policy.INSTRUCT.roles or not assignee.is_active:
        raise ValidationError("L'instructeur est un agent du Département en activité.")


@transaction.atomic
def operations_take_charge(
    *, actor: User | None, operations: Iterable[Operation], assignee: User | None = None
) -> int:
    """Batch: take in charge every submitted operation of the selection."""
    done = 0
    for operation in operations:
        if operation.state == Operation.State.SUBMITTED:
            operation_take_charge(actor=actor, operation=operation, assignee=assignee)
            done += 1
    return done


@transaction.atomic
def operations_assign(
    *, actor: User | None, operations: Iterable[Operation], assignee: User
) -> int:
    """Batch: give the selection to another instructor (not a state change)."""
    operations = list(
        Operation.objects.select_for_update()
        .select_related("contract")
        .filter(pk__in=[o.pk for o in operations])
        .order_by("pk")
    )
    policy.require(actor, "operation", "assign")
    _check_instructor(assignee)
    for operation in operations:
        policy.require(actor, "operation", "assign", operation)
    ids = [o.pk for o in operations]
    count = Operation.objects.filter(pk__in=ids).update(assigned_to=assignee)
    for operation in operations:
        audit(
            actor=actor,
            action="operation.assign",
            obj=operation,
            summary=f"{operation.reference} confiée à {assignee}",
        )
    return count


# --- Reciprocal commitments ----------------------------------------------------------------


@transaction.atomic
def commitment_add(
    *,
    actor: User | None,
    contract: Contract,
    kind: str,
    description: str,
    operation: Operation | None = None,
    target: Decimal | None = None,
    unit: str = "",
) -> ReciprocalCommitment:
    policy.require(
        actor, "reciprocal_commitment", "create", ReciprocalCommitment(contract=contract)
    )
    if operation is not None:
        policy.require(actor, "operation", "read", operation)
    if operation is not None and operation.contract_id != contract.pk:
        raise ValidationError("L'opération n'est pas celle de ce contrat.")
    commitment = ReciprocalCommitment(
        contract=contract,
        operation=operation,
        kind=kind,
        description=description.strip(),
        target=target,
        unit=unit.strip(),
    )
    commitment.full_clean()
    commitment.save()
    audit(
        actor=actor,
        action="reciprocal_commitment.add",
        obj=commitment,
        summary=f"Engagement réciproque « {commitment.description[:80]} »",
    )
    return commitment


@transaction.atomic
def commitment_report(
    *,
    actor: User | None,
    commitment: ReciprocalCommitment,
    achieved: Decimal | None = None,
    report: str = "",
    evidence: Iterable[Attachment] = (),
) -> ReciprocalCommitment:
    policy.require(actor, "reciprocal_commitment", "report", commitment)
    evidence = list(evidence)
    if any(a.operation.contract_id != commitment.contract_id for a in evidence):
        raise ValidationError("Les justificatifs sont des pièces des opérations du contrat.")
    RECIPROCAL_COMMITMENT_WORKFLOW.apply(
        commitment, "report", actor=actor, achieved=achieved, report=report.strip()
    )
    commitment.evidence.add(*evidence)
    return commitment


def commitment_validate(
    *, actor: User | None, commitment: ReciprocalCommitment, accept: bool, reason: str = ""
) -> HistoryRow:
    name = "validate" if accept else "refuse"
    return RECIPROCAL_COMMITMENT_WORKFLOW.apply(commitment, name, actor=actor, reason=reason)


# --- Instruction tools: annotations and opinions (the Département's, never the partner's) ---


def _text(text: str, *, what: str, limit: int) -> str:
    """`text` stripped, refused in French when empty, too long or holding a NUL character."""
    text = (text or "").strip()
    if "\x00" in text:
        raise ValidationError(f"{what} : le texte contient un caractère nul, qui ne s'écrit pas.")
    if not text:
        raise ValidationError(f"{what} : le texte est vide.")
    if len(text) > limit:
        raise ValidationError(
            f"{what} : {format_integer(limit)} caractères au plus "
            f"(le texte en a {format_integer(len(text))})."
        )
    return text


@transaction.atomic
def annotation_add(*, actor: User | None, operation: Operation, text: str) -> Annotation:
    """A private note of the Département's services on `operation`."""
    operation = Operation.objects.select_related("contract").get(pk=operation.pk)
    policy.require(actor, "annotation", "create", Annotation(operation=operation))
    annotation = Annotation.objects.create(
        operation=operation,
        author=actor,
        text=_text(text, what="Annotation", limit=Annotation.MAX_LENGTH),
    )
    audit(
        actor=actor,
        action="operation.annotation",
        obj=operation,
        summary=f"Annotation interne ajoutée à {operation.reference}",
        data={"annotation": annotation.pk},
    )
    return annotation


def _own_annotation(actor: User | None, annotation: Annotation) -> Annotation:
    annotation = (
        Annotation.objects.select_for_update()
        .select_related("operation__contract")
        .get(pk=annotation.pk)
    )
    policy.require(actor, "annotation", "change", annotation)
    return annotation


@transaction.atomic
def annotation_change(*, actor: User | None, annotation: Annotation, text: str) -> Annotation:
    annotation = _own_annotation(actor, annotation)
    annotation.text = _text(text, what="Annotation", limit=Annotation.MAX_LENGTH)
    annotation.edited_at = timezone.now()
    annotation.save(update_fields=["text", "edited_at"])
    audit(
        actor=actor,
        action="operation.annotation_change",
        obj=annotation.operation,
        summary=f"Annotation interne modifiée sur {annotation.operation.reference}",
        data={"annotation": annotation.pk},
    )
    return annotation


@transaction.atomic
def annotation_delete(*, actor: User | None, annotation: Annotation) -> None:
    annotation = _own_annotation(actor, annotation)
    operation, pk = annotation.operation, annotation.pk
    annotation.delete()
    audit(
        actor=actor,
        action="operation.annotation_delete",
        obj=operation,
        summary=f"Annotation interne supprimée de {operation.reference}",
        data={"annotation": pk},
    )


def opinion_due_refusal(due_on: datetime.date, today: datetime.date) -> str:
    """Why `due_on` cannot be an opinion's due date ("" when it can): from tomorrow (Europe/
    Paris) to a year from today."""
    if due_on <= today:
        when = "aujourd'hui" if due_on == today else f"le {format_date(due_on)}, passé"
        return (
            f"L'avis ne peut pas être attendu pour {when} : choisissez une échéance à partir "
            f"de demain, le {format_date(today + datetime.timedelta(days=1))}."
        )
    latest = add_years(today, 1)
    if due_on > latest:
        return (
            f"Une échéance d'avis est dans un an au plus : le {format_date(latest)} au plus "
            f"tard (et non le {format_date(due_on)})."
        )
    return ""


# The notifications about opinions, for the Département's services (pacte.core.notifications).
notifications.register_kind("opinion_requested", "Avis demandé", policy.SERVICES)
notifications.register_kind("opinion_answered", "Avis rendu", policy.SERVICES)
notifications.register_kind("opinion_reminder", "Avis attendu (rappel)", policy.SERVICES)


def _notify_opinion(
    recipient: User | None, *, kind: str, opinion: OpinionRequest, actor: User | None = None
) -> None:
    """Tell `recipient` about `opinion`, in his notifications and by mail (written in the
    caller's transaction); its subject names the operation, its text quotes the question or
    the answer."""
    if recipient is None:
        return
    operation = opinion.operation
    title = operation.title if len(operation.title) <= 80 else operation.title[:79] + "…"
    if kind == "opinion_answered":
        subject = f"Avis {opinion.get_verdict_display().lower()} rendu sur « {title} »"
        text = f"{opinion.get_verdict_display()} : {opinion.answer}"
    elif kind == "opinion_reminder":
        subject = f"Avis attendu pour le {format_date(opinion.due_on)} sur « {title} »"
        text = opinion.question
    else:
        subject = f"Avis demandé pour le {format_date(opinion.due_on)} sur « {title} »"
        text = opinion.question
    notifications.notify(
        [recipient],
        kind=kind,
        subject=subject,
        template=f"operations/mail/{kind}.txt",
        context={
            "opinion": opinion,
            "operation": operation,
            "due_on": format_date(opinion.due_on),
            "late": opinion.due_on < timezone.localdate(),
            "text": text,
        },
        url=reverse("operations:opinion_detail", args=[opinion.pk]),
        reference=operation.reference,
        actor=actor,
    )


@transaction.atomic
def opinion_request(
    *,
    actor: User | None,
    operation: Operation,
    addressee: User,
    question: str,
    due_on: datetime.date,
    service: str = "",
    house: Territory | None = None,
) -> OpinionRequest:
    """Ask `addressee` — an agent of another service (`service`) or of a Maison du Département
    (`house`) — for an opinion on `operation`, due on `due_on`; he is told by mail."""
    operation = Operation.objects.select_related("contract").get(pk=operation.pk)
    policy.require(actor, "opinion", "create", OpinionRequest(operation=operation))
    if operation.state in CLOSED:
        raise ValidationError(
            f"L'opération est « {operation.get_state_display().lower()} » : on n'y demande "
            "plus d'avis."
        )
    if (
        not addressee.is_active
        or addressee.role not in policy.roles_for("opinion", ANSWER_OPINION)
        or addressee.partner_id is not None
    ):
        raise ValidationError("L'avis se demande à un agent des services du Département.")
    if actor is not None and addressee.pk == actor.pk:
        raise ValidationError("Choisissez un autre destinataire que vous-même.")
    if bool(service) == (house is not None):
        raise ValidationError("Choisissez le service ou la Maison du Département consulté.")
    if service and service not in OpinionRequest.Service.values:
        raise ValidationError("Ce service n'est pas dans la liste.")
    if house is not None and not house.house_name:
        raise ValidationError("Ce territoire n'a pas de Maison du Département.")
    if not isinstance(due_on, datetime.date) or isinstance(due_on, datetime.datetime):
        raise ValidationError("Indiquez la date à laquelle l'avis est attendu.")
    refusal = opinion_due_refusal(due_on, timezone.localdate())
    if refusal:
        raise ValidationError(refusal)
    opinion = OpinionRequest.objects.create(
        operation=operation,
        requested_by=actor,
        addressee=addressee,
        service=service,
        house=house,
        question=_text(question, what="Question", limit=OpinionRequest.QUESTION_MAX_LENGTH),
        due_on=due_on,
    )
    audit(
        actor=actor,
        action="operation.opinion_request",
        obj=operation,
        summary=f"Avis demandé à {addressee} ({opinion.addressed_to}) sur {operation.reference}",
        data={"opinion": opinion.pk, "due_on": due_on.isoformat()},
    )
    _notify_opinion(addressee, kind="opinion_requested", opinion=opinion, actor=actor)
    return opinion


def _opinion_fresh(opinion: OpinionRequest) -> OpinionRequest:
    return OpinionRequest.objects.select_related(
        "operation__contract", "requested_by", "addressee", "house"
    ).get(pk=opinion.pk)


@transaction.atomic
def opinion_answer(
    *, actor: User | None, opinion: OpinionRequest, verdict: str, answer: str
) -> HistoryRow:
    """The addressee gives his opinion (favourable, réservé, défavorable, with its reasons);
    the requester is told by mail."""
    opinion = _opinion_fresh(opinion)
    policy.require(actor, "opinion", ANSWER_OPINION, opinion)
    if actor is None:
        raise PermissionDenied("Un avis est rendu par son destinataire, non par le système.")
    if verdict not in OpinionRequest.Verdict.values:
        raise ValidationError("Choisissez l'avis : favorable, réservé ou défavorable.")
    history = OPINION_WORKFLOW.apply(
        opinion,
        ANSWER_OPINION,
        actor=actor,
        verdict=verdict,
        answer=_text(answer, what="Motifs de l'avis", limit=OpinionRequest.ANSWER_MAX_LENGTH),
        answered_at=timezone.now(),
    )
    _notify_opinion(opinion.requested_by, kind="opinion_answered", opinion=opinion, actor=actor)
    return history


@transaction.atomic
def opinion_cancel(*, actor: User | None, opinion: OpinionRequest, reason: str = "") -> HistoryRow:
    """The requester (or the operation's instructor) withdraws a request not answered yet."""
    opinion = _opinion_fresh(opinion)
    policy.require(actor, "opinion", CANCEL_OPINION, opinion)
    if "\x00" in reason:
        raise ValidationError("Le motif contient un caractère nul, qui ne s'écrit pas.")
    return OPINION_WORKFLOW.apply(opinion, CANCEL_OPINION, actor=actor, reason=reason[:1000])


def opinion_mark_seen(*, actor: User | None, opinion: OpinionRequest) -> bool:
    """The requester has read the answer: it leaves his « answers received ». Whether this
    marked it (a read mark: no audit row)."""
    if actor is None or opinion.requested_by_id != actor.pk:
        return False
    marked = OpinionRequest.objects.filter(
        pk=opinion.pk,
        requested_by=actor,
        state=OpinionRequest.State.ANSWERED,
        answer_seen_at__isnull=True,
    ).update(answer_seen_at=timezone.now())
    return bool(marked)


def opinion_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind, once, the addressee of each opinion still awaited whose due date is near (at
    most `REMIND_DAYS_BEFORE` days away) or passed, asked at least a day ago. Run at each
    maintenance of the worker: each reminder is claimed by a conditional update in the
    transaction that queues its mail, so that two workers never send it twice. Returns how
    many were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = (
        OpinionRequest.objects.filter(
            state=OpinionRequest.State.REQUESTED,
            reminded_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=OpinionRequest.REMIND_DAYS_BEFORE),
            requested_at__lte=now - datetime.timedelta(days=1),
        )
        # An operation closed since (withdrawn, rejected…) awaits no opinion any more.
        .exclude(operation__state__in=Operation.CLOSED_STATES)
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            claimed = OpinionRequest.objects.filter(
                pk=pk, state=OpinionRequest.State.REQUESTED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue  # answered, cancelled or reminded meanwhile (another worker)
            opinion = _opinion_fresh(OpinionRequest(pk=pk))
            _notify_opinion(opinion.addressee, kind="opinion_reminder", opinion=opinion)
            sent += 1
    return sent


# --- Following a file ----------------------------------------------------------------------


@transaction.atomic
def operation_follow(*, actor: User | None, operation: Operation) -> Follow:
    """« Suivre ce dossier »: the actor (of the Département's services) receives the
    Département's notifications about the operation. Following twice changes nothing."""
    policy.require(actor, "operation", "follow", operation)
    if actor is None:
        raise ValidationError("Seule une personne suit un dossier.")
    follow, created = Follow.objects.get_or_create(user=actor, operation=operation)
    if created:
        audit(
            actor=actor,
            action="operation.follow",
            obj=operation,
            summary=f"{actor} suit le dossier {operation.reference}",
        )
    return follow


@transaction.atomic
def operation_unfollow(*, actor: User | None, operation: Operation) -> bool:
    """No longer follow the operation; whether the actor followed it."""
    policy.require(actor, "operation", "follow", operation)
    if actor is None:
        return False
    deleted, _ = Follow.objects.filter(user_id=actor.pk, operation_id=operation.pk).delete()
    if deleted:
        audit(
            actor=actor,
            action="operation.unfollow",
            obj=operation,
            summary=f"{actor} ne suit plus le dossier {operation.reference}",
        )
    return bool(deleted)


# --- Conditions of the policy on these objects (beyond the role) ------------------------------


def _not_the_author(user: User, annotation: Model) -> str:
    assert isinstance(annotation, Annotation)
    if annotation.author_id == user.pk:
        return ""
    return "Seul l'auteur d'une annotation la modifie ou la supprime."


def _not_the_addressee(user: User, opinion: Model) -> str:
    assert isinstance(opinion, OpinionRequest)
    if opinion.addressee_id == user.pk:
        return ""
    return f"Seul le destinataire de la demande, {opinion.addressee}, rend cet avis."


def _neither_requester_nor_instructor(user: User, opinion: Model) -> str:
    assert isinstance(opinion, OpinionRequest)
    if user.pk in {opinion.requested_by_id, opinion.operation.assigned_to_id}:
        return ""
    return "Seul l'auteur de la demande, ou l'instructeur de l'opération, l'annule."


policy.register_condition("annotation", "change", _not_the_author, note="son auteur seulement")
policy.register_condition(
    "opinion", ANSWER_OPINION, _not_the_addressee, note="son destinataire seulement"
)
policy.register_condition(
    "opinion",
    CANCEL_OPINION,
    _neither_requester_nor_instructor,
    note="l'auteur de la demande ou l'instructeur de l'opération seulement",
)
