"""The contract's workflow: rédaction → accord du partenaire → vote → signature → clôture."""

from pacte.core.policy import INSTRUCT, RUN_SITTINGS
from pacte.core.workflow import Transition, Workflow

from .models import Contract, EngineeringRequest

S = Contract.State


def _has_stakes(contract: Contract) -> str:
    if not contract.stakes.exists():
        return "Le contrat doit porter au moins un enjeu prioritaire partagé."
    return ""


def _has_vote(contract: Contract) -> str:
    if not contract.vote_deliberation_number or not contract.vote_date:
        return "Indiquez le numéro et la date de la délibération qui approuve le contrat."
    return ""


def _has_signatures(contract: Contract) -> str:
    if not contract.partner_signed_on or not contract.department_signed_on:
        return "Indiquez les deux dates de signature (partenaire et Département)."
    if contract.vote_date and min(contract.partner_signed_on, contract.department_signed_on) < (
        contract.vote_date
    ):
        return "Un contrat se signe après son vote."
    return ""


def _past_generation(contract: Contract) -> str:
    if not contract.generation.is_history:
        return "Seuls les contrats d'une génération passée se reprennent dans l'historique."
    return ""


CONTRACT_WORKFLOW = Workflow(
    kind="contract",
    state_field="state",
    states=S,
    history_model="contracts.ContractEvent",
    history_fk="contract",
    transitions=[
        Transition(
            "agree",
            "Constater l'accord du partenaire",
            frozenset({S.DRAFTING}),
            S.AGREED,
            INSTRUCT,
            checks=(_has_stakes,),
        ),
        Transition(
            "reopen",
            "Reprendre la rédaction",
            frozenset({S.AGREED}),
            S.DRAFTING,
            INSTRUCT,
            reason_required=True,
        ),
        Transition(
            "vote",
            "Enregistrer le vote",
            frozenset({S.AGREED}),
            S.VOTED,
            (INSTRUCT, RUN_SITTINGS),
            checks=(_has_vote,),
        ),
        Transition(
            "sign",
            "Enregistrer les signatures",
            frozenset({S.VOTED}),
            S.SIGNED,
            INSTRUCT,
            checks=(_has_signatures,),
        ),
        Transition(
            "close",
            "Clore le contrat",
            frozenset({S.SIGNED}),
            S.CLOSED,
            INSTRUCT,
            reason_required=True,
        ),
        # The contract of a past generation, imported with its operations: closed at once.
        Transition(
            "record_history",
            "Reprendre dans l'historique",
            frozenset({S.DRAFTING}),
            S.CLOSED,
            INSTRUCT,
            reason_required=True,
            checks=(_past_generation,),
        ),
    ],
)


E = EngineeringRequest.State

ENGINEERING_WORKFLOW = Workflow(
    kind="engineering",
    state_field="state",
    states=E,
    history_model="contracts.EngineeringRequestEvent",
    history_fk="request",
    transitions=[
        Transition(
            "start",
            "Engager l'accompagnement",
            frozenset({E.REQUESTED}),
            E.IN_PROGRESS,
            INSTRUCT,
        ),
        Transition(
            "finish",
            "Clore l'accompagnement",
            frozenset({E.IN_PROGRESS}),
            E.DONE,
            INSTRUCT,
            checks=(
                lambda r: "" if r.outcome.strip() else "Décrivez le résultat de l'accompagnement.",
            ),
        ),
        Transition(
            "decline",
            "Ne pas retenir la demande",
            frozenset({E.REQUESTED}),
            E.DECLINED,
            INSTRUCT,
            reason_required=True,
        ),
    ],
)
