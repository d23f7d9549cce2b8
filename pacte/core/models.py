import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import policy
from .roles import Role


class User(AbstractUser):
    """A person using Pacte. A partner user belongs to exactly one partner organisation."""

    role = models.CharField("rôle", max_length=16, choices=Role.choices, default=Role.AGENT)
    partner = models.ForeignKey(
        "contracts.Partner",
        verbose_name="organisation partenaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                name="user_partner_iff_partner_role",
                condition=(Q(role=Role.PARTNER) & Q(partner__isnull=False))
                | (~Q(role=Role.PARTNER) & Q(partner__isnull=True)),
                violation_error_message=(
                    "Un utilisateur partenaire est rattaché à une et une seule organisation ; "
                    "les autres rôles ne le sont à aucune."
                ),
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.role == Role.PARTNER and self.partner_id is None:
            raise ValidationError(
                {"partner": "Un utilisateur partenaire doit être rattaché à son organisation."}
            )
        if self.role != Role.PARTNER and self.partner_id is not None:
            raise ValidationError(
                {"partner": "Seul un utilisateur partenaire est rattaché à une organisation."}
            )

    @property
    def is_internal(self) -> bool:
        """Reads everything the Département holds (the policy's `read_all` capability)."""
        return self.is_active and self.role in policy.READ_ALL.roles

    @property
    def is_partner_user(self) -> bool:
        return self.is_active and self.role == Role.PARTNER

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class AuditEvent(models.Model):
    """One row per write that matters: who did what to which object, when and why."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("action", max_length=64)
    object_type = models.CharField("type d'objet", max_length=64)
    object_id = models.CharField("identifiant", max_length=64)
    summary = models.CharField("résumé", max_length=255)
    data = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "événement du journal"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} — {self.summary}"


class ApiToken(models.Model):
    """A personal token for the API, with its owner's rights. Only its SHA-256 digest is stored.

    A token reads, or reads and writes (`scope`); it is valid until `expires_at` (one year by
    default, two at most) unless revoked before."""

    class Scope(models.TextChoices):
        READ = "read", "lecture"
        READ_WRITE = "read_write", "lecture et écriture"

    DEFAULT_VALIDITY_DAYS = 365
    MAX_VALIDITY_DAYS = 730
    # The last use is written at most once in this many seconds.
    LAST_USE_PRECISION = 60
    # Methods that read: a read token may use them and only them.
    READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("nom", max_length=100)
    digest = models.CharField("empreinte", max_length=64, unique=True, editable=False)
    prefix = models.CharField("début du jeton", max_length=8, editable=False)
    scope = models.CharField("portée", max_length=16, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "pacte_" + secrets.token_urlsafe(32)

    @classmethod
    def default_expiry_date(cls) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=cls.DEFAULT_VALIDITY_DAYS)

    @classmethod
    def latest_expiry_date(cls) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=cls.MAX_VALIDITY_DAYS)

    @staticmethod
    def end_of_day(day: datetime.date) -> datetime.datetime:
        """A token valid until a date is valid until that day's end, local time."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
