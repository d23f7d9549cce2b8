"""Recognised browsers: a lock on a username must not lock its owner out.

Five wrong passwords lock a username, whoever typed them: without more, anyone who knows a
username could keep its owner out with one wrong password an hour. So a browser in which the
user has logged in receives a signed cookie naming the username and a random nonce (for
PACTE_LOGIN_DEVICE_DAYS days, 180 by default). From that browser, a login for that username
passes the username's and the address's locks; its failures are counted for the browser
alone (scope « navigateur reconnu »), locked after as many failures as a username, and a
success renews the cookie with a new nonce. Anyone else meets the username's lock as before.

The cookie proves only that this browser once logged in as this user; the password is
checked as always, and the second factor after it.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from .models import LoginThrottle
from .services.throttle import key_for

COOKIE = "pacte_navigateur"
SALT = "pacte.accounts.devices"


def validity() -> datetime.timedelta:
    return datetime.timedelta(days=int(settings.PACTE_LOGIN_DEVICE_DAYS))


def recognised(request: HttpRequest | None, username: str) -> str | None:
    """The nonce of this browser's cookie if it was given for `username` (signed, not expired),
    None otherwise."""
    if request is None:
        return None
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=SALT, max_age=validity())
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("n"), str):
        return None
    if value.get("u") != key_for(LoginThrottle.Scope.USERNAME, username):
        return None
    return value["n"]


def remember(response: HttpResponse, username: str) -> None:
    """Give (or renew, with a new nonce) the cookie of this browser for `username`."""
    value = {"u": key_for(LoginThrottle.Scope.USERNAME, username), "n": secrets.token_hex(16)}
    response.set_cookie(
        COOKIE,
        signing.dumps(value, salt=SALT),
        max_age=int(validity().total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
