"""Acts: a report adopted as a numbered deliberation (with its commitments on the fund), its
publication and its transmission to the préfet. Each write is one transaction and leaves an
audit row."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.contracts.workflows import CONTRACT_WORKFLOW
from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_time, plural_suffix
from pacte.core.models import User
from pacte.finance.models import ProgrammeAuthorisation
from pacte.finance.services import check_commitment_fits, commit_subsidy
from pacte.operations import notifications as operation_notifications
from pacte.operations.workflows import OPERATION_WORKFLOW

from .. import rules
from ..actes import expected_actes_identifier, identifier_problem
from ..documents import deliberation_documents_generate, published_document_generate
from ..models import (
    Deliberation,
    DeliberationCounter,
    Report,
)
from ..selectors import sitting_quorum
from ..workflows import (
    ACKNOWLEDGE,
    PUBLICATION_WORKFLOW,
    PUBLISH,
    TRANSMISSION_WORKFLOW,
    TRANSMIT,
)
from .reports import check_report


def next_number(year: int) -> int:
    """Draw the next deliberation number of the year under a row lock: never twice the same,
    even when two items are adopted at the same moment."""
    DeliberationCounter.objects.get_or_create(year=year)
    counter = DeliberationCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def report_adopt(
    *,
    actor: User | None,
    report: Report,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    not_voting: int = 0,
    groups_for: Iterable[str] = (),
    groups_against: Iterable[str] = (),
    groups_abstaining: Iterable[str] = (),
    president_votes_for: bool | None = None,
    sequence: int | None = None,
    vote_mode: str = "groups",
) -> Deliberation:
    """Record the vote on a report and create its numbered deliberation. A report on subsidies
    commits each operation's subsidy against the AP when adopted, or rejects them."""
    report = Report.objects.select_for_update().select_related("sitting").get(pk=report.pk)
    policy.require(actor, "report", "proceed", report)
    if hasattr(report, "deliberation"):
        raise ValidationError("Ce rapport a déjà sa délibération : elle ne change plus.")
    sitting = report.sitting
    check_report(report, sitting)
    if report.opened_at is None and sequence is None:
        # Only an act recorded from its minutes (its number given) rests on the attendance
        # the minutes list; any other is voted at the time its item was opened (A2).
        raise ValidationError(
            f"Le point n°{report.number} n'a pas été ouvert : ouvrez d'abord son examen, à son "
            "heure ; le quorum et les votants sont ceux de ce moment."
        )
    quorum = sitting_quorum(sitting, report.opened_at)
    if not quorum.reached:
        opened = (
            f" à l'ouverture du point ({format_time(report.opened_at)})" if report.opened_at else ""
        )
        raise ValidationError(
            f"Vote refusé : le point a été ouvert sans quorum{opened}. {quorum.explanation} "
            "Le point est reporté à une séance reconvoquée."
        )
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
        ap = ProgrammeAuthorisation.objects.select_for_update().get(
            generation=operations[0].contract.generation
        )
        check_commitment_fits(
            authorisation=ap,
            amounts=[o.proposed_subsidy_amount or 0 for o in operations],
            on=sitting.held_on,
        )
    year = sitting.held_on.year
    if sequence is not None:
        # A number given by an act already published (history): later numbers follow it.
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
        vote_mode=vote_mode,
        corrects=report.corrects,
    )
    for contract in report.contracts.all() if outcome.adopted else []:
        CONTRACT_WORKFLOW.apply(
            contract,
            "vote",
            actor=actor,
            vote_deliberation_number=deliberation.number,
            vote_date=sitting.held_on,
        )
    for operation in operations:
        if outcome.adopted:
            commit_subsidy(
                actor=actor,
                operation=operation,
                # Its sheet was ready, the proposed subsidy with it (`sheet_problems`).
                amount=operation.proposed_subsidy_amount or 0,
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
            operation_notifications.notify_decision(
                actor=actor,
                operation=operation,
                granted=False,
                decision=f"Le rapport est rejeté le {format_date(sitting.held_on)} (délibération "
                f"n° {deliberation.number}) : la subvention n'est pas attribuée.",
            )
    deliberation_documents_generate(actor=actor, deliberation=deliberation)
    audit(
        actor=actor,
        action="assembly.adopt",
        obj=deliberation,
        summary=f"{deliberation} : {'adoptée' if outcome.adopted else 'rejetée'} "
        f"({votes_for} pour, {votes_against} contre, "
        f"{abstentions} abstention{plural_suffix(abstentions)})",
    )
    return deliberation


@transaction.atomic
def deliberation_publish(
    *, actor: User | None, deliberation: Deliberation, on: datetime.date
) -> Deliberation:
    """A12: put online (the public page lists it, kept at least two months), then store the
    copy put online with its publication stamp."""
    PUBLICATION_WORKFLOW.apply(deliberation, PUBLISH, actor=actor, published_on=on)
    published_document_generate(actor=actor, deliberation=deliberation)
    return deliberation


def _checked_actes_identifier(deliberation: Deliberation, given: str) -> str:
    """The identifier of an acknowledgement, as typed or read: it has ACTES' form and names
    this act in each of its parts (département, SIREN, date of the decision, internal number,
    nature DE)."""
    given = given.strip() or expected_actes_identifier(deliberation)
    problem = identifier_problem(deliberation, given)
    if problem:
        raise ValidationError(problem)
    return given


@transaction.atomic
def deliberation_transmit(
    *,
    actor: User | None,
    deliberation: Deliberation,
    sent_on: datetime.date,
    acknowledged_on: datetime.date | None = None,
    actes_id: str = "",
) -> Deliberation:
    """A13: record the sending to the préfet (once, or again after an anomaly) and, if it is
    known, the acknowledgement with the identifier it gives the act (then the act is enforceable
    once published, A11). Without a connector: with one, `transmission` records the sending."""
    locked = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    T = Deliberation.Transmission
    if locked.transmission_state not in (T.NOT_SENT, T.ANOMALY):
        if sent_on != locked.transmitted_on:
            raise ValidationError(
                f"La délibération n°{locked.number} a été transmise au préfet le "
                f"{format_date(locked.transmitted_on)} : cette transmission ne se réécrit pas."
            )
    else:
        if locked.actes_sendings.filter(closed_at__isnull=True, abandoned_at__isnull=True).exists():
            raise ValidationError(
                f"La délibération n°{locked.number} est en cours d'envoi par le connecteur de "
                "transmission : sa transmission s'enregistre d'elle-même."
            )
        TRANSMISSION_WORKFLOW.apply(deliberation, TRANSMIT, actor=actor, transmitted_on=sent_on)
    if acknowledged_on is not None:
        deliberation_acknowledge(
            actor=actor,
            deliberation=deliberation,
            acknowledged_on=acknowledged_on,
            actes_id=actes_id,
        )
    return deliberation


def deliberation_acknowledge(
    *,
    actor: User | None,
    deliberation: Deliberation,
    acknowledged_on: datetime.date,
    actes_id: str = "",
) -> Deliberation:
    """A11, A13: the préfet's acknowledgement of receipt, recorded once, with the identifier
    it returns (by default the one ACTES builds for the act)."""
    TRANSMISSION_WORKFLOW.apply(
        deliberation,
        ACKNOWLEDGE,
        actor=actor,
        acknowledged_on=acknowledged_on,
        actes_id=_checked_actes_identifier(deliberation, actes_id),
    )
    return deliberation
