"""@CTES identifiers as ACTES builds them (A13): the date of the decision, the internal number
with `_` (2022_317), and only once the préfecture has acknowledged the act."""

from django.db import migrations


def rewrite(apps, schema_editor):
    Deliberation = apps.get_model("assembly", "Deliberation")
    for deliberation in Deliberation.objects.exclude(actes_id="").select_related("report__sitting"):
        if deliberation.transmission_state != "acknowledged":
            deliberation.actes_id = ""
        else:
            parts = deliberation.actes_id.split("-")
            department, siren = parts[0], parts[1]
            held_on = deliberation.report.sitting.held_on
            deliberation.actes_id = (
                f"{department}-{siren}-{held_on:%Y%m%d}-"
                f"{deliberation.year}_{deliberation.sequence:03d}-DE"
            )
        deliberation.save(update_fields=["actes_id"])


class Migration(migrations.Migration):
    dependencies = [("assembly", "0008_commission_report_name")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
