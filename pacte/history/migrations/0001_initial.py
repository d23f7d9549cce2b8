"""The history import's models, moved from pilotage: their tables stay as they are (this
migration changes nothing in the database) until 0002 gives them the history app's names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contracts", "0005_generation_advance_max_percent_and_more"),
        ("operations", "0004_requested_fund_amount"),
        ("pilotage", "0002_cache_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoryImport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "source",
                            models.FileField(
                                upload_to="pilotage/historique/%Y/%m/", verbose_name="fichier"
                            ),
                        ),
                        (
                            "original_name",
                            models.CharField(max_length=255, verbose_name="nom du fichier"),
                        ),
                        (
                            "sha256",
                            models.CharField(max_length=64, verbose_name="empreinte SHA-256"),
                        ),
                        ("size", models.PositiveIntegerField(verbose_name="taille (octets)")),
                        (
                            "is_demo",
                            models.BooleanField(
                                default=False, verbose_name="donnée de démonstration"
                            ),
                        ),
                        (
                            "requested_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="demandé le"),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="commencé le"),
                        ),
                        (
                            "checked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="vérifié le"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="terminé le"),
                        ),
                        (
                            "total_rows",
                            models.PositiveIntegerField(
                                default=0, verbose_name="lignes à vérifier"
                            ),
                        ),
                        (
                            "checked_rows",
                            models.PositiveIntegerField(default=0, verbose_name="lignes vérifiées"),
                        ),
                        (
                            "error_count",
                            models.PositiveIntegerField(default=0, verbose_name="erreurs"),
                        ),
                        (
                            "errors",
                            models.JSONField(
                                default=list,
                                help_text="Les premières, avec ligne et colonne.",
                                verbose_name="erreurs relevées",
                            ),
                        ),
                        (
                            "created_operations",
                            models.PositiveIntegerField(
                                default=0, verbose_name="opérations créées"
                            ),
                        ),
                        (
                            "created_partners",
                            models.PositiveIntegerField(
                                default=0, verbose_name="partenaires créés"
                            ),
                        ),
                        (
                            "created_contracts",
                            models.PositiveIntegerField(default=0, verbose_name="contrats créés"),
                        ),
                        (
                            "completed_sirets",
                            models.PositiveIntegerField(
                                default=0, verbose_name="SIRET de partenaires complétés"
                            ),
                        ),
                        (
                            "generation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="history_imports",
                                to="contracts.generation",
                                verbose_name="génération",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="demandé par",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "import de l'historique",
                        "verbose_name_plural": "imports de l'historique",
                        "ordering": ["-requested_at", "-id"],
                        "db_table": "pilotage_historyimport",
                    },
                ),
                migrations.CreateModel(
                    name="ImportedOperation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("line", models.PositiveIntegerField(verbose_name="ligne du fichier")),
                        (
                            "deliberation_number",
                            models.CharField(
                                blank=True, max_length=20, verbose_name="délibération (numéro)"
                            ),
                        ),
                        (
                            "agreement_signed_on",
                            models.DateField(
                                blank=True, null=True, verbose_name="convention signée le"
                            ),
                        ),
                        (
                            "works_completed_on",
                            models.DateField(
                                blank=True, null=True, verbose_name="travaux achevés le"
                            ),
                        ),
                        ("source", models.JSONField(default=dict, verbose_name="ligne d'origine")),
                        (
                            "history_import",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="records",
                                to="history.historyimport",
                                verbose_name="import",
                            ),
                        ),
                        (
                            "operation",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="history_record",
                                to="operations.operation",
                                verbose_name="opération",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "opération reprise de l'historique",
                        "verbose_name_plural": "opérations reprises de l'historique",
                        "ordering": ["history_import", "line"],
                        "db_table": "pilotage_importedoperation",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
