"""The OpenID Connect providers, read from the environment by the settings (no Django import).

Two providers at most, each on when its client id is set (docs/connexion.md):

- `agents`: the Département's identity server (Keycloak, ADFS, LemonLDAP…), whose groups or
  roles claim gives the Pacte role — variables PACTE_OIDC_AGENTS_*;
- `partners`: ProConnect, for partners' staff, whose `siret` claim designates the partner —
  variables PACTE_OIDC_PARTNERS_*.
"""

from collections.abc import Mapping
from typing import Any

PROVIDERS = {"agents": "PACTE_OIDC_AGENTS", "partners": "PACTE_OIDC_PARTNERS"}
DEFAULT_SCOPES = {
    "agents": "openid email profile",
    # ProConnect's scopes name its claims.
    "partners": "openid email given_name usual_name siret uid",
}
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)


def _words(value: str) -> list[str]:
    return [word for word in value.replace(",", " ").split() if word]


def role_mapping(value: str) -> list[tuple[str, str]]:
    """`groupe=rôle,groupe=rôle` (in order: the first group the person has wins)."""
    pairs = []
    for item in value.split(","):
        if "=" in item:
            group, role = item.rsplit("=", 1)
            if group.strip() and role.strip():
                pairs.append((group.strip(), role.strip()))
    return pairs


def provider_from_environment(key: str, environ: Mapping[str, str]) -> dict[str, Any] | None:
    prefix = PROVIDERS[key]

    def get(name: str, default: str = "") -> str:
        return environ.get(f"{prefix}_{name}", default).strip()

    client_id = get("CLIENT_ID")
    if not client_id:
        return None
    provider: dict[str, Any] = {
        "issuer": get("ISSUER"),
        "discovery_url": get("DISCOVERY_URL"),
        "client_id": client_id,
        "client_secret": get("CLIENT_SECRET"),
        "scopes": _words(get("SCOPES", DEFAULT_SCOPES[key])),
        "algorithms": _words(get("ALGORITHMS", "RS256 ES256")),
        "token_auth_method": get("TOKEN_AUTH_METHOD"),
        "acr_values": get("ACR_VALUES"),
    }
    for endpoint in ENDPOINTS:
        provider[endpoint] = get(endpoint.upper())
    if key == "agents":
        provider["roles_claim"] = get("ROLES_CLAIM", "groups")
        provider["roles"] = role_mapping(get("ROLES"))
    else:
        provider["siret_claim"] = get("SIRET_CLAIM", "siret")
    return provider


def providers_from_environment(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    found = {key: provider_from_environment(key, environ) for key in PROVIDERS}
    return {key: value for key, value in found.items() if value is not None}
