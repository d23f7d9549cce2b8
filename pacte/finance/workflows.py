from pacte.core.roles import Role
from pacte.core.workflow import Transition, Workflow

from .models import Commitment, PaymentRequest

P = PaymentRequest.State
C = Commitment.State
AGENTS = frozenset({Role.ADMIN, Role.AGENT})
FINANCE = frozenset({Role.ADMIN, Role.FINANCE})

PAYMENT_WORKFLOW = Workflow(
    state_field="state",
    states=P,
    history_model="finance.PaymentEvent",
    history_fk="payment",
    transitions=[
        Transition(
            "check", "Vérifier les justificatifs", frozenset({P.REQUESTED}), P.CHECKED, AGENTS
        ),
        Transition("pay", "Enregistrer le mandat", frozenset({P.CHECKED}), P.PAID, FINANCE),
        Transition(
            "refuse",
            "Refuser la demande",
            frozenset({P.REQUESTED, P.CHECKED}),
            P.REFUSED,
            AGENTS | FINANCE,
            reason_required=True,
        ),
    ],
)

COMMITMENT_WORKFLOW = Workflow(
    state_field="state",
    states=C,
    history_model="finance.CommitmentEvent",
    history_fk="commitment",
    transitions=[
        Transition("settle", "Solder l'engagement", frozenset({C.ACTIVE}), C.PAID, FINANCE),
        Transition(
            "lapse",
            "Annuler le reliquat (caducité)",
            frozenset({C.ACTIVE}),
            C.LAPSED,
            FINANCE,
            reason_required=True,
        ),
    ],
)
