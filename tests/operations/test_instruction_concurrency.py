"""Two workers running their maintenance at the same moment remind the addressee of an opinion
once: real threads, real connections, committed data (on PostgreSQL the row's lock decides the
conditional update; SQLite serialises the writers)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from pacte.core.models import Notification, OutgoingMail
from pacte.core.roles import Role
from pacte.operations import services
from pacte.operations.models import OpinionRequest

from .test_instruction import in_review

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_workers_remind_the_addressee_once(lens_contract, users, make_user):
    colleague = make_user(username="agent-maison", role=Role.AGENT, email="maison@exemple.fr")
    operation = in_review(lens_contract, users)
    opinions = [
        services.opinion_request(
            actor=users["test-agent"],
            operation=operation,
            addressee=colleague,
            question=f"Question {n} ?",
            due_on=timezone.localdate() + datetime.timedelta(days=1),
            service="roads",
        )
        for n in range(3)
    ]
    OpinionRequest.objects.update(requested_at=timezone.now() - datetime.timedelta(days=5))
    barrier = threading.Barrier(2)
    sent = []

    def maintenance():
        try:
            barrier.wait()
            sent.append(services.opinion_reminders())
        finally:
            connection.close()

    workers = [threading.Thread(target=maintenance) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(sent) == 2 and sum(sent) == len(opinions), sent
    assert OutgoingMail.objects.filter(kind="opinion_reminder").count() == len(opinions)
    assert Notification.objects.filter(kind="opinion_reminder", recipient=colleague).count() == 3
    assert not OpinionRequest.objects.filter(reminded_at__isnull=True).exists()
