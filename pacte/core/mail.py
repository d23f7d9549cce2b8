"""Every mail Pacte sends goes through an outbox, and the background worker sends it.

A service that notifies someone calls `mail_queue` inside its transaction: the mail is rendered
from its own template (`<app>/mail/<kind>.txt`, with absolute links), recorded as an
`OutgoingMail` row with the write that causes it, and handed to the worker once the transaction
commits. No request waits for the mail server, and none fails because it is down.

Why an outbox rather than a task carrying the mail: the mail exists if and only if the write
that causes it committed; it survives a worker that dies while sending, a queue that loses its
task or a server down for hours; the administration shows what was sent, what waits and why
(`last_error`); and sending is claimed (`claimed_until`), so that a mail queued twice is sent
once.

Retries: a refused mail is tried again after 1 min, 5 min, 15 min, 1 h and 4 h
(PACTE_MAIL_RETRY_SECONDS), each time by a task queued for that time (`run_after`); after the
last one it is abandoned (kept, with its error). The worker also queues again, now and then, a
mail overdue with no task waiting for it (a task lost with its worker).
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import TaskResultStatus, task, task_backends
from django_tasks_db.models import DBTaskResult

from .models import OutgoingMail

logger = logging.getLogger(__name__)

SITE_URL_DEFAULT = "http://127.0.0.1:8000"
RETRY_SECONDS_DEFAULT = (60, 300, 900, 3600, 14400)
# How long a sending may take before another worker may try the same mail again.
CLAIM = datetime.timedelta(minutes=5)
# A mail overdue by this much, with no task waiting for it, lost its task: it is queued again.
LOST_AFTER = datetime.timedelta(minutes=2)


def site_url() -> str:
    """PACTE_SITE_URL: the address users reach Pacte at, for the links of the mails."""
    url = getattr(settings, "PACTE_SITE_URL", None) or os.environ.get("PACTE_SITE_URL")
    return str(url or SITE_URL_DEFAULT).rstrip("/")


def absolute_url(path: str) -> str:
    """`/operations/1/` → `https://pacte.pasdecalais.fr/operations/1/`."""
    return f"{site_url()}/{path.lstrip('/')}"


def retry_seconds() -> tuple[float, ...]:
    value = getattr(settings, "PACTE_MAIL_RETRY_SECONDS", None) or os.environ.get(
        "PACTE_MAIL_RETRY_SECONDS"
    )
    if not value:
        return tuple(float(s) for s in RETRY_SECONDS_DEFAULT)
    if isinstance(value, str):
        value = value.split(",")
    return tuple(float(s) for s in value)


def subject_line(reference: str, what: str) -> str:
    """« [Pacte] OP-2023-00001 — Nouveau message »."""
    return f"[Pacte] {reference} — {what}" if reference else f"[Pacte] {what}"


def mail_queue(
    *,
    kind: str,
    recipients: Iterable[str],
    subject: str,
    template: str,
    context: Mapping[str, Any],
    reference: str = "",
) -> OutgoingMail | None:
    """Record a mail to send (in the caller's transaction) and send it once that commits.
    `template` is rendered with `context` and `site_url`; a link in it is absolute
    (`absolute_url`). No recipient with an address: no mail."""
    emails = sorted({e.strip() for e in recipients if e and e.strip()})
    if not emails:
        return None
    body = render_to_string(template, {**context, "site_url": site_url()})
    mail = OutgoingMail.objects.create(
        kind=kind,
        reference=reference[:64],
        recipients=emails,
        subject=subject[:255],
        body=body,
    )
    transaction.on_commit(lambda: enqueue(mail.pk))
    return mail


def enqueue(mail_id: int, run_after: datetime.datetime | None = None) -> None:
    """Queue the sending (at `run_after`). Never fails its caller: a backend that cannot defer
    (the tests' immediate one) or a queue out of reach leaves the mail to the worker's sweep."""
    try:
        backend = task_backends[send_outgoing_mail.backend]
        if run_after is not None:
            if not backend.supports_defer:
                return
            send_outgoing_mail.using(run_after=run_after).enqueue(mail_id)
        else:
            send_outgoing_mail.enqueue(mail_id)
    except Exception:  # noqa: BLE001 — the mail is recorded: the worker's sweep will send it
        logger.exception("Envoi du courriel %s non mis en file", mail_id)


def deliver(mail_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Send the mail if it is due and no one else is sending it. On a refusal, count the
    attempt, keep the error and queue the next try (or abandon it after the last)."""
    now = now or timezone.now()
    claimed = (
        OutgoingMail.objects.filter(
            pk=mail_id, sent_at__isnull=True, abandoned_at__isnull=True, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, list(mail.recipients))
    except Exception as exc:  # noqa: BLE001 — whatever the server or the network says
        _refused(mail, exc, now)
        return False
    OutgoingMail.objects.filter(pk=mail_id).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def _refused(mail: OutgoingMail, error: Exception, now: datetime.datetime) -> None:
    delays = retry_seconds()
    text = f"{type(error).__name__} : {' '.join(str(error).split())}"[:1000]
    if mail.attempts > len(delays):
        OutgoingMail.objects.filter(pk=mail.pk).update(
            abandoned_at=now, claimed_until=None, last_error=text
        )
        logger.error("Courriel %s abandonné après %s essais : %s", mail.pk, mail.attempts, text)
        return
    next_attempt = now + datetime.timedelta(seconds=delays[mail.attempts - 1])
    OutgoingMail.objects.filter(pk=mail.pk).update(
        next_attempt_at=next_attempt, claimed_until=None, last_error=text
    )
    logger.warning(
        "Courriel %s refusé (essai %s) : %s ; nouvel essai à %s",
        mail.pk,
        mail.attempts,
        text,
        timezone.localtime(next_attempt).strftime("%H:%M:%S"),
    )
    enqueue(mail.pk, run_after=next_attempt)


def send_due(*, now: datetime.datetime | None = None) -> int:
    """Send at once every mail due (a management command, the tests). Returns how many."""
    now = now or timezone.now()
    due = _pending().filter(next_attempt_at__lte=now).values_list("pk", flat=True)
    return sum(deliver(pk, now=now) for pk in list(due))


def requeue_lost(*, now: datetime.datetime | None = None) -> int:
    """Queue again the mails overdue with no task waiting for them (run by the worker)."""
    now = now or timezone.now()
    overdue = list(
        _pending()
        .filter(next_attempt_at__lt=now - LOST_AFTER)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:100]
    )
    if not overdue:
        return 0
    waiting = {
        args[0]
        for args in (
            r["args_kwargs"].get("args") or [None]
            for r in DBTaskResult.objects.filter(
                task_path=send_outgoing_mail.module_path,
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            ).values("args_kwargs")
        )
    }
    lost = [pk for pk in overdue if pk not in waiting]
    for pk in lost:
        enqueue(pk)
    return len(lost)


def _pending() -> QuerySet[OutgoingMail]:
    return OutgoingMail.objects.filter(sent_at__isnull=True, abandoned_at__isnull=True)


@task()
def send_outgoing_mail(mail_id: int) -> bool:
    """Send one recorded mail (see the module's docstring)."""
    return deliver(mail_id)
