from decimal import Decimal

import pytest

from pacte.core.services import api_token_create
from pacte.operations import services as operation_services
from pacte.operations.models import Attachment

from .conftest import pdf, voted_operation

pytestmark = pytest.mark.django_db


def headers(users, role):
    _, raw = api_token_create(user=users[f"test-{role}"], name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_instalment_through_the_api(client, lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users)
    statement = operation_services.attachment_add(
        actor=users["test-partner"],
        operation=operation,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat.pdf"),
    )
    partner = headers(users, "partner")
    refused = client.post(
        "/api/paiements",
        {"operation_id": operation.pk, "kind": "advance", "amount": "50000.00"},
        content_type="application/json",
        **partner,
    )
    assert refused.status_code == 422 and "30,00 %" in refused.json()["detail"]
    response = client.post(
        "/api/paiements",
        {
            "operation_id": operation.pk,
            "kind": "instalment",
            "amount": "40000.00",
            "evidence_ids": [statement.pk],
        },
        content_type="application/json",
        **partner,
    )
    assert response.status_code == 201, response.content
    payment_id = response.json()["id"]
    assert (
        client.post(
            f"/api/paiements/{payment_id}/mandat",
            {"mandate_number": "M-1", "paid_on": "2025-05-05"},
            content_type="application/json",
            **partner,
        ).status_code
        == 403
    )
    agent = headers(users, "agent")
    assert (
        client.post(
            f"/api/paiements/{payment_id}/verification",
            {},
            content_type="application/json",
            **agent,
        ).json()["state"]
        == "checked"
    )
    finance = headers(users, "finance")
    paid = client.post(
        f"/api/paiements/{payment_id}/mandat",
        {"mandate_number": "M-API-1", "paid_on": "2025-05-05"},
        content_type="application/json",
        **finance,
    ).json()
    assert paid["state"] == "paid" and paid["mandate_number"] == "M-API-1"
    funds = client.get("/api/fonds", **finance).json()
    assert Decimal(funds[0]["paid"]) == Decimal("40000.00")
    assert Decimal(funds[0]["committed"]) == Decimal("135000.00")
    assert client.get("/api/fonds", **partner).status_code == 403
    mine = client.get("/api/paiements", **partner).json()["items"]
    assert [p["id"] for p in mine] == [payment_id]
    assert client.get("/api/paiements", **headers(users, "partner2")).json()["items"] == []
