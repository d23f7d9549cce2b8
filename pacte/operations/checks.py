"""What an operation still needs, worded for the person who must provide it."""

from django.utils import timezone

from pacte.core.french import format_date, format_money

from .financing import summarise
from .models import Attachment, Operation

REQUIRED_ATTACHMENTS = (Attachment.Kind.DELIBERATION, Attachment.Kind.ESTIMATE)


def submission_problems(operation: Operation) -> list[str]:
    problems = []
    if not operation.title.strip():
        problems.append("Donnez un intitulé à l'opération.")
    if not operation.description.strip():
        problems.append("Décrivez l'opération.")
    if not operation.category:
        problems.append("Choisissez la catégorie de l'opération.")
    if not operation.stakes.exists():
        problems.append("Rattachez l'opération à au moins un enjeu de votre contrat.")
    if not operation.communes.exists():
        problems.append("Indiquez au moins une commune où l'opération a lieu.")
    if not operation.planned_start or not operation.planned_end:
        problems.append("Indiquez les dates prévues de début et de fin des travaux.")
    elif operation.planned_end < operation.planned_start:
        problems.append("La fin prévue des travaux suit leur début.")
    kinds = set(operation.attachments.values_list("kind", flat=True))
    for kind in REQUIRED_ATTACHMENTS:
        if kind not in kinds:
            problems.append(f"Joignez la pièce « {Attachment.Kind(kind).label} ».")
    problems += summarise(operation).problems
    return problems


def sheet_problems(operation: Operation) -> list[str]:
    problems = []
    for field in [
        "shared_objectives",
        "environment",
        "usage_terms",
        "justification_policies",
        "justification_dynamics",
        "justification_cofunding",
    ]:
        if not getattr(operation, field).strip():
            label = Operation._meta.get_field(field).verbose_name
            problems.append(f"Fiche détaillée : complétez « {label} ».")
    if not operation.territorial_reach:
        problems.append("Fiche détaillée : indiquez le rayonnement territorial.")
    summary = summarise(operation)
    problems += summary.problems
    amount = operation.proposed_subsidy_amount
    generation = operation.contract.generation
    if not amount or amount <= 0:
        problems.append("Fiche détaillée : indiquez la subvention proposée.")
    else:
        if amount > summary.fund_amount:
            problems.append(
                f"La subvention proposée ({format_money(amount)}) dépasse le montant sollicité "
                f"au fonds ({format_money(summary.fund_amount)})."
            )
        if amount > generation.fund_ceiling_amount:
            problems.append(
                f"La subvention proposée dépasse le plafond de "
                f"{format_money(generation.fund_ceiling_amount)} par opération."
            )
    return problems


def early_start_warning(operation: Operation) -> str:
    """S3: works may not start before the subsidy decision unless an early start is allowed.

    Once voted, the works' start is compared with the vote; before the vote, a start date
    already past (planned or actual) is flagged."""
    generation = operation.contract.generation
    if not generation.early_start_requires_authorisation or operation.early_start_authorised_on:
        return ""
    started = operation.works_started_on or operation.planned_start
    if started is None or operation.state in {
        Operation.State.WITHDRAWN,
        Operation.State.REJECTED,
        Operation.State.LAPSED,
    }:
        return ""
    reference = operation.voted_on or timezone.localdate()
    if started < reference:
        return (
            f"Travaux commencés ou prévus le {format_date(started)}, avant le vote de la "
            "subvention, sans autorisation de démarrage anticipé."
        )
    return ""
