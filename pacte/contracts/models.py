from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from pacte.core.money import MoneyField
from pacte.core.workflow import HistoryRow

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
    centrality_reason = models.TextField(
        "fonctions de centralité",
        blank=True,
        help_text="Pour une commune : les fonctions de centralité et de rayonnement territorial "
        "qui en font un partenaire signataire.",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~models.Q(siren=""),
                name="partner_unique_siren",
                violation_error_message="Un partenaire porte déjà ce SIREN.",
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~models.Q(siret=""),
                name="partner_unique_siret",
                violation_error_message="Un partenaire porte déjà ce SIRET.",
            ),
            models.UniqueConstraint(
                fields=["rna"],
                condition=~models.Q(rna=""),
                name="partner_unique_rna",
                violation_error_message="Un partenaire porte déjà ce numéro RNA.",
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
        if self.kind == self.Kind.COMMUNE and not self.centrality_reason.strip():
            errors["centrality_reason"] = (
                "Décrivez les fonctions de centralité et de rayonnement territorial de la commune."
            )
        if self.kind != self.Kind.EPCI and self.epci_id is not None:
            errors["epci"] = "Seul un partenaire intercommunal est rattaché à une intercommunalité."
        if errors:
            raise ValidationError(errors)
        if self.siret and not self.siren:
            self.siren = self.siret[:9]


class Generation(models.Model):
    """A generation of contracts (démarche de contractualisation), set up by its framework
    deliberation, for a period, financed by a fund."""

    name = models.CharField("nom", max_length=200, unique=True)
    period_start = models.DateField("début de la période")
    period_end = models.DateField("fin de la période")
    framework_deliberation_number = models.CharField(
        "délibération cadre (numéro)", max_length=20, blank=True
    )
    framework_deliberation_date = models.DateField(
        "délibération cadre (date)", null=True, blank=True
    )
    forum_start = models.DateField("assises territoriales : début", null=True, blank=True)
    forum_end = models.DateField("assises territoriales : fin", null=True, blank=True)
    first_contracts_vote = models.DateField("vote des premiers contrats", null=True, blank=True)
    fund_name = models.CharField("fonds", max_length=200, blank=True)
    fund_description = models.TextField("financement", blank=True)
    previous = models.OneToOneField(
        "self",
        verbose_name="génération précédente",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next",
    )
    is_history = models.BooleanField(
        "génération passée (historique)",
        default=False,
        help_text="Une génération passée est consultée, plus contractualisée.",
    )
    # The fund's rules for this generation: settings of the Département's own règlement,
    # shown and edited on the administration page (defaults in docs/reglages.md).
    fund_max_rate = models.DecimalField(
        "taux maximal du fonds (% de la dépense éligible)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
    )
    fund_ceiling_amount = MoneyField(
        "plafond de subvention par opération (€)", default=Decimal("1000000.00")
    )
    min_project_amount = MoneyField("coût minimal d'un projet (€)", default=Decimal("30000.00"))
    early_start_requires_authorisation = models.BooleanField(
        "un démarrage avant le vote doit être autorisé", default=True
    )
    # Payments and lapse (docs/regles.md, S4; décret 2018-514 used as default).
    advance_max_percent = models.DecimalField(
        "avance maximale (% de la subvention)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("30.00"),
    )
    instalments_max_percent = models.DecimalField(
        "acomptes cumulés maximaux, avance comprise (% de la subvention)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("80.00"),
    )
    start_deadline_years = models.PositiveSmallIntegerField(
        "délai de commencement après le vote (années)", default=2
    )
    start_extension_years = models.PositiveSmallIntegerField(
        "prorogation possible du délai de commencement (années)", default=1
    )
    completion_deadline_years = models.PositiveSmallIntegerField(
        "délai d'achèvement après la convention (années)", default=4
    )
    lapse_warning_days = models.PositiveSmallIntegerField(
        "alerte avant une échéance de caducité (jours)", default=90
    )

    class Meta:
        verbose_name = "génération de contractualisation"
        verbose_name_plural = "générations de contractualisation"
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                name="generation_period_order",
                condition=models.Q(period_end__gt=models.F("period_start")),
                violation_error_message="La fin de la période suit son début.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def period_label(self) -> str:
        return f"{self.period_start.year}-{self.period_end.year}"

    def clean(self):
        super().clean()
        if self.forum_start and self.forum_end and self.forum_end < self.forum_start:
            raise ValidationError({"forum_end": "Les assises finissent après leur début."})


class Pact(models.Model):
    """A departmental pact (pacte) whose ambitions the contracts recall."""

    generation = models.ForeignKey(
        Generation, verbose_name="génération", on_delete=models.CASCADE, related_name="pacts"
    )
    name = models.CharField("nom", max_length=150)
    ambition = models.TextField("ambitions", blank=True)
    ambition_is_demo = models.BooleanField(
        "ambitions de démonstration",
        default=False,
        help_text="Cochée quand le texte des ambitions vient des données de démonstration.",
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "pacte"
        verbose_name_plural = "pactes"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "name"], name="pact_unique_name")
        ]

    def __str__(self):
        return self.name


class Orientation(models.Model):
    """A transversal orientation of the mandate (jeunesse, environnement, lien social)."""

    generation = models.ForeignKey(
        Generation,
        verbose_name="génération",
        on_delete=models.CASCADE,
        related_name="orientations",
    )
    name = models.CharField("nom", max_length=150)
    description = models.TextField("description", blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "orientation transversale"
        verbose_name_plural = "orientations transversales"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "name"], name="orientation_unique_name")
        ]

    def __str__(self):
        return self.name


class Contract(models.Model):
    """The contract of one partner for one generation."""

    class State(models.TextChoices):
        DRAFTING = "drafting", "En rédaction"
        AGREED = "agreed", "Accordé avec le partenaire"
        VOTED = "voted", "Voté"
        SIGNED = "signed", "Signé"
        CLOSED = "closed", "Clos"

    # Groups of states, declared once with the states. In force (voted or signed): operations
    # are deposited under it and its steering committee meets.
    IN_FORCE_STATES = frozenset({State.VOTED, State.SIGNED})
    FROZEN_STATES = IN_FORCE_STATES | {State.CLOSED}

    generation = models.ForeignKey(
        Generation, verbose_name="génération", on_delete=models.PROTECT, related_name="contracts"
    )
    partner = models.ForeignKey(
        Partner, verbose_name="partenaire", on_delete=models.PROTECT, related_name="contracts"
    )
    state = models.CharField(
        "état", max_length=16, choices=State.choices, default=State.DRAFTING, editable=False
    )
    pact_ambitions = models.TextField("ambitions des pactes rappelées", blank=True)
    engineering_ingenierie62 = models.BooleanField("plateforme Ingénierie 62", default=False)
    engineering_house = models.BooleanField("Maison du Département", default=False)
    engineering_other = models.TextField("autre ingénierie mobilisable", blank=True)
    implementation_terms = models.TextField("modalités de mise en œuvre", blank=True)
    monitoring_terms = models.TextField("modalités de suivi", blank=True)
    vote_deliberation_number = models.CharField("délibération (numéro)", max_length=20, blank=True)
    vote_date = models.DateField("date du vote", null=True, blank=True)
    partner_signed_on = models.DateField("signé par le partenaire le", null=True, blank=True)
    department_signed_on = models.DateField("signé par le Département le", null=True, blank=True)
    closed_on = models.DateField("clos le", null=True, blank=True)
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "partner"],
                name="contract_one_per_partner_and_generation",
                violation_error_message="Ce partenaire a déjà un contrat pour cette génération.",
            )
        ]

    def __str__(self):
        return f"Contrat {self.partner} — {self.generation.period_label}"

    @property
    def is_frozen(self) -> bool:
        """Once voted, the text changes only through a recorded amendment (avenant)."""
        return self.state in self.FROZEN_STATES


class PriorityStake(models.Model):
    """A priority stake shared with the partner (enjeu prioritaire partagé)."""

    contract = models.ForeignKey(
        Contract, verbose_name="contrat", on_delete=models.CASCADE, related_name="stakes"
    )
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    pacts = models.ManyToManyField(Pact, verbose_name="pactes", related_name="stakes")
    orientations = models.ManyToManyField(
        Orientation, verbose_name="orientations transversales", related_name="stakes", blank=True
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "enjeu prioritaire partagé"
        verbose_name_plural = "enjeux prioritaires partagés"
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class ContractEvent(HistoryRow):
    contract = models.ForeignKey(
        Contract, verbose_name="contrat", on_delete=models.CASCADE, related_name="events"
    )

    class Meta(HistoryRow.Meta):
        verbose_name = "étape du contrat"
        verbose_name_plural = "historique des contrats"

    def __str__(self):
        return f"{self.from_label} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return Contract.State(self.from_state).label

    @property
    def to_label(self) -> str:
        return Contract.State(self.to_state).label


class Amendment(models.Model):
    """An avenant: the only way a voted contract's text changes. Keeps what it replaced."""

    contract = models.ForeignKey(
        Contract, verbose_name="contrat", on_delete=models.PROTECT, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField("numéro")
    adopted_on = models.DateField("adopté le")
    deliberation_number = models.CharField("délibération (numéro)", max_length=20, blank=True)
    reason = models.TextField("objet de l'avenant")
    changes = models.JSONField("modifications", default=dict)
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name="saisi par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="amendment_unique_number")
        ]

    def __str__(self):
        return f"Avenant n°{self.number} — {self.contract}"


class TerritorialForum(models.Model):
    """An assise territoriale: one meeting per territory where the priority stakes are raised."""

    generation = models.ForeignKey(
        Generation, verbose_name="génération", on_delete=models.PROTECT, related_name="forums"
    )
    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="forums",
    )
    held_on = models.DateField("date")
    place = models.CharField("lieu", max_length=255, blank=True)
    notes = models.TextField("compte rendu", blank=True)
    invited = models.ManyToManyField(
        Partner,
        verbose_name="partenaires invités",
        through="ForumInvitation",
        related_name="forums",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "assise territoriale"
        verbose_name_plural = "assises territoriales"
        ordering = ["held_on", "territory__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "territory"],
                name="forum_one_per_territory",
                violation_error_message="Ce territoire a déjà son assise pour cette génération.",
            )
        ]

    def __str__(self):
        return f"Assise territoriale — {self.territory}"


class ForumInvitation(models.Model):
    forum = models.ForeignKey(
        TerritorialForum, on_delete=models.CASCADE, related_name="invitations"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField("présent", null=True, blank=True)
    represented_by = models.CharField("représenté par", max_length=200, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "partner"], name="invitation_unique")
        ]

    def __str__(self):
        return f"{self.partner} — {self.forum}"


class RaisedStake(models.Model):
    """A stake raised at an assise for a partner; it becomes a draft stake of its contract."""

    forum = models.ForeignKey(
        TerritorialForum,
        verbose_name="assise",
        on_delete=models.CASCADE,
        related_name="raised_stakes",
    )
    partner = models.ForeignKey(
        Partner, verbose_name="partenaire", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    pacts = models.ManyToManyField(Pact, verbose_name="pactes", related_name="+")
    orientations = models.ManyToManyField(
        Orientation, verbose_name="orientations", related_name="+", blank=True
    )
    stake = models.OneToOneField(
        PriorityStake,
        verbose_name="enjeu du contrat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_from",
    )

    class Meta:
        verbose_name = "enjeu soulevé"
        verbose_name_plural = "enjeux soulevés"
        ordering = ["id"]

    def __str__(self):
        return self.title


class EngineeringRequest(models.Model):
    """A request for engineering support for a partner (Ingénierie 62, Maison du Département…)."""

    class Provider(models.TextChoices):
        INGENIERIE62 = "ingenierie62", "Ingénierie 62"
        HOUSE = "house", "Maison du Département"
        OTHER = "other", "Autre service du Département"

    class State(models.TextChoices):
        REQUESTED = "requested", "Demandée"
        IN_PROGRESS = "in_progress", "En cours"
        DONE = "done", "Terminée"
        DECLINED = "declined", "Non retenue"

    partner = models.ForeignKey(
        Partner,
        verbose_name="partenaire",
        on_delete=models.PROTECT,
        related_name="engineering_requests",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name="contrat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engineering_requests",
    )
    provider = models.CharField("ingénierie sollicitée", max_length=16, choices=Provider.choices)
    subject = models.CharField("objet", max_length=255)
    description = models.TextField("besoin", blank=True)
    people = models.TextField("personnes mobilisées", blank=True)
    state = models.CharField(
        "état", max_length=16, choices=State.choices, default=State.REQUESTED, editable=False
    )
    outcome = models.TextField("résultat", blank=True)
    requested_on = models.DateField("demandée le")
    created_by = models.ForeignKey(
        "core.User",
        verbose_name="saisie par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "demande d'ingénierie"
        verbose_name_plural = "demandes d'ingénierie"
        ordering = ["-requested_on", "-id"]

    def __str__(self):
        return f"{self.subject} ({self.get_provider_display()})"


class EngineeringRequestEvent(HistoryRow):
    request = models.ForeignKey(EngineeringRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape de la demande d'ingénierie"

    def __str__(self):
        return f"{self.from_label} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return EngineeringRequest.State(self.from_state).label

    @property
    def to_label(self) -> str:
        return EngineeringRequest.State(self.to_state).label


class SteeringCommittee(models.Model):
    """The yearly comité de pilotage of a partner's contract."""

    contract = models.ForeignKey(
        Contract, verbose_name="contrat", on_delete=models.PROTECT, related_name="committees"
    )
    year = models.PositiveSmallIntegerField("année")
    held_on = models.DateField("date")
    place = models.CharField("lieu", max_length=255, blank=True)
    attendees = models.TextField("participants", help_text="Une personne par ligne.")
    progress = models.JSONField(
        "point d'étape",
        default=dict,
        editable=False,
        help_text="Photographie des opérations, montants et engagements à la date du comité.",
    )
    decisions = models.TextField("décisions", blank=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name="saisi par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "comité de pilotage"
        verbose_name_plural = "comités de pilotage"
        ordering = ["contract", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "year"],
                name="committee_one_per_year",
                violation_error_message=(
                    "Ce contrat a déjà son comité de pilotage pour cette année."
                ),
            )
        ]

    def __str__(self):
        return f"Comité de pilotage {self.year} — {self.contract.partner}"

    @property
    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]


class CommitteeAction(models.Model):
    """A follow-up action decided by a steering committee, with its owner and due date."""

    committee = models.ForeignKey(
        SteeringCommittee,
        verbose_name="comité",
        on_delete=models.CASCADE,
        related_name="actions",
    )
    description = models.CharField("action", max_length=500)
    owner = models.CharField("responsable", max_length=200)
    due_on = models.DateField("échéance")
    done_on = models.DateField("réalisée le", null=True, blank=True)

    class Meta:
        verbose_name = "action de suivi"
        verbose_name_plural = "actions de suivi"
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.description

    @property
    def is_open(self) -> bool:
        return self.done_on is None
