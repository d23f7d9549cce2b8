"""The fund as an autorisation de programme (AP): revisions, yearly payment credits (CP),
commitments per voted operation, payment requests and payments, lapse."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from pacte.core.money import MoneyField
from pacte.core.workflow import HistoryRow

ZERO = Decimal("0.00")


class ProgrammeAuthorisation(models.Model):
    """The AP of a fund for a generation. Its amount is that of its latest revision."""

    generation = models.OneToOneField(
        "contracts.Generation",
        verbose_name="génération",
        on_delete=models.PROTECT,
        related_name="programme_authorisation",
    )
    label = models.CharField("intitulé", max_length=200)
    amount = MoneyField("montant en vigueur (€)", editable=False)

    class Meta:
        verbose_name = "autorisation de programme"
        verbose_name_plural = "autorisations de programme"

    def __str__(self):
        return self.label


class APRevision(models.Model):
    """A version of the AP's amount, each with its deliberation. Never changed once written."""

    authorisation = models.ForeignKey(
        ProgrammeAuthorisation, on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveSmallIntegerField("numéro", help_text="0 : vote initial.")
    amount = MoneyField("montant (€)")
    deliberation_number = models.CharField("délibération", max_length=20)
    voted_on = models.DateField("votée le")
    reason = models.CharField("objet", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "révision de l'AP"
        verbose_name_plural = "révisions de l'AP"
        ordering = ["authorisation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["authorisation", "number"], name="ap_revision_unique"),
            models.CheckConstraint(name="ap_revision_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"Révision {self.number} — {self.amount} €"


class PaymentCredit(models.Model):
    """The payment credits (CP) of a year: the ceiling of what may be paid that year."""

    authorisation = models.ForeignKey(
        ProgrammeAuthorisation, on_delete=models.PROTECT, related_name="credits"
    )
    year = models.PositiveSmallIntegerField("exercice")
    amount = MoneyField("crédits de paiement (€)")
    deliberation_number = models.CharField("délibération", max_length=20, blank=True)

    class Meta:
        verbose_name = "crédits de paiement"
        verbose_name_plural = "crédits de paiement"
        ordering = ["authorisation", "year"]
        constraints = [
            models.UniqueConstraint(fields=["authorisation", "year"], name="cp_unique_year"),
            models.CheckConstraint(name="cp_not_negative", condition=models.Q(amount__gte=0)),
        ]

    def __str__(self):
        return f"CP {self.year}"


class Commitment(models.Model):
    """The accounting commitment of a voted subsidy against the AP."""

    class State(models.TextChoices):
        ACTIVE = "active", "En cours"
        PAID = "paid", "Soldé"
        LAPSED = "lapsed", "Caduc (reliquat annulé)"

    authorisation = models.ForeignKey(
        ProgrammeAuthorisation, on_delete=models.PROTECT, related_name="commitments"
    )
    operation = models.OneToOneField(
        "operations.Operation",
        verbose_name="opération",
        on_delete=models.PROTECT,
        related_name="commitment",
    )
    amount = MoneyField("montant engagé (€)")
    committed_on = models.DateField("engagé le")
    deliberation_number = models.CharField("délibération", max_length=20, blank=True)
    lapsed_amount = MoneyField("reliquat annulé (€)", default=ZERO)
    lapsed_on = models.DateField("caduc le", null=True, blank=True)
    start_extended = models.BooleanField("délai de commencement prorogé", default=False)
    state = models.CharField(
        "état", max_length=8, choices=State.choices, default=State.ACTIVE, editable=False
    )

    class Meta:
        verbose_name = "engagement comptable"
        verbose_name_plural = "engagements comptables"
        ordering = ["-committed_on", "-id"]
        constraints = [
            models.CheckConstraint(name="commitment_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="commitment_lapse_within_amount",
                condition=models.Q(lapsed_amount__gte=0)
                & models.Q(lapsed_amount__lte=models.F("amount")),
            ),
        ]

    def __str__(self):
        return f"Engagement {self.operation.reference}"

    @property
    def net_amount(self) -> Decimal:
        """What remains committed against the AP once a lapsed remainder is given back."""
        return self.amount - self.lapsed_amount


class PaymentRequest(models.Model):
    """A request by the partner for an advance, an instalment or the balance, then its payment."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", "Avance"
        INSTALMENT = "instalment", "Acompte"
        BALANCE = "balance", "Solde"

    class State(models.TextChoices):
        REQUESTED = "requested", "Demandé"
        CHECKED = "checked", "Vérifié par l'agent"
        PAID = "paid", "Payé"
        REFUSED = "refused", "Refusé"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    requested_amount = MoneyField("montant demandé (€)")
    actual_expenses = MoneyField(
        "dépenses réalisées justifiées (€)",
        null=True,
        blank=True,
        help_text="Pour un acompte ou le solde : le total des dépenses acquittées.",
    )
    evidence = models.ManyToManyField(
        "operations.Attachment", verbose_name="justificatifs", blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    state = models.CharField(
        "état", max_length=10, choices=State.choices, default=State.REQUESTED, editable=False
    )
    paid_amount = MoneyField("montant payé (€)", null=True, blank=True)
    mandate_number = models.CharField("numéro de mandat", max_length=30, blank=True)
    paid_on = models.DateField("payé le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de paiement"
        verbose_name_plural = "demandes de paiement"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="payment_request_positive", condition=models.Q(requested_amount__gt=0)
            ),
            models.UniqueConstraint(
                fields=["mandate_number"],
                condition=~models.Q(mandate_number=""),
                name="payment_mandate_unique",
                violation_error_message="Ce numéro de mandat est déjà enregistré.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.commitment.operation.reference}"


class PaymentEvent(HistoryRow):
    payment = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape d'une demande de paiement"

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"

    @property
    def to_label(self) -> str:
        return PaymentRequest.State(self.to_state).label


class CommitmentEvent(HistoryRow):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape d'un engagement comptable"

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class LapseAlert(models.Model):
    """A notice that a deadline of a subsidy comes (or has passed), sent once per deadline and
    threshold (90 and 30 days before it, then once passed): the daily job that sends them
    (`finance.services.lapse_alerts_send`) writes this row with the notification, and the
    uniqueness of the row is what keeps it from sending twice. A deadline put back (the start
    extended) is a new date: its notices come again."""

    class Deadline(models.TextChoices):
        START = "start", "commencer les travaux"
        COMPLETION = "completion", "achever l'opération"

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="lapse_alerts"
    )
    deadline = models.CharField("échéance", max_length=12, choices=Deadline.choices)
    due_on = models.DateField("date limite")
    # Days before the deadline when the notice was due (0: the deadline has passed).
    threshold = models.PositiveSmallIntegerField("jours avant l'échéance")
    sent_on = models.DateField("envoyée le")

    class Meta:
        verbose_name = "alerte de caducité"
        verbose_name_plural = "alertes de caducité"
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "deadline", "due_on", "threshold"],
                name="lapse_alert_once_per_threshold",
            )
        ]

    def __str__(self):
        return f"{self.get_deadline_display()} avant le {self.due_on:%d/%m/%Y} ({self.threshold} j)"
