"""The password of the Département's staff, when they log in through its identity server only
(PACTE_OIDC_AGENTS_PASSWORD_LOGIN=0, with the agents' provider configured): refused before
Django's ModelBackend checks it. Administrators keep their password — the way in when the
identity server is down — and partners' staff theirs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pacte.core.roles import Role

from . import conf


def agents_password_login() -> bool:
    return bool(getattr(settings, "PACTE_OIDC_AGENTS_PASSWORD_LOGIN", True))


class AgentsPasswordPolicyBackend:
    """Listed before ModelBackend. Authenticates no one: raising PermissionDenied stops Django's
    `authenticate` for a user whose password may not be used. It has no `get_user`, so that no
    session is ever opened in its name (`Client.force_login` takes the first backend that has
    one: ModelBackend)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if username is None or agents_password_login() or "agents" not in conf.providers():
            return None
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is not None and user.role not in {Role.ADMIN, Role.PARTNER}:
            raise PermissionDenied
        return None
