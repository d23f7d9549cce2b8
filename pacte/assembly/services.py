from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pacte.core.audit import audit
from pacte.core.roles import Role

from . import rules
from .models import Attendance, Proxy, Sitting

WRITERS = {Role.ADMIN, Role.ASSEMBLY}


def _require(actor):
    if getattr(actor, "role", None) not in WRITERS:
        raise PermissionDenied("Les séances sont tenues par le service des assemblées.")


@transaction.atomic
def proxy_record(
    *, actor, sitting: Sitting, giver: Attendance, holder: Attendance, is_demo: bool = False
) -> Proxy:
    """A5: a member absent gives a proxy to a member present, who holds at most one (two under
    the temporary rules of 2020-2022)."""
    _require(actor)
    if giver.sitting_id != sitting.pk or holder.sitting_id != sitting.pk:
        raise ValidationError("Les deux membres sont ceux de cette séance.")
    if giver.status == Attendance.Status.PRESENT:
        raise ValidationError(f"{giver} est présent : il ne donne pas de pouvoir.")
    if holder.status != Attendance.Status.PRESENT:
        raise ValidationError(f"{holder} n'est pas présent : il ne peut recevoir de pouvoir.")
    if Proxy.objects.filter(giver=giver).exists():
        raise ValidationError(f"{giver} a déjà donné son pouvoir.")
    limit = rules.max_proxies_held(sitting.held_on)
    held = Proxy.objects.select_for_update().filter(holder=holder).count()
    if held >= limit:
        raise ValidationError(
            f"{holder} détient déjà {held} pouvoir{'s' if held > 1 else ''} : "
            f"{limit} au plus par membre."
        )
    proxy = Proxy.objects.create(
        sitting=sitting, giver=giver, holder=holder, is_demo=is_demo, recorded_by=actor
    )
    audit(actor=actor, action="assembly.proxy", obj=sitting, summary=f"Pouvoir : {proxy}")
    return proxy


def sitting_quorum(sitting: Sitting) -> rules.Quorum:
    statuses = list(sitting.attendances.values_list("status", flat=True))
    return rules.quorum(
        body=sitting.body,
        day=sitting.held_on,
        members=sitting.members_in_office,
        present=statuses.count(Attendance.Status.PRESENT),
        represented=sitting.proxies.count(),
        reconvened=sitting.reconvened,
    )


def next_number(year: int) -> int:
    """Draw the next deliberation number of the year under a row lock: never twice the same,
    even when two items are adopted at the same moment."""
    from .models import DeliberationCounter

    DeliberationCounter.objects.get_or_create(year=year)
    counter = DeliberationCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def report_adopt(
    *,
    actor,
    report,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    not_voting: int = 0,
    groups_for=(),
    groups_against=(),
    groups_abstaining=(),
    president_votes_for: bool | None = None,
    sequence: int | None = None,
):
    """Record the vote on a report and create its numbered deliberation. A report on subsidies
    commits each operation's subsidy against the AP when adopted, or rejects them."""
    from pacte.finance.services import check_commitment_fits, commit_subsidy
    from pacte.operations.workflows import OPERATION_WORKFLOW

    from .models import Deliberation, Report

    _require(actor)
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    if hasattr(report, "deliberation"):
        raise ValidationError("Ce rapport a déjà sa délibération : elle ne change plus.")
    sitting = report.sitting
    quorum = sitting_quorum(sitting)
    if not quorum.reached:
        raise ValidationError(f"Vote refusé. {quorum.explanation}")
    problems = rules.check_vote_counts(
        for_votes=votes_for,
        against=votes_against,
        abstention=abstentions,
        not_voting=not_voting,
        present=quorum.present,
        proxies=quorum.represented,
    )
    if problems:
        raise ValidationError(problems)
    outcome = rules.result(
        for_votes=votes_for,
        against=votes_against,
        abstention=abstentions,
        president_votes_for=president_votes_for,
    )
    operations = list(report.operations.select_related("contract__generation"))
    if outcome.adopted and operations:
        from pacte.finance.models import ProgrammeAuthorisation

        ap = ProgrammeAuthorisation.objects.select_for_update().get(
            generation=operations[0].contract.generation
        )
        check_commitment_fits(
            authorisation=ap, amounts=[o.proposed_subsidy_amount or 0 for o in operations]
        )
    year = sitting.held_on.year
    if sequence is not None:
        # A number given by an act already published (history): later numbers follow it.
        from .models import DeliberationCounter

        counter, _ = DeliberationCounter.objects.select_for_update().get_or_create(year=year)
        if Deliberation.objects.filter(year=year, sequence=sequence).exists():
            raise ValidationError(f"La délibération n°{year}-{sequence:03d} existe déjà.")
        counter.last = max(counter.last, sequence)
        counter.save(update_fields=["last"])
    deliberation = Deliberation.objects.create(
        report=report,
        year=year,
        sequence=sequence or next_number(year),
        adopted=outcome.adopted,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        not_voting=not_voting,
        casting_vote=outcome.casting_vote_used,
        groups_for=list(groups_for),
        groups_against=list(groups_against),
        groups_abstaining=list(groups_abstaining),
    )
    for operation in operations:
        if outcome.adopted:
            commit_subsidy(
                actor=actor,
                operation=operation,
                amount=operation.proposed_subsidy_amount,
                voted_on=sitting.held_on,
                deliberation_number=deliberation.number,
            )
        else:
            OPERATION_WORKFLOW.apply(
                operation,
                "reject",
                actor=actor,
                reason=f"Rapport rejeté (délibération {deliberation.number})",
            )
    audit(
        actor=actor,
        action="assembly.adopt",
        obj=deliberation,
        summary=f"{deliberation} : {'adoptée' if outcome.adopted else 'rejetée'} "
        f"({votes_for} pour, {votes_against} contre, {abstentions} abstention)",
    )
    return deliberation


@transaction.atomic
def deliberation_publish(*, actor, deliberation, on):
    """A12: put online (the public page lists it, kept at least two months)."""
    from .models import Deliberation

    _require(actor)
    deliberation = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    if deliberation.published_on:
        raise ValidationError("Cette délibération est déjà publiée.")
    deliberation.published_on = on
    deliberation.save(update_fields=["published_on"])
    audit(
        actor=actor,
        action="assembly.publish",
        obj=deliberation,
        summary=f"{deliberation} mise en ligne",
    )
    return deliberation


def actes_identifier(deliberation, department_code: str, siren: str, sent_on) -> str:
    """A13: DDD-SIREN-YYYYMMDD-<internal number>-DE."""
    return f"{department_code.zfill(3)}-{siren}-{sent_on:%Y%m%d}-{deliberation.number}-DE"


@transaction.atomic
def deliberation_transmit(*, actor, deliberation, sent_on, acknowledged_on=None):
    from django.conf import settings

    from .models import Deliberation

    _require(actor)
    deliberation = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    if acknowledged_on and acknowledged_on < sent_on:
        raise ValidationError("L'accusé de réception suit la transmission.")
    deliberation.transmitted_on = sent_on
    deliberation.acknowledged_on = acknowledged_on
    deliberation.actes_id = actes_identifier(
        deliberation, settings.PACTE_DEPARTMENT_CODE, settings.PACTE_COLLECTIVITY_SIREN, sent_on
    )
    deliberation.save(update_fields=["transmitted_on", "acknowledged_on", "actes_id"])
    audit(
        actor=actor,
        action="assembly.transmit",
        obj=deliberation,
        summary=f"{deliberation} transmise au préfet ({deliberation.actes_id})",
    )
    return deliberation
