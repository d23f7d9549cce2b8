"""Reports: their contents, the operations and contracts they carry, their sending to the
members and the commissions' opinions. Each write is one transaction and leaves an
audit row."""

import datetime
from collections.abc import Iterable
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pacte.contracts.models import Contract
from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date
from pacte.core.models import User
from pacte.finance.models import ProgrammeAuthorisation
from pacte.finance.services import check_commitment_fits
from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW, SCHEDULE

from ..models import (
    CommissionOpinion,
    Deliberation,
    Report,
    Sitting,
    ThematicCommission,
)


def ensure_editable(report: Report) -> None:
    if hasattr(report, "deliberation"):
        raise ValidationError(
            f"Le rapport n°{report.number} est délibéré : il ne change plus. Une correction "
            "passe par une nouvelle délibération qui rectifie la première."
        )


class ReportFields(TypedDict, total=False):
    """What a report says (see `report_save`)."""

    kind: str
    pole: str
    direction: str
    territories: str
    title: str
    text: str
    visas: str
    proposal: str
    decision: str
    vote_mode: str
    corrects: Deliberation | None


REPORT_FIELDS = frozenset(ReportFields.__annotations__)


def check_report(report: Report, sitting: Sitting) -> None:
    if report.kind == Report.Kind.BUDGET and sitting.body == Sitting.Body.STANDING_COMMITTEE:
        raise ValidationError(
            "La commission permanente ne peut se prononcer sur le budget ni sur les comptes "
            "(CGCT L3211-2) : inscrivez ce rapport à une séance du conseil départemental."
        )
    if report.corrects is not None and report.corrects.report_id == report.pk:
        raise ValidationError("Une délibération ne se rectifie pas elle-même.")


def _schedule(actor: User | None, report: Report, operations: Iterable[Operation]) -> None:
    """Gather operations whose sheets are ready: they are put on the agenda (scheduled)."""
    current = set(report.operations.values_list("pk", flat=True))
    wanted = {o.pk for o in operations}
    for operation in Operation.objects.filter(pk__in=wanted - current):
        if operation.state == Operation.State.SCHEDULED:
            # Put on the agenda earlier, without a report yet: it joins this one.
            elsewhere = (
                operation.reports.filter(deliberation__isnull=True).exclude(pk=report.pk).first()
            )
            if elsewhere is not None:
                raise ValidationError(
                    f"{operation.reference} est déjà portée par le rapport n°"
                    f"{elsewhere.number} ({elsewhere.sitting})."
                )
            continue
        if operation.state != Operation.State.SHEET_READY:
            raise ValidationError(
                f"{operation.reference} n'a pas sa fiche prête (état « "
                f"{operation.get_state_display().lower()} ») : elle ne peut être inscrite."
            )
        if not operation.proposed_subsidy_amount:
            raise ValidationError(f"{operation.reference} n'a pas de subvention proposée.")
        OPERATION_WORKFLOW.apply(operation, SCHEDULE, actor=actor)
    for operation in Operation.objects.filter(pk__in=current - wanted):
        OPERATION_WORKFLOW.apply(
            operation,
            "unschedule",
            actor=actor,
            reason=f"Retirée du rapport n°{report.number} ({report.sitting})",
        )
    report.operations.set(wanted)


@transaction.atomic
def report_save(
    *,
    actor: User | None,
    sitting: Sitting,
    report: Report | None = None,
    operations: Iterable[Operation] = (),
    contracts: Iterable[Contract] = (),
    **fields: Unpack[ReportFields],
) -> Report:
    """Write (or rewrite) a report on the agenda of a sitting. A report on subsidies gathers
    operations whose sheets are ready and schedules them; their total must fit in the AP."""
    creating = report is None
    if report is None:
        policy.require(actor, "report", "create")
    else:
        report = Report.objects.select_for_update().get(pk=report.pk)
        policy.require(actor, "report", "change", report)
    unknown = set(fields) - REPORT_FIELDS
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    if report is None:
        number = (sitting.reports.aggregate(m=Max("number"))["m"] or 0) + 1
        report = Report(sitting=sitting, number=number, created_by=actor)
    else:
        ensure_editable(report)
    for name, value in fields.items():
        setattr(report, name, value)
    if not report.title.strip() or not report.decision.strip():
        raise ValidationError("Un rapport a un intitulé et une décision proposée.")
    check_report(report, sitting)
    report.save()
    operations = list(operations)
    contracts = list(contracts)
    if report.kind == Report.Kind.SUBSIDIES:
        if not operations:
            raise ValidationError("Un rapport de subventions porte au moins une opération.")
        generations = {o.contract.generation_id for o in operations}
        if len(generations) > 1:
            raise ValidationError("Les opérations d'un rapport relèvent d'une même génération.")
        ap = ProgrammeAuthorisation.objects.filter(generation_id__in=generations).first()
        if ap is None:
            raise ValidationError(
                "Aucune autorisation de programme n'est votée pour cette génération."
            )
        check_commitment_fits(
            authorisation=ap, amounts=[o.proposed_subsidy_amount or 0 for o in operations]
        )
    elif operations:
        raise ValidationError("Seul un rapport de subventions porte des opérations.")
    _schedule(actor, report, operations if report.kind == Report.Kind.SUBSIDIES else [])
    if report.kind == Report.Kind.CONTRACTS:
        if not contracts:
            raise ValidationError("Un rapport d'approbation porte au moins un contrat.")
        for contract in contracts:
            if contract.state != Contract.State.AGREED:
                raise ValidationError(
                    f"Le {contract} n'est pas accordé avec le partenaire : il ne peut être soumis "
                    "au vote."
                )
        report.contracts.set(contracts)
    elif contracts:
        raise ValidationError("Seul un rapport d'approbation porte des contrats.")
    else:
        report.contracts.clear()
    audit(
        actor=actor,
        action="assembly.report",
        obj=report,
        summary=f"{report} {'inscrit' if creating else 'modifié'} ({sitting})",
    )
    return report


@transaction.atomic
def report_send(
    *, actor: User | None, report: Report, sent_on: datetime.date, urgency: bool = False
) -> Report:
    """A8: record when the report was sent to members (and whether urgency was declared)."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    ensure_editable(report)
    if sent_on > report.sitting.held_on:
        raise ValidationError("Un rapport est envoyé aux élus avant la séance.")
    if sent_on > timezone.localdate():
        raise ValidationError(
            f"Envoyé le {format_date(sent_on)} : cette date est à venir. Enregistrez l'envoi le "
            "jour venu."
        )
    report.sent_on = sent_on
    report.urgency = urgency
    report.save(update_fields=["sent_on", "urgency"])
    audit(
        actor=actor,
        action="assembly.report_sent",
        obj=report,
        summary=f"{report} envoyé aux élus le {sent_on:%d/%m/%Y}"
        + (" (urgence)" if urgency else ""),
    )
    return report


@transaction.atomic
def opinion_record(
    *,
    actor: User | None,
    report: Report,
    commission: ThematicCommission,
    met_on: datetime.date,
    opinion: str,
    remark: str = "",
) -> CommissionOpinion:
    """A thematic commission's opinion on a report, given at a dated meeting."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    ensure_editable(report)
    if met_on > report.sitting.held_on:
        raise ValidationError("La commission se réunit avant la séance.")
    if opinion not in CommissionOpinion.Opinion.values:
        raise ValidationError("Avis inconnu.")
    position = (report.opinions.aggregate(m=Max("position"))["m"] or 0) + 1
    record, created = CommissionOpinion.objects.update_or_create(
        report=report,
        commission=commission,
        defaults={"met_on": met_on, "opinion": opinion, "remark": remark.strip()},
        create_defaults={
            "met_on": met_on,
            "opinion": opinion,
            "remark": remark.strip(),
            "position": position,
        },
    )
    audit(
        actor=actor,
        action="assembly.opinion",
        obj=report,
        summary=f"{record} sur le rapport n°{report.number}",
    )
    return record
