"""Sittings of the conseil départemental and of its commission permanente: attendance,
proxies, quorum, and numbered deliberations."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from pacte.core.dates import add_months
from pacte.core.french import short_ordinal
from pacte.core.workflow import HistoryRow

from . import classification, rules


class ThematicCommission(models.Model):
    """A thematic commission of the assembly (an editable referential)."""

    number = models.PositiveSmallIntegerField("numéro", unique=True)
    name = models.CharField("intitulé", max_length=200)
    report_name = models.CharField(
        "intitulé dans les avis des rapports",
        max_length=200,
        blank=True,
        help_text="Si les rapports l'écrivent autrement que les visas (capitales) ; "
        "vide : l'intitulé.",
    )

    class Meta:
        verbose_name = "commission thématique"
        verbose_name_plural = "commissions thématiques"
        ordering = ["number"]

    def __str__(self):
        return f"{short_ordinal(self.number, feminine=True)} commission « {self.name} »"


class MinutesState(models.TextChoices):
    DRAFT = "draft", "À arrêter"
    ADOPTED = "adopted", "Arrêté"
    SIGNED = "signed", "Signé"
    PUBLISHED = "published", "Publié"


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
    closed_at = models.TimeField("heure de clôture", null=True, blank=True)
    reconvened = models.BooleanField("séance reconvoquée (sans condition de quorum)", default=False)
    signatory_title = models.CharField(
        "titre du signataire pour le président",
        max_length=150,
        default="La Directrice Générale des Services",
    )
    signatory_name = models.CharField("signataire pour le président", max_length=150, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)
    # A9: the minutes, adopted at a following sitting, signed, then published within a week.
    minutes_state = models.CharField(
        "procès-verbal", max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT
    )
    minutes_adopted_at = models.ForeignKey(
        "self",
        verbose_name="procès-verbal arrêté à la séance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="minutes_adopted",
    )
    minutes_signed_on = models.DateField("procès-verbal signé le", null=True, blank=True)
    minutes_published_on = models.DateField("procès-verbal publié le", null=True, blank=True)
    minutes_document = models.ForeignKey(
        "documents.Document",
        verbose_name="procès-verbal arrêté (PDF)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

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
    arrived_at = models.TimeField(
        "arrivée à", null=True, blank=True, help_text="Vide : présent dès l'ouverture."
    )
    left_at = models.TimeField(
        "départ à", null=True, blank=True, help_text="Vide : présent jusqu'à la clôture."
    )

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["sitting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "name"], name="attendance_unique_member")
        ]

    def __str__(self):
        return f"{self.civility} {self.name}"

    def present_at(self, moment) -> bool:
        """Present at that time of the sitting (None: the opening)."""
        if self.status != self.Status.PRESENT:
            return False
        if moment is None:
            return self.arrived_at is None
        if self.arrived_at and self.arrived_at > moment:
            return False
        return not (self.left_at and self.left_at <= moment)


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


class Report(models.Model):
    """A report (rapport) put to the assembly: a framework decision, contracts to approve, or
    subsidies to operations whose sheets are ready."""

    class Kind(models.TextChoices):
        FRAMEWORK = "framework", "Décision cadre"
        CONTRACTS = "contracts", "Approbation de contrats"
        SUBSIDIES = "subsidies", "Attribution de subventions"
        BUDGET = "budget", "Budget ou compte"

    class VoteMode(models.TextChoices):
        GROUPS = "groups", "Par groupe politique"
        ROLL_CALL = "roll_call", "Scrutin public, par nom"

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveSmallIntegerField("numéro")
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    pole = models.CharField("pôle", max_length=150, blank=True)
    direction = models.CharField("direction", max_length=150, blank=True)
    territories = models.CharField("territoire(s)", max_length=255, default="Tous les territoires")
    title = models.CharField("intitulé", max_length=255)
    text = models.TextField("exposé")
    visas = models.TextField(
        "visas",
        blank=True,
        help_text="Un visa par ligne, sans « Vu le rapport » ni les avis des commissions, "
        "ajoutés d'office.",
    )
    proposal = models.TextField(
        "proposition au rapport",
        blank=True,
        help_text="Ce qu'il convient de statuer, tel que le rapport l'écrit (un tiret par point).",
    )
    decision = models.TextField(
        "décision (articles)", help_text="Un article par paragraphe, séparés par une ligne vide."
    )
    sent_on = models.DateField("envoyé aux élus le", null=True, blank=True)
    urgency = models.BooleanField("urgence", default=False)
    operations = models.ManyToManyField(
        "operations.Operation", verbose_name="opérations", blank=True, related_name="reports"
    )
    contracts = models.ManyToManyField(
        "contracts.Contract", verbose_name="contrats", blank=True, related_name="reports"
    )
    corrects = models.ForeignKey(
        "Deliberation",
        verbose_name="rectifie la délibération",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correcting_reports",
    )
    opened_at = models.TimeField("examiné à", null=True, blank=True)
    vote_mode = models.CharField(
        "mode de vote", max_length=10, choices=VoteMode.choices, default=VoteMode.GROUPS
    )
    roll_call_requested_by = models.PositiveSmallIntegerField(
        "membres demandant le scrutin public",
        default=0,
        help_text="Un sixième des membres présents qui le demandent impose le scrutin public "
        "(CGCT L3121-15).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapports"
        ordering = ["sitting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "number"], name="report_unique_number")
        ]

    def __str__(self):
        return f"Rapport n°{self.number} — {self.title}"


class GroupVote(models.Model):
    """The votes of one political group on an item (as the seed lists them)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="group_votes")
    group = models.ForeignKey(
        "territory.PoliticalGroup", on_delete=models.PROTECT, related_name="+"
    )
    votes_for = models.PositiveSmallIntegerField("pour", default=0)
    votes_against = models.PositiveSmallIntegerField("contre", default=0)
    abstentions = models.PositiveSmallIntegerField("abstention", default=0)
    not_voting = models.PositiveSmallIntegerField("ne prend pas part au vote", default=0)

    class Meta:
        verbose_name = "vote d'un groupe"
        verbose_name_plural = "votes des groupes"
        ordering = ["report", "group__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "group"], name="group_vote_unique")
        ]

    def __str__(self):
        return f"{self.group} : {self.votes_for} pour, {self.votes_against} contre"


class Ballot(models.Model):
    """A member's vote in a public roll-call (A7), cast in person or by the proxy's holder."""

    class Choice(models.TextChoices):
        FOR = "for", "Pour"
        AGAINST = "against", "Contre"
        ABSTENTION = "abstention", "Abstention"
        NOT_VOTING = "not_voting", "Ne prend pas part au vote"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField("vote", max_length=10, choices=Choice.choices)
    by_proxy = models.BooleanField("par pouvoir", default=False)

    class Meta:
        verbose_name = "vote nominatif"
        verbose_name_plural = "votes nominatifs"
        ordering = ["report", "member__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "member"], name="ballot_unique_member")
        ]

    def __str__(self):
        return f"{self.member} : {self.get_choice_display()}"


class CommissionOpinion(models.Model):
    class Opinion(models.TextChoices):
        FAVOURABLE = "favourable", "favorable"
        UNFAVOURABLE = "unfavourable", "défavorable"
        RESERVED = "reserved", "réservé"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="opinions")
    commission = models.ForeignKey(
        ThematicCommission, on_delete=models.PROTECT, related_name="opinions"
    )
    position = models.PositiveSmallIntegerField("ordre des visas")
    met_on = models.DateField("réunion du")
    opinion = models.CharField("avis", max_length=12, choices=Opinion.choices)
    remark = models.TextField("observation", blank=True)

    class Meta:
        verbose_name = "avis de commission"
        verbose_name_plural = "avis de commission"
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "commission"], name="opinion_unique")
        ]

    def __str__(self):
        return f"Avis {self.get_opinion_display()} — {self.commission}"


class Deliberation(models.Model):
    """A numbered deliberation (YYYY-NNN). Once adopted, it never changes: a correction is a new
    deliberation that refers to it. Its publicity goes through two declared workflows
    (assembly/workflows.py), each with its history rows: its publication online, and its
    transmission to the préfet then the acknowledgement."""

    class Publication(models.TextChoices):
        UNPUBLISHED = "unpublished", "Non publiée"
        PUBLISHED = "published", "Mise en ligne"

    class Transmission(models.TextChoices):
        NOT_SENT = "not_sent", "Non transmise"
        SENT = "sent", "Transmise au préfet"
        ACKNOWLEDGED = "acknowledged", "Accusé de réception reçu"
        # The préfecture's AnomalieActe: the act was not received; corrected, it is sent again.
        ANOMALY = "anomaly", "Anomalie signalée par la préfecture"

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="deliberation")
    year = models.PositiveSmallIntegerField("année")
    sequence = models.PositiveSmallIntegerField("numéro d'ordre")
    adopted = models.BooleanField("adoptée")
    votes_for = models.PositiveSmallIntegerField("pour")
    votes_against = models.PositiveSmallIntegerField("contre")
    abstentions = models.PositiveSmallIntegerField("abstention")
    not_voting = models.PositiveSmallIntegerField("ne prend pas part au vote", default=0)
    casting_vote = models.BooleanField("voix prépondérante du président", default=False)
    groups_for = models.JSONField("groupes pour", default=list)
    groups_against = models.JSONField("groupes contre", default=list)
    groups_abstaining = models.JSONField("groupes abstention", default=list)
    vote_mode = models.CharField("mode de vote", max_length=10, default="groups")
    document = models.ForeignKey(
        "documents.Document",
        verbose_name="délibération (PDF)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_document = models.ForeignKey(
        "documents.Document",
        verbose_name="rapport (PDF)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_document = models.ForeignKey(
        "documents.Document",
        verbose_name="délibération publiée (PDF horodaté)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    decided_at = models.DateTimeField("adoptée le", auto_now_add=True)
    # Publication and transmission (CGCT L3131-1, R3131-2; @CTES).
    publication_state = models.CharField(
        "publication", max_length=16, choices=Publication.choices, default=Publication.UNPUBLISHED
    )
    transmission_state = models.CharField(
        "transmission au préfet",
        max_length=16,
        choices=Transmission.choices,
        default=Transmission.NOT_SENT,
    )
    published_on = models.DateField("mise en ligne le", null=True, blank=True)
    transmitted_on = models.DateField("transmise au préfet le", null=True, blank=True)
    actes_id = models.CharField("identifiant @CTES", max_length=80, blank=True)
    acknowledged_on = models.DateField("accusé de réception du préfet le", null=True, blank=True)
    publication_is_demo = models.BooleanField(
        "dates de publication de démonstration",
        default=False,
        help_text="Le texte source ne donne pas ces dates : elles sont plausibles.",
    )
    subject_code = models.CharField(
        "matière (nomenclature @CTES)",
        max_length=classification.MAX_LENGTH,
        default="7.5",
        validators=[classification.validate],
        help_text="Deux à cinq niveaux, séparés par des points (7.5 : subventions ; 5.7 : "
        "intercommunalité ; 8.x : domaines de compétences ; 7.10.2 : une subdivision de la "
        "préfecture).",
    )
    # A13: the last anomaly the préfecture reported on its transmission (AnomalieActe).
    anomaly_on = models.DateField("anomalie signalée le", null=True, blank=True)
    anomaly_nature = models.CharField("nature de l'anomalie (code @CTES)", max_length=3, blank=True)
    anomaly_detail = models.TextField("détail de l'anomalie", blank=True)

    class Meta:
        verbose_name = "délibération"
        verbose_name_plural = "délibérations"
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="deliberation_unique_number")
        ]

    def __str__(self):
        return f"Délibération n°{self.number}"

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:03d}"

    @property
    def online_until(self):
        """A12: kept online at least two months after it was put online."""
        if not self.published_on:
            return None
        return add_months(self.published_on, 2)

    @property
    def enforceable_on(self):
        """A11: enforceable once published and received by the préfet (the later date)."""
        if self.published_on and self.acknowledged_on:
            return max(self.published_on, self.acknowledged_on)
        return None


class DeliberationEvent(HistoryRow):
    """A step of a deliberation's publicity: put online, sent to the préfet, acknowledged."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape de la publicité d'une délibération"
        verbose_name_plural = "étapes de la publicité des délibérations"

    def __str__(self):
        return f"{self.transition} — {self.deliberation}"


class DeliberationCounter(models.Model):
    """The last number given each year; locked while a number is drawn."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de délibérations"

    def __str__(self):
        return f"{self.year} : {self.last}"


class Convocation(models.Model):
    """A councillor's convocation to a sitting (CGCT L3121-10, L3121-19): by e-mail at the
    address he asked for (a link in it records that he received it), or by post. Whether it
    went out, and when, is the outbox's (`OutgoingMail`): the legal notice runs from the real
    sending, not from the clerk's click."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Courriel"
        POST = "post", "Courrier postal"

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="convocations")
    councillor = models.ForeignKey(
        "territory.Councillor", on_delete=models.PROTECT, related_name="convocations"
    )
    channel = models.CharField("envoi", max_length=5, choices=Channel.choices)
    address = models.EmailField("adresse", blank=True)
    agenda = models.JSONField(
        "rapports joints", default=list, help_text="Les rapports à l'ordre du jour à l'envoi."
    )
    delivered = models.JSONField(
        "rapports déjà remis",
        default=dict,
        blank=True,
        help_text="Pour les rapports remis par un envoi antérieur à un complément d'ordre du "
        "jour : la date de cet envoi, par rapport.",
    )
    mail = models.ForeignKey(
        "core.OutgoingMail",
        verbose_name="courriel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    digest = models.CharField("empreinte du lien", max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField("décidée le", auto_now_add=True)
    posted_on = models.DateField("remise à la poste le", null=True, blank=True)
    acknowledged_at = models.DateTimeField("reçue par l'élu le", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "convocation"
        verbose_name_plural = "convocations"
        ordering = ["sitting", "councillor__last_name", "councillor__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "councillor"], name="convocation_unique_councillor"
            )
        ]
        indexes = [models.Index(fields=["digest"])]

    def __str__(self):
        return f"Convocation de {self.councillor} — {self.sitting}"

    @property
    def sent_at(self):
        """When it went out: the mail's sending, or the day it was posted."""
        if self.channel == self.Channel.POST:
            return self.posted_on
        return self.mail.sent_at if self.mail else None

    @property
    def sent_on(self):
        from django.utils import timezone

        sent = self.sent_at
        if sent is None or self.channel == self.Channel.POST:
            return sent
        return timezone.localdate(sent)

    @property
    def failed(self) -> bool:
        return bool(self.mail and self.mail.sent_at is None and self.mail.attempts)

    def report_sent_on(self, report_id: int):
        """When the report reached this councillor: with an earlier sending, or this one."""
        import datetime

        earlier = self.delivered.get(str(report_id))
        if earlier:
            return datetime.date.fromisoformat(earlier)
        return self.sent_on if report_id in self.agenda else None

    @property
    def status(self) -> str:
        if self.acknowledged_at:
            return "reçue"
        if self.channel == self.Channel.POST:
            return "envoyée par courrier"
        if self.mail is None:
            return "à envoyer"
        if self.mail.sent_at:
            return "envoyée"
        if self.mail.abandoned_at:
            return "non remise"
        return "en échec, nouvel essai prévu" if self.mail.attempts else "en cours d'envoi"


class OnlineProxy(models.Model):
    """A proxy a councillor gives from his space before the sitting (CGCT L3121-16): to
    another member, who holds no more than the law allows. The clerk records it on the roll
    call (it becomes a `Proxy`); until then the giver may withdraw it."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="online_proxies")
    giver = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="online_proxies_given"
    )
    holder = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="online_proxies_received"
    )
    given_at = models.DateTimeField("donné le", auto_now_add=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    proxy = models.OneToOneField(
        Proxy,
        verbose_name="pouvoir enregistré",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="online",
    )
    is_demo = models.BooleanField("donnée de démonstration", default=False)

    class Meta:
        verbose_name = "pouvoir donné en ligne"
        verbose_name_plural = "pouvoirs donnés en ligne"
        ordering = ["sitting", "given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["giver"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="online_proxy_one_per_giver",
            )
        ]

    def __str__(self):
        return f"{self.giver} → {self.holder} (en ligne)"


class ActesSending(models.Model):
    """A sending of a deliberation to the préfet through the @CTES connector (A13), recorded by
    the clerk's request and carried out by the background worker (`services.transmission`): its
    status follows from its dates, like the outbox's mails. While `sent_at` is empty the sending
    is tried again (`next_attempt_at`, claimed until `claimed_until`); once sent, the connector
    is asked for the préfecture's answer (`next_poll_at`) until an acknowledgement or an anomaly
    closes it. One open sending per deliberation at most."""

    class Outcome(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", "Accusé de réception reçu"
        ANOMALY = "anomaly", "Anomalie signalée par la préfecture"

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.CASCADE, related_name="actes_sendings"
    )
    connector = models.CharField("connecteur", max_length=10)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    message = models.TextField("message Acte (XML)")
    attempts = models.PositiveSmallIntegerField("essais d'envoi", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", default=timezone.now)
    claimed_until = models.DateTimeField("en cours jusqu'au", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    sent_at = models.DateTimeField("remis au connecteur le", null=True, blank=True)
    remote_id = models.CharField("référence chez le connecteur", max_length=255, blank=True)
    abandoned_at = models.DateTimeField("abandonné le", null=True, blank=True)
    polls = models.PositiveIntegerField("interrogations", default=0)
    next_poll_at = models.DateTimeField("prochaine interrogation", null=True, blank=True)
    closed_at = models.DateTimeField("réponse reçue le", null=True, blank=True)
    outcome = models.CharField("réponse", max_length=16, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = "envoi au préfet"
        verbose_name_plural = "envois au préfet"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation"],
                condition=models.Q(closed_at__isnull=True, abandoned_at__isnull=True),
                name="actes_sending_one_open",
            )
        ]
        indexes = [models.Index(fields=["closed_at", "abandoned_at", "sent_at"])]

    def __str__(self):
        return f"Envoi au préfet — {self.deliberation}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.abandoned_at is None


class SittingEvent(HistoryRow):
    """A step of a sitting's minutes: adopted at a following sitting, signed, published."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryRow.Meta):
        verbose_name = "étape du procès-verbal d'une séance"
        verbose_name_plural = "étapes des procès-verbaux des séances"

    def __str__(self):
        return f"{self.transition} — {self.sitting}"
