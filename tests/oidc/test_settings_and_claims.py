"""The providers read from the environment, the checks of `manage.py check`, and the reading of
claims: groups (a list, one value, a nested claim, Keycloak's paths), SIRET, e-mail."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from pacte.oidc import claims, conf
from pacte.oidc.checks import check_providers
from pacte.oidc.environment import providers_from_environment


def test_a_provider_is_on_when_its_client_id_is_set():
    assert providers_from_environment({}) == {}
    assert providers_from_environment({"PACTE_OIDC_AGENTS_ISSUER": "https://sso.test"}) == {}
    found = providers_from_environment(
        {
            "PACTE_OIDC_AGENTS_CLIENT_ID": "pacte",
            "PACTE_OIDC_AGENTS_CLIENT_SECRET": "s3cret",
            "PACTE_OIDC_AGENTS_ISSUER": "https://sso.departement.test/realms/agents/",
            "PACTE_OIDC_AGENTS_ROLES_CLAIM": "realm_access.roles",
            "PACTE_OIDC_AGENTS_ROLES": "pacte-admin=admin, pacte-instructeurs = agent,,x",
            "PACTE_OIDC_PARTNERS_CLIENT_ID": "pacte-proconnect",
            "PACTE_OIDC_PARTNERS_ISSUER": "https://proconnect.gouv.fr/api/v2",
        }
    )
    agents, partners = found["agents"], found["partners"]
    assert agents["issuer"] == "https://sso.departement.test/realms/agents/"
    assert agents["roles"] == [("pacte-admin", "admin"), ("pacte-instructeurs", "agent")]
    assert agents["roles_claim"] == "realm_access.roles"
    assert agents["scopes"] == ["openid", "email", "profile"]
    assert agents["algorithms"] == ["RS256", "ES256"]
    assert partners["scopes"] == ["openid", "email", "given_name", "usual_name", "siret", "uid"]
    assert partners["siret_claim"] == "siret"


def test_the_discovery_address_follows_the_issuer_unless_every_endpoint_is_given():
    provider = conf.Provider(key="agents", client_id="c", issuer="https://sso.test/realms/a")
    assert provider.discovery == "https://sso.test/realms/a/.well-known/openid-configuration"
    slash = conf.Provider(key="agents", client_id="c", issuer="https://tenant.example/")
    assert slash.discovery == "https://tenant.example/.well-known/openid-configuration"
    explicit = conf.Provider(
        key="agents",
        client_id="c",
        issuer="https://adfs.test/adfs",
        authorization_endpoint="https://adfs.test/adfs/oauth2/authorize/",
        token_endpoint="https://adfs.test/adfs/oauth2/token/",
        jwks_uri="https://adfs.test/adfs/discovery/keys",
    )
    assert explicit.discovery == ""


def test_manage_py_check_refuses_a_provider_that_cannot_work(settings):
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": {
            "client_id": "pacte",
            "scopes": ["email"],
            "algorithms": ["HS256"],
            "roles": [("pacte-partenaires", "partner")],
        }
    }
    ids = {message.id for message in check_providers()}
    assert ids == {"oidc.E001", "oidc.E002", "oidc.E003", "oidc.E004"}
    with pytest.raises(SystemCheckError, match="PACTE_OIDC_AGENTS_ROLES"):
        call_command("check")
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": {
            "client_id": "pacte",
            "issuer": "https://sso.test",
            "scopes": ["openid"],
            "roles": [("g", "agent")],
        }
    }
    assert check_providers() == []


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({"groups": ["autre", "pacte-agents"]}, "agent"),
        ({"groups": "pacte-agents"}, "agent"),
        ({"groups": ["/pacte-finances"]}, "finance"),  # Keycloak's full path
        ({"groups": ["pacte-agents", "pacte-admins"]}, "admin"),  # the mapping's order wins
        ({"groups": []}, None),
        ({"groups": ["Pacte-Agents"]}, None),  # names are exact
        ({}, None),
    ],
)
def test_the_first_group_of_the_mapping_that_the_person_has_gives_the_role(found, expected):
    mapping = (("pacte-admins", "admin"), ("pacte-finances", "finance"), ("pacte-agents", "agent"))
    assert claims.role_for(claims.groups(found, "groups"), mapping) == expected


def test_nested_claims_are_read_by_a_dotted_path():
    found = {"realm_access": {"roles": ["pacte-agents"]}, "resource_access.x": ["a"]}
    assert claims.groups(found, "realm_access.roles") == ["pacte-agents"]
    assert claims.groups(found, "resource_access.x") == ["a"]
    assert claims.groups(found, "realm_access.absent") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("24620036400013", "24620036400013"),
        ("246 200 364 00013", "24620036400013"),
        (24620036400013, "24620036400013"),
        ("246200364", ""),  # a SIREN is not a SIRET
        ("2462003640001X", ""),
        (None, ""),
        (["24620036400013"], ""),
    ],
)
def test_the_siret_claim_is_fourteen_digits(value, expected):
    assert claims.siret({"siret": value}, "siret") == expected


def test_an_email_claim_that_is_no_address_is_ignored():
    assert claims.email({"email": " Lea@Interco.test "}) == "Lea@Interco.test"
    assert claims.email({"email": "pas une adresse"}) == ""
    assert claims.email({"email": ["a@b.c"]}) == ""
