"""Bad input answered in French, with a 4xx and nothing written: numbers beyond what a database
holds, NUL characters, and calls without credentials."""

import datetime
import html

import pytest
from django.urls import reverse

from pacte.assembly import services as assembly_services
from pacte.core.services import api_token_create
from pacte.operations.models import Message, Operation
from tests.finance.conftest import open_fund, voted_operation
from tests.operations.conftest import make_operation, signed_contract

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"
LISTS = [
    "/api/operations",
    "/api/partenaires",
    "/api/contrats",
    "/api/paiements",
    "/api/seances/",
    "/api/actes/",
    "/api/territoire/intercommunalites",
    "/api/territoire/communes",
    "/api/comites",
    "/api/ingenierie",
]


def bearer(user, scope="read_write"):
    token, raw = api_token_create(user=user, name="essai", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def lens(generation, users):
    return signed_contract(generation, "246200364", users["test-agent"])


def test_the_paginated_lists_are_those_of_the_api(client, users):
    from pacte.api import api

    schema = api.get_openapi_schema(path_prefix="")
    paginated = {
        "/api" + path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "page" for op in operations.values() for p in op.get("parameters", []))
    }
    assert paginated == set(LISTS)


@pytest.mark.parametrize("path", LISTS)
def test_a_page_beyond_any_database_offset_is_an_empty_page(client, users, path):
    headers = bearer(users["test-admin"])
    answer = client.get(f"{path}?page={HUGE}", **headers)
    assert answer.status_code == 200, answer.content
    assert answer.json()["items"] == []
    assert client.get(f"{path}?page={HUGE}&page_size={HUGE}", **headers).status_code == 200
    assert client.get(f"{path}?page=0", **headers).status_code == 422


def test_a_page_size_is_capped(client, users):
    answer = client.get("/api/territoire/communes?page_size=100000", **bearer(users["test-admin"]))
    assert answer.status_code == 200
    assert len(answer.json()["items"]) == 500
    assert answer.json()["count"] > 500


def test_a_huge_evidence_id_is_an_invalid_choice_on_the_payment_form(client_for, users, lens):
    open_fund(lens.generation, users["test-finance"])
    operation, commitment = voted_operation(lens, users, sign=True)
    client = client_for("partner")
    url = reverse("finance:payment_request", args=[operation.pk])
    answer = client.post(url, {"kind": "advance", "amount": "1000", "evidence": [HUGE]})
    assert answer.status_code == 200
    assert "Sélectionnez un choix valide" in html.unescape(answer.content.decode())
    assert not commitment.payments.exists()


def test_huge_ids_are_invalid_choices_on_the_report_form(client_for, users):
    sitting = assembly_services.sitting_create(
        actor=users["test-assembly"],
        body="standing_committee",
        held_on=datetime.date(2024, 3, 25),
        place="Arras",
        president="M. Jean-Claude LEROY",
        secretary="M. Bruno COUSEIN",
        opened_at=datetime.time(10, 0),
    )
    client = client_for("assembly")
    url = reverse("assembly:report_create", args=[sitting.pk])
    answer = client.post(
        url,
        {"kind": "grants", "title": "Subventions", "operations": [HUGE], "contracts": [HUGE]},
    )
    assert answer.status_code == 200, answer.status_code
    assert "Sélectionnez un choix valide" in html.unescape(answer.content.decode())
    assert not sitting.reports.exists()


def test_a_nul_character_in_a_message_is_refused_by_the_api(client, users, lens):
    operation = make_operation(lens, users["test-partner"])
    answer = client.post(
        f"/api/operations/{operation.pk}/messages",
        {"body": "Bonjour\x00"},
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422
    assert "caractère nul" in answer.json()["detail"]
    assert answer.json()["errors"][0]["loc"][-1] == "body"
    assert not Message.objects.filter(operation=operation).exists()


def test_a_nul_character_in_a_new_operation_is_refused_by_the_api(client, users, lens):
    before = Operation.objects.count()
    answer = client.post(
        "/api/operations",
        {
            "contract_id": lens.pk,
            "title": "Salle\x00 des fêtes",
            "description": "",
            "stake_ids": [],
            "commune_codes": ["62498\x00"],
        },
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422, answer.content
    assert "caractère nul" in answer.json()["detail"]
    assert Operation.objects.count() == before


@pytest.mark.parametrize("path", ["/operations/?q=a%00b", "/api/operations?q=a%00b"])
def test_a_nul_character_in_the_address_is_a_400(client_for, users, path):
    client = client_for("agent")
    answer = client.get(path, **bearer(users["test-agent"]))
    assert answer.status_code == 400
    text = answer.json()["detail"] if path.startswith("/api/") else answer.content.decode()
    assert "caractère nul" in text


def test_the_api_validation_errors_speak_french(client, users, lens):
    answer = client.post(
        "/api/operations",
        {"contract_id": "quarante"},
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"].startswith("Requête refusée — ")
    assert "contract_id : un nombre entier est attendu" in body["detail"]
    assert "title : champ obligatoire" in body["detail"]


def test_an_anonymous_write_is_a_401_not_a_csrf_refusal(client, lens):
    answer = client.post(
        "/api/operations", {"contract_id": lens.pk}, content_type="application/json"
    )
    assert answer.status_code == 401
    assert "Authentification requise" in answer.json()["detail"]


def test_a_browser_write_without_its_csrf_token_is_refused_in_french(users, lens):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["test-partner"])
    answer = browser.post(
        "/api/operations", {"contract_id": lens.pk}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["detail"]


# --- Bodies too large ---------------------------------------------------------------------


def test_a_body_declared_too_large_is_refused_before_it_is_read(client, users, lens):
    operation = make_operation(lens, users["test-partner"])
    headers = bearer(users["test-partner"])
    answer = client.post(
        f"/api/operations/{operation.pk}/messages",
        b'{"body": "Bonjour"}',
        content_type="application/json",
        CONTENT_LENGTH=str(30 * 1024 * 1024),
        **headers,
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        "La requête pèse 30 Mio : 2 Mio au plus. Rien n'a été enregistré."
    )
    assert not Message.objects.filter(operation=operation).exists()


def test_an_upload_declared_too_large_is_refused_in_french_on_the_page(client_for, users, lens):
    operation = make_operation(lens, users["test-partner"])
    client = client_for("partner")
    answer = client.post(
        f"/operations/{operation.pk}/pieces/",
        {"kind": "other"},
        CONTENT_LENGTH=str(150 * 1024 * 1024),
    )
    assert answer.status_code == 413
    text = html.unescape(answer.content.decode())
    assert "Le fichier envoyé pèse 150 Mio : 25 Mio au plus." in text
    assert "<h1>Requête refusée</h1>" in text


def test_a_form_within_the_limits_is_read(client_for, users, lens):
    operation = make_operation(lens, users["test-partner"])
    answer = client_for("partner").post(
        f"/operations/{operation.pk}/messages/", {"body": "Bonjour"}, follow=True
    )
    assert answer.status_code == 200
    assert Message.objects.filter(operation=operation, body="Bonjour").exists()
