"""The login page's buttons (the `login` slot of pacte.accounts' LoginView), shown only for the
providers this installation configures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from pacte.core import fragments

from . import conf


def _button(request: HttpRequest, key: str) -> dict[str, Any] | None:
    provider = conf.providers().get(key)
    if provider is None:
        return None
    url = reverse("oidc:start", args=[provider.slug])
    next_url = request.GET.get("next")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return {
        "label": provider.label,
        "url": url,
        "kind": "proconnect" if provider.is_partners else "oidc",
        "provider": provider.key,
    }


@fragments.provide("login", "oidc_agents")
def agents_button(*, request: HttpRequest) -> dict[str, Any] | None:
    return _button(request, "agents")


@fragments.provide("login", "oidc_partners")
def partners_button(*, request: HttpRequest) -> dict[str, Any] | None:
    return _button(request, "partners")
