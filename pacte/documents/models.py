"""Generated documents: each version stored with its template version, the data it was made
from, its hash, who generated it and when. Signing never overwrites: each signature adds a
new file, and a signed document is frozen (a change is a new version)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from pacte.core.models import SupervisedWork
from pacte.core.money import MoneyField


class Document(models.Model):
    class Kind(models.TextChoices):
        SHEET = "sheet", "Fiche détaillée"
        AGREEMENT = "agreement", "Convention"
        AGREEMENT_DOCX = "agreement_docx", "Convention (DOCX modifiable)"
        DELIBERATION = "deliberation", "Délibération"
        REPORT = "report", "Rapport à l'assemblée"
        PUBLISHED_DELIBERATION = "published", "Délibération publiée"
        MINUTES = "minutes", "Procès-verbal de séance"

    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    operation = models.ForeignKey(
        "operations.Operation",
        verbose_name="opération",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    version = models.PositiveSmallIntegerField("version")
    template_name = models.CharField("modèle", max_length=100)
    template_sha256 = models.CharField("empreinte du modèle", max_length=64)
    data = models.JSONField("données")
    file = models.FileField("fichier", upload_to="documents/%Y/%m/")
    content_type = models.CharField(max_length=100, default="application/pdf")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField("généré le", auto_now_add=True)
    frozen = models.BooleanField(
        "figé",
        default=False,
        editable=False,
        help_text="Un document dont la signature a commencé ne change plus.",
    )
    signature_fields = models.JSONField(
        "emplacements des signatures",
        default=list,
        blank=True,
        editable=False,
        help_text="Où chaque signature apparaît : signataire, page, position et taille en "
        "points depuis le coin supérieur gauche de la page.",
    )

    # Set on the documents that `selectors.document_list` returns, for the reader at hand.
    next_step: "SignatureStep | None"
    can_prepare_signature: bool
    # Why its signature cannot open yet (a side without a signatory), said before the button.
    missing_signatories: str
    can_sign: bool

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "kind", "version"], name="document_unique_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def is_feminine(self) -> bool:
        """« La convention générée », « le rapport généré »."""
        return self.kind not in {self.Kind.REPORT, self.Kind.MINUTES}

    @property
    def slug(self) -> str:
        """The nature as file names say it, in French."""
        return FILE_NAMES[self.Kind(self.kind)]

    @property
    def filename(self) -> str:
        extension = "docx" if self.kind == self.Kind.AGREEMENT_DOCX else "pdf"
        if self.operation_id:
            reference = self.operation.reference
        else:
            reference = (self.data or {}).get("reference") or "document"
        return f"{reference}-{self.slug}-v{self.version}.{extension}"


FILE_NAMES = {
    Document.Kind.SHEET: "fiche-detaillee",
    Document.Kind.AGREEMENT: "convention",
    Document.Kind.AGREEMENT_DOCX: "convention-modifiable",
    Document.Kind.DELIBERATION: "deliberation",
    Document.Kind.REPORT: "rapport",
    Document.Kind.PUBLISHED_DELIBERATION: "deliberation-publiee",
    Document.Kind.MINUTES: "proces-verbal",
}


class Signatory(models.Model):
    """Who signs for a party, and by what right: for the Département, its Président or a
    delegate named by an arrêté of delegation (with its dates and scope); for a partner, its
    legal representative. Agents prepare and route the documents; they sign only if they hold
    such a right. Recorded by the administrators."""

    class Side(models.TextChoices):
        DEPARTMENT = "department", "Le Département"
        PARTNER = "partner", "Le partenaire"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.PROTECT,
        related_name="signing_rights",
    )
    side = models.CharField("signe pour", max_length=12, choices=Side.choices)
    partner = models.ForeignKey(
        "contracts.Partner",
        verbose_name="partenaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatories",
        help_text="Pour un signataire du partenaire.",
    )
    is_president = models.BooleanField(
        "Président(e) du Conseil départemental",
        default=False,
        help_text="Titulaire de la fonction : signe pour le Département en vertu de celle-ci, "
        "sans arrêté de délégation. Un seul droit de Président en cours à la fois.",
    )
    name = models.CharField("nom tel qu'il signe", max_length=150)
    quality = models.CharField(
        "qualité", max_length=150, help_text="« Président du Conseil départemental », « Maire »…"
    )
    delegation = models.CharField(
        "délégation de signature",
        max_length=200,
        blank=True,
        help_text="L'arrêté qui délègue la signature (« arrêté n°2021-145 du 5 juillet 2021 ») ; "
        "vide pour le Président et pour le représentant légal d'un partenaire.",
    )
    starts_on = models.DateField("à partir du")
    ends_on = models.DateField("jusqu'au", null=True, blank=True)
    revoked_at = models.DateTimeField(
        "révoqué le",
        null=True,
        blank=True,
        help_text="Un droit révoqué (départ, clé perdue ou compromise…) ne signe plus à partir "
        "de ce moment, et le certificat que Pacte lui a délivré est inscrit dans la liste de "
        "révocation de l'autorité : une signature postérieure est dite faite après révocation.",
    )

    class Scope(models.TextChoices):
        """What a right signs in Pacte: only what Pacte has signed so far."""

        FIT_AGREEMENTS = (
            "fit_agreements",
            "Conventions de subvention du Fonds d'Innovation Territorial",
        )

    scope = models.CharField(
        "objet",
        max_length=40,
        choices=Scope.choices,
        default=Scope.FIT_AGREEMENTS,
        help_text="Ce que ce droit permet de signer dans Pacte.",
    )
    max_amount = MoneyField(
        "subvention au plus (€)",
        null=True,
        blank=True,
        help_text="Pour une délégation limitée aux conventions dont la subvention votée ne "
        "dépasse pas ce montant ; vide : sans limite de montant.",
    )

    class Meta:
        verbose_name = "signataire"
        verbose_name_plural = "signataires"
        ordering = ["side", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                name="signatory_partner_iff_partner_side",
                condition=(models.Q(side="partner") & models.Q(partner__isnull=False))
                | (~models.Q(side="partner") & models.Q(partner__isnull=True)),
            ),
            models.CheckConstraint(
                name="signatory_scope_known",
                condition=models.Q(scope__in=["fit_agreements"]),
            ),
            models.CheckConstraint(
                name="signatory_ends_after_it_starts",
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.quality}"

    @property
    def revocation(self) -> datetime.datetime | None:
        """From when the right no longer signs, and its certificate is revoked: the time an
        administrator revoked it, or the end of its last day (Paris time); None while it
        stands."""
        moments = []
        if self.revoked_at is not None:
            moments.append(self.revoked_at)
        if self.ends_on is not None:
            end = datetime.datetime.combine(
                self.ends_on + datetime.timedelta(days=1), datetime.time()
            )
            moments.append(timezone.make_aware(end))
        return min(moments) if moments else None

    @property
    def signs_as(self) -> str:
        """« M. Jean-Claude LEROY, Président du Conseil départemental » (and the arrêté)."""
        return f"{self.name}, {self.capacity}"

    @property
    def capacity(self) -> str:
        """The quality in which one signs: « Directrice générale adjointe des services, par
        délégation (arrêté n°…) »."""
        if self.delegation:
            return f"{self.quality}, par délégation ({self.delegation})"
        return self.quality

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.side == self.Side.PARTNER:
            if self.partner_id is None:
                raise ValidationError({"partner": "Indiquez le partenaire représenté."})
            if self.user.partner_id != self.partner_id:
                raise ValidationError(
                    {"user": "Le signataire d'un partenaire est l'un de ses utilisateurs."}
                )
        elif self.partner_id is not None:
            raise ValidationError(
                {"partner": "Un signataire du Département ne représente pas de partenaire."}
            )
        elif self.user.partner_id is not None:
            raise ValidationError(
                {"user": "Un utilisateur d'un partenaire ne signe pas pour le Département."}
            )
        if self.max_amount is not None and not self.delegation.strip():
            raise ValidationError(
                {
                    "max_amount": "Une limite de montant est celle d'une délégation : "
                    "indiquez l'arrêté qui la fixe, ou laissez le montant vide."
                }
            )
        if self.is_president:
            self._clean_president()
        elif self.side == self.Side.DEPARTMENT and not self.delegation.strip():
            # The quality is free text (« Vice-président chargé des finances »…): only the
            # field says who holds the office.
            raise ValidationError(
                {
                    "delegation": "Sans arrêté de délégation, seul le Président du Conseil "
                    "départemental signe pour le Département : indiquez l'arrêté qui délègue "
                    "la signature, ou cochez « Président(e) du Conseil départemental » pour le "
                    "titulaire de la fonction."
                }
            )
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "La fin précède le début."})

    def _clean_president(self) -> None:
        from django.core.exceptions import ValidationError

        if self.side != self.Side.DEPARTMENT:
            raise ValidationError(
                {"is_president": "Le Président du Conseil départemental signe pour le Département."}
            )
        if self.delegation.strip():
            raise ValidationError(
                {
                    "delegation": "Le Président signe en vertu de sa fonction : pas d'arrêté de "
                    "délégation pour lui."
                }
            )
        if self.starts_on is None:
            return
        overlapping = Signatory.objects.filter(is_president=True).exclude(pk=self.pk)
        overlapping = overlapping.filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=self.starts_on)
        )
        if self.ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=self.ends_on)
        other = overlapping.order_by("starts_on").first()
        if other is not None:
            until = f" jusqu'au {other.ends_on:%d/%m/%Y}" if other.ends_on else ""
            raise ValidationError(
                {
                    "is_president": f"Un seul Président à la fois : {other.name} l'est déjà "
                    f"à partir du {other.starts_on:%d/%m/%Y}{until}. Terminez d'abord ce "
                    "droit (« jusqu'au »)."
                }
            )


class SigningCertificate(models.Model):
    """A certificate that Pacte's signing authority issued for a right to sign, recorded when
    it signs: once the right ends or is revoked, its serial number goes on the authority's
    revocation list."""

    signatory = models.ForeignKey(
        Signatory,
        verbose_name="signataire",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    serial = models.CharField("numéro de série", max_length=64, unique=True)
    not_after = models.DateTimeField("valide jusqu'au")
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "certificat de signature"
        verbose_name_plural = "certificats de signature"
        ordering = ["signatory", "-not_after"]

    def __str__(self) -> str:
        return f"{self.signatory.name} — n°{self.serial}"


def revoked_certificates(
    now: datetime.datetime | None = None,
) -> list[tuple[int, datetime.datetime]]:
    """The certificates Pacte issued whose right has ended or been revoked by `now`, with the
    moment of their revocation: the entries of the authority's revocation list."""
    now = now or timezone.now()
    rights = Signatory.objects.filter(
        models.Q(revoked_at__lte=now) | models.Q(ends_on__lt=timezone.localdate(now))
    )
    entries = []
    for certificate in SigningCertificate.objects.filter(signatory__in=rights).select_related(
        "signatory"
    ):
        revoked = certificate.signatory.revocation
        if revoked is not None and revoked <= now:
            entries.append((int(certificate.serial), revoked))
    return entries


class SignatureStep(models.Model):
    """One signature in the order the agent set. Once signed, it keeps the signed file."""

    class Signer(models.TextChoices):
        DEPARTMENT = "department", "Le Département"
        PARTNER = "partner", "Le partenaire"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures")
    order = models.PositiveSmallIntegerField("ordre")
    signer = models.CharField("signataire", max_length=12, choices=Signer.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField("signé le", null=True, blank=True)
    signed_as = models.CharField(
        "signé en qualité de", max_length=400, blank=True, help_text="Nom, qualité, délégation."
    )
    file = models.FileField("fichier signé", upload_to="documents/signed/%Y/%m/", blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "signature"
        verbose_name_plural = "signatures"
        ordering = ["document", "order"]
        constraints = [
            models.UniqueConstraint(fields=["document", "order"], name="signature_unique_order"),
            models.UniqueConstraint(fields=["document", "signer"], name="signature_unique_signer"),
        ]

    def __str__(self):
        return f"{self.get_signer_display()} ({self.order})"

    @property
    def done(self) -> bool:
        return self.signed_at is not None


class DocumentBatch(SupervisedWork):
    """Documents generated in the background, with their progress, failures and archive.

    Its run is supervised (`SupervisedWork`): a batch whose worker died is seen as interrupted
    and can be started again; the new run generates only the documents that the batch does not
    hold yet (`processed_ids`: each operation's document, or its failure, is recorded in the
    transaction that makes it)."""

    class State(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        INTERRUPTED = "interrupted", "Interrompu"
        DONE = "done", "Terminé"

    kind = models.CharField("nature", max_length=20, choices=Document.Kind.choices)
    label = models.CharField("intitulé", max_length=255)
    operation_ids = models.JSONField("opérations")
    total = models.PositiveIntegerField("nombre de documents")
    done = models.PositiveIntegerField("générés", default=0)
    failures = models.JSONField("échecs", default=list)
    skipped = models.JSONField(
        "laissés tels quels",
        default=list,
        help_text="Opérations dont le document n'est pas régénéré (sa signature a commencé).",
    )
    processed_ids = models.JSONField(
        "opérations traitées", default=list, help_text="Leur document est produit, ou a échoué."
    )
    document_ids = models.JSONField("documents produits", default=list)
    archive = models.FileField("archive", upload_to="documents/batches/", blank=True)
    archive_sha256 = models.CharField(
        "empreinte SHA-256 de l'archive", max_length=64, blank=True, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)

    class Meta:
        verbose_name = "lot de documents"
        verbose_name_plural = "lots de documents"
        ordering = ["-requested_at"]

    def __str__(self):
        return self.label

    @property
    def state(self) -> str:
        """Derived from the timestamps: queued, running, interrupted, done."""
        if self.finished_at:
            return self.State.DONE
        if self.is_interrupted:
            return self.State.INTERRUPTED
        return self.State.RUNNING if self.started_at else self.State.QUEUED

    def get_state_display(self) -> str:
        return self.State(self.state).label

    @property
    def percent(self) -> int:
        processed = self.done + len(self.failures) + len(self.skipped)
        return round(100 * processed / self.total) if self.total else 100
