"""The six thematic commissions of the assembly, as deliberation 2022-317 names them; an
editable referential afterwards (admin)."""

from django.db import migrations

COMMISSIONS = [
    (1, "Attractivité départementale et emploi"),
    (2, "Solidarités humaines"),
    (3, "Education, culture, sport et citoyenneté"),
    (4, "Equipement et développement des territoires"),
    (5, "Solidarité territoriale et partenariats"),
    (6, "Finances et Service Public Départemental"),
]


def create(apps, schema_editor):
    commission = apps.get_model("assembly", "ThematicCommission")
    for number, name in COMMISSIONS:
        commission.objects.get_or_create(number=number, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("assembly", "0004_sitting_pages")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
