import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from pacte.contracts.selectors import contract_get
from pacte.core import files, policy
from pacte.core.errors import api_refusal
from pacte.core.pagination import Pages
from pacte.core.schemas import Amount, Id, IdFilter, Input, column
from pacte.core.workflow import TransitionRefused

from . import selectors, services
from .financing import summarise
from .models import Expense, Message, Operation, Resource

router = Router(tags=["Opérations"])


class OperationOut(Schema):
    id: int
    reference: str
    title: str
    category: str
    state: str
    state_label: str
    contract_id: int
    partner: str
    fund_amount: Decimal | None = None
    assigned_to: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_partner(obj):
        return obj.contract.partner.name

    @staticmethod
    def resolve_assigned_to(obj):
        return str(obj.assigned_to) if obj.assigned_to_id else None


class ExpenseIO(Input):
    label: str = column(Expense, "label")
    amount_excl_tax: Amount
    amount_incl_tax: Amount


class ResourceIO(Input):
    funder: Resource.Funder
    label: str = column(Resource, "label", "")
    amount: Amount
    status: Resource.Status = Resource.Status.REQUESTED


class AttachmentOut(Schema):
    id: int
    kind: str
    version: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime


class MessageOut(Schema):
    id: int
    author: str | None
    body: str
    is_information_request: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj):
        return str(obj.author) if obj.author_id else None


class CommitmentOut(Schema):
    id: int
    kind: str
    description: str
    target: Decimal | None
    unit: str
    achieved: Decimal | None
    state: str


class FinancingOut(Schema):
    basis: Decimal
    resources: Decimal
    balanced: bool
    fund_amount: Decimal
    fund_rate: Decimal | None
    owner_share: Decimal | None
    owner_rule_applies: bool
    owner_rule_compliant: bool
    explanation: str
    problems: list[str]


class OperationDetailOut(OperationOut):
    description: str
    stake_ids: list[int]
    commune_codes: list[str]
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    expenses: list[ExpenseIO]
    resources: list[ResourceIO]
    financing: FinancingOut
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    commitments: list[CommitmentOut]
    proposed_subsidy_amount: Decimal | None
    granted_amount: Decimal | None

    @staticmethod
    def resolve_stake_ids(obj):
        return [s.pk for s in obj.stakes.all()]

    @staticmethod
    def resolve_commune_codes(obj):
        return [c.insee_code for c in obj.communes.all()]

    @staticmethod
    def resolve_expenses(obj):
        return list(obj.expenses.all())

    @staticmethod
    def resolve_resources(obj):
        return list(obj.resources.all())

    @staticmethod
    def resolve_financing(obj):
        s = summarise(obj, obj.expenses.all(), obj.resources.all())
        return {
            "basis": s.basis,
            "resources": s.resources,
            "balanced": s.balanced,
            "fund_amount": s.fund_amount,
            "fund_rate": s.fund_rate,
            "owner_share": s.owner.share,
            "owner_rule_applies": s.owner.applies,
            "owner_rule_compliant": s.owner.compliant,
            "explanation": s.owner.explanation,
            "problems": s.problems,
        }

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_messages(obj):
        return list(obj.messages.all())

    @staticmethod
    def resolve_commitments(obj):
        return list(obj.commitments.all())


class OperationIn(Input):
    contract_id: Id
    title: str = column(Operation, "title")
    category: Operation.Category
    description: str = ""
    stake_ids: list[int] = Field(default=[], max_length=100)
    commune_codes: list[str] = Field(default=[], max_length=1000)
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    vat_recovered: bool = True


class PlanIn(Input):
    expenses: list[ExpenseIO] = Field(..., max_length=200)
    resources: list[ResourceIO] = Field(..., max_length=200)


class MessageIn(Input):
    body: str = Field(max_length=Message.MAX_LENGTH)


class TransitionIn(Input):
    reason: str = ""
    body: str = ""
    started_on: datetime.date | None = None


@router.get("/operations", response=list[OperationOut], summary="Opérations visibles")
@policy.endpoint("operation.read")
@paginate(Pages, page_size=100)
def operations(
    request,
    etat: str = "",
    q: str = "",
    partenaire: IdFilter = None,
    territoire: IdFilter = None,
    pacte: IdFilter = None,
):
    return selectors.operation_list(
        user=request.user,
        state=etat,
        query=q,
        partner_id=partenaire,
        territory_id=territoire,
        pact_id=pacte,
    )


@router.get("/operations/{operation_id}", response=OperationDetailOut, summary="Une opération")
@policy.endpoint("operation.read")
def operation(request, operation_id: int):
    found = selectors.operation_get(user=request.user, pk=operation_id)
    found.fund_amount = summarise(found, found.expenses.all(), found.resources.all()).fund_amount
    return found


@router.post("/operations", response={201: OperationDetailOut}, summary="Créer une opération")
@policy.endpoint("operation.create")
def operation_create(request, payload: OperationIn):
    contract = contract_get(user=request.user, pk=payload.contract_id)
    wanted = set(payload.stake_ids)
    stakes = [s for s in contract.stakes.all() if s.pk in wanted]
    if len(stakes) != len(wanted):
        raise HttpError(422, "Enjeu inconnu : les enjeux servis sont ceux du contrat.")
    codes = set(payload.commune_codes)
    communes = list(selectors.commune_choices(contract=contract).filter(insee_code__in=codes))
    if len(communes) != len(codes):
        raise HttpError(
            422, "Commune inconnue : les communes sont celles du territoire du partenaire."
        )
    try:
        created = services.operation_create(
            actor=request.user,
            contract=contract,
            title=payload.title,
            category=payload.category,
            description=payload.description,
            stakes=stakes,
            communes=communes,
            planned_start=payload.planned_start,
            planned_end=payload.planned_end,
            vat_recovered=payload.vat_recovered,
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, operation(request, created.pk))


@router.put(
    "/operations/{operation_id}/financement",
    response=OperationDetailOut,
    summary="Remplacer le plan de financement",
)
@policy.endpoint("financing.change")
def financing_set(request, operation_id: int, payload: PlanIn):
    found = selectors.operation_get(user=request.user, pk=operation_id)
    try:
        services.financing_plan_set(
            actor=request.user,
            operation=found,
            expenses=[e.dict() for e in payload.expenses],
            resources=[r.dict() for r in payload.resources],
        )
    except ValidationError as exc:
        api_refusal(exc)
    return operation(request, operation_id)


@router.post(
    "/operations/{operation_id}/pieces", response={201: AttachmentOut}, summary="Joindre une pièce"
)
@policy.endpoint("attachment.create")
def attachment_upload(request, operation_id: int, kind: Form[str], file: File[UploadedFile]):
    found = selectors.operation_get(user=request.user, pk=operation_id)
    try:
        created = services.attachment_add(
            actor=request.user, operation=found, kind=kind, upload=file
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, created)


@router.get("/operations/{operation_id}/pieces/{attachment_id}", summary="Télécharger une pièce")
@policy.endpoint("attachment.read")
def attachment_download(request, operation_id: int, attachment_id: int):
    attachment = selectors.attachment_get(
        user=request.user, operation_pk=operation_id, pk=attachment_id
    )
    return files.serve(
        request,
        attachment.file,
        attachment.sha256,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@router.post(
    "/operations/{operation_id}/messages",
    response={201: MessageOut},
    summary="Écrire sur une opération",
)
@policy.endpoint("message.create")
def message_create(request, operation_id: int, payload: MessageIn):
    found = selectors.operation_get(user=request.user, pk=operation_id)
    try:
        created = services.message_post(actor=request.user, operation=found, body=payload.body)
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, created)


TRANSITIONS = {
    "submit": lambda u, o, p: services.operation_submit(actor=u, operation=o),
    "take_charge": lambda u, o, p: services.operation_take_charge(actor=u, operation=o),
    "request_changes": lambda u, o, p: services.operation_request_changes(
        actor=u, operation=o, reason=p.reason
    ),
    "answer": lambda u, o, p: services.operation_answer(actor=u, operation=o, body=p.body),
    "mark_sheet_ready": lambda u, o, p: services.operation_mark_sheet_ready(actor=u, operation=o),
    "reopen_review": lambda u, o, p: services.operation_reopen_review(
        actor=u, operation=o, reason=p.reason
    ),
    "withdraw": lambda u, o, p: services.operation_withdraw(actor=u, operation=o, reason=p.reason),
    "start_works": lambda u, o, p: services.operation_start_works(
        actor=u, operation=o, started_on=p.started_on
    ),
}


@router.post(
    "/operations/{operation_id}/etapes/{name}",
    response=OperationDetailOut,
    summary="Faire avancer une opération",
)
@policy.endpoint("operation.<name>", choices={"name": TRANSITIONS})
def operation_transition(request, operation_id: int, name: str, payload: TransitionIn):
    if name not in TRANSITIONS:
        raise HttpError(404, "Action inconnue.")
    found = selectors.operation_get(user=request.user, pk=operation_id)
    try:
        TRANSITIONS[name](request.user, found, payload)
    except (TransitionRefused, ValidationError) as exc:
        api_refusal(exc)
    return operation(request, operation_id)
