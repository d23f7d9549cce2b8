"""Login throttling, in the database so that every web process counts the same failures.

Each key — a username (whether it exists or not), a client address, a user's second factor, a
recognised browser (pacte.accounts.devices) — counts its consecutive failures. From the
threshold on (5 for a username or a browser, 30 for an address), each failure locks the key:
1 minute, then 2, 4… up to 1 hour (PACTE_LOGIN_LOCK_MINUTES,
PACTE_LOGIN_LOCK_MAX_MINUTES). While a key is locked, attempts are refused before the password
is even checked — the right one too — with a French message saying when to retry. A successful
login forgets its username's failures; a key without failure for a day (an hour for an address)
starts afresh, and is deleted a day after its last failure. Each lock leaves an audit row; an
administrator may unlock a key.

Each write is its own short transaction: the login page checks a password (a slow hash) before
any write, and never holds the database's write lock while it does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_time
from pacte.core.models import User

from .. import conf
from ..models import LoginThrottle

Scope = LoginThrottle.Scope

# A key with no failure for this long starts afresh.
FORGET: dict[str, datetime.timedelta] = {
    Scope.USERNAME: datetime.timedelta(days=1),
    Scope.ADDRESS: datetime.timedelta(hours=1),
    Scope.SECOND_FACTOR: datetime.timedelta(days=1),
    Scope.RESET: datetime.timedelta(days=1),
    Scope.DEVICE: datetime.timedelta(days=1),
}

WHAT: dict[str, str] = {
    Scope.USERNAME: "Trop d'essais de connexion pour cet identifiant",
    Scope.ADDRESS: "Trop d'essais de connexion depuis votre poste",
    Scope.SECOND_FACTOR: "Trop de codes erronés pour ce compte",
    Scope.RESET: "Trop de demandes de nouveau mot de passe pour ce compte",
    Scope.DEVICE: "Trop d'essais de connexion depuis ce navigateur",
}


def key_for(scope: str, raw: object) -> str:
    """Usernames are compared without case or surrounding spaces."""
    text = str(raw).strip()
    if scope == Scope.USERNAME:
        text = text.lower()
    return text[:150]


def threshold(scope: str) -> int:
    if scope == Scope.ADDRESS:
        return conf.max_failures_per_address()
    if scope == Scope.RESET:
        return 3
    return conf.max_failures()


def lock_delay(lockouts: int) -> datetime.timedelta:
    """The delay of the `lockouts`-th lock (1 first): doubling, up to the longest."""
    first, longest = conf.first_lock(), conf.longest_lock()
    delay: datetime.timedelta = first * 2 ** min(max(lockouts - 1, 0), 20)
    return min(delay, longest)


def retry_time(until: datetime.datetime) -> str:
    """« 14 h 33 », or « 27/09/2026 à 0 h 05 » on another day: the first minute at which the
    lock is over (rounded up, so that retrying at the time said works)."""
    local = timezone.localtime(until)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    if local.date() == timezone.localdate():
        return format_time(local)
    return f"{format_date(local.date())} à {format_time(local)}"


@dataclass(frozen=True)
class Lock:
    scope: str
    until: datetime.datetime

    @property
    def message(self) -> str:
        return (
            f"{WHAT.get(self.scope, WHAT[Scope.USERNAME])} : par sécurité, les essais sont "
            f"suspendus. Réessayez à partir de {retry_time(self.until)}."
        )


def lock_of(scope: str, raw_key: object) -> Lock | None:
    """The lock in force on a key, if any (reads only)."""
    now = timezone.now()
    until = (
        LoginThrottle.objects.filter(scope=scope, key=key_for(scope, raw_key), locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return Lock(scope, until) if until else None


def first_lock_of(keys: dict[str, object]) -> Lock | None:
    """The lock, if any, of the first of `keys` ({scope: key}) that is locked."""
    for scope, raw_key in keys.items():
        if raw_key:
            lock = lock_of(scope, raw_key)
            if lock is not None:
                return lock
    return None


def failure(*, scope: str, key: object) -> Lock | None:
    """Count one failure for the key; return the lock it leads to, if any (audited)."""
    now = timezone.now()
    normalised = key_for(scope, key)
    with transaction.atomic():
        row = _locked_row(scope, normalised)
        if row.last_failure_at and row.last_failure_at < now - FORGET[scope]:
            row.failures = row.lockouts = 0
        row.failures += 1
        row.last_failure_at = now
        lock = None
        if row.failures >= threshold(scope):
            row.lockouts += 1
            row.locked_until = now + lock_delay(row.lockouts)
            lock = Lock(scope, row.locked_until)
        row.save()
        # Keys quiet for longer than any forgetting delay and not locked go: the table holds
        # about a day of failures, whatever usernames are tried.
        LoginThrottle.objects.filter(last_failure_at__lt=now - max(FORGET.values())).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        ).delete()
        if lock is not None:
            audit(
                actor=None,
                action="login.lock",
                obj=row,
                summary=(
                    f"Connexion suspendue jusqu'à {retry_time(lock.until)} : "
                    f"{row.get_scope_display()} « {normalised} », {row.failures} échecs"
                ),
                data={
                    "scope": scope,
                    "key": normalised,
                    "failures": row.failures,
                    "until": lock.until.isoformat(),
                },
            )
    return lock


def _locked_row(scope: str, key: str) -> LoginThrottle:
    try:
        with transaction.atomic():
            return LoginThrottle.objects.select_for_update().get_or_create(scope=scope, key=key)[0]
    except IntegrityError:  # created by another process in the meantime
        return LoginThrottle.objects.select_for_update().get(scope=scope, key=key)


def success(*, scope: str, key: object) -> None:
    """A successful login forgets the key's failures."""
    LoginThrottle.objects.filter(scope=scope, key=key_for(scope, key)).delete()


@transaction.atomic
def throttle_unlock(*, actor: User | None, throttle: LoginThrottle) -> None:
    """An administrator lifts a lock and forgets the failures behind it."""
    policy.require(actor, "user", "change")
    row = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
    if not row.failures and row.locked_until is None:
        raise ValidationError("Cette clé n'a ni échec ni blocage en cours.")
    before = {"failures": row.failures, "lockouts": row.lockouts}
    row.failures = row.lockouts = 0
    row.locked_until = None
    row.save()
    audit(
        actor=actor,
        action="login.unlock",
        obj=row,
        summary=f"Connexion débloquée : {row.get_scope_display()} « {row.key} »",
        data=before,
    )
