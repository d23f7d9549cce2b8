import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from pacte.core import policy
from pacte.core.errors import api_refusal
from pacte.core.pagination import Pages
from pacte.core.schemas import Amount, Input, column
from pacte.core.workflow import TransitionRefused
from pacte.operations.selectors import operation_get

from . import selectors, services
from .models import PaymentRequest

router = Router(tags=["Fonds et paiements"])


class CreditOut(Schema):
    year: int
    credits: Decimal
    paid: Decimal
    available: Decimal


class APOut(Schema):
    id: int
    label: str
    generation: str
    voted: Decimal
    committed: Decimal
    paid: Decimal
    remaining: Decimal
    to_pay: Decimal
    by_year: list[CreditOut]


class PaymentOut(Schema):
    id: int
    operation_reference: str
    partner: str
    kind: str
    state: str
    requested_amount: Decimal
    actual_expenses: Decimal | None
    paid_amount: Decimal | None
    mandate_number: str
    paid_on: datetime.date | None

    @staticmethod
    def resolve_operation_reference(obj):
        return obj.commitment.operation.reference

    @staticmethod
    def resolve_partner(obj):
        return obj.commitment.operation.contract.partner.name


class PaymentIn(Input):
    operation_id: int
    kind: PaymentRequest.Kind
    amount: Amount
    actual_expenses: Amount | None = None
    evidence_ids: list[int] = Field(default=[], max_length=100)


class PayIn(Input):
    mandate_number: str = column(PaymentRequest, "mandate_number")
    paid_on: datetime.date


@router.get("/fonds", response=list[APOut], summary="Autorisations de programme et leurs chiffres")
@policy.endpoint("authorisation.read")
def authorisations(request):
    result = []
    for ap in selectors.ap_list(user=request.user):
        figures = selectors.ap_figures(ap)
        result.append(
            {
                "id": ap.pk,
                "label": ap.label,
                "generation": ap.generation.name,
                **figures,
                "by_year": selectors.ap_by_year(ap),
            }
        )
    return result


@router.get("/paiements", response=list[PaymentOut], summary="Demandes de paiement visibles")
@policy.endpoint("payment.read")
@paginate(Pages, page_size=100)
def payments(request, etat: str = ""):
    return selectors.payment_list(user=request.user, state=etat)


@router.post("/paiements", response={201: PaymentOut}, summary="Demander un paiement")
@policy.endpoint("payment.create")
def payment_create(request, payload: PaymentIn):
    operation = operation_get(user=request.user, pk=payload.operation_id)
    wanted = set(payload.evidence_ids)
    evidence = [a for a in operation.attachments.all() if a.pk in wanted]
    if len(evidence) != len(wanted):
        # An id that is not a piece of this operation (unknown, or another's): refused whole,
        # without saying which exists.
        api_refusal(ValidationError("Les justificatifs sont des pièces de cette opération."))
    try:
        created = services.payment_request_create(
            actor=request.user,
            operation=operation,
            kind=payload.kind,
            amount=payload.amount,
            actual_expenses=payload.actual_expenses,
            evidence=evidence,
        )
    except ValidationError as exc:
        api_refusal(exc)
    return Status(201, selectors.payment_get(user=request.user, pk=created.pk))


@router.post(
    "/paiements/{payment_id}/verification",
    response=PaymentOut,
    summary="Vérifier les justificatifs (agent)",
)
@policy.endpoint("payment.check")
def payment_check(request, payment_id: int):
    payment = selectors.payment_get(user=request.user, pk=payment_id)
    try:
        services.payment_check(actor=request.user, payment=payment)
    except (TransitionRefused, ValidationError) as exc:
        api_refusal(exc)
    return selectors.payment_get(user=request.user, pk=payment_id)


@router.post(
    "/paiements/{payment_id}/mandat",
    response=PaymentOut,
    summary="Enregistrer le mandat (finances)",
)
@policy.endpoint("payment.pay")
def payment_pay(request, payment_id: int, payload: PayIn):
    payment = selectors.payment_get(user=request.user, pk=payment_id)
    try:
        services.payment_pay(
            actor=request.user,
            payment=payment,
            mandate_number=payload.mandate_number,
            paid_on=payload.paid_on,
        )
    except (TransitionRefused, ValidationError) as exc:
        api_refusal(exc)
    return selectors.payment_get(user=request.user, pk=payment_id)
