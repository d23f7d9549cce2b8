"""Local accounts: what login by username and password needs beyond Django's user.

- `LoginThrottle`: the failed attempts, per username, per client address, per second factor and
  per recognised browser, and the lock they lead to; in the database, so that every web process
  sees the same.
- `SecondFactor` and `RecoveryCode`: a user's TOTP key (RFC 6238) and single-use recovery codes.
- `Invitation`: a link sent by an agent to a partner's new user, to choose a password.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def digest(raw: str) -> str:
    """SHA-256 of a random secret (a link's token, a recovery code): only this is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


class LoginThrottle(models.Model):
    """Consecutive failures for one key (a username, a client address, a user's second factor)
    and the lock they lead to: from the threshold on, each failure locks the key for a delay
    that doubles (1 min, 2, 4… up to 1 h), during which even the right password is refused."""

    class Scope(models.TextChoices):
        USERNAME = "username", "identifiant"
        ADDRESS = "address", "adresse du poste"
        SECOND_FACTOR = "second_factor", "code du second facteur"
        RESET = "reset", "demande de nouveau mot de passe"
        DEVICE = "device", "navigateur reconnu"

    scope = models.CharField("portée", max_length=16, choices=Scope.choices)
    key = models.CharField("clé", max_length=150)
    failures = models.PositiveIntegerField("échecs", default=0)
    lockouts = models.PositiveSmallIntegerField("blocages", default=0)
    locked_until = models.DateTimeField("bloqué jusqu'au", null=True, blank=True)
    last_failure_at = models.DateTimeField("dernier échec", null=True, blank=True)

    class Meta:
        verbose_name = "blocage de connexion"
        verbose_name_plural = "blocages de connexion"
        ordering = ["-last_failure_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} « {self.key} »"

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class SecondFactor(models.Model):
    """A user's TOTP key, confirmed by a first code at enrolment. `last_used_step` is the time
    step of the last code accepted: a code is accepted once, and none older after it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="second_factor",
    )
    secret = models.CharField("clé", max_length=64, editable=False)
    confirmed_at = models.DateTimeField("activé le", default=timezone.now)
    last_used_step = models.BigIntegerField("dernier pas de temps utilisé", default=0)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    class Meta:
        verbose_name = "second facteur"
        verbose_name_plural = "seconds facteurs"
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"Second facteur de {self.user}"


class RecoveryCode(models.Model):
    """One of the codes shown once at enrolment, each usable once instead of a TOTP code."""

    ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread

    second_factor = models.ForeignKey(
        SecondFactor,
        verbose_name="second facteur",
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    digest = models.CharField("empreinte", max_length=64, editable=False)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "code de secours"
        verbose_name_plural = "codes de secours"

    def __str__(self) -> str:
        return f"Code de secours n°{self.pk} ({'utilisé' if self.used_at else 'inutilisé'})"

    @classmethod
    def generate(cls) -> str:
        """« k7m2-x9qd »: 8 characters of 31, about 40 bits."""
        chars = "".join(secrets.choice(cls.ALPHABET) for _ in range(8))
        return f"{chars[:4]}-{chars[4:]}"

    @staticmethod
    def normalise(raw: str) -> str:
        return "".join(c for c in raw.lower() if c.isalnum())


class Invitation(models.Model):
    """A partner's new user, invited by an agent: the link (its token's digest) lets the user
    choose a password once, until `expires_at`. Sending it again replaces it (`revoked_at`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur invité",
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    partner = models.ForeignKey(
        "contracts.Partner",
        verbose_name="organisation partenaire",
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    digest = models.CharField("empreinte", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("remplacée le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation de {self.user} ({self.partner})"

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired
