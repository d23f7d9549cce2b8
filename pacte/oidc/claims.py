"""What Pacte reads in an OpenID Connect provider's claims (docs/connexion.md): the role from
the agents' groups, the partner from ProConnect's SIRET, the name and the e-mail."""

from __future__ import annotations

from typing import Any

from pacte.contracts.identifiers import compact


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by its name, or by a dotted path into nested claims (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def groups(claims: dict[str, Any], path: str) -> list[str]:
    """The groups or roles the claim lists (a list, or one value)."""
    value = claim(claims, path)
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item).strip() for item in items if str(item).strip()][:200]


def _same_group(a: str, b: str) -> bool:
    # Keycloak names groups by their path (« /pacte-agents ») when asked to.
    return a == b or a.lstrip("/") == b.lstrip("/")


def role_for(found: list[str], mapping: tuple[tuple[str, str], ...]) -> str | None:
    """The role of the first entry of the mapping whose group the person has."""
    for group, role in mapping:
        if any(_same_group(group, g) for g in found):
            return role
    return None


def siret(claims: dict[str, Any], path: str) -> str:
    """The SIRET the claim gives (14 digits), or ""."""
    value = claim(claims, path)
    if not isinstance(value, str | int):
        return ""
    digits = compact(str(value))
    return digits if len(digits) == 14 and digits.isdigit() else ""


def text(claims: dict[str, Any], *names: str, limit: int = 150) -> str:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:limit]
    return ""


def email(claims: dict[str, Any]) -> str:
    value = text(claims, "email", limit=254)
    return value if "@" in value and " " not in value else ""
