from pacte.core.policy import INSTRUCT, MANAGE_FUND
from pacte.core.workflow import Transition, Workflow

from .models import Commitment, PaymentRequest

P = PaymentRequest.State
C = Commitment.State

PAYMENT_WORKFLOW = Workflow(
    kind="payment",
    state_field="state",
    states=P,
    history_model="finance.PaymentEvent",
    history_fk="payment",
    transitions=[
        Transition(
            "check", "Vérifier les justificatifs", frozenset({P.REQUESTED}), P.CHECKED, INSTRUCT
        ),
        Transition("pay", "Enregistrer le mandat", frozenset({P.CHECKED}), P.PAID, MANAGE_FUND),
        Transition(
            "refuse",
            "Refuser la demande",
            frozenset({P.REQUESTED, P.CHECKED}),
            P.REFUSED,
            (INSTRUCT, MANAGE_FUND),
            reason_required=True,
        ),
    ],
)

COMMITMENT_WORKFLOW = Workflow(
    kind="commitment",
    state_field="state",
    states=C,
    history_model="finance.CommitmentEvent",
    history_fk="commitment",
    transitions=[
        Transition("settle", "Solder l'engagement", frozenset({C.ACTIVE}), C.PAID, MANAGE_FUND),
        Transition(
            "lapse",
            "Annuler le reliquat (caducité)",
            frozenset({C.ACTIVE}),
            C.LAPSED,
            MANAGE_FUND,
            reason_required=True,
        ),
    ],
)

# Transition names read elsewhere, checked now: a renamed transition fails at start-up.
CHECK = PAYMENT_WORKFLOW.name("check")
