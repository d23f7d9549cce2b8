import pytest

from pacte.core.services import api_token_create
from pacte.operations.models import Operation

from .conftest import GOOD_EXPENSES, GOOD_RESOURCES, PDF

pytestmark = pytest.mark.django_db


def headers(users, role):
    _, raw = api_token_create(user=users[f"test-{role}"], name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_partner_and_agent_work_an_operation_through_the_api(client, lens_contract, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    partner = headers(users, "partner")
    stake = lens_contract.stakes.first()
    response = client.post(
        "/api/operations",
        {
            "contract_id": lens_contract.pk,
            "title": "Épicerie solidaire",
            "category": "services",
            "description": "Une épicerie solidaire en centre-ville.",
            "stake_ids": [stake.pk],
            "commune_codes": ["62498"],
            "planned_start": "2027-02-01",
            "planned_end": "2027-12-31",
        },
        content_type="application/json",
        **partner,
    )
    assert response.status_code == 201, response.content
    op_id = response.json()["id"]
    refused = client.post(
        f"/api/operations/{op_id}/etapes/submit", {}, content_type="application/json", **partner
    )
    assert refused.status_code == 422 and "dépense" in refused.json()["detail"]
    response = client.put(
        f"/api/operations/{op_id}/financement",
        {"expenses": GOOD_EXPENSES, "resources": GOOD_RESOURCES},
        content_type="application/json",
        **partner,
    )
    financing = response.json()["financing"]
    assert financing["balanced"] and financing["owner_rule_compliant"]
    for kind in ["deliberation", "estimate"]:
        response = client.post(
            f"/api/operations/{op_id}/pieces",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)},
            **partner,
        )
        assert response.status_code == 201, response.content
    bad = client.post(
        f"/api/operations/{op_id}/pieces",
        {"kind": "plan", "file": SimpleUploadedFile("x.pdf", b"MZ")},
        **partner,
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"/api/operations/{op_id}/etapes/submit", {}, content_type="application/json", **partner
        ).status_code
        == 200
    )
    agent = headers(users, "agent")
    assert (
        client.post(
            f"/api/operations/{op_id}/etapes/take_charge",
            {},
            content_type="application/json",
            **agent,
        ).json()["state"]
        == "in_review"
    )
    response = client.post(
        f"/api/operations/{op_id}/etapes/request_changes",
        {"reason": "Joignez le plan."},
        content_type="application/json",
        **agent,
    )
    assert response.json()["state"] == "awaiting_partner"
    response = client.post(
        f"/api/operations/{op_id}/etapes/answer",
        {"body": "Le voici."},
        content_type="application/json",
        **partner,
    )
    assert response.json()["state"] == "in_review"
    detail = client.get(f"/api/operations/{op_id}", **agent).json()
    assert [m["body"] for m in detail["messages"]] == ["Joignez le plan.", "Le voici."]
    assert Operation.objects.get(pk=op_id).events.count() == 4


def test_partner_cannot_create_on_another_contract(client, lens_contract, arras_contract, users):
    response = client.post(
        "/api/operations",
        {
            "contract_id": arras_contract.pk,
            "title": "Intrus",
            "category": "other",
        },
        content_type="application/json",
        **headers(users, "partner"),
    )
    assert response.status_code == 404
    assert not Operation.objects.filter(title="Intrus").exists()
