"""The demo tells the truth of time: built from the day it runs, its payments are requested
after their convention is signed and paid some weeks later, never in the future; some wait for
the agent or the finance, one is refused with its reason; a few subsidies must start their works
within the coming weeks, one had its start extended, one lapsed as the rules say, none is left
past its deadline unrecorded. The whole demo is seeded once for these tests."""

import datetime
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from pacte.core.models import AuditEvent, User
from pacte.finance import selectors
from pacte.finance.models import (
    Commitment,
    CommitmentEvent,
    PaymentEvent,
    PaymentRequest,
    ProgrammeAuthorisation,
)
from pacte.finance.services import deadlines
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.workflows import COMPLETE, LAPSE, SIGN_AGREEMENT

pytestmark = pytest.mark.django_db

State = PaymentRequest.State


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory, timestamp_authority):
    """The demo as `manage.py demo` seeds it, rolled back after this module's tests."""
    from django.conf import settings

    from pacte.demo.seed import seed_demo

    # Its own var dir (its password, its second factor's key), the session's signing authority.
    var = tmp_path_factory.mktemp("demo-var")
    (var / "pki").symlink_to(Path(settings.VAR_DIR) / "pki", target_is_directory=True)
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=var, MEDIA_ROOT=var / "media", PACTE_TSA_URL=timestamp_authority),
        transaction.atomic(),
    ):
        seed_demo()
        yield ProgrammeAuthorisation.objects.get(generation__period_start__year=2023)
        transaction.set_rollback(True)


def _day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def _signed_on() -> dict[int, datetime.date]:
    return {
        operation_id: _day(at)
        for operation_id, at in OperationEvent.objects.filter(
            transition=SIGN_AGREEMENT
        ).values_list("operation_id", "at")
    }


def test_nothing_that_happened_is_dated_in_the_future(demo):
    now, today = timezone.now(), timezone.localdate()
    assert not PaymentRequest.objects.filter(requested_at__gt=now).exists()
    assert not PaymentRequest.objects.filter(paid_on__gt=today).exists()
    for model in [PaymentEvent, CommitmentEvent, OperationEvent, AuditEvent]:
        assert not model.objects.filter(at__gt=now).exists(), model.__name__
    assert not Commitment.objects.filter(lapsed_on__gt=today).exists()
    assert not Operation.objects.filter(voted_on__gt=today).exists()
    assert not Operation.objects.filter(works_started_on__gt=today).exists()
    assert not Operation.objects.filter(submitted_at__gt=now).exists()


def test_payments_follow_the_signature_and_are_paid_weeks_after_their_request(demo):
    """Each payment is requested after its convention is signed, checked after its request,
    paid or refused after its check; the requests spread over the years, not on the day the
    demo is built."""
    signed = _signed_on()
    today = timezone.localdate()
    payments = list(PaymentRequest.objects.select_related("commitment").prefetch_related("events"))
    assert len(payments) >= 30
    for payment in payments:
        requested = _day(payment.requested_at)
        assert signed[payment.commitment.operation_id] <= requested, payment
        steps = {event.transition: event.at for event in payment.events.all()}
        assert all(at >= payment.requested_at for at in steps.values()), payment
        if "check" in steps and "pay" in steps:
            assert steps["check"] <= steps["pay"]
        if payment.state == State.PAID:
            assert requested < payment.paid_on <= today - datetime.timedelta(days=1)
            assert _day(steps["pay"]) == payment.paid_on
        audit = AuditEvent.objects.filter(
            object_type="finance.paymentrequest", object_id=str(payment.pk)
        )
        assert audit.get(action="payment.request").at == payment.requested_at
        for action, transition in [
            ("paymentrequest.check", "check"),
            ("paymentrequest.pay", "pay"),
        ]:
            if transition in steps:
                assert audit.get(action=action).at == steps[transition]
    paid = [p for p in payments if p.state == State.PAID]
    assert not [p for p in paid if _day(p.requested_at) == today]
    assert len({_day(p.requested_at) for p in paid}) > len(paid) * 3 // 4
    assert (max(p.paid_on for p in paid) - min(p.paid_on for p in paid)).days > 365


def test_some_payments_wait_for_the_finance_and_one_was_refused(demo):
    """Finance has requests to mandate (checked by the agent), the agent some to check, and
    a partner a refused request with its reason; the waiting ones were asked these last
    weeks."""
    today = timezone.localdate()
    waiting = PaymentRequest.objects.filter(state=State.CHECKED)
    assert waiting.count() >= 3
    assert PaymentRequest.objects.filter(state=State.REQUESTED).exists()
    for payment in PaymentRequest.objects.filter(state__in=[State.CHECKED, State.REQUESTED]):
        assert (today - _day(payment.requested_at)).days <= 60
        assert payment.paid_on is None and payment.mandate_number == ""
    (refused,) = PaymentRequest.objects.filter(state=State.REFUSED)
    assert refused.events.get(transition="refuse").reason.strip()


def test_a_few_lapses_are_coming_one_lapsed_none_left_past(demo):
    """The fund's watch (the page of the lapses): between one and five subsidies reach a
    deadline within the warning period, at most two are past it without their lapse recorded;
    the lapse recorded came after the start deadline, dated on its history, and the
    operation's history says it."""
    finance = User.objects.get(username="finances")
    rows = selectors.lapse_watch(user=finance, ap=demo)
    warning = demo.generation.lapse_warning_days
    assert 1 <= sum(1 for r in rows if 0 <= r["days"] <= warning) <= 5
    assert sum(1 for r in rows if r["late"]) <= 2
    lapsed = list(Commitment.objects.filter(state=Commitment.State.LAPSED))
    assert 1 <= len(lapsed) <= 2
    for commitment in lapsed:
        assert commitment.operation.state == Operation.State.LAPSED
        assert commitment.lapsed_on > deadlines(commitment)["start"]
        assert commitment.operation.works_started_on is None
        event = commitment.operation.events.get(transition=LAPSE)
        assert _day(event.at) == commitment.lapsed_on and event.reason
        assert _day(commitment.events.get(transition="lapse").at) == commitment.lapsed_on


def test_a_completed_operation_is_completed_the_day_its_balance_is_paid(demo):
    completed = Operation.objects.filter(state=Operation.State.COMPLETED, commitment__isnull=False)
    assert completed.exists()
    for operation in completed:
        balance = operation.commitment.payments.get(kind=PaymentRequest.Kind.BALANCE)
        assert _day(operation.events.get(transition=COMPLETE).at) == balance.paid_on


def test_each_demo_partner_finds_everyday_work_waiting(demo):
    """`partenaire` has a request for information to answer and reciprocal commitments to
    declare; `partenaire2` declared one of its commitments, which waits for the agent's check
    (a steering committee asks both to declare them)."""
    from pacte.operations.models import ReciprocalCommitment
    from pacte.pilotage import todo

    first, second = (User.objects.get(username=u) for u in ("partenaire", "partenaire2"))
    waiting = {item.key: item.count for item in todo.items(first)}
    assert waiting.get("information_requested") == 1
    assert waiting.get("commitment_to_report") == 2
    asked = Operation.objects.get(
        contract__partner=first.partner, state=Operation.State.AWAITING_PARTNER
    )
    assert asked.messages.filter(is_information_request=True).latest("pk").body
    declared = ReciprocalCommitment.objects.get(contract__partner=second.partner, state="reported")
    assert declared.achieved == 120 and declared.report
    assert "commitment_to_report" in {item.key for item in todo.items(second)}


def test_the_journal_dates_each_step_of_an_operation_as_its_history_does(demo):
    signed = Operation.objects.filter(state="agreement_signed", is_demo=True).first()
    steps = list(OperationEvent.objects.filter(operation=signed).order_by("pk"))
    journal = AuditEvent.objects.filter(
        object_type="operations.operation",
        object_id=str(signed.pk),
        action__startswith="operation.",
    )
    for step in steps:
        row = journal.filter(action=f"operation.{step.transition}").order_by("pk").first()
        assert row is not None and row.at == step.at, step.transition
    assert _day(steps[0].at) < timezone.localdate() - datetime.timedelta(days=30)


def test_an_operation_is_written_and_its_exchanges_dated_by_its_story(demo):
    """Written, its plan set and its pieces joined before its deposit; each request for
    information and each answer dated as the step that carried it, the journal with them (an
    operation voted in 2025 showed its pieces, its request and its answer dated the day the
    demo was built)."""
    from pacte.operations.models import Attachment, Message

    exchanged = set()
    operations = Operation.objects.filter(is_demo=True, submitted_at__isnull=False)
    for operation in operations.prefetch_related("attachments", "events"):
        assert operation.created_at < operation.submitted_at, operation.reference
        for piece in operation.attachments.all():
            if piece.kind in {Attachment.Kind.DELIBERATION, Attachment.Kind.ESTIMATE}:
                assert operation.created_at < piece.uploaded_at <= operation.submitted_at
            else:  # joined since, for a payment
                assert operation.submitted_at < piece.uploaded_at <= timezone.now()
        steps = {(e.reason, _day(e.at)) for e in operation.events.all() if e.reason}
        for message in Message.objects.filter(operation=operation):
            assert (message.body.strip(), _day(message.created_at)) in steps, operation.reference
            exchanged.add(operation.pk)
        journal = AuditEvent.objects.filter(
            object_type="operations.operation", object_id=str(operation.pk)
        )
        for action in ["operation.create", "operation.financing"]:
            for row in journal.filter(action=action):
                assert row.at <= operation.submitted_at, (operation.reference, action)
        joined = set(journal.filter(action="operation.attachment").values_list("at", flat=True))
        assert {piece.uploaded_at for piece in operation.attachments.all()} <= joined
    assert len(exchanged) > 5
    # The story's requests for information were asked in the past, not today.
    assert Message.objects.filter(
        is_information_request=True, created_at__lt=timezone.now() - datetime.timedelta(days=30)
    ).exists()


def test_each_steering_committee_reviews_the_contract_as_it_stood(demo):
    from pacte.contracts.models import SteeringCommittee

    committees = list(SteeringCommittee.objects.filter(is_demo=True).order_by("held_on"))
    assert committees
    latest = committees[-1]
    assert latest.progress["operations"], latest
    assert any(c.progress["totals"]["voted_amount"] != "0.00" for c in committees)
    for committee in committees:
        assert committee.progress["date"] == committee.held_on.isoformat()


def test_convocations_are_written_then_sent_then_read(demo):
    from pacte.assembly.models import Convocation

    convocations = list(Convocation.objects.filter(is_demo=True).select_related("mail"))
    assert convocations
    for convocation in convocations:
        if convocation.mail is not None and convocation.mail.sent_at:
            assert convocation.created_at <= convocation.mail.sent_at
            if convocation.acknowledged_at:
                assert convocation.mail.sent_at <= convocation.acknowledged_at
