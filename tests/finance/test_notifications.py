"""Payments notify whom they concern: requested → the instructor; checked → the finance
officers, who mandate; paid or refused → the partner (with the reason) and the followers."""

from decimal import Decimal

import pytest

from pacte.core import worker
from pacte.core.french import format_money
from pacte.core.models import Notification, OutgoingMail
from pacte.finance import services
from pacte.operations import services as operation_services
from pacte.operations.models import Attachment

from .conftest import D, pdf, voted_operation

pytestmark = pytest.mark.django_db
SITE = "https://pacte.exemple.fr"
EUR_20K, EUR_10K = format_money(Decimal("20000.00")), format_money(Decimal("10000.00"))


@pytest.fixture(autouse=True)
def _site(settings):
    settings.PACTE_SITE_URL = SITE


def _told(kind):
    rows = Notification.objects.filter(kind=kind)
    return sorted(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def signed(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users)
    return operation


def test_a_payment_goes_from_the_partner_to_the_agent_then_to_finance_then_back(signed, users):
    partner, agent, finance = users["test-partner"], users["test-agent"], users["test-finance"]
    operation_services.operation_follow(actor=users["test-assembly"], operation=signed)
    payment = services.payment_request_create(
        actor=partner, operation=signed, kind="advance", amount=Decimal("20000.00")
    )
    assert _told("payment_requested") == ["test-agent", "test-assembly"]
    sent = OutgoingMail.objects.get(kind="payment_requested", recipients=["test-agent@exemple.fr"])
    assert sent.subject == f"[Pacte] {signed.reference} — Avance de {EUR_20K} demandée"
    assert f"{SITE}/finances/paiements/{payment.pk}/" in sent.body
    services.payment_check(actor=agent, payment=payment)
    assert _told("payment_checked") == ["test-finance"]
    sent = OutgoingMail.objects.get(kind="payment_checked")
    assert sent.subject == f"[Pacte] {signed.reference} — Avance de {EUR_20K} à mandater"
    assert "Elle attend son mandat" in sent.body
    services.payment_pay(
        actor=finance, payment=payment, mandate_number="M-2024-0042", paid_on=D(2024, 6, 3)
    )
    assert _told("payment_paid") == ["test-assembly", "test-partner"]
    sent = OutgoingMail.objects.get(kind="payment_paid", recipients=["test-partner@exemple.fr"])
    assert sent.subject == f"[Pacte] {signed.reference} — Avance de {EUR_20K} versée"
    assert "mandat n° M-2024-0042 du 03/06/2024" in sent.body
    row = Notification.objects.get(kind="payment_paid", recipient=partner)
    assert row.url == f"/finances/paiements/{payment.pk}/"


def test_a_refused_payment_quotes_its_reason(signed, users):
    partner = users["test-partner"]
    statement = operation_services.attachment_add(
        actor=partner, operation=signed, kind=Attachment.Kind.EXPENSE_STATEMENT, upload=pdf()
    )
    payment = services.payment_request_create(
        actor=partner,
        operation=signed,
        kind="instalment",
        amount=Decimal("10000.00"),
        evidence=[statement],
    )
    services.payment_refuse(
        actor=users["test-agent"], payment=payment, reason="Les factures ne sont pas acquittées."
    )
    assert _told("payment_refused") == ["test-partner"]  # the instructor refused it himself
    sent = OutgoingMail.objects.get(kind="payment_refused")
    assert sent.subject == f"[Pacte] {signed.reference} — Acompte de {EUR_10K} refusé"
    assert "Les factures ne sont pas acquittées." in sent.body
    row = Notification.objects.get(kind="payment_refused")
    assert row.text == "Les factures ne sont pas acquittées."


def test_the_worker_runs_the_lapse_notices_each_day():
    assert services.lapse_alerts_daily in worker._MAINTENANCE
