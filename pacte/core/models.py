import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import policy, staleness
from .french import format_datetime
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

    class NotificationMail(models.TextChoices):
        """How the user wants his notifications by mail (pacte.core.notifications)."""

        IMMEDIATE = "immediate", "à chaque événement"
        DIGEST = "digest", "un résumé quotidien"
        NONE = "none", "aucun courriel"

    notification_mail = models.CharField(
        "notifications par courriel",
        max_length=16,
        choices=NotificationMail.choices,
        default=NotificationMail.IMMEDIATE,
    )
    councillor = models.OneToOneField(
        "territory.Councillor",
        verbose_name="conseiller départemental",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        help_text="Pour un élu : le conseiller qu'il est. Il reçoit alors ses convocations, "
        "voit ses séances et donne ses pouvoirs en ligne.",
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
            ),
            models.CheckConstraint(
                name="user_councillor_only_elected",
                condition=Q(role=Role.ELECTED) | Q(councillor__isnull=True),
                violation_error_message="Seul un élu est rattaché à un conseiller départemental.",
            ),
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
        if self.role != Role.ELECTED and self.councillor_id is not None:
            raise ValidationError(
                {"councillor": "Seul un élu est rattaché à un conseiller départemental."}
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
        return f"{format_datetime(self.at)} — {self.summary}"


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


class SupervisedWork(models.Model):
    """Background work whose progress a page follows (a batch of documents, a history import):
    its run gives signs of life, and a run whose process died is seen and can be started again.

    - `attempt` numbers the runs: each run is enqueued with its number and writes only while it
      is still the current one and neither finished nor interrupted (`pacte.core.supervision`),
      so that a run started again never races the one it replaces.
    - `heartbeat_at` is refreshed by the run with each progress write and by a small thread in
      between; a run silent for longer than PACTE_TASK_STALE_SECONDS is interrupted: the page
      says so at once, and the worker records it (`interrupted_at`, `interruption`).
    """

    attempt = models.PositiveIntegerField("tentative", default=1, editable=False)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    interrupted_at = models.DateTimeField("interrompu le", null=True, blank=True)
    interruption = models.CharField("interruption", max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        """Started, and neither finished nor recorded as interrupted."""
        return bool(self.started_at and not self.finished_at and not self.interrupted_at)

    @property
    def last_sign_of_life(self) -> datetime.datetime | None:
        return self.heartbeat_at or self.started_at

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        """Running, and silent for longer than the stale delay: its process is dead. Without
        `now`, as of this object's first look at the clock: a page reading its state several
        times sees one state (`refresh_from_db` looks again)."""
        last = self.last_sign_of_life
        now = now or self._observed_at()
        return self.is_running and last is not None and last < staleness.stale_limit(now)

    def _observed_at(self) -> datetime.datetime:
        observed: datetime.datetime | None = self.__dict__.get("_observed")
        if observed is None:
            observed = self.__dict__["_observed"] = timezone.now()
        return observed

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("_observed", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_interrupted(self) -> bool:
        """Recorded as interrupted, or seen so now (whether a worker runs or not)."""
        return self.interrupted_at is not None or self.is_stale()

    @property
    def interruption_text(self) -> str:
        return self.interruption or staleness.interruption_message(self.last_sign_of_life)

    @property
    def waits_long(self) -> bool:
        """Queued for longer than the stale delay: no worker has taken it."""
        queued_since = getattr(self, "requested_at", None)
        return (
            self.started_at is None
            and self.finished_at is None
            and self.interrupted_at is None
            and queued_since is not None
            and queued_since < staleness.stale_limit(self._observed_at())
        )


class WorkerProcess(models.Model):
    """A background worker (`manage.py pacte_worker`) and its last sign of life: a task still
    marked running by a worker silent for longer than PACTE_TASK_STALE_SECONDS is one whose
    process died, and the next worker takes it back (`pacte.core.worker`)."""

    worker_id = models.CharField("identifiant", max_length=64, unique=True)
    hostname = models.CharField("machine", max_length=255, blank=True)
    pid = models.PositiveIntegerField("processus")
    started_at = models.DateTimeField("démarré le", auto_now_add=True)
    seen_at = models.DateTimeField("dernier signe de vie", default=timezone.now)

    class Meta:
        verbose_name = "processus de fond"
        verbose_name_plural = "processus de fond"
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.worker_id[:8]}…)"


class OutgoingMail(models.Model):
    """A mail Pacte sends, recorded by the write that causes it (in its transaction) and sent
    by the worker, again and again with growing delays while the mail server refuses it
    (`pacte.core.mail`). Its status follows from its dates, like the other background work."""

    kind = models.CharField("nature", max_length=40)
    reference = models.CharField("objet", max_length=64, blank=True)
    recipients = models.JSONField("destinataires", default=list)
    subject = models.CharField("sujet", max_length=255)
    body = models.TextField("texte")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", default=timezone.now)
    claimed_until = models.DateTimeField("en cours d'envoi jusqu'au", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    abandoned_at = models.DateTimeField("abandonné le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "abandoned_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def status(self) -> str:
        if self.sent_at:
            return "envoyé"
        if self.abandoned_at:
            return "abandonné"
        return "à envoyer" if not self.attempts else "à réessayer"


class NotificationDigest(models.Model):
    """The daily digest of a user's notifications: one row per user and day, written in the same
    transaction as the digest's mail (an `OutgoingMail`) and the marks of the notifications it
    lists. The uniqueness of (user, day) is the claim: a second worker, or a second run the same
    day, cannot write another (`pacte.core.notifications.send_digests`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField("jour")
    created_at = models.DateTimeField("envoyé le", default=timezone.now)
    count = models.PositiveIntegerField("notifications", default=0)

    class Meta:
        verbose_name = "résumé quotidien"
        verbose_name_plural = "résumés quotidiens"
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="notification_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.day:%d/%m/%Y}"


class Notification(models.Model):
    """Something that happened and concerns a user (a deposit, a question, a vote, a payment…),
    shown in his list of notifications (/notifications/) until he marks it read, and mailed to
    him at once or in his daily digest, as he chose (`pacte.core.notifications`)."""

    SUBJECT_MAX = 255
    TEXT_MAX = 500

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("nature", max_length=40)
    subject = models.CharField("objet", max_length=SUBJECT_MAX)
    text = models.TextField("texte", blank=True)
    url = models.CharField("lien", max_length=500)
    reference = models.CharField("référence", max_length=64, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    # Waiting for the daily digest (the user chose it when the notification was written).
    digest_pending = models.BooleanField("pour le résumé quotidien", default=False)
    digest = models.ForeignKey(
        NotificationDigest,
        verbose_name="résumé",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["digest_pending"],
                name="notification_digest_pending",
                condition=Q(digest_pending=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
