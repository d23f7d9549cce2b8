"""The transmission of an act to the préfet through the connector (A13; the connectors are in
`pacte/assembly/transmission.py`), and the préfecture's answers, whichever way they come.

- `deliberation_send_to_prefect`: the clerk's request. It checks what can be checked at once (a
  connector is set, the act is adopted, has its PDF, is not transmitted, its `Acte` message is
  valid), then records an `ActesSending` — the outbox's way: the sending exists if and only if
  the request committed — and queues it for the background worker once the request commits.
- `deliver` (the worker's task): claims the sending for a while (`CLAIM`: a worker that dies
  while sending leaves it to another once that passes), hands the act to the connector, and only
  then records the sending (the TRANSMIT transition, dated the day of that real sending, by the
  clerk who asked). A refusal is kept with its French message and tried again after 1 min,
  5 min, 15 min, 1 h and 4 h, then abandoned; a refusal of the act itself (S²LOW's « KO », a
  stored file missing or altered) is not tried again. The clerk reads either on the act's page
  and may ask again; nothing of the deliberation was written.
- `poll` (the worker's task, every PACTE_ACTES_POLL_SECONDS): asks the connector whether the
  préfecture answered; an acknowledgement (ARActe) is recorded by the ACKNOWLEDGE transition with
  its identifier and date of receipt, an anomaly (AnomalieActe, or the operator's failure) by the
  REPORT_ANOMALY transition, from which the act is corrected and sent again.
- `deliberation_receive_message`: the same answers, uploaded by the clerk as the préfecture's
  XML file (whatever the connector, or without one).
- `requeue_lost`: run by the worker's maintenance, queues again the sendings and polls overdue
  with no task waiting for them (a task lost with its worker or its queue).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult

from pacte.core import files, policy
from pacte.core.audit import audit
from pacte.core.errors import error_texts
from pacte.core.french import format_date
from pacte.core.media import storage_errors
from pacte.core.models import User

from .. import actes, classification, tasks
from .. import transmission as connectors
from ..models import ActesSending, Deliberation
from ..workflows import ACKNOWLEDGE, REPORT_ANOMALY, TRANSMISSION_WORKFLOW, TRANSMIT, T
from .acts import _checked_actes_identifier

logger = logging.getLogger(__name__)

RETRY_SECONDS = (60, 300, 900, 3600, 14400)
# How long a sending or a poll may take before another worker may take it again.
CLAIM = datetime.timedelta(minutes=5)
# Overdue by this much with no task waiting for it: its task was lost, it is queued again.
LOST_AFTER = datetime.timedelta(minutes=2)
SENDABLE = frozenset({T.NOT_SENT, T.ANOMALY})

Answer = actes.Acknowledgement | actes.Anomaly


def poll_interval() -> datetime.timedelta:
    seconds = max(1, int(getattr(settings, "PACTE_ACTES_POLL_SECONDS", 600)))
    return datetime.timedelta(seconds=seconds)


def _open() -> QuerySet[ActesSending]:
    return ActesSending.objects.filter(closed_at__isnull=True, abandoned_at__isnull=True)


def open_sending(deliberation: Deliberation) -> ActesSending | None:
    """The sending of this act not yet answered nor abandoned, if any (one at most)."""
    return _open().filter(deliberation=deliberation).first()


def latest_sending(deliberation: Deliberation) -> ActesSending | None:
    """The act's last sending through the connector, for its page (the act read through its
    selector, by a user who may)."""
    return (
        deliberation.actes_sendings.select_related("requested_by")
        .order_by("-requested_at", "-id")
        .first()
    )


def _documents(deliberation: Deliberation) -> list[Any]:
    """The files transmitted: the deliberation's PDF, then its annexes (the report's PDF)."""
    found = [deliberation.document]
    if deliberation.report_document_id:
        found.append(deliberation.report_document)
    return found


# --- The clerk's request -------------------------------------------------------------------


@transaction.atomic
def deliberation_send_to_prefect(
    *, actor: User | None, deliberation: Deliberation, subject_code: str | None = None
) -> ActesSending:
    """A13: have the connector transmit the act (its `Acte` message, its PDF and the report's)
    to the préfet, in the background. `subject_code`: the matter of the classification as the
    clerk confirms or corrects it (after an anomaly on it) — given, it must be one, never
    empty; None: the act's own."""
    policy.require(actor, "deliberation", TRANSMIT, deliberation)
    problems = connectors.configuration_problems(connectors.configured_name())
    if problems:
        raise ValidationError(problems[0])
    locked = (
        # Its PDFs are nullable (an outer join, which PostgreSQL does not lock): the act alone.
        Deliberation.objects.select_for_update(of=("self",))
        .select_related("report__sitting", "document", "report_document")
        .get(pk=deliberation.pk)
    )
    number = locked.number
    if not locked.adopted:
        raise ValidationError(
            f"La délibération n°{number} a été rejetée : seul un acte adopté est transmis au "
            "préfet."
        )
    if locked.document_id is None:
        raise ValidationError(
            f"Le PDF de la délibération n°{number} n'a pas été produit : il n'y a rien à "
            "transmettre."
        )
    if locked.transmission_state not in SENDABLE:
        raise ValidationError(
            f"La délibération n°{number} a été transmise au préfet le "
            f"{format_date(locked.transmitted_on)} : elle ne l'est pas une seconde fois."
        )
    pending = open_sending(locked)
    if pending is not None:
        raise ValidationError(
            f"L'envoi de la délibération n°{number} demandé le "
            f"{format_date(pending.requested_at)} est en cours : attendez sa fin."
        )
    _correct_matter(actor, locked, subject_code)
    documents = _documents(locked)
    names = actes.transmission_names(locked, len(documents) - 1)
    try:
        message = actes.acte_message(
            locked, document_name=names.document, annex_names=list(names.annexes)
        )
    except actes.ActesError as exc:
        raise ValidationError(str(exc)) from exc
    sending = ActesSending.objects.create(
        deliberation=locked,
        connector=connectors.configured_name(),
        requested_by=actor,
        message=message.decode("utf-8"),
    )
    audit(
        actor=actor,
        action="assembly.send_to_prefect",
        obj=locked,
        summary=f"{locked} : transmission au préfet demandée "
        f"({connectors.CONNECTORS[sending.connector]})",
        data={"sending": sending.pk},
    )
    transaction.on_commit(lambda: _enqueue(tasks.send_to_prefect, sending.pk))
    return sending


def _correct_matter(
    actor: User | None, deliberation: Deliberation, subject_code: str | None
) -> None:
    if subject_code is None:
        return
    code = subject_code.strip()
    problem = classification.problem(code)
    if problem:
        raise ValidationError(problem)
    if code == deliberation.subject_code:
        return
    before = deliberation.subject_code
    deliberation.subject_code = code
    deliberation.save(update_fields=["subject_code"])
    audit(
        actor=actor,
        action="assembly.deliberation_matter",
        obj=deliberation,
        summary=f"{deliberation} : matière @CTES {before} → {code}",
        data={"from": before, "to": code},
    )


# --- The worker's sending -------------------------------------------------------------------


def _claimable(now: datetime.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _load(sending_id: int) -> ActesSending:
    return ActesSending.objects.select_related(
        "requested_by",
        "deliberation__report__sitting",
        "deliberation__document",
        "deliberation__report_document",
    ).get(pk=sending_id)


def deliver(sending_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Hand the act to the connector if its sending is due and no one else is at it, then
    record the transmission. On a refusal, keep its message and queue the next try, or give
    up (see the module's docstring). Whether the act was handed over."""
    now = now or timezone.now()
    claimed = (
        _open()
        .filter(pk=sending_id, sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(_claimable(now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    sending = _load(sending_id)
    deliberation = sending.deliberation
    problem = _no_longer_to_send(sending)
    if problem:
        _give_up(sending, problem, now)
        return False
    try:
        connector = connectors.connector(sending.connector)
        reference = connector.send(_package(sending))
    except connectors.ConnectorError as exc:
        _refused(sending, exc, now)
        return False
    label = connector.label
    try:
        with transaction.atomic():
            TRANSMISSION_WORKFLOW.apply(
                deliberation,
                TRANSMIT,
                actor=sending.requested_by,
                reason=f"Transmise par le connecteur {label} (référence {reference}).",
                transmitted_on=timezone.localdate(),
            )
            ActesSending.objects.filter(pk=sending.pk).update(
                sent_at=timezone.now(),
                remote_id=reference[:255],
                claimed_until=None,
                last_error="",
                next_poll_at=now + poll_interval(),
            )
    except (ValidationError, PermissionDenied, Http404) as exc:
        text = (
            f"L'acte a été remis au connecteur {label} (référence {reference}), mais sa "
            f"transmission n'a pas pu être enregistrée : {_reason(exc)} Vérifiez chez "
            "l'opérateur avant de le transmettre de nouveau."
        )
        logger.error("Envoi au préfet %s : %s", sending.pk, text)
        ActesSending.objects.filter(pk=sending.pk).update(
            abandoned_at=now, claimed_until=None, remote_id=reference[:255], last_error=text
        )
        return False
    _enqueue(tasks.poll_prefect, sending.pk, run_after=now + poll_interval())
    return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(error_texts(exc))
    return str(exc) or "refus."


def _no_longer_to_send(sending: ActesSending) -> str:
    deliberation = sending.deliberation
    if deliberation.transmission_state not in SENDABLE:
        return (
            f"La délibération n°{deliberation.number} a été transmise entre-temps (le "
            f"{format_date(deliberation.transmitted_on)}) : cet envoi est abandonné."
        )
    actor = sending.requested_by
    if actor is None or not policy.allows(actor, "deliberation", TRANSMIT, deliberation):
        return (
            "Le compte qui a demandé cet envoi ne peut plus transmettre d'actes : demandez-le "
            "de nouveau."
        )
    return ""


def _package(sending: ActesSending) -> connectors.Package:
    deliberation = sending.deliberation
    documents = _documents(deliberation)
    try:
        contents = [files.read_checked(d.file, d.sha256) for d in documents]
    except files.StoredFileError as exc:
        raise connectors.ConnectorError(exc.message, retry=False) from exc
    except storage_errors() as exc:
        raise connectors.ConnectorError(
            f"Le stockage des documents n'a pas rendu le PDF de l'acte ({exc}).", retry=True
        ) from exc
    message = sending.message.encode("utf-8")
    # The act's data as the message recorded at the request says them (its matter may have
    # been changed since, in the administration).
    root = ET.fromstring(message)
    subject = root.findtext(f"{{{actes.NAMESPACE}}}Objet") or ""
    matters = tuple(
        int(level.get(f"{{{actes.NAMESPACE}}}CodeMatiere", "0"))
        for level in (root.find(f"{{{actes.NAMESPACE}}}CodeMatiere{n}") for n in range(1, 6))
        if level is not None
    )
    return connectors.Package(
        key=sending.pk,
        names=actes.transmission_names(deliberation, len(documents) - 1),
        message=message,
        document=contents[0],
        annexes=tuple(contents[1:]),
        internal_number=actes.actes_internal_number(deliberation),
        decided_on=deliberation.report.sitting.held_on,
        matters=matters,
        subject=subject,
    )


def _refused(
    sending: ActesSending, error: connectors.ConnectorError, now: datetime.datetime
) -> None:
    delays = RETRY_SECONDS
    if not error.retry or sending.attempts > len(delays):
        _give_up(sending, error.message, now)
        return
    next_attempt = now + datetime.timedelta(seconds=delays[sending.attempts - 1])
    ActesSending.objects.filter(pk=sending.pk).update(
        next_attempt_at=next_attempt, claimed_until=None, last_error=error.message[:2000]
    )
    logger.warning(
        "Envoi au préfet %s refusé (essai %s) : %s ; nouvel essai à %s",
        sending.pk,
        sending.attempts,
        error.message,
        timezone.localtime(next_attempt).strftime("%H:%M:%S"),
    )
    _enqueue(tasks.send_to_prefect, sending.pk, run_after=next_attempt)


def _give_up(sending: ActesSending, text: str, now: datetime.datetime) -> None:
    ActesSending.objects.filter(pk=sending.pk).update(
        abandoned_at=now, claimed_until=None, last_error=text[:2000]
    )
    logger.error("Envoi au préfet %s abandonné : %s", sending.pk, text)


# --- The préfecture's answers ------------------------------------------------------------


ANSWER_REFUSED = "La réponse reçue n'a pas pu être enregistrée"


def poll(sending_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Ask the connector whether the préfecture answered about a sent act, and record the
    answer. Whether one was recorded."""
    now = now or timezone.now()
    claimed = (
        _open()
        .filter(pk=sending_id, sent_at__isnull=False, next_poll_at__lte=now)
        .filter(_claimable(now))
        .update(claimed_until=now + CLAIM, polls=F("polls") + 1)
    )
    if not claimed:
        return False
    sending = _load(sending_id)
    try:
        connector = connectors.connector(sending.connector)
        reply = connector.poll(sending.remote_id, sending.deliberation)
    except connectors.ConnectorError as exc:
        _poll_later(sending, now, exc.message)
        return False
    if reply is None:
        # A refused answer stays said until another answer comes (the clerk must see why the
        # acknowledgement is still awaited); a connector's passing failure is forgotten.
        kept = sending.last_error if sending.last_error.startswith(ANSWER_REFUSED) else ""
        _poll_later(sending, now, kept)
        return False
    via = f"Reçue par le connecteur {connector.label}."
    try:
        with transaction.atomic():
            _receive(sending.requested_by, sending.deliberation, _answer(reply), via)
    except (ValidationError, PermissionDenied, Http404) as exc:
        connector.settle(reply, accepted=False)
        error = f"{ANSWER_REFUSED} : {_reason(exc)}"
        logger.warning("Délibération %s : %s", sending.deliberation, error)
        _poll_later(sending, now, error)
        return False
    connector.settle(reply, accepted=True)
    return True


@dataclass(frozen=True)
class _AnswerFile:
    """A message of the préfecture, read against its act once that act is locked."""

    message: bytes


def _answer(reply: connectors.Reply) -> Answer | _AnswerFile:
    """The préfecture's message in the reply, or the operator's failure as an anomaly."""
    if reply.message:
        return _AnswerFile(reply.message)
    return actes.Anomaly(nature="", detail=reply.failure, reported_on=timezone.localdate())


def _poll_later(sending: ActesSending, now: datetime.datetime, error: str) -> None:
    next_poll = now + poll_interval()
    ActesSending.objects.filter(pk=sending.pk).update(
        next_poll_at=next_poll, claimed_until=None, last_error=error[:2000]
    )
    if error:
        logger.warning("Envoi au préfet %s : %s", sending.pk, error)
    _enqueue(tasks.poll_prefect, sending.pk, run_after=next_poll)


def deliberation_receive_message(
    *, actor: User | None, deliberation: Deliberation, message: bytes
) -> Answer:
    """A13: the préfecture's answer uploaded by the clerk — its acknowledgement (ARActe) or an
    anomaly (AnomalieActe) — read against the schema, for this act, after its transmission,
    recorded once. ValidationError (French) otherwise, and nothing is written."""
    policy.require(actor, "deliberation", ACKNOWLEDGE, deliberation)
    with transaction.atomic():
        return _receive(actor, deliberation, _AnswerFile(message), "Fichier XML déposé.")


def _receive(
    actor: User | None, deliberation: Deliberation, answer: Answer | _AnswerFile, via: str
) -> Answer:
    """Record `answer` (an Acknowledgement, an Anomaly, or an `_AnswerFile` to read) on the
    locked act, and close its open sending."""
    locked = (
        Deliberation.objects.select_for_update(of=("self",))
        .select_related("report__sitting")
        .get(pk=deliberation.pk)
    )
    if isinstance(answer, _AnswerFile):
        try:
            answer = actes.read_reply(answer.message, locked)
        except actes.ActesError as exc:
            raise ValidationError(str(exc)) from exc
    _check_awaiting(locked)
    if isinstance(answer, actes.Acknowledgement):
        TRANSMISSION_WORKFLOW.apply(
            locked,
            ACKNOWLEDGE,
            actor=actor,
            reason=via,
            acknowledged_on=answer.received_on,
            actes_id=_checked_actes_identifier(locked, answer.actes_id),
        )
        outcome = ActesSending.Outcome.ACKNOWLEDGED
    else:
        TRANSMISSION_WORKFLOW.apply(
            locked,
            REPORT_ANOMALY,
            actor=actor,
            reason=f"{via} {answer.text}",
            anomaly_on=answer.reported_on,
            anomaly_nature=answer.nature,
            anomaly_detail=answer.detail,
        )
        outcome = ActesSending.Outcome.ANOMALY
    _open().filter(deliberation=locked).update(
        closed_at=timezone.now(), claimed_until=None, outcome=outcome
    )
    for field in ("transmission_state", "acknowledged_on", "actes_id", "anomaly_on"):
        setattr(deliberation, field, getattr(locked, field))
    return answer


def _check_awaiting(deliberation: Deliberation) -> None:
    """An answer of the préfecture comes after the act's transmission, and once."""
    state, number = deliberation.transmission_state, deliberation.number
    if state == T.SENT:
        return
    if state == T.ACKNOWLEDGED:
        raise ValidationError(
            f"La délibération n°{number} a déjà son accusé de réception, du "
            f"{format_date(deliberation.acknowledged_on)} ({deliberation.actes_id}) : une "
            "seconde réponse de la préfecture n'est pas enregistrée."
        )
    if state == T.ANOMALY:
        raise ValidationError(
            f"Une anomalie est enregistrée pour la délibération n°{number} depuis le "
            f"{format_date(deliberation.anomaly_on)} : transmettez-la de nouveau avant "
            "d'enregistrer une réponse de la préfecture."
        )
    raise ValidationError(
        f"La délibération n°{number} n'a pas été transmise au préfet : une réponse de la "
        "préfecture ne peut pas précéder sa transmission."
    )


# --- Tasks, due work and lost tasks -----------------------------------------------------------


def _enqueue(job: Any, sending_id: int, run_after: datetime.datetime | None = None) -> None:
    """Queue `job` (at `run_after`). Never fails its caller: a backend that cannot defer (the
    tests' immediate one) or a queue out of reach leaves the work to the worker's sweep."""
    try:
        backend = task_backends[job.backend]
        if run_after is not None:
            if not backend.supports_defer:
                return
            job.using(run_after=run_after).enqueue(sending_id)
        else:
            job.enqueue(sending_id)
    except Exception:  # noqa: BLE001 — the sending is recorded: the worker's sweep takes it
        logger.exception("Envoi au préfet %s non mis en file", sending_id)


def send_due(*, now: datetime.datetime | None = None) -> int:
    """Hand over every sending due (the tests, a command). Returns how many were sent."""
    now = now or timezone.now()
    due = _open().filter(sent_at__isnull=True, next_attempt_at__lte=now)
    return sum(deliver(pk, now=now) for pk in list(due.values_list("pk", flat=True)))


def poll_due(*, now: datetime.datetime | None = None) -> int:
    """Ask for every answer due (the tests, a command). Returns how many were recorded."""
    now = now or timezone.now()
    due = _open().filter(sent_at__isnull=False, next_poll_at__lte=now)
    return sum(poll(pk, now=now) for pk in list(due.values_list("pk", flat=True)))


def requeue_lost(*, now: datetime.datetime | None = None) -> int:
    """Queue again the sendings and polls overdue with no task waiting for them (run by the
    worker's maintenance). Returns how many."""
    now = now or timezone.now()
    overdue = now - LOST_AFTER
    free = _open().filter(_claimable(now))
    count = 0
    for job, lost in (
        (tasks.send_to_prefect, free.filter(sent_at__isnull=True, next_attempt_at__lt=overdue)),
        (tasks.poll_prefect, free.filter(sent_at__isnull=False, next_poll_at__lt=overdue)),
    ):
        candidates = list(lost.values_list("pk", flat=True)[:100])
        if not candidates:
            continue
        waiting = {
            (r["args_kwargs"].get("args") or [None])[0]
            for r in DBTaskResult.objects.filter(
                task_path=job.module_path,
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            ).values("args_kwargs")
        }
        for pk in candidates:
            if pk not in waiting:
                _enqueue(job, pk)
                count += 1
    return count
