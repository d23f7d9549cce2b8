"""A kind of work that no list can show (answers received, conventions to sign, payments to
request…) names every object waiting on the home page: with more than five, the sixth was
neither named nor reachable from there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.operations import services as operation_services
from pacte.pilotage import todo
from tests.operations.conftest import make_operation

pytestmark = pytest.mark.django_db


def _answered(contract, partner, agent, count, first=0):
    for n in range(first, first + count):
        operation = make_operation(contract, partner, title=f"Réponse {n}")
        operation_services.operation_submit(actor=partner, operation=operation)
        operation_services.operation_take_charge(actor=agent, operation=operation)
        operation_services.operation_request_changes(
            actor=agent, operation=operation, reason="Joignez le devis."
        )
        operation_services.operation_answer(actor=partner, operation=operation, body="Joint.")


def _section(client) -> str:
    page = client.get("/").content.decode()
    item = page[page.index('id="todo-answer_received"') :]
    return item[: item.index("</li>\n    \n")] if "</li>\n    \n" in item else item


def test_answers_received_are_all_named(users, lens_contract, client_for):
    partner, agent = users["test-partner"], users["test-agent"]
    _answered(lens_contract, partner, agent, todo.SHOWN + 2)
    [item] = [i for i in todo.items(agent) if i.key == "answer_received"]
    assert item.more_url is None and item.count == len(item.entries) == todo.SHOWN + 2
    client = client_for("agent")
    section = _section(client)
    assert f"{todo.SHOWN + 2} réponses de partenaires reçues" in section
    for n in range(todo.SHOWN + 2):
        assert f"Réponse {n}<" in section or f"Réponse {n} " in section
    assert "todo-more" not in section
    # The same queries with twice as many.
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    _answered(lens_contract, partner, agent, 7, first=todo.SHOWN + 2)
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more.captured_queries) <= len(few.captured_queries)
