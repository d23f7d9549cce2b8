"""Sittings of the conseil départemental and of its commission permanente: attendance,
proxies, quorum, and numbered deliberations."""

from django.conf import settings
from django.db import models

from . import rules


class ThematicCommission(models.Model):
    """A thematic commission of the assembly (an editable referential)."""

    number = models.PositiveSmallIntegerField("numéro", unique=True)
    name = models.CharField("intitulé", max_length=200)

    class Meta:
        verbose_name = "commission thématique"
        verbose_name_plural = "commissions thématiques"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}e commission « {self.name} »"


class Sitting(models.Model):
    class Body(models.TextChoices):
        COUNCIL = rules.COUNCIL, "Conseil départemental"
        STANDING_COMMITTEE = rules.STANDING_COMMITTEE, "Commission permanente"

    body = models.CharField("instance", max_length=20, choices=Body.choices)
    held_on = models.DateField("date")
    opened_at = models.TimeField("heure d'ouverture", null=True, blank=True)
    place = models.CharField("lieu", max_length=200, default="Arras")
    president = models.CharField("président de séance", max_length=150)
    secretary = models.CharField("secrétaire de séance", max_length=150, blank=True)
    members_in_office = models.PositiveSmallIntegerField("membres en fonction")
    reconvened = models.BooleanField("séance reconvoquée (sans condition de quorum)", default=False)
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.get_body_display()} du {self.held_on:%d/%m/%Y}"


class Attendance(models.Model):
    """A member's attendance, written as the minutes write the name."""

    class Status(models.TextChoices):
        PRESENT = "present", "Présent"
        EXCUSED = "excused", "Excusé"
        ABSENT = "absent", "Absent"

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="attendances")
    position = models.PositiveSmallIntegerField("ordre")
    civility = models.CharField("civilité", max_length=3)
    name = models.CharField("nom tel qu'écrit au procès-verbal", max_length=150)
    councillor = models.ForeignKey(
        "territory.Councillor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    status = models.CharField("présence", max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["sitting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "name"], name="attendance_unique_member")
        ]

    def __str__(self):
        return f"{self.civility} {self.name}"


class Proxy(models.Model):
    """A pouvoir given for one sitting by a member to a member present."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="proxies")
    giver = models.OneToOneField(Attendance, on_delete=models.CASCADE, related_name="proxy_given")
    holder = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="proxies_held")
    is_demo = models.BooleanField(
        "donnée de démonstration",
        default=False,
        help_text="Le procès-verbal ne dit pas qui tenait les pouvoirs : ceux-ci sont plausibles.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "pouvoir"
        verbose_name_plural = "pouvoirs"

    def __str__(self):
        return f"{self.giver} → {self.holder}"
