"""Imports of a past generation's operations, and what each imported operation keeps of its
source line (the facts that Pacte's workflow records elsewhere for live operations)."""

from django.conf import settings
from django.db import models

from pacte.core.models import SupervisedWork

from .columns import error_text


class HistoryImport(SupervisedWork):
    """One file of a past generation's operations, checked row by row, then written at once.

    Its state is derived from its timestamps (like a batch of documents): nothing but the
    import itself writes them. Its run is supervised (`SupervisedWork`): an import whose worker
    died is seen as interrupted — nothing of it was written, the writing being one transaction —
    and is started again from its stored file.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "En attente"
        CHECKING = "checking", "Vérification en cours"
        WRITING = "writing", "Enregistrement en cours"
        INTERRUPTED = "interrupted", "Interrompu : rien n'a été enregistré"
        REFUSED = "refused", "Refusé : rien n'a été enregistré"
        DONE = "done", "Importé"

    generation = models.ForeignKey(
        "contracts.Generation",
        verbose_name="génération",
        on_delete=models.PROTECT,
        related_name="history_imports",
    )
    source = models.FileField("fichier", upload_to="pilotage/historique/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size = models.PositiveIntegerField("taille (octets)")
    is_demo = models.BooleanField("donnée de démonstration", default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    checked_at = models.DateTimeField("vérifié le", null=True, blank=True)
    total_rows = models.PositiveIntegerField("lignes à vérifier", default=0)
    checked_rows = models.PositiveIntegerField("lignes vérifiées", default=0)
    error_count = models.PositiveIntegerField("erreurs", default=0)
    errors = models.JSONField(
        "erreurs relevées", default=list, help_text="Les premières, avec ligne et colonne."
    )
    created_operations = models.PositiveIntegerField("opérations créées", default=0)
    created_partners = models.PositiveIntegerField("partenaires créés", default=0)
    created_contracts = models.PositiveIntegerField("contrats créés", default=0)
    completed_sirets = models.PositiveIntegerField("SIRET de partenaires complétés", default=0)

    class Meta:
        verbose_name = "import de l'historique"
        verbose_name_plural = "imports de l'historique"
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Import « {self.original_name} » — {self.generation}"

    @property
    def state(self) -> str:
        if self.finished_at:
            return self.State.REFUSED if self.error_count else self.State.DONE
        if self.is_interrupted:
            return self.State.INTERRUPTED
        if self.checked_at:
            return self.State.WRITING
        return self.State.CHECKING if self.started_at else self.State.QUEUED

    def get_state_display(self) -> str:
        return self.State(self.state).label

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        """Share of the rows checked; the writing step, done at once, shows 100 %."""
        if self.finished_at or (self.checked_at and not self.is_interrupted):
            return 100
        return round(100 * self.checked_rows / self.total_rows) if self.total_rows else 0

    @property
    def error_texts(self) -> list[str]:
        return [error_text(e) for e in self.errors]


class ImportedOperation(models.Model):
    """What an operation imported from a past generation keeps of its source line."""

    operation = models.OneToOneField(
        "operations.Operation",
        verbose_name="opération",
        on_delete=models.CASCADE,
        related_name="history_record",
    )
    history_import = models.ForeignKey(
        HistoryImport,
        verbose_name="import",
        on_delete=models.PROTECT,
        related_name="records",
    )
    line = models.PositiveIntegerField("ligne du fichier")
    deliberation_number = models.CharField("délibération (numéro)", max_length=20, blank=True)
    agreement_signed_on = models.DateField("convention signée le", null=True, blank=True)
    works_completed_on = models.DateField("travaux achevés le", null=True, blank=True)
    source = models.JSONField("ligne d'origine", default=dict)

    class Meta:
        verbose_name = "opération reprise de l'historique"
        verbose_name_plural = "opérations reprises de l'historique"
        ordering = ["history_import", "line"]

    def __str__(self):
        return f"{self.operation} (ligne {self.line})"
