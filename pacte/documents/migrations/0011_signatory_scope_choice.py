from django.conf import settings
from django.db import migrations, models


def to_what_pacte_signs(apps, schema_editor):
    """The scope was a text Pacte recorded and never read: every right signed the conventions
    of the Fonds d'Innovation Territorial, the only documents Pacte signs. Each becomes that
    choice."""
    Signatory = apps.get_model("documents", "Signatory")
    Signatory.objects.exclude(scope="fit_agreements").update(scope="fit_agreements")


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0005_generation_advance_max_percent_and_more"),
        ("documents", "0010_signatory_president"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(to_what_pacte_signs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="signatory",
            name="scope",
            field=models.CharField(
                choices=[
                    (
                        "fit_agreements",
                        "Conventions de subvention du Fonds d'Innovation Territorial",
                    )
                ],
                default="fit_agreements",
                help_text="Ce que ce droit permet de signer dans Pacte.",
                max_length=40,
                verbose_name="objet",
            ),
        ),
        migrations.AddConstraint(
            model_name="signatory",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["fit_agreements"])),
                name="signatory_scope_known",
            ),
        ),
    ]
