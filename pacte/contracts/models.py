from django.core.exceptions import ValidationError
from django.db import models

from .identifiers import compact, validate_rna, validate_siren, validate_siret


class Partner(models.Model):
    """A partner of the Département that may sign a contract (partenaire signataire)."""

    class Kind(models.TextChoices):
        EPCI = "epci", "Intercommunalité (EPCI)"
        COMMUNE = "commune", "Commune"
        ASSOCIATION = "association", "Association"
        JOINT_SYNDICATE = "syndicat", "Syndicat mixte"
        OTHER = "other", "Autre structure"

    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=16, choices=Kind.choices)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    rna = models.CharField("numéro RNA", max_length=10, blank=True, validators=[validate_rna])
    epci = models.OneToOneField(
        "territory.Epci",
        verbose_name="intercommunalité",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner",
    )
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partners",
        help_text="La commune partenaire, ou la commune du siège pour une autre structure.",
    )
    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partners",
    )
    address = models.TextField("adresse", blank=True)
    email = models.EmailField("courriel", blank=True)
    representative = models.CharField("représentant légal", max_length=150, blank=True)
    representative_title = models.CharField("qualité du représentant", max_length=150, blank=True)
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"], condition=~models.Q(siren=""), name="partner_unique_siren"
            ),
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="partner_unique_siret"
            ),
            models.UniqueConstraint(
                fields=["rna"], condition=~models.Q(rna=""), name="partner_unique_rna"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.siren, self.siret, self.rna = (
            compact(self.siren),
            compact(self.siret),
            compact(self.rna),
        )
        errors = {}
        if self.siret and self.siren and not self.siret.startswith(self.siren):
            errors["siret"] = "Le SIRET commence par le SIREN de la structure."
        if self.kind == self.Kind.ASSOCIATION and not (self.rna or self.siret):
            errors["rna"] = "Une association est identifiée par son numéro RNA ou son SIRET."
        if self.kind in {self.Kind.EPCI, self.Kind.COMMUNE, self.Kind.JOINT_SYNDICATE} and not (
            self.siren or self.siret
        ):
            errors["siren"] = "Une collectivité ou un syndicat est identifié par son SIREN."
        if self.kind == self.Kind.EPCI and self.epci_id is None:
            errors["epci"] = "Indiquez l'intercommunalité du référentiel."
        if self.kind == self.Kind.COMMUNE and self.commune_id is None:
            errors["commune"] = "Indiquez la commune du référentiel."
        if self.kind != self.Kind.EPCI and self.epci_id is not None:
            errors["epci"] = "Seul un partenaire intercommunal est rattaché à une intercommunalité."
        if errors:
            raise ValidationError(errors)
        if self.siret and not self.siren:
            self.siren = self.siret[:9]
