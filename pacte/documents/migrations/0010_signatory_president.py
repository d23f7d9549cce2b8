import re

from django.db import migrations, models

# The qualities that name the office itself (« Président du Conseil départemental »,
# « Présidente du Conseil départemental du Pas-de-Calais »), not a vice-presidency or the
# presidency of a commission.
OFFICE = re.compile(r"^présidente? du conseil départemental\b", re.IGNORECASE)


def mark_the_presidents(apps, schema_editor):
    """A right of the Département without delegation was recorded for the Président: it is
    marked as such when its quality names the office; any other is no longer a right to sign
    for the Département without an arrêté (an administrator records it again, with one)."""
    Signatory = apps.get_model("documents", "Signatory")
    for right in Signatory.objects.filter(side="department", delegation=""):
        if OFFICE.match(right.quality.strip()):
            right.is_president = True
            right.save(update_fields=["is_president"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0009_signatory_max_amount"),
    ]

    operations = [
        migrations.AddField(
            model_name="signatory",
            name="is_president",
            field=models.BooleanField(
                default=False,
                help_text="Titulaire de la fonction : signe pour le Département en vertu de "
                "celle-ci, sans arrêté de délégation. Un seul droit de Président en cours à la "
                "fois.",
                verbose_name="Président(e) du Conseil départemental",
            ),
        ),
        migrations.RunPython(mark_the_presidents, migrations.RunPython.noop),
    ]
