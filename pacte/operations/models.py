"""Operations submitted by partners against their contract, from draft to completion."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from pacte.contracts.models import Partner
from pacte.core.money import MoneyField
from pacte.core.workflow import HistoryRow

from .querysets import OperationQuerySet


class Operation(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        SUBMITTED = "submitted", "Déposée"
        IN_REVIEW = "in_review", "En instruction"
        AWAITING_PARTNER = "awaiting_partner", "En attente du partenaire"
        SHEET_READY = "sheet_ready", "Fiche prête pour le vote"
        SCHEDULED = "scheduled", "Inscrite à une séance"
        VOTED = "voted", "Subvention votée"
        REJECTED = "rejected", "Rejetée"
        AGREEMENT_SIGNED = "agreement_signed", "Convention signée"
        WORKS_STARTED = "works_started", "Travaux en cours"
        COMPLETED = "completed", "Achevée"
        WITHDRAWN = "withdrawn", "Retirée"
        LAPSED = "lapsed", "Caduque"

    # Groups of states, declared once here, with the states (tests/core/test_workflow_names.py
    # checks them against the workflow's transitions).
    REVIEW_STATES = frozenset(
        {State.SUBMITTED, State.IN_REVIEW, State.AWAITING_PARTNER, State.SHEET_READY}
    )
    # Waiting for a decision of the Département: under review or on a sitting's agenda.
    WAITING_STATES = REVIEW_STATES | {State.SCHEDULED}
    # After the vote of the subsidy (and not lapsed): the operation has its commitment.
    VOTED_STATES = frozenset(
        {State.VOTED, State.AGREEMENT_SIGNED, State.WORKS_STARTED, State.COMPLETED}
    )
    COMMITTED_STATES = VOTED_STATES | {State.LAPSED}
    # Its convention signed: payments may be requested.
    SIGNED_STATES = frozenset({State.AGREEMENT_SIGNED, State.WORKS_STARTED, State.COMPLETED})
    PARTNER_EDITABLE_STATES = frozenset({State.DRAFT, State.AWAITING_PARTNER})
    DEPARTMENT_EDITABLE_STATES = frozenset(
        {State.SUBMITTED, State.IN_REVIEW, State.AWAITING_PARTNER}
    )
    WITHDRAWABLE_STATES = frozenset({State.DRAFT}) | REVIEW_STATES
    # Closed: nothing more is joined, asked or awaited on it (pieces, opinions).
    CLOSED_STATES = frozenset({State.WITHDRAWN, State.LAPSED, State.REJECTED, State.COMPLETED})
    # What each state means for whoever reads a list, as the colour of its badge (the badge
    # always says the state in words too): not yet filed or closed without a decision, waiting
    # for the partner, in the Département's hands, granted, refused or lost.
    STATE_TONES = {
        State.DRAFT: "neutral",
        State.WITHDRAWN: "neutral",
        State.AWAITING_PARTNER: "waiting",
        State.SUBMITTED: "progress",
        State.IN_REVIEW: "progress",
        State.SHEET_READY: "progress",
        State.SCHEDULED: "progress",
        State.VOTED: "done",
        State.AGREEMENT_SIGNED: "done",
        State.WORKS_STARTED: "done",
        State.COMPLETED: "done",
        State.REJECTED: "refused",
        State.LAPSED: "refused",
    }

    class Category(models.TextChoices):
        CULTURE = "culture", "Équipement culturel (salle de spectacle, espace culturel…)"
        HERITAGE = "heritage", "Patrimoine et lieux de mémoire"
        TOURISM_SPORT = "tourism_sport", "Équipement touristique ou sportif"
        MOBILITY = "mobility", "Mobilités (liaisons douces, parking relais…)"
        NATURE = "nature", "Environnement et sentiers de randonnée"
        SERVICES = "services", "Services aux habitants (tiers-lieu, épicerie solidaire…)"
        PUBLIC_ACCESS = "public_access", "Accès aux services publics"
        OTHER = "other", "Autre"

    class Reach(models.TextChoices):
        COMMUNAL = "communal", "Communal"
        INTERCOMMUNAL = "intercommunal", "Intercommunal"
        DEPARTMENTAL = "departmental", "Départemental"
        BEYOND = "beyond", "Au-delà du département"

    class Derogation(models.TextChoices):
        NONE = "", "Aucune"
        URBAN_RENEWAL = "urban_renewal", "Rénovation urbaine"
        FEDER = "feder", "Coopération territoriale européenne (FEDER)"
        HERITAGE = "heritage", "Patrimoine protégé (dérogation du préfet)"
        CALAMITY = "calamity", "Calamité publique (dérogation du préfet)"
        WATER = "water", "Eau potable et assainissement (dérogation du préfet)"
        WASTE = "waste", "Déchets (dérogation du préfet)"
        FOREST_FIRE = "forest_fire", "Défense contre les incendies de forêt (dérogation du préfet)"
        FIRE_DEFENCE = (
            "fire_defence",
            "Défense extérieure contre l'incendie (dérogation du préfet)",
        )
        ROADS = "roads", "Voirie communale et ponts (dérogation du préfet)"
        BIODIVERSITY = "biodiversity", "Biodiversité (dérogation du préfet)"

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name="contrat",
        on_delete=models.PROTECT,
        related_name="operations",
    )
    reference = models.CharField("référence", max_length=20, unique=True, editable=False)
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    stakes = models.ManyToManyField(
        "contracts.PriorityStake",
        verbose_name="enjeux du contrat servis",
        related_name="operations",
        blank=True,
    )
    communes = models.ManyToManyField(
        "territory.Commune",
        verbose_name="communes d'implantation",
        related_name="operations",
        blank=True,
    )
    vat_recovered = models.BooleanField(
        "le porteur récupère la TVA (FCTVA)",
        default=True,
        help_text="Le plan de financement s'équilibre alors sur les dépenses hors taxes, "
        "sinon toutes taxes comprises.",
    )
    planned_start = models.DateField("début prévu des travaux", null=True, blank=True)
    planned_end = models.DateField("fin prévue des travaux", null=True, blank=True)
    works_started_on = models.DateField("travaux commencés le", null=True, blank=True)
    early_start_authorised_on = models.DateField(
        "démarrage anticipé autorisé le", null=True, blank=True
    )
    state = models.CharField(
        "état", max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agent instructeur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_operations",
    )
    # The detailed sheet (fiche détaillée), written during the upstream phase.
    shared_objectives = models.TextField("objectifs partagés", blank=True)
    environment = models.TextField("inscription dans son environnement", blank=True)
    territorial_reach = models.CharField(
        "rayonnement territorial", max_length=16, choices=Reach.choices, blank=True
    )
    usage_terms = models.TextField("modalités d'usage et de fonctionnement", blank=True)
    proposed_subsidy_amount = MoneyField("subvention proposée (€)", null=True, blank=True)
    justification_policies = models.TextField(
        "contribution aux politiques départementales", blank=True
    )
    justification_dynamics = models.TextField("dynamiques du territoire", blank=True)
    justification_cofunding = models.TextField("cofinancements mobilisés", blank=True)
    # CGCT L1111-10 III: derogations to the 20 % owner contribution.
    derogation = models.CharField(
        "dérogation à la participation minimale",
        max_length=16,
        choices=Derogation.choices,
        blank=True,
        default="",
    )
    derogation_order = models.CharField("arrêté du préfet (référence)", max_length=100, blank=True)
    requested_fund_amount = MoneyField(
        "montant sollicité au fonds (€)",
        default=0,
        editable=False,
        help_text="Tenu à jour par le plan de financement ; sert aux listes et aux tris.",
    )
    granted_amount = MoneyField("subvention votée (€)", null=True, blank=True, editable=False)
    voted_on = models.DateField("voté le", null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    objects = OperationQuerySet.as_manager()

    class Meta:
        verbose_name = "opération"
        verbose_name_plural = "opérations"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-created_at"]),
            models.Index(fields=["contract", "state"]),
            models.Index(fields=["-created_at", "-id"], name="operation_recent"),
            # The list's orders by amount and by title (pacte.operations.selectors).
            models.Index(
                fields=["requested_fund_amount", "created_at", "id"], name="operation_by_amount"
            ),
            models.Index(fields=["title", "created_at", "id"], name="operation_by_title"),
            # The counts of a list (by state, within a generation's contracts, without others'
            # drafts): from this narrow index alone, whatever the number of operations.
            models.Index(
                fields=["contract", "state", "submitted_at", "created_by"], name="operation_scope"
            ),
            # Dashboards and the territorial balance read these columns of every operation:
            # from this narrow index alone, without the wide rows (texts of the sheet).
            models.Index(
                fields=[
                    "contract",
                    "state",
                    "voted_on",
                    "granted_amount",
                    "submitted_at",
                    "assigned_to",
                    "works_started_on",
                ],
                name="operation_reporting",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    @property
    def is_editable_by_partner(self) -> bool:
        return self.state in self.PARTNER_EDITABLE_STATES

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    @property
    def owner_is_local_authority(self) -> bool:
        """L1111-10 applies to communes and their groupings owning the project."""
        return self.contract.partner.kind in {
            Partner.Kind.COMMUNE,
            Partner.Kind.EPCI,
            Partner.Kind.JOINT_SYNDICATE,
        }


class Expense(models.Model):
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="expenses")
    label = models.CharField("poste de dépense", max_length=255)
    amount_excl_tax = MoneyField("montant HT (€)")
    amount_incl_tax = MoneyField("montant TTC (€)")

    class Meta:
        verbose_name = "dépense"
        verbose_name_plural = "dépenses"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="expense_amounts_positive",
                condition=models.Q(amount_excl_tax__gt=0)
                & models.Q(amount_incl_tax__gte=models.F("amount_excl_tax")),
                violation_error_message="Le montant TTC est au moins égal au montant HT, "
                "et tous deux sont positifs.",
            )
        ]

    def __str__(self):
        return self.label


class Resource(models.Model):
    class Funder(models.TextChoices):
        FIT = "fit", "Département — Fonds d'Innovation Territorial"
        DEPARTMENT_OTHER = "department_other", "Département — autres financements (droit commun)"
        DETR = "detr", "État — DETR"
        DSIL = "dsil", "État — DSIL"
        GREEN_FUND = "green_fund", "État — Fonds vert"
        STATE_OTHER = "state_other", "État — autre"
        REGION = "region", "Région Hauts-de-France"
        EUROPE = "europe", "Union européenne"
        OTHER_PUBLIC = "other_public", "Autre financeur public"
        PRIVATE = "private", "Financeur privé (mécénat…)"
        SELF = "self", "Autofinancement du porteur"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Sollicité"
        OBTAINED = "obtained", "Obtenu"

    # Funders whose money is public funding in the sense of CGCT L1111-10.
    PUBLIC_FUNDERS = frozenset(
        {
            Funder.FIT,
            Funder.DEPARTMENT_OTHER,
            Funder.DETR,
            Funder.DSIL,
            Funder.GREEN_FUND,
            Funder.STATE_OTHER,
            Funder.REGION,
            Funder.EUROPE,
            Funder.OTHER_PUBLIC,
        }
    )

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="resources")
    funder = models.CharField("financeur", max_length=20, choices=Funder.choices)
    label = models.CharField("précision", max_length=255, blank=True)
    amount = MoneyField("montant (€)")
    status = models.CharField("statut", max_length=10, choices=Status.choices)

    class Meta:
        verbose_name = "ressource"
        verbose_name_plural = "ressources"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="resource_amount_positive",
                condition=models.Q(amount__gt=0),
                violation_error_message="Le montant d'une ressource est positif.",
            )
        ]

    def __str__(self):
        return f"{self.get_funder_display()} : {self.amount}"


class Attachment(models.Model):
    """A document attached to an operation; a new upload of the same kind is a new version."""

    class Kind(models.TextChoices):
        DELIBERATION = "deliberation", "Délibération du porteur"
        ESTIMATE = "estimate", "Devis ou estimation"
        PLAN = "plan", "Plan ou étude"
        SCHEDULE = "schedule", "Calendrier"
        FUNDING_PROOF = "funding_proof", "Notification d'un cofinancement"
        EVIDENCE = "evidence", "Justificatif d'engagement réciproque"
        EXPENSE_STATEMENT = "expense_statement", "État récapitulatif des dépenses acquittées"
        COMPLETION = "completion", "Certificat d'achèvement"
        OTHER = "other", "Autre pièce"

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("type de pièce", max_length=20, choices=Kind.choices)
    version = models.PositiveSmallIntegerField("version", default=1)
    file = models.FileField("fichier", upload_to="operations/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type de contenu", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "kind", "version"], name="attachment_unique_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} — {self.original_name}"


class Message(models.Model):
    """A message of the upstream dialogue between the partner and the Département."""

    # Characters of a message, at most: a long letter (a document goes as an attachment).
    MAX_LENGTH = 10_000

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField("message")
    is_information_request = models.BooleanField("demande de compléments", default=False)
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:60]


class OperationEvent(HistoryRow):
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape de l'opération"
        verbose_name_plural = "historique des opérations"
        indexes = [
            # When an operation went through a step (its convention signed…), from the index.
            models.Index(fields=["operation", "transition", "at"], name="operation_event_step"),
        ]

    def __str__(self):
        return f"{self.from_label} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return Operation.State(self.from_state).label

    @property
    def to_label(self) -> str:
        return Operation.State(self.to_state).label


class ReciprocalCommitment(models.Model):
    """What the partner undertakes alongside the Département's support."""

    class Kind(models.TextChoices):
        INSERTION = "insertion", "Clause d'insertion (heures)"
        PLACEMENTS = "placements", "Stages de 3e (élèves accueillis)"
        SUSTAINABLE = "sustainable", "Développement durable"
        ROAD_DECLASSIFICATION = "road", "Déclassement de voirie"
        COMMUNICATION = "communication", "Obligations de communication"
        OTHER = "other", "Autre engagement"

    class State(models.TextChoices):
        PLANNED = "planned", "Prévu"
        REPORTED = "reported", "Réalisation déclarée"
        VALIDATED = "validated", "Validé"
        REFUSED = "refused", "Non validé"

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name="contrat",
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    operation = models.ForeignKey(
        Operation,
        verbose_name="opération",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    kind = models.CharField("nature", max_length=16, choices=Kind.choices)
    description = models.CharField("engagement", max_length=500)
    target = models.DecimalField("cible", max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField("unité", max_length=50, blank=True)
    achieved = models.DecimalField(
        "réalisé", max_digits=12, decimal_places=2, null=True, blank=True
    )
    report = models.TextField("compte rendu du partenaire", blank=True)
    state = models.CharField(
        "état", max_length=10, choices=State.choices, default=State.PLANNED, editable=False
    )
    evidence = models.ManyToManyField(
        Attachment, verbose_name="justificatifs", blank=True, related_name="commitments"
    )

    class Meta:
        verbose_name = "engagement réciproque"
        verbose_name_plural = "engagements réciproques"
        ordering = ["id"]

    def __str__(self):
        return self.description

    @property
    def is_met(self) -> bool:
        return self.state == self.State.VALIDATED


class ReciprocalCommitmentEvent(HistoryRow):
    commitment = models.ForeignKey(
        ReciprocalCommitment, on_delete=models.CASCADE, related_name="events"
    )

    class Meta(HistoryRow.Meta):
        verbose_name = "étape d'un engagement réciproque"

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


ZERO = Decimal("0.00")


# --- Instruction tools of the Département: never shown to the partner ---------------------


class Annotation(models.Model):
    """A private note of the Département's services on an operation. Read and written by the
    services (instruction, finances, assemblies, administration), never by the partner nor by
    the elected members; edited or deleted by its author only."""

    MAX_LENGTH = 5_000

    operation = models.ForeignKey(
        Operation, verbose_name="opération", on_delete=models.CASCADE, related_name="annotations"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField("annotation")
    created_at = models.DateTimeField("écrite le", auto_now_add=True)
    edited_at = models.DateTimeField("modifiée le", null=True, blank=True)

    class Meta:
        verbose_name = "annotation interne"
        verbose_name_plural = "annotations internes"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["operation", "created_at"], name="annotation_operation")]

    def __str__(self):
        return self.text[:60]


class OpinionRequest(models.Model):
    """An opinion (avis) asked by an instructor of another service of the Département or of a
    Maison du Département, on an operation: a question, a due date, an answer (favourable,
    réservé, défavorable, with its reasons) given by the addressee alone. Internal: never shown
    to the partner."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Demandé"
        ANSWERED = "answered", "Rendu"
        CANCELLED = "cancelled", "Annulé"

    class Verdict(models.TextChoices):
        FAVOURABLE = "favourable", "Favorable"
        RESERVED = "reserved", "Réservé"
        UNFAVOURABLE = "unfavourable", "Défavorable"

    class Service(models.TextChoices):
        """The Département's services an opinion may be asked of (a Maison du Département is a
        territory's, `house`)."""

        ROADS = "roads", "Routes et mobilités"
        ENVIRONMENT = "environment", "Environnement et espaces naturels"
        CULTURE = "culture", "Culture et patrimoine"
        SPORT = "sport", "Sports et jeunesse"
        TOURISM = "tourism", "Tourisme et attractivité"
        SOLIDARITY = "solidarity", "Solidarités et action sociale"
        EDUCATION = "education", "Éducation et collèges"
        HOUSING = "housing", "Habitat et aménagement"
        FINANCE = "finance", "Finances"
        LEGAL = "legal", "Affaires juridiques et commande publique"
        ENGINEERING = "engineering", "Ingénierie territoriale"
        OTHER = "other", "Autre service"

    QUESTION_MAX_LENGTH = 5_000
    ANSWER_MAX_LENGTH = 5_000
    # The addressee is reminded once, this many days before the due date (or after it).
    REMIND_DAYS_BEFORE = 2

    operation = models.ForeignKey(
        Operation, verbose_name="opération", on_delete=models.CASCADE, related_name="opinions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="opinions_requested",
    )
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.PROTECT,
        related_name="opinions_asked",
    )
    service = models.CharField(
        "service du Département", max_length=16, choices=Service.choices, blank=True
    )
    house = models.ForeignKey(
        "territory.Territory",
        verbose_name="Maison du Département",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    question = models.TextField("question")
    due_on = models.DateField("attendu pour le")
    state = models.CharField(
        "état", max_length=16, choices=State.choices, default=State.REQUESTED, editable=False
    )
    verdict = models.CharField("avis", max_length=16, choices=Verdict.choices, blank=True)
    answer = models.TextField("motifs de l'avis", blank=True)
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    answered_at = models.DateTimeField("rendu le", null=True, blank=True, editable=False)
    # When the requester read the answer (the « answers received » of his to-do list).
    answer_seen_at = models.DateTimeField("avis lu le", null=True, blank=True, editable=False)
    # When the addressee was reminded of it (once: see `services.opinion_reminders`).
    reminded_at = models.DateTimeField("relancé le", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "demande d'avis"
        verbose_name_plural = "demandes d'avis"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["addressee", "state", "due_on"], name="opinion_addressee"),
            models.Index(fields=["requested_by", "state"], name="opinion_requester"),
            models.Index(fields=["operation", "requested_at"], name="opinion_operation"),
            models.Index(
                fields=["due_on"],
                name="opinion_to_remind",
                condition=models.Q(state="requested", reminded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="opinion_service_or_house",
                condition=(models.Q(service="") & models.Q(house__isnull=False))
                | (~models.Q(service="") & models.Q(house__isnull=True)),
                violation_error_message="Un avis est demandé à un service du Département "
                "ou à une Maison du Département.",
            )
        ]

    def __str__(self):
        return f"Avis de {self.addressed_to} sur {self.operation.reference}"

    @property
    def addressed_to(self) -> str:
        """« Maison du Département de l'Artois » or « Routes et mobilités »."""
        if self.house_id:
            return self.house.house_name or self.house.name
        return self.get_service_display()

    @property
    def is_late(self) -> bool:
        """Still awaited after its due date (Europe/Paris)."""
        return self.state == self.State.REQUESTED and self.due_on < timezone.localdate()


class OpinionEvent(HistoryRow):
    opinion = models.ForeignKey(OpinionRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape d'une demande d'avis"
        verbose_name_plural = "historique des demandes d'avis"

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class Follow(models.Model):
    """A user of the Département's services who follows an operation's file (« Suivre ce
    dossier »): he receives the notifications the Département receives about it (deposit,
    answers, payments, lapse…), as the instructor does (pacte.operations.notifications)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="follows",
    )
    operation = models.ForeignKey(
        Operation, verbose_name="opération", on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField("suivi depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "dossier suivi"
        verbose_name_plural = "dossiers suivis"
        constraints = [
            models.UniqueConstraint(fields=["user", "operation"], name="follow_once_per_user")
        ]

    def __str__(self):
        return f"{self.user} suit {self.operation.reference}"


class OperationSearch(models.Model):
    """The words an operation is found by: its reference, title, description, partner and
    communes, in lower case without accents (pacte.operations.search). Indexed for full-text
    search by FTS5 on SQLite, by a GIN index on PostgreSQL (migration 0010)."""

    operation = models.OneToOneField(
        Operation, primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    text = models.TextField("mots de la recherche")

    class Meta:
        verbose_name = "document de recherche"
        verbose_name_plural = "documents de recherche"

    def __str__(self):
        return self.text[:80]
