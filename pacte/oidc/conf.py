"""The OpenID Connect providers this installation offers, from settings.PACTE_OIDC_PROVIDERS
(built from the environment by `environment.py`; docs/connexion.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from pacte.core.roles import Role

# The URL slug of each provider (/connexion/oidc/<slug>/) and its button's text.
SLUGS = {"agents": "departement", "partners": "proconnect"}
LABELS = {
    "agents": "Se connecter avec le compte du Département",
    # ProConnect's own words for its button.
    "partners": "S’identifier avec ProConnect",
}
# The roles the agents' groups may give; a partner's role comes from ProConnect's SIRET only.
AGENT_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.ASSEMBLY, Role.FINANCE, Role.ELECTED})
DEFAULT_TIMEOUT = 10


@dataclass(frozen=True)
class Provider:
    key: str
    client_id: str
    client_secret: str = ""
    issuer: str = ""
    discovery_url: str = ""
    scopes: tuple[str, ...] = ("openid",)
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    token_auth_method: str = ""
    acr_values: str = ""
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    userinfo_endpoint: str = ""
    jwks_uri: str = ""
    end_session_endpoint: str = ""
    roles_claim: str = "groups"
    roles: tuple[tuple[str, str], ...] = ()
    siret_claim: str = "siret"

    @property
    def slug(self) -> str:
        return SLUGS[self.key]

    @property
    def label(self) -> str:
        return LABELS[self.key]

    @property
    def is_partners(self) -> bool:
        return self.key == "partners"

    @property
    def name(self) -> str:
        """How pages name the provider."""
        return "ProConnect" if self.is_partners else "le serveur d’identité du Département"

    @property
    def discovery(self) -> str:
        """Where the provider's metadata is read, or "" when every endpoint is given."""
        if self.discovery_url:
            return self.discovery_url
        if self.authorization_endpoint and self.token_endpoint and self.jwks_uri:
            return ""
        if not self.issuer:
            return ""
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


def _provider(key: str, values: dict[str, Any]) -> Provider:
    known = set(Provider.__dataclass_fields__) - {"key"}
    kwargs = {name: value for name, value in values.items() if name in known}
    for name in ("scopes", "algorithms"):
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    if "roles" in kwargs:
        kwargs["roles"] = tuple((str(g), str(r)) for g, r in kwargs["roles"])
    return Provider(key=key, **kwargs)


def providers() -> dict[str, Provider]:
    """The configured providers, by key ("agents", "partners")."""
    configured = getattr(settings, "PACTE_OIDC_PROVIDERS", {}) or {}
    return {
        key: _provider(key, values)
        for key, values in configured.items()
        if key in SLUGS and values and values.get("client_id")
    }


def by_slug(slug: str) -> Provider | None:
    return next((p for p in providers().values() if p.slug == slug), None)


def link_by_email(provider: Provider) -> bool:
    """Whether a first login may take over the local account that has the same e-mail."""
    return provider.key in (getattr(settings, "PACTE_OIDC_LINK_BY_EMAIL", []) or [])


def trust_provider_second_factor() -> bool:
    """Whether an OpenID Connect login opens the session at once for those who need a second
    factor (the provider checked one), instead of asking Pacte's code after it."""
    return bool(getattr(settings, "PACTE_OIDC_TRUST_PROVIDER_SECOND_FACTOR", False))


def timeout() -> int:
    return int(getattr(settings, "PACTE_OIDC_TIMEOUT", DEFAULT_TIMEOUT))
