"""Finance pages for each role: the AP view, payment requests, mandates, lapse watch."""

from decimal import Decimal

import pytest

from pacte.finance.models import PaymentRequest
from pacte.operations.models import Attachment

from .conftest import D, voted_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_op(lens_contract, users, ap):
    return voted_operation(lens_contract, users)


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "finance", "elected"])
def test_internal_roles_read_the_ap(client_for, signed_op, ap, role):
    response = client_for(role).get(f"/finances/ap/{ap.pk}/")
    assert response.status_code == 200
    assert response.context["figures"]["committed"] == Decimal("135000.00")
    html = response.content.decode()
    assert '<svg class="chart"' in html and "Consommation de l" in html
    assert "135\u202f000,00\xa0€" in html


def test_partner_is_refused_the_ap_but_sees_its_payments(client_for, signed_op, ap):
    client = client_for("partner")
    assert client.get(f"/finances/ap/{ap.pk}/").status_code == 403
    assert client.get(f"/finances/ap/{ap.pk}/caducite/").status_code == 403
    assert client.get("/finances/paiements/").status_code == 200


def test_instalment_journey_partner_agent_finance(client_for, signed_op, users, ap):
    from pacte.operations import services as operation_services
    from tests.operations.conftest import pdf

    operation, commitment = signed_op
    statement = operation_services.attachment_add(
        actor=users["test-partner"],
        operation=operation,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat.pdf"),
    )
    partner = client_for("partner")
    response = partner.post(
        f"/finances/operations/{operation.pk}/paiement/",
        {"kind": "instalment", "amount": "200000,00", "evidence": [statement.pk]},
    )
    assert "80,00 %" in response.content.decode()
    response = partner.post(
        f"/finances/operations/{operation.pk}/paiement/",
        {"kind": "instalment", "amount": "50000,00", "evidence": [statement.pk]},
    )
    assert response.status_code == 302
    payment = PaymentRequest.objects.get()
    assert client_for("partner2").get(f"/finances/paiements/{payment.pk}/").status_code == 404
    # The partner cannot check its own request (the test client is shared: log in again).
    partner = client_for("partner")
    response = partner.post(f"/finances/paiements/{payment.pk}/", {"action": "check"})
    assert response.status_code == 403
    client_for("agent").post(f"/finances/paiements/{payment.pk}/", {"action": "check"})
    payment.refresh_from_db()
    assert payment.state == "checked"
    client_for("finance").post(
        f"/finances/paiements/{payment.pk}/",
        {"action": "pay", "mandate_number": "M-2025-0042", "paid_on": "2025-09-12"},
    )
    payment.refresh_from_db()
    assert (payment.state, payment.mandate_number) == ("paid", "M-2025-0042")
    figures = client_for("finance").get(f"/finances/ap/{ap.pk}/").context["figures"]
    assert figures["paid"] == Decimal("50000.00")
    page = client_for("partner").get(f"/operations/{operation.pk}/").content.decode()
    assert "M-2025-0042" in page and "85\u202f000,00\xa0€" in page


def test_lapse_watch_flags_late_commitments(client_for, signed_op, users, ap):
    operation, commitment = signed_op
    rows = client_for("finance").get(f"/finances/ap/{ap.pk}/caducite/").context["rows"]
    assert rows[0]["start"] == D(2026, 3, 25)
    assert rows[0]["late"]  # today is after 25/03/2026 and the works have not started
    client_for("finance").post(
        f"/finances/engagements/{commitment.pk}/",
        {"action": "lapse", "reason": "Pas de commencement", "on": "2026-11-25"},
    )
    commitment.refresh_from_db()
    assert commitment.state == "lapsed" and commitment.lapsed_amount == Decimal("135000.00")
    assert client_for("finance").get(f"/finances/ap/{ap.pk}/").context["figures"][
        "remaining"
    ] == Decimal("1000000.00")


def test_exports_of_commitments(client_for, signed_op, ap):
    body = (
        client_for("finance").get(f"/finances/ap/{ap.pk}/?format=csv").content.decode("utf-8-sig")
    )
    assert signed_op[0].reference in body and "135000,00" in body
