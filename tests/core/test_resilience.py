"""What an operator and an adversary found on a fresh clone, each answered in French with
nothing half-written: plans that add up beyond what Pacte holds, a database busy with a long
write, over-sized form fields sent to the API, a mail server that never answers, texts that a
PDF/A document cannot hold (tests/documents), a worker grown large."""

import json
import socket
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.test import RequestFactory

from pacte.contracts.models import Generation, Partner
from pacte.core import mail
from pacte.core.middleware import ExceptionsMiddleware
from pacte.core.models import OutgoingMail
from tests.core.test_bad_input import bearer
from tests.operations.conftest import make_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def lens(users):
    from tests.operations.conftest import signed_contract

    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    return signed_contract(generation, "246200364", users["test-agent"])


def _plan(amounts: list[str]) -> dict:
    return {
        "expenses": [
            {"label": f"Poste {i}", "amount_excl_tax": a, "amount_incl_tax": a}
            for i, a in enumerate(amounts)
        ],
        "resources": [{"funder": "fit", "amount": a} for a in amounts],
    }


def test_a_plan_whose_lines_add_up_beyond_the_limit_is_refused(client, users, lens):
    operation = make_operation(lens, users["test-partner"])
    before = list(operation.resources.values_list("amount", flat=True))
    answer = client.put(
        f"/api/operations/{operation.pk}/financement",
        json.dumps(_plan(["600000000000.00", "600000000000.00"])),
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422, answer.content
    assert "Plan de financement hors de portée" in answer.json()["detail"]
    assert "1\u202f200\u202f000\u202f000\u202f000,00\xa0€" in answer.json()["detail"]
    assert list(operation.resources.values_list("amount", flat=True)) == before
    assert (
        client.get(f"/api/operations/{operation.pk}", **bearer(users["test-partner"])).status_code
        == 200
    )


def test_amounts_are_written_with_plain_digits(users, lens):
    from pacte.operations.services import financing_plan_set

    operation = make_operation(lens, users["test-partner"])
    for written in ["1,5e3", "１２３", "12 3a"]:
        with pytest.raises(ValidationError, match="montant illisible"):
            financing_plan_set(actor=users["test-partner"], operation=operation, **_plan([written]))


def test_a_busy_database_is_a_french_503_to_retry():
    request = RequestFactory().post("/operations/1/messages/")
    answer = ExceptionsMiddleware(lambda r: None).process_exception(
        request, OperationalError("database is locked")
    )
    assert answer.status_code == 503 and answer["Retry-After"] == "10"
    assert "La base de données est occupée" in answer.content.decode()
    api = RequestFactory().post("/api/operations")
    answer = ExceptionsMiddleware(lambda r: None).process_exception(
        api, OperationalError("database is locked")
    )
    assert json.loads(answer.content)["detail"].startswith("La base de données est occupée")
    other = OperationalError("no such table: x")
    assert ExceptionsMiddleware(lambda r: None).process_exception(request, other) is None


def test_form_fields_beyond_their_limit_sent_to_the_api_are_a_json_413(client, users):
    body = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + b"a" * (3 << 20)
    body += b"\r\n--x--\r\n"
    answer = client.generic(
        "POST",
        "/api/operations",
        body,
        content_type="multipart/form-data; boundary=x",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 413, answer.content[:300]
    assert answer.json()["detail"].startswith("La requête est trop volumineuse")


def test_a_mail_server_that_never_answers_does_not_hold_the_sending(settings, db):
    """A server that accepts the connection and says nothing: the sending gives up after
    EMAIL_TIMEOUT, records the refusal and queues the next try."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_TIMEOUT = 1
    queued = OutgoingMail.objects.create(
        kind="test", recipients=["x@exemple.invalid"], subject="Essai", body="Essai"
    )
    started = time.monotonic()
    assert mail.deliver(queued.pk) is False
    assert time.monotonic() - started < 10
    queued.refresh_from_db()
    assert queued.sent_at is None and queued.last_error
    listener.close()


def test_a_worker_grown_beyond_its_memory_limit_stops_between_two_tasks(settings):
    from pacte.core.worker import PacteWorker, resident_mebibytes

    assert resident_mebibytes() > 10
    worker = PacteWorker(
        queue_names=["default"],
        interval=1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="essai",
        excluded_queue_names=[],
    )
    settings.PACTE_WORKER_MAX_MEMORY_MB = 1
    assert worker._too_big()
    settings.PACTE_WORKER_MAX_MEMORY_MB = 100_000
    assert not worker._too_big()
    settings.PACTE_WORKER_MAX_MEMORY_MB = 0
    assert not worker._too_big()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_creating_the_same_contract_at_once_get_one_contract_and_a_french_refusal(
    users,
):
    from pacte.contracts.services import CONTRACT_TAKEN, contract_create
    from tests.finance.test_concurrency import race

    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    partner = Partner.objects.exclude(contracts__generation=generation).first()
    ok, refusals = race(
        *[
            lambda: contract_create(
                actor=users["test-agent"], generation=generation, partner=partner
            )
            for _ in range(4)
        ]
    )
    assert ok == 1 and refusals == [CONTRACT_TAKEN] * 3
    assert partner.contracts.filter(generation=generation).count() == 1
