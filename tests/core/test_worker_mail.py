"""Mails go through the outbox and the background worker (`pacte.core.mail`): no request fails
because the mail server is down, a refused mail is tried again later, every link is absolute,
and each notification has its own template and a subject naming its operation."""

import datetime

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from pacte.core import mail
from pacte.core.models import OutgoingMail
from pacte.finance import services as finance_services
from pacte.operations import services as operation_services
from pacte.operations.models import Message
from tests.finance import conftest as finance_fixtures
from tests.finance.conftest import voted_operation
from tests.operations.conftest import make_operation

from .worker_support import DATABASE_TASKS, SmtpServer, Worker, free_port, wait_until

SMTP = "django.core.mail.backends.smtp.EmailBackend"
# The finance tests' fixtures: a signed contract, the fund's AP, files under a temporary media.
ap = finance_fixtures.ap
lens_contract = finance_fixtures.lens_contract
media_root = finance_fixtures.media_root


@pytest.fixture
def smtp_down(settings):
    """The real SMTP backend, pointed at a local port where no server listens (yet)."""
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    return settings.EMAIL_PORT


@pytest.fixture
def submitted(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    # The deposit's notification to the agents: these tests follow the mails that come after.
    OutgoingMail.objects.all().delete()
    return operation


@pytest.mark.django_db
def test_a_message_posted_while_the_mail_server_is_down_is_saved_and_sent_later(
    smtp_down, submitted, users, client_for, django_capture_on_commit_callbacks
):
    client = client_for("agent")
    with django_capture_on_commit_callbacks(execute=True):  # the request's commit: tries at once
        response = client.post(f"/operations/{submitted.pk}/messages/", {"body": "Bonjour !"})
    assert response.status_code == 302
    assert Message.objects.get(operation=submitted).body == "Bonjour !"
    queued = OutgoingMail.objects.get()
    assert (queued.attempts, queued.sent_at, queued.status) == (1, None, "à réessayer")
    assert "ConnectionRefusedError" in queued.last_error
    assert queued.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert mail.send_due() == 0  # not due yet

    server = SmtpServer(smtp_down)
    try:
        later = timezone.now() + datetime.timedelta(minutes=2)
        assert mail.send_due(now=later) == 1
        assert mail.send_due(now=later) == 0  # sent once
    finally:
        server.close()
    queued.refresh_from_db()
    assert (queued.attempts, queued.status, queued.last_error) == (2, "envoyé", "")
    [(_, recipients, message)] = server.received
    assert recipients == [users["test-partner"].email]
    assert message["Subject"] == f"[Pacte] {submitted.reference} — Nouveau message"
    body = message.get_content()
    assert f"http://127.0.0.1:8000/operations/{submitted.pk}/" in body
    assert "Bonjour !" in body and "l'opération" in body  # plain text, not HTML-escaped


@pytest.mark.django_db
def test_a_refused_mail_is_tried_again_with_growing_delays_then_abandoned(
    smtp_down, submitted, users, settings, django_capture_on_commit_callbacks
):
    settings.PACTE_MAIL_RETRY_SECONDS = [60, 300, 900]
    with django_capture_on_commit_callbacks(execute=True):
        operation_services.message_post(actor=users["test-agent"], operation=submitted, body="?")
    queued = OutgoingMail.objects.get()
    assert queued.attempts == 1
    gaps = []
    for _ in range(3):
        due = queued.next_attempt_at
        assert mail.send_due(now=due - datetime.timedelta(seconds=1)) == 0  # not yet
        assert mail.send_due(now=due) == 0  # tried, refused again
        queued.refresh_from_db()
        gaps.append(round((queued.next_attempt_at - due).total_seconds()))
    assert queued.attempts == 4 and queued.abandoned_at is not None
    assert queued.status == "abandonné" and "ConnectionRefusedError" in queued.last_error
    assert gaps[:2] == [300, 900]
    now = queued.abandoned_at
    assert mail.send_due(now=now + datetime.timedelta(days=1)) == 0


@pytest.mark.django_db
def test_each_notification_has_its_template_and_a_subject_naming_the_operation(
    submitted, users, settings, ap, django_capture_on_commit_callbacks
):
    settings.PACTE_SITE_URL = "https://pacte.exemple.fr/"
    agent = users["test-agent"]
    operation_services.operation_take_charge(actor=agent, operation=submitted)
    with django_capture_on_commit_callbacks(execute=True):
        operation_services.operation_request_changes(
            actor=agent, operation=submitted, reason="Joignez le devis."
        )
    sent = django_mail.outbox[-1]
    assert sent.subject == f"[Pacte] {submitted.reference} — Demande de compléments"
    assert "demande des compléments" in sent.body and "Joignez le devis." in sent.body
    assert f"https://pacte.exemple.fr/operations/{submitted.pk}/" in sent.body

    operation, _ = voted_operation(submitted.contract, users, title="Piste cyclable")
    with django_capture_on_commit_callbacks(execute=True):
        assert finance_services.lapse_alerts_send(on=datetime.date(2026, 1, 5)) == 1
    sent = django_mail.outbox[-1]
    assert (
        sent.subject == f"[Pacte] {operation.reference} — Caducité de la subvention dans 79 jours"
    )
    assert f"https://pacte.exemple.fr/operations/{operation.pk}/#paiements" in sent.body
    assert {m.kind for m in OutgoingMail.objects.all()} >= {
        "information_request",
        "lapse_approaching",
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_the_mail_once_the_server_is_back(
    lens_contract, users, settings, tmp_path
):
    """End to end: a real worker, a real (failing, then working) SMTP server."""
    settings.TASKS = DATABASE_TASKS
    port = free_port()
    operation = make_operation(lens_contract, users["test-partner"])
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    OutgoingMail.objects.all().delete()  # the deposit's notification: not this test's mail
    worker = Worker(
        tmp_path,
        EMAIL_BACKEND=SMTP,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        PACTE_MAIL_RETRY_SECONDS="1,1,1,1,1,1,1,1",
    )
    server = None
    try:
        operation_services.message_post(actor=users["test-agent"], operation=operation, body="!")
        queued = OutgoingMail.objects.get()
        wait_until(lambda: OutgoingMail.objects.get(pk=queued.pk).attempts >= 2, timeout=60)
        assert OutgoingMail.objects.get(pk=queued.pk).sent_at is None
        server = SmtpServer(port)
        wait_until(lambda: OutgoingMail.objects.get(pk=queued.pk).sent_at, timeout=30)
        assert len(server.received) == 1, worker.output()
        assert worker.alive
    finally:
        worker.stop()
        if server:
            server.close()
