import pytest

from pacte.contracts.models import Contract, Partner
from pacte.core.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(users):
    def make(role):
        _, raw = api_token_create(user=users[f"test-{role}"], name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_agent_drives_a_contract_through_the_api(client, bearer, generation):
    headers = bearer("agent")
    partner = Partner.objects.get(siren="246200380")
    response = client.post(
        "/api/contrats", {"partner_id": partner.pk}, content_type="application/json", **headers
    )
    assert response.status_code == 201
    contract_id = response.json()["id"]
    again = client.post(
        "/api/contrats", {"partner_id": partner.pk}, content_type="application/json", **headers
    )
    assert again.status_code == 422 and "déjà un contrat" in again.json()["detail"]
    pact = generation.pacts.first()
    for title in ["Enjeu A", "Enjeu B"]:
        response = client.post(
            f"/api/contrats/{contract_id}/enjeux",
            {"title": title, "pact_ids": [pact.pk]},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 201
    refused = client.post(
        f"/api/contrats/{contract_id}/etapes/vote", {}, content_type="application/json", **headers
    )
    assert refused.status_code == 422 and "état actuel" in refused.json()["detail"]
    for name, payload in [
        ("agree", {}),
        ("vote", {"deliberation_number": "2023-140", "vote_date": "2023-03-27"}),
        ("sign", {"partner_signed_on": "2023-04-03", "department_signed_on": "2023-04-05"}),
    ]:
        response = client.post(
            f"/api/contrats/{contract_id}/etapes/{name}",
            payload,
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.json()
    detail = client.get(f"/api/contrats/{contract_id}", **headers).json()
    assert detail["state"] == "signed" and len(detail["stakes"]) == 2
    assert [e["to_state"] for e in detail["events"]] == ["agreed", "voted", "signed"]


@pytest.mark.parametrize("role", ["elected", "finance", "partner"])
def test_read_only_roles_cannot_write_through_the_api(client, bearer, role):
    partner = Partner.objects.get(siren="246200364")
    response = client.post(
        "/api/contrats", {"partner_id": partner.pk}, content_type="application/json", **bearer(role)
    )
    assert response.status_code == 403
    assert not Contract.objects.filter(partner=partner).exists()


def test_partner_reads_only_its_contracts_through_the_api(client, bearer, generation, users):
    from pacte.contracts.services import contract_create

    lens = Partner.objects.get(siren="246200364")
    arras = Partner.objects.get(siren="200033579")
    mine = contract_create(actor=users["test-agent"], generation=generation, partner=lens)
    theirs = contract_create(actor=users["test-agent"], generation=generation, partner=arras)
    headers = bearer("partner")
    listing = client.get("/api/contrats", **headers).json()
    assert [c["id"] for c in listing["items"]] == [mine.pk]
    assert client.get(f"/api/contrats/{theirs.pk}", **headers).status_code == 404
    # A step a partner may never take: refused on its contract, not found on another's.
    for contract, status in [(mine, 403), (theirs, 404)]:
        assert (
            client.post(
                f"/api/contrats/{contract.pk}/etapes/agree",
                {},
                content_type="application/json",
                **headers,
            ).status_code
            == status
        )


def test_committees_assises_and_engineering_through_the_api(client, bearer, generation, users):
    from pacte.demo.contracts import seed_committees, seed_contracts

    seed_contracts(generation)
    seed_committees(generation)
    headers = bearer("agent")
    forums = client.get("/api/assises", **headers).json()
    assert len(forums) == 8
    detail = client.get(f"/api/assises/{forums[0]['id']}", **headers).json()
    assert detail["invitations"] and detail["raised_stakes"]
    signed = Contract.objects.filter(
        generation=generation, state="signed", committees__isnull=True
    ).first()
    response = client.post(
        f"/api/contrats/{signed.pk}/comites",
        {
            "held_on": "2024-06-20",
            "attendees": ["M. le Président", "Mme la DGS"],
            "actions": [
                {"description": "Envoyer le bilan", "owner": "Partenaire", "due_on": "2024-10-01"}
            ],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    assert response.json()["attendees"] == ["M. le Président", "Mme la DGS"]
    assert response.json()["progress"]["operations"] == []
    partner = Partner.objects.get(siren="246200364")
    response = client.post(
        "/api/ingenierie",
        {
            "partner_id": partner.pk,
            "provider": "ingenierie62",
            "subject": "Étude",
            "requested_on": "2024-01-15",
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201 and response.json()["state"] == "requested"
    bad = client.post(
        "/api/ingenierie",
        {
            "partner_id": partner.pk,
            "provider": "inconnu",
            "subject": "Étude",
            "requested_on": "2024-01-15",
        },
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    # The partner sees its own committees and requests, and no assise.
    partner_headers = bearer("partner")
    mine = client.get("/api/comites", **partner_headers).json()["items"]
    assert all(c["partner"] == partner.name for c in mine)
    assert client.get("/api/assises", **partner_headers).status_code == 403
    requests_ = client.get("/api/ingenierie", **partner_headers).json()["items"]
    assert [r["subject"] for r in requests_] == ["Étude"]
