"""How a login becomes a session, and how a session ends.

**Logging in.** A login method (the password form today; OpenID Connect later) checks who the
person is, then calls `begin_login(request, user, backend=…, redirect_to=…)`:

- for a user who needs no second factor (`policy.requires_second_factor`), the session is
  opened at once (`complete_login`);
- otherwise the session only remembers, for 10 minutes, that this user passed the first step
  (`PENDING`): it is not authenticated — every page but the second factor's sends to the login
  page — until a code is checked (`pacte.accounts.views.second_factor`), or the key enrolled at
  a first login. A method whose identity provider already checked a second factor may call
  `complete_login` directly.

**Ending.** `SessionTimeoutMiddleware` ends a session unused for PACTE_SESSION_IDLE_MINUTES (30)
or opened more than PACTE_SESSION_MAX_HOURS (12) ago; the login page then says « Votre session
a expiré ». Every login — the forms, `Client.force_login` in tests — stamps its session
(`user_logged_in`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model, login, logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from pacte.core import policy

from . import conf, devices
from .models import LoginThrottle
from .selectors import has_second_factor
from .services import throttle

AUTH_AT = "pacte_auth_at"  # when the session was opened (epoch seconds)
SEEN_AT = "pacte_seen_at"  # its last use, to the minute
EXPIRED = "pacte_session_expired"  # why the last session ended, for the login page
PENDING = "pacte_pending_login"  # the first step passed, the second factor awaited
NEW_RECOVERY_CODES = "pacte_recovery_codes"  # shown once, by the next page
AFTER_CODES = "pacte_after_codes"  # where the recovery codes' page leads
PENDING_SECONDS = 600
SEEN_PRECISION = 60


# --- Logging in ------------------------------------------------------------------------------


def begin_login(request: HttpRequest, user: Any, *, backend: str, redirect_to: str) -> HttpResponse:
    """The person is `user` (first step passed): open the session, or ask the second factor."""
    if not policy.requires_second_factor(user):
        return complete_login(request, user, backend=backend, redirect_to=redirect_to)
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "at": time.time(),
        "next": redirect_to,
        "hash": user.get_session_auth_hash(),
    }
    target = "accounts:second_factor" if has_second_factor(user) else "accounts:enrol"
    return redirect(target)


def pending_user(request: HttpRequest) -> Any | None:
    """The user who passed the first step in this session, less than 10 minutes ago, and whose
    password has not changed since; None otherwise."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None
    return user


def complete_login(
    request: HttpRequest, user: Any, *, backend: str, redirect_to: str
) -> HttpResponse:
    """Open the authenticated session (one short transaction: the session and the last login)
    and forget the failures of this browser, or of the username when the browser was not yet
    recognised (pacte.accounts.devices); the browser is recognised from now on."""
    with transaction.atomic():
        request.session.pop(PENDING, None)
        login(request, user, backend=backend)
        device = devices.recognised(request, user.get_username())
        if device is None:
            throttle.success(scope=LoginThrottle.Scope.USERNAME, key=user.get_username())
        else:  # the username's failures were typed elsewhere: they stay counted
            throttle.success(scope=LoginThrottle.Scope.DEVICE, key=device)
    response = HttpResponseRedirect(redirect_to)
    devices.remember(response, user.get_username())
    return response


def complete_pending(request: HttpRequest, user: Any, *, then: str | None = None) -> HttpResponse:
    """The second step passed: open the session the first step prepared."""
    pending = request.session.get(PENDING) or {}
    backend = pending.get("backend") or "django.contrib.auth.backends.ModelBackend"
    redirect_to = pending.get("next") or reverse("home")
    if then:  # a page to see first (the recovery codes), which then leads on
        request.session[AFTER_CODES] = redirect_to
        redirect_to = then
    return complete_login(request, user, backend=backend, redirect_to=redirect_to)


@receiver(user_logged_in)
def _stamp(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[AUTH_AT] = now
        request.session[SEEN_AT] = now


# --- Ending --------------------------------------------------------------------------------


def expiry_reason(session: Any, now: float) -> str | None:
    """Why an authenticated session must end now, or None."""
    opened = session.get(AUTH_AT)
    seen = session.get(SEEN_AT, opened)
    if not isinstance(opened, int | float) or not isinstance(seen, int | float):
        return "ancienne"
    if now - opened > conf.session_max_age().total_seconds():
        return "durée"
    # The last visit is recorded to the minute (SEEN_PRECISION): a session ends once it has
    # been idle for the whole delay, never before, at most a minute after.
    if now - seen > conf.session_idle().total_seconds() + SEEN_PRECISION:
        return "inactivité"
    return None


class SessionTimeoutMiddleware:
    """Ends a session unused for too long, or open for too long; the login page says so. Put
    after the authentication middleware. An API call with a token has no session to end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and BACKEND_SESSION_KEY in request.session:
            now = time.time()
            reason = expiry_reason(request.session, now)
            if reason is not None:
                logout(request)
                request.session[EXPIRED] = reason
            elif now - request.session.get(SEEN_AT, 0) >= SEEN_PRECISION:
                request.session[SEEN_AT] = now
        return self.get_response(request)


def expired_message(reason: str | None) -> str:
    if not reason:
        return ""
    if reason == "inactivité":
        minutes = int(conf.session_idle().total_seconds() // 60)
        return (
            f"Votre session a expiré après {minutes} minutes sans activité : "
            "reconnectez-vous pour continuer."
        )
    if reason == "durée":
        hours = int(conf.session_max_age().total_seconds() // 3600)
        return (
            f"Votre session a expiré : elle dure {hours} heures au plus. "
            "Reconnectez-vous pour continuer."
        )
    return "Votre session a expiré : reconnectez-vous pour continuer."
