"""The payment pages as a partner and a finance officer meet them: a refused request leads to a
new one, the message after a request agrees with its nature, an amount copied from a page
(« 67 410,00 € ») is read, and no mandate is dated in the future."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pacte.finance import services
from pacte.finance.models import PaymentRequest
from tests.conftest import refused

from .conftest import voted_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_op(lens_contract, users, ap):
    return voted_operation(lens_contract, users)


def _flashed(response):
    return [str(m) for m in response.context["messages"]]


def test_an_advance_is_requested_in_the_feminine_from_an_amount_as_pages_write_it(
    client_for, signed_op
):
    operation, _ = signed_op
    response = client_for("partner").post(
        f"/finances/operations/{operation.pk}/paiement/",
        {"kind": "advance", "amount": "10\u202f000,00\u00a0€"},
        follow=True,
    )
    assert _flashed(response) == [
        "Avance demandée\u00a0; le Département va vérifier vos justificatifs."
    ]
    assert PaymentRequest.objects.get().requested_amount == Decimal("10000.00")


def test_a_refused_request_leads_its_partner_to_a_new_one(client_for, signed_op, users):
    operation, _ = signed_op
    payment = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )
    new_request = f'href="/finances/operations/{operation.pk}/paiement/"'
    page = client_for("partner").get(f"/finances/paiements/{payment.pk}/").content.decode()
    assert new_request not in page  # still waiting: nothing to ask again
    services.payment_refuse(actor=users["test-agent"], payment=payment, reason="Pièce illisible")
    page = client_for("partner").get(f"/finances/paiements/{payment.pk}/").content.decode()
    assert new_request in page and "Faire une nouvelle demande de paiement" in page
    # The finance officer reads the page; he does not request payments.
    page = client_for("finance").get(f"/finances/paiements/{payment.pk}/").content.decode()
    assert new_request not in page


def test_a_mandate_is_not_dated_in_the_future(client_for, signed_op, users):
    operation, _ = signed_op
    payment = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )
    services.payment_check(actor=users["test-agent"], payment=payment)
    coming = timezone.localdate() + datetime.timedelta(days=90)
    with refused("cette date est à venir"):
        services.payment_pay(
            actor=users["test-finance"], payment=payment, mandate_number="M-1", paid_on=coming
        )
    response = client_for("finance").post(
        f"/finances/paiements/{payment.pk}/",
        {"action": "pay", "mandate_number": "M-1", "paid_on": coming.isoformat()},
        follow=True,
    )
    assert any("cette date est à venir" in m for m in _flashed(response))
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.CHECKED and payment.paid_on is None
    paid = services.payment_pay(
        actor=users["test-finance"],
        payment=payment,
        mandate_number="M-1",
        paid_on=timezone.localdate(),
    )
    assert paid.state == PaymentRequest.State.PAID
