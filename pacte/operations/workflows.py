"""The operation's workflow, declared once.

draft → submitted → in_review ⇄ awaiting_partner → sheet_ready → scheduled → voted | rejected
→ agreement_signed → works_started → completed; withdrawn and lapsed where they make sense.
Scheduling and the vote belong to the assembly, the agreement's signature to the documents,
completion and lapse to the finance: those capabilities call these transitions.
"""

from pacte.core.policy import INSTRUCT, MANAGE_FUND, OWN_ORGANISATION, RUN_SITTINGS, SERVICES
from pacte.core.workflow import Transition, Workflow

from .checks import sheet_problems, submission_problems
from .models import Operation, OpinionRequest, ReciprocalCommitment

S = Operation.State


def _submission_complete(operation: Operation) -> list[str] | str:
    return submission_problems(operation)


def _sheet_complete(operation: Operation) -> list[str] | str:
    return sheet_problems(operation)


def _granted_amount(operation: Operation) -> str:
    if not operation.granted_amount or operation.granted_amount <= 0:
        return "Indiquez le montant de la subvention votée."
    return ""


def _works_start_date(operation: Operation) -> str:
    return "" if operation.works_started_on else "Indiquez la date de début des travaux."


def _past_generation(operation: Operation) -> str:
    if not operation.contract.generation.is_history:
        return "Seules les opérations d'une génération passée se reprennent dans l'historique."
    return "" if operation.voted_on else "Indiquez la date du vote de la subvention."


OPERATION_WORKFLOW = Workflow(
    kind="operation",
    state_field="state",
    states=S,
    history_model="operations.OperationEvent",
    history_fk="operation",
    transitions=[
        Transition(
            "submit",
            "Déposer l'opération",
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            OWN_ORGANISATION,
            checks=(_submission_complete,),
        ),
        Transition(
            "take_charge", "Prendre en charge", frozenset({S.SUBMITTED}), S.IN_REVIEW, INSTRUCT
        ),
        Transition(
            "request_changes",
            "Demander des compléments",
            frozenset({S.IN_REVIEW}),
            S.AWAITING_PARTNER,
            INSTRUCT,
            reason_required=True,
        ),
        Transition(
            "answer",
            "Répondre et renvoyer au Département",
            frozenset({S.AWAITING_PARTNER}),
            S.IN_REVIEW,
            OWN_ORGANISATION,
            checks=(_submission_complete,),
        ),
        Transition(
            "mark_sheet_ready",
            "Déclarer la fiche prête pour le vote",
            frozenset({S.IN_REVIEW}),
            S.SHEET_READY,
            INSTRUCT,
            checks=(_sheet_complete,),
        ),
        Transition(
            "reopen_review",
            "Reprendre l'instruction",
            frozenset({S.SHEET_READY}),
            S.IN_REVIEW,
            INSTRUCT,
            reason_required=True,
        ),
        Transition(
            "schedule",
            "Inscrire à l'ordre du jour",
            frozenset({S.SHEET_READY}),
            S.SCHEDULED,
            (RUN_SITTINGS, INSTRUCT),
        ),
        Transition(
            "unschedule",
            "Retirer de l'ordre du jour",
            frozenset({S.SCHEDULED}),
            S.SHEET_READY,
            (RUN_SITTINGS, INSTRUCT),
            reason_required=True,
        ),
        Transition(
            "grant",
            "Voter la subvention",
            frozenset({S.SCHEDULED}),
            S.VOTED,
            RUN_SITTINGS,
            checks=(_granted_amount,),
        ),
        Transition(
            "reject",
            "Rejeter",
            frozenset({S.SCHEDULED}),
            S.REJECTED,
            RUN_SITTINGS,
            reason_required=True,
        ),
        Transition(
            "sign_agreement",
            "Enregistrer la convention signée",
            frozenset({S.VOTED}),
            S.AGREEMENT_SIGNED,
            # The last signature of the convention moves the operation, whoever signs last.
            (INSTRUCT, OWN_ORGANISATION),
        ),
        Transition(
            "start_works",
            "Déclarer le début des travaux",
            frozenset({S.AGREEMENT_SIGNED}),
            S.WORKS_STARTED,
            (INSTRUCT, OWN_ORGANISATION),
            checks=(_works_start_date,),
        ),
        Transition(
            "complete",
            "Constater l'achèvement",
            frozenset({S.WORKS_STARTED}),
            S.COMPLETED,
            (INSTRUCT, MANAGE_FUND),
        ),
        Transition(
            "withdraw",
            "Retirer l'opération",
            Operation.WITHDRAWABLE_STATES,
            S.WITHDRAWN,
            (INSTRUCT, OWN_ORGANISATION),
            reason_required=True,
        ),
        Transition(
            "lapse",
            "Constater la caducité",
            frozenset({S.VOTED, S.AGREEMENT_SIGNED, S.WORKS_STARTED}),
            S.LAPSED,
            MANAGE_FUND,
            reason_required=True,
        ),
        # An operation of a past generation, imported from the Département's records: voted,
        # agreed and completed before Pacte, it enters directly in its final state.
        Transition(
            "record_history",
            "Reprendre dans l'historique",
            frozenset({S.DRAFT}),
            S.COMPLETED,
            INSTRUCT,
            reason_required=True,
            checks=(_past_generation, _granted_amount),
        ),
    ],
)

# Transition names read or applied elsewhere, checked now: a renamed transition fails at start-up.
SUBMIT = OPERATION_WORKFLOW.name("submit")
ANSWER = OPERATION_WORKFLOW.name("answer")
SCHEDULE = OPERATION_WORKFLOW.name("schedule")
GRANT = OPERATION_WORKFLOW.name("grant")
SIGN_AGREEMENT = OPERATION_WORKFLOW.name("sign_agreement")
START_WORKS = OPERATION_WORKFLOW.name("start_works")
COMPLETE = OPERATION_WORKFLOW.name("complete")
LAPSE = OPERATION_WORKFLOW.name("lapse")
REJECT = OPERATION_WORKFLOW.name("reject")
RECORD_HISTORY = OPERATION_WORKFLOW.name("record_history")

C = ReciprocalCommitment.State

RECIPROCAL_COMMITMENT_WORKFLOW = Workflow(
    kind="reciprocal_commitment",
    state_field="state",
    states=C,
    history_model="operations.ReciprocalCommitmentEvent",
    history_fk="commitment",
    transitions=[
        Transition(
            "report",
            "Déclarer la réalisation",
            frozenset({C.PLANNED, C.REFUSED}),
            C.REPORTED,
            (OWN_ORGANISATION, INSTRUCT),
            checks=(
                lambda c: (
                    ""
                    if c.achieved is not None or c.report.strip()
                    else "Indiquez ce qui a été réalisé."
                ),
            ),
        ),
        Transition("validate", "Valider", frozenset({C.REPORTED}), C.VALIDATED, INSTRUCT),
        Transition(
            "refuse",
            "Ne pas valider",
            frozenset({C.REPORTED}),
            C.REFUSED,
            INSTRUCT,
            reason_required=True,
        ),
    ],
)

P = OpinionRequest.State


def _opinion_given(opinion: OpinionRequest) -> list[str]:
    problems = []
    if opinion.verdict not in OpinionRequest.Verdict.values:
        problems.append("Choisissez l'avis : favorable, réservé ou défavorable.")
    if not opinion.answer.strip():
        problems.append("Indiquez les motifs de l'avis.")
    return problems


def _operation_open(opinion: OpinionRequest) -> str:
    operation = opinion.operation
    if operation.state in Operation.CLOSED_STATES:
        return (
            f"L'opération est « {operation.get_state_display().lower()} » : cet avis n'est "
            "plus attendu."
        )
    return ""


OPINION_WORKFLOW = Workflow(
    kind="opinion",
    state_field="state",
    states=P,
    history_model="operations.OpinionEvent",
    history_fk="opinion",
    transitions=[
        # By its addressee only (services.opinion_answer).
        Transition(
            "answer",
            "Rendre l'avis",
            frozenset({P.REQUESTED}),
            P.ANSWERED,
            SERVICES,
            checks=(_operation_open, _opinion_given),
        ),
        # By its requester or the operation's instructor (services.opinion_cancel).
        Transition(
            "cancel", "Annuler la demande d'avis", frozenset({P.REQUESTED}), P.CANCELLED, INSTRUCT
        ),
    ],
)

ANSWER_OPINION = OPINION_WORKFLOW.name("answer")
CANCEL_OPINION = OPINION_WORKFLOW.name("cancel")
