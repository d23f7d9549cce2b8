"""`manage.py check`: an OpenID Connect provider configured with what cannot work."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import conf


@checks.register("oidc")
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    for provider in conf.providers().values():
        prefix = "PACTE_OIDC_AGENTS" if provider.key == "agents" else "PACTE_OIDC_PARTNERS"
        if not provider.discovery and not (
            provider.issuer and provider.authorization_endpoint and provider.token_endpoint
        ):
            found.append(
                checks.Error(
                    f"{prefix}_ISSUER (ou {prefix}_DISCOVERY_URL) manque : Pacte ne sait pas "
                    "où trouver le fournisseur d’identité.",
                    id="oidc.E001",
                )
            )
        if "openid" not in provider.scopes:
            found.append(checks.Error(f"{prefix}_SCOPES doit contenir « openid ».", id="oidc.E002"))
        unknown = [a for a in provider.algorithms if a not in {"RS256", "ES256", "PS256"}]
        if unknown or not provider.algorithms:
            found.append(
                checks.Error(
                    f"{prefix}_ALGORITHMS : seuls RS256, ES256 et PS256 sont acceptés "
                    f"(reçu : {', '.join(unknown) or 'rien'}).",
                    id="oidc.E003",
                )
            )
        if provider.key == "agents":
            bad = [role for _, role in provider.roles if role not in conf.AGENT_ROLES]
            if bad or not provider.roles:
                found.append(
                    checks.Error(
                        f"{prefix}_ROLES associe des groupes aux rôles de Pacte, "
                        "« groupe=rôle » séparés par des virgules, parmi admin, agent, "
                        f"assembly, finance, elected (reçu : {', '.join(bad) or 'rien'}).",
                        id="oidc.E004",
                    )
                )
    return found
