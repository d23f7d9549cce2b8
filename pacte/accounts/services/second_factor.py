"""The second factor: time-based one-time codes (TOTP, RFC 6238: 6 digits, 30 s steps, SHA-1,
as every authenticator application reads them) and ten single-use recovery codes.

A code is accepted for the current time step and the one before or after it (a clock a little
off, a code typed as it changed), and only for a step later than the last one accepted: a code
seen by someone else is worth nothing once used. Recovery codes are stored as SHA-256 digests
and shown once, when they are made."""

from __future__ import annotations

import hmac
import time

import pyotp
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.models import User

from .. import conf
from ..models import RecoveryCode, SecondFactor, digest

STEP_SECONDS = 30
RECOVERY_CODES = 10
# Steps either side of the current one whose code is accepted.
DRIFT_STEPS = 1

WRONG_CODE = (
    "Ce code n'est pas valable : tapez les 6 chiffres que montre votre application "
    "maintenant (un code ne sert qu'une fois), ou l'un de vos codes de secours."
)
WRONG_ENROLMENT_CODE = (
    "Ce code ne correspond pas à la clé : vérifiez que l'heure de votre téléphone est juste, "
    "puis tapez le code que l'application affiche maintenant."
)


def new_secret() -> str:
    """A new key: 160 random bits in base 32 (32 characters)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The `otpauth://` address the QR code carries."""
    issuer = conf.totp_issuer()
    return pyotp.TOTP(secret, issuer=issuer).provisioning_uri(name=user.get_username())


def grouped(secret: str) -> str:
    """The key as typed by hand: « ABCD EFGH … »."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(
    secret: str, code: str, *, after: int = 0, now: float | None = None
) -> int | None:
    """The time step whose code is `code`, among those accepted now and later than `after`."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if candidate > after and hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def _new_recovery_codes(factor: SecondFactor) -> list[str]:
    codes = [RecoveryCode.generate() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(second_factor=factor).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(second_factor=factor, digest=digest(RecoveryCode.normalise(c))) for c in codes
    )
    return codes


@transaction.atomic
def second_factor_enrol(
    *, actor: User | None, user: User, secret: str, code: str | None = None
) -> tuple[SecondFactor, list[str]]:
    """Record `user`'s key, once confirmed by a code of it (`code`; the system — the demo's
    seeding, the tests — may omit it), with ten new recovery codes, returned to show once."""
    policy.require(actor, "account", "password")
    if actor is not None and actor.pk != user.pk:
        policy.require(actor, "user", "change")
    step = 0
    if code is not None:
        matched = matching_step(secret, code)
        if matched is None:
            raise ValidationError({"code": WRONG_ENROLMENT_CODE})
        step = matched
    try:
        with transaction.atomic():
            factor = SecondFactor.objects.create(
                user=user, secret=secret, last_used_step=step, confirmed_at=timezone.now()
            )
    except IntegrityError as exc:
        raise ValidationError(
            "Le second facteur de ce compte est déjà activé : connectez-vous avec son code."
        ) from exc
    codes = _new_recovery_codes(factor)
    audit(
        actor=actor,
        action="second_factor.enrol",
        obj=user,
        summary=f"Second facteur activé pour {user.get_username()}",
    )
    return factor, codes


def second_factor_verify(*, user: User, code: str) -> str | None:
    """Check a code typed at login: "totp", "recovery" (a recovery code, now used), or None.
    Accepting a code and marking it used is one conditional write: two processes given the same
    code accept it once."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is None:
        return None
    step = matching_step(factor.secret, code, after=factor.last_used_step)
    if step is not None:
        accepted = SecondFactor.objects.filter(pk=factor.pk, last_used_step__lt=step).update(
            last_used_step=step, last_used_at=timezone.now()
        )
        return "totp" if accepted else None
    normalised = RecoveryCode.normalise(code)
    if len(normalised) != 8:
        return None
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            second_factor=factor, digest=digest(normalised), used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            return None
        audit(
            actor=user,
            action="second_factor.recovery_code",
            obj=user,
            summary=(
                f"Code de secours utilisé par {user.get_username()} "
                f"({recovery_codes_left(user)} restants)"
            ),
        )
    return "recovery"


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(second_factor__user=user, used_at__isnull=True).count()


@transaction.atomic
def recovery_codes_renew(*, actor: User, user: User) -> list[str]:
    """Ten new recovery codes for `user`, the old ones void; returned to show once."""
    policy.require(actor, "account", "password")
    if actor.pk != user.pk:
        policy.require(actor, "user", "change")
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None:
        raise ValidationError("Ce compte n'a pas de second facteur : rien à renouveler.")
    codes = _new_recovery_codes(factor)
    audit(
        actor=actor,
        action="second_factor.recovery_renew",
        obj=user,
        summary=f"Codes de secours renouvelés pour {user.get_username()}",
    )
    return codes


@transaction.atomic
def second_factor_reset(*, actor: User | None, user: User) -> None:
    """An administrator removes `user`'s key (a lost telephone): the user enrols again at the
    next login, with a new key."""
    policy.require(actor, "user", "change")
    deleted, _ = SecondFactor.objects.filter(user=user).delete()
    if not deleted:
        raise ValidationError(f"{user.get_username()} n'a pas de second facteur à réinitialiser.")
    audit(
        actor=actor,
        action="second_factor.reset",
        obj=user,
        summary=f"Second facteur réinitialisé pour {user.get_username()}",
    )
