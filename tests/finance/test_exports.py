"""Exports of payment requests and of the lapse watch: filters and scope as on the pages."""

from decimal import Decimal

import pytest

from pacte.finance import services
from pacte.finance.selectors import lapse_watch
from tests.export_helpers import csv_rows, xlsx_rows

from .conftest import D, voted_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments(lens_contract, arras_contract, users, ap):
    made = []
    for contract, partner in [(lens_contract, "test-partner"), (arras_contract, "test-partner2")]:
        operation, _ = voted_operation(contract, users, title=f"Opération {partner}")
        request = services.payment_request_create(
            actor=users[partner], operation=operation, kind="advance", amount=Decimal("10000.00")
        )
        made.append(request)
    services.payment_check(actor=users["test-agent"], payment=made[0])
    services.payment_pay(
        actor=users["test-finance"], payment=made[0], mandate_number="M-77", paid_on=D(2025, 2, 3)
    )
    return made


def test_payment_export_keeps_the_state_filter(client_for, payments):
    rows = csv_rows(client_for("finance").get("/finances/paiements/?etat=paid&format=csv"))
    assert len(rows) == 2
    assert rows[1][0] == payments[0].commitment.operation.reference
    assert rows[1][6:] == ["Payé", "10000,00", "03/02/2025", "M-77"]
    everything = xlsx_rows(client_for("agent").get("/finances/paiements/?format=xlsx"))
    assert len(everything) == 3


def test_payment_export_shows_a_partner_its_own_requests_only(client_for, payments):
    rows = csv_rows(client_for("partner2").get("/finances/paiements/?format=csv"))
    assert [r[0] for r in rows[1:]] == [payments[1].commitment.operation.reference]


def test_lapse_watch_export_lists_the_page_rows(client_for, payments, ap, users):
    rows = csv_rows(client_for("finance").get(f"/finances/ap/{ap.pk}/caducite/?format=csv"))
    expected = lapse_watch(user=users["test-finance"], ap=ap)
    assert [r[0] for r in rows[1:]] == [r["commitment"].operation.reference for r in expected]
    assert (
        client_for("partner").get(f"/finances/ap/{ap.pk}/caducite/?format=csv").status_code == 403
    )
