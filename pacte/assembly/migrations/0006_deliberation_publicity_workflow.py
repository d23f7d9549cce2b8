import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def states_from_dates(apps, schema_editor):
    """The publicity already recorded (dates) gives the workflows' states."""
    Deliberation = apps.get_model("assembly", "Deliberation")
    Deliberation.objects.filter(published_on__isnull=False).update(publication_state="published")
    Deliberation.objects.filter(transmitted_on__isnull=False).update(transmission_state="sent")
    Deliberation.objects.filter(transmitted_on__isnull=False, acknowledged_on__isnull=False).update(
        transmission_state="acknowledged"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assembly", "0005_thematic_commissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deliberation",
            name="publication_state",
            field=models.CharField(
                choices=[("unpublished", "Non publiée"), ("published", "Mise en ligne")],
                default="unpublished",
                max_length=16,
                verbose_name="publication",
            ),
        ),
        migrations.AddField(
            model_name="deliberation",
            name="transmission_state",
            field=models.CharField(
                choices=[
                    ("not_sent", "Non transmise"),
                    ("sent", "Transmise au préfet"),
                    ("acknowledged", "Accusé de réception reçu"),
                ],
                default="not_sent",
                max_length=16,
                verbose_name="transmission au préfet",
            ),
        ),
        migrations.CreateModel(
            name="DeliberationEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="date")),
                ("transition", models.CharField(max_length=32, verbose_name="action")),
                ("from_state", models.CharField(max_length=32, verbose_name="état de départ")),
                ("to_state", models.CharField(max_length=32, verbose_name="état d'arrivée")),
                ("reason", models.TextField(blank=True, verbose_name="motif")),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="auteur",
                    ),
                ),
                (
                    "deliberation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="assembly.deliberation",
                    ),
                ),
            ],
            options={
                "verbose_name": "étape de la publicité d'une délibération",
                "verbose_name_plural": "étapes de la publicité des délibérations",
                "ordering": ["at", "id"],
                "abstract": False,
            },
        ),
        migrations.RunPython(states_from_dates, migrations.RunPython.noop),
    ]
