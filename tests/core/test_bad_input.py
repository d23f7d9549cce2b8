"""Bad input answered in French, with a 4xx and nothing written: numbers beyond what a database
holds, NUL characters, and calls without credentials."""

import datetime
import functools
import html
import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from pacte.assembly import services as assembly_services
from pacte.contracts.models import EngineeringRequest
from pacte.core.services import api_token_create
from pacte.finance import services as finance_services
from pacte.finance.models import PaymentRequest
from pacte.operations.models import Message, Operation
from tests.conftest import refused
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
    assert answer.status_code == 400
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
    assert answer.status_code == 400, answer.status_code
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


def test_a_control_character_is_refused_by_the_api_and_the_forms(client, client_for, users, lens):
    before = Operation.objects.count()
    answer = client.post(
        "/api/operations",
        {
            "contract_id": lens.pk,
            "title": "ctl \u0001\u001b[31m x",
            "description": "ligne 1\r\nligne 2\tfin",
            "stake_ids": [],
            "commune_codes": [],
        },
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422, answer.content
    assert "caractère de contrôle (U+0001)" in answer.json()["detail"]
    operation = make_operation(lens, users["test-partner"])
    page = client_for("partner").post(
        f"/operations/{operation.pk}/messages/", {"body": "Bonjour \x1b[31m"}
    )
    assert page.status_code == 400
    assert "caractère de contrôle (U+001B)" in html.unescape(page.content.decode())
    assert not Message.objects.filter(operation=operation).exists()
    assert Operation.objects.count() == before + 1  # the one made by the test, not the API's


def test_a_message_longer_than_a_letter_is_refused(client, client_for, users, lens):
    operation = make_operation(lens, users["test-partner"])
    long = "é" * (Message.MAX_LENGTH + 1)
    answer = client.post(
        f"/api/operations/{operation.pk}/messages",
        {"body": long},
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422
    assert "texte trop long (10000 caractères au plus)" in answer.json()["detail"]
    page = client_for("partner").post(
        f"/operations/{operation.pk}/messages/", {"body": long}, follow=True
    )
    text = html.unescape(page.content.decode())
    assert "Un message tient en 10\u202f000 caractères au plus" in text
    assert "Le message est vide." not in text
    assert not Message.objects.filter(operation=operation).exists()
    from pacte.operations import services

    with pytest.raises(ValidationError) as refused:
        services.message_post(actor=users["test-partner"], operation=operation, body=long)
    assert "tient en 10\u202f000 caractères au plus" in refused.value.messages[0]


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


# --- Found by the fuzzer (tests/core/test_api_fuzz.py), each checked on its own -----------


def api_post(client, user, path, data, **extra):
    return client.post(
        path,
        data if isinstance(data, bytes | str) else json.dumps(data),
        content_type="application/json",
        **bearer(user),
        **extra,
    )


@pytest.fixture
def signed(lens, users):
    open_fund(lens.generation, users["test-finance"])
    operation, commitment = voted_operation(lens, users, sign=True)
    return operation, commitment


@pytest.mark.parametrize(
    "amount", ["1E+30", 1e30, "NaN", "-Infinity", "1000000000000", "0.001", "99999999999999999999"]
)
def test_an_amount_out_of_bounds_is_refused_by_the_api(client, users, signed, amount):
    operation, commitment = signed
    answer = api_post(
        client,
        users["test-partner"],
        "/api/paiements",
        {"operation_id": operation.pk, "kind": "advance", "amount": amount},
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["loc"][-1] == "amount"
    assert answer.json()["detail"].startswith("Requête refusée — payload.amount : ")
    assert not commitment.payments.exists()


@pytest.mark.parametrize("amount", ["1E+30", "NaN", "-Infinity", "1000000000000", "abc"])
def test_an_amount_out_of_bounds_is_refused_by_the_service(users, signed, amount):
    operation, commitment = signed
    with refused("au centime près, d'au plus 999"):
        finance_services.payment_request_create(
            actor=users["test-partner"], operation=operation, kind="advance", amount=amount
        )
    assert not commitment.payments.exists()


def test_the_api_declares_the_bounds_of_its_amounts():
    from pacte.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    amount = schemas["PaymentIn"]["properties"]["amount"]
    number = next(option for option in amount["anyOf"] if option["type"] == "number")
    assert number["maximum"] == 999999999999.99
    assert number["minimum"] == -999999999999.99


def test_a_financing_plan_of_ten_thousand_billion_euros_is_refused(client, users, lens):
    operation = make_operation(lens, users["test-partner"])
    before = list(operation.expenses.values_list("amount_excl_tax", flat=True))
    answer = client.put(
        f"/api/operations/{operation.pk}/financement",
        json.dumps(
            {
                "expenses": [
                    {
                        "label": "Travaux",
                        "amount_excl_tax": 10**13,
                        "amount_incl_tax": "10000000000000.00",
                    }
                ],
                "resources": [{"funder": "Région", "amount": "10000000000000"}],
            }
        ),
        content_type="application/json",
        **bearer(users["test-partner"]),
    )
    assert answer.status_code == 422, answer.content
    assert "montant trop grand" in answer.json()["detail"]
    assert list(operation.expenses.values_list("amount_excl_tax", flat=True)) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/territoire/elus?groupe={}",
        "/api/territoire/intercommunalites?territoire={}",
        "/api/operations?partenaire={}",
        "/api/operations?territoire={}",
        "/api/operations?pacte={}",
        "/api/contrats?generation={}",
    ],
)
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, str(2**63), "0", "-1"])
def test_an_id_filter_that_cannot_be_an_id_is_ignored(client, users, lens, path, value):
    headers = bearer(users["test-admin"])
    answer = client.get(path.format(value), **headers)
    assert answer.status_code == 200, answer.content
    assert answer.json() == client.get(path.split("?")[0], **headers).json()
    assert client.get(path.format("abc"), **headers).status_code == 422


def test_huge_pact_ids_are_refused_and_nothing_is_written(client, users, lens):
    stakes = lens.stakes.count()
    answer = api_post(
        client,
        users["test-agent"],
        f"/api/contrats/{lens.pk}/enjeux",
        {"title": "Enjeu", "pact_ids": [2**64, 1]},
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"] == "Pacte inconnu pour cette génération."
    assert lens.stakes.count() == stakes


@pytest.mark.parametrize("annee", ["-1", "0", HUGE, "-" + HUGE, "abc"])
def test_a_year_that_cannot_be_is_an_empty_list_of_sittings(client, users, annee):
    answer = client.get(f"/api/seances/?annee={annee}", **bearer(users["test-admin"]))
    if annee == "abc":
        assert answer.status_code == 422
    else:
        assert answer.status_code == 200, answer.content
        assert answer.json()["items"] == []


def test_a_lone_surrogate_in_a_message_is_refused(client, users, lens):
    operation = make_operation(lens, users["test-partner"])
    answer = api_post(
        client,
        users["test-partner"],
        f"/api/operations/{operation.pk}/messages",
        '{"body": "a\\ud800b"}',
    )
    assert answer.status_code == 422, answer.content
    assert "demi-paire de substitution" in answer.json()["detail"]
    assert answer.json()["errors"][0]["loc"][-1] == "body"
    assert not Message.objects.filter(operation=operation).exists()


def test_a_lone_surrogate_in_a_new_operation_is_refused(client, users, lens):
    before = Operation.objects.count()
    answer = api_post(
        client,
        users["test-partner"],
        "/api/operations",
        {"contract_id": lens.pk, "title": "Salle\udfff des fêtes", "category": "culture"},
    )
    assert answer.status_code == 422, answer.content
    assert "demi-paire de substitution" in answer.json()["detail"]
    assert Operation.objects.count() == before


def test_a_lone_surrogate_in_an_engineering_request_is_refused(client, users, lens):
    before = EngineeringRequest.objects.count()
    answer = api_post(
        client,
        users["test-partner"],
        "/api/ingenierie",
        {"provider": "ingenierie62", "subject": "\ud83d", "requested_on": "2024-01-15"},
    )
    assert answer.status_code == 422, answer.content
    assert "demi-paire de substitution" in answer.json()["detail"]
    assert EngineeringRequest.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [b"{", b"not json", b'{"body": NaN}', b"\xff\xfe", b"[" * 5000, "1" * 5000],
    ids=["unclosed", "text", "nan", "not-utf8", "nested", "long-number"],
)
def test_a_body_that_is_not_json_is_a_french_400(client, users, lens, body):
    operation = make_operation(lens, users["test-partner"])
    answer = api_post(
        client, users["test-partner"], f"/api/operations/{operation.pk}/messages", body
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["detail"].startswith("Requête illisible : ")
    assert not Message.objects.filter(operation=operation).exists()


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "OPTIONS", "PUT"])
def test_a_method_the_api_does_not_serve_is_a_french_405(client, users, method):
    answer = client.generic(method, "/api/operations", **bearer(users["test-admin"]))
    assert answer.status_code == 405
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["detail"] == (
        f"Méthode {method} non permise sur cette adresse : GET, POST seulement."
    )
    assert set(answer["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("path", ["/api/nulle-part", "/api/operations/1/inconnu", "/api/seances"])
def test_an_unknown_api_address_is_a_french_json_404(client, users, path):
    for answer in [
        client.get(path, **bearer(users["test-admin"])),
        client.post(path, "{}", content_type="application/json"),
    ]:
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/json"
        assert answer.json()["detail"].startswith("Adresse inconnue de l'API : ")


def test_a_nul_character_in_an_api_path_is_a_400(client, users):
    answer = client.get("/api/territoire/communes/62%00510", **bearer(users["test-admin"]))
    assert answer.status_code == 400
    assert "caractère nul" in answer.json()["detail"]


def test_a_mandate_number_longer_than_its_column_is_refused(client, users, signed):
    operation, commitment = signed
    payment = finance_services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount="1000.00"
    )
    finance_services.payment_check(actor=users["test-agent"], payment=payment)
    answer = api_post(
        client,
        users["test-finance"],
        f"/api/paiements/{payment.pk}/mandat",
        {"mandate_number": "M" * 31, "paid_on": "2025-03-03"},
    )
    assert answer.status_code == 422, answer.content
    with refused("30 caractères au plus"):
        finance_services.payment_pay(
            actor=users["test-finance"],
            payment=payment,
            mandate_number="M" * 31,
            paid_on=datetime.date(2025, 3, 3),
        )
    payment.refresh_from_db()
    assert payment.state == "checked" and payment.mandate_number == ""


def _two_checked_payments(users, lens, arras):
    payments = []
    for contract, partner in [(lens, "test-partner"), (arras, "test-partner2")]:
        operation, _ = voted_operation(contract, users, title=f"Projet {partner}")
        payment = finance_services.payment_request_create(
            actor=users[partner], operation=operation, kind="advance", amount="1000.00"
        )
        finance_services.payment_check(actor=users["test-agent"], payment=payment)
        payments.append(payment)
    return payments


def test_the_same_mandate_number_twice_is_refused_in_french(users, generation, lens):
    arras = signed_contract(generation, "200033579", users["test-agent"])
    open_fund(generation, users["test-finance"])
    first, second = _two_checked_payments(users, lens, arras)
    pay = functools.partial(
        finance_services.payment_pay,
        actor=users["test-finance"],
        mandate_number="M-2025-001",
        paid_on=datetime.date(2025, 3, 3),
    )
    pay(payment=first)
    with refused("Ce numéro de mandat est déjà enregistré."):
        pay(payment=second)
    second.refresh_from_db()
    assert second.state == "checked"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_mandate_number_at_the_same_moment_is_refused_in_french(users, generation):
    """The first officer's transaction has written the number but not committed when the
    second checks it: the unique constraint decides (on PostgreSQL the second waits for the
    first's locks, then meets the constraint; SQLite runs them one after the other)."""
    lens = signed_contract(generation, "246200364", users["test-agent"])
    arras = signed_contract(generation, "200033579", users["test-agent"])
    open_fund(generation, users["test-finance"])
    first, second = _two_checked_payments(users, lens, arras)
    written = threading.Event()
    outcomes = {}

    def pay(name, payment, *, hold):
        try:
            with transaction.atomic():
                finance_services.payment_pay(
                    actor=users["test-finance"],
                    payment=payment,
                    mandate_number="M-2025-001",
                    paid_on=datetime.date(2025, 3, 3),
                )
                if hold:
                    written.set()
                    time.sleep(0.5)  # the other one starts meanwhile, and waits
            outcomes[name] = "ok"
        except ValidationError as exc:
            outcomes[name] = " ".join(exc.messages)
        except Exception as exc:  # the server error this test guards against
            outcomes[name] = repr(exc)
        finally:
            written.set()
            connection.close()

    holder = threading.Thread(target=pay, args=("first", first), kwargs={"hold": True})
    holder.start()
    written.wait(timeout=30)
    latecomer = threading.Thread(target=pay, args=("second", second), kwargs={"hold": False})
    latecomer.start()
    holder.join(timeout=60)
    latecomer.join(timeout=60)
    assert outcomes == {"first": "ok", "second": "Ce numéro de mandat est déjà enregistré."}
    assert PaymentRequest.objects.filter(mandate_number="M-2025-001").count() == 1


@pytest.mark.parametrize(
    "query",
    ["min=NaN", "max=NaN", "min=-Infinity", "min=1E+30", "max=sNaN", "min=1e999999999", "min=abc"],
)
def test_an_amount_filter_that_is_no_amount_is_ignored_by_the_page(client_for, users, query):
    client = client_for("agent")
    for suffix in ["", "&format=csv"]:
        answer = client.get(f"/operations/?{query}{suffix}")
        assert answer.status_code == 200, (query, suffix)


@pytest.mark.parametrize("annee", ["-1", "0", HUGE, "-" + HUGE, "abc", "2024.5", "NaN"])
def test_a_year_that_cannot_be_is_ignored_by_the_page_of_sittings(client_for, users, annee):
    client = client_for("assembly")
    for suffix in ["", "&format=csv"]:
        answer = client.get(f"/seances/?annee={annee}{suffix}")
        assert answer.status_code == 200, (annee, suffix)


@pytest.mark.parametrize(
    "path",
    ["/territoire/intercommunalites/2462%0000364/", "/api/territoire/communes/62%00041"],
)
def test_a_nul_character_in_the_path_is_a_400(client_for, users, path):
    answer = client_for("agent").get(path, **bearer(users["test-agent"]))
    assert answer.status_code == 400
    text = answer.json()["detail"] if path.startswith("/api/") else answer.content.decode()
    assert "caractère nul" in text
