"""What a faithful provider never sends: each answer is refused with a French page, nothing is
created, no session opens, never a 500. The provider is the tests' own (tests/oidc/rogue.py), a
real HTTP server signing with keys the test controls."""

import time

import pytest

from pacte.core.models import AuditEvent, User
from pacte.oidc.models import OidcIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(settings, rogue):
    settings.PACTE_OIDC_PROVIDERS = {"agents": rogue.settings()}
    return rogue


def journey(client, slug="departement"):
    """Pacte → the provider (which answers at once) → Pacte's callback."""
    import requests

    start = client.get(f"/connexion/oidc/{slug}/")
    assert start.status_code == 302
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return client.get(back.headers["Location"])


def refused(client, response, status, text):
    assert response.status_code == status, response.content.decode()[:800]
    body = response.content.decode()
    assert text in body, body[:1500]
    assert 'lang="fr"' in body
    assert not User.objects.filter(email="rogue.agent@departement.test").exists()
    assert not OidcIdentity.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="oidc.").exists()
    assert client.get("/").status_code == 302  # no session


def test_a_faithful_answer_logs_in(client, agents):
    response = journey(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(email="rogue.agent@departement.test").role == "agent"
    # The client authenticated at the token endpoint with its secret in the form (the only
    # method this provider lists) and proved its PKCE verifier (the provider checks both).
    assert ("POST", "/token") in agents.requests


def test_an_issuer_written_with_a_final_slash_is_matched_exactly(client, settings, agents):
    agents.issuer_suffix = "/"
    settings.PACTE_OIDC_PROVIDERS = {"agents": agents.settings()}
    assert journey(client)["Location"] == "/"
    agents.claims = {"iss": agents.base}  # the same without its slash: another issuer
    client.logout()
    refused_login = journey(client)
    assert refused_login.status_code == 400


def test_an_es256_signature_is_accepted(client, agents):
    agents.sign_with = "ec"
    assert journey(client)["Location"] == "/"


def test_a_token_signed_by_another_key_is_refused(client, agents):
    agents.sign_with = "forger"
    refused(client, journey(client), 400, "n’est pas signé par une clé de")


@pytest.mark.parametrize("alg", ["none", "hs256"])
def test_a_token_unsigned_or_signed_with_a_shared_secret_is_refused(client, agents, alg):
    agents.sign_with = alg
    refused(client, journey(client), 400, "signé par un algorithme que Pacte n’accepte pas")


def test_a_token_with_another_nonce_is_refused(client, agents):
    agents.claims = {"nonce": "le-nonce-d-une-autre-connexion"}
    refused(client, journey(client), 400, "son « nonce » diffère")


def test_a_token_without_nonce_is_refused(client, agents):
    agents.claims = {"nonce": None}
    refused(client, journey(client), 400, "son « nonce » diffère")


def test_a_token_for_another_audience_is_refused(client, agents):
    agents.claims = {"aud": "une-autre-application"}
    refused(client, journey(client), 400, "destiné à une autre application que Pacte")


def test_a_token_for_several_audiences_names_pacte_as_its_party(client, agents):
    agents.claims = {"aud": ["pacte-essai", "une-autre-application"], "azp": "une-autre"}
    refused(client, journey(client), 400, "destiné à une autre application que Pacte")


def test_an_expired_token_is_refused(client, agents):
    now = int(time.time())
    agents.claims = {"iat": now - 3600, "exp": now - 600}
    refused(client, journey(client), 400, "Le jeton d’identité reçu a expiré")


def test_a_token_from_another_issuer_is_refused(client, agents):
    agents.claims = {"iss": "https://usurpateur.example"}
    refused(client, journey(client), 400, "n’a pas été émis par le serveur d’identité")


def test_a_token_without_subject_is_refused(client, agents):
    agents.claims = {"sub": None}
    refused(client, journey(client), 400, "ne dit pas qui est la personne")


def test_a_provider_that_refuses_the_code_is_explained(client, agents):
    agents.token_error = "invalid_grant"
    refused(client, journey(client), 400, "a refusé de confirmer la connexion (invalid_grant)")


def test_a_person_who_cancels_at_the_provider_is_told(client, agents):
    start = client.get("/connexion/oidc/departement/")
    state = start["Location"].split("state=")[1].split("&")[0]
    response = client.get(f"/connexion/oidc/departement/retour/?error=access_denied&state={state}")
    refused(client, response, 400, "La connexion a été annulée ou refusée chez le serveur")


def test_a_callback_without_code_or_state_is_a_french_400(client, agents):
    refused(client, client.get("/connexion/oidc/departement/retour/"), 400, "aucune connexion")


def test_userinfo_about_someone_else_is_refused(client, agents):
    agents.userinfo = {"sub": "quelqu-un-d-autre", "groups": ["pacte-agents"]}
    refused(client, journey(client), 400, "ne concernent pas la personne authentifiée")


def test_a_provider_that_does_not_answer_is_a_french_503(client, settings, agents):
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": agents.settings(issuer="http://127.0.0.1:9", client_id="pacte-essai")
    }
    response = client.get("/connexion/oidc/departement/")
    assert response.status_code == 503
    assert "ne répond pas pour le moment" in response.content.decode()


def test_a_discovery_document_of_another_issuer_is_refused(client, settings, agents):
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": agents.settings(
            issuer="https://autre.example",
            discovery_url=f"{agents.base}/.well-known/openid-configuration",
        )
    }
    response = client.get("/connexion/oidc/departement/")
    assert response.status_code == 503 and "mal configurée" in response.content.decode()


# --- ProConnect's ways: a signed userinfo, with the SIRET ------------------------------------


@pytest.fixture
def proconnect(settings, rogue):
    settings.PACTE_OIDC_PROVIDERS = {
        "partners": rogue.settings(
            scopes=["openid", "email", "given_name", "usual_name", "siret", "uid"]
        )
    }
    rogue.claims = {"groups": None, "email": None, "given_name": None, "family_name": None}
    rogue.userinfo_jwt = True
    return rogue


def test_proconnects_signed_userinfo_gives_the_partner(client, proconnect):
    proconnect.sign_with = "ec"
    proconnect.userinfo = {
        "sub": "agent-0042",
        "email": "rogue.agent@departement.test",
        "given_name": "Rose",
        "usual_name": "Gueux",
        "siret": "246 200 364 00013",
        "uid": "r-1",
    }
    response = journey(client, "proconnect")
    assert response["Location"] == "/"
    user = User.objects.get(email="rogue.agent@departement.test")
    assert (user.role, user.partner.siren, user.last_name) == ("partner", "246200364", "Gueux")


def test_a_userinfo_signed_by_another_key_is_refused(client, proconnect):
    proconnect.userinfo = {"sub": "agent-0042", "siret": "24620036400013"}
    proconnect.sign_with = "rsa"
    # The ID token is good; only the userinfo is forged (same key name, another key).
    original = proconnect.sign

    def sign(claims):
        if "nonce" in claims:
            return original(claims)
        proconnect.sign_with = "forger"
        try:
            return original(claims)
        finally:
            proconnect.sign_with = "rsa"

    proconnect.sign = sign
    try:
        refused(client, journey(client, "proconnect"), 400, "n’est pas signé par une clé de")
    finally:
        del proconnect.sign


def test_proconnect_without_siret_is_refused(client, proconnect):
    proconnect.userinfo = {"sub": "agent-0042", "email": "rogue.agent@departement.test"}
    refused(client, journey(client, "proconnect"), 403, "n’a pas indiqué le SIRET")
