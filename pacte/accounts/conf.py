"""The settings of local accounts, with their defaults (docs/deploiement.md lists them)."""

import datetime

from django.conf import settings


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def session_idle() -> datetime.timedelta:
    """A session unused for this long ends (PACTE_SESSION_IDLE_MINUTES, 30)."""
    return datetime.timedelta(minutes=_int("PACTE_SESSION_IDLE_MINUTES", 30))


def session_max_age() -> datetime.timedelta:
    """A session ends this long after its login, used or not (PACTE_SESSION_MAX_HOURS, 12)."""
    return datetime.timedelta(hours=_int("PACTE_SESSION_MAX_HOURS", 12))


def max_failures() -> int:
    """Failed logins for one username before it is locked (PACTE_LOGIN_MAX_FAILURES, 5)."""
    return _int("PACTE_LOGIN_MAX_FAILURES", 5)


def max_failures_per_address() -> int:
    """Failed logins from one client address before it is locked (30)."""
    return _int("PACTE_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)


def first_lock() -> datetime.timedelta:
    return datetime.timedelta(minutes=_int("PACTE_LOGIN_LOCK_MINUTES", 1))


def longest_lock() -> datetime.timedelta:
    return datetime.timedelta(minutes=_int("PACTE_LOGIN_LOCK_MAX_MINUTES", 60))


def totp_issuer() -> str:
    """The name an authenticator application shows for Pacte's codes (PACTE_TOTP_ISSUER)."""
    return str(getattr(settings, "PACTE_TOTP_ISSUER", "") or "Pacte").replace(":", " ")


def reset_validity() -> datetime.timedelta:
    """How long a password reset link is valid: Django's PASSWORD_RESET_TIMEOUT (seconds)."""
    return datetime.timedelta(seconds=int(settings.PASSWORD_RESET_TIMEOUT))


def invitation_validity() -> datetime.timedelta:
    return datetime.timedelta(days=_int("PACTE_INVITATION_DAYS", 7))
