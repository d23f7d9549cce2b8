"""The history app's own tables: pilotage_historyimport and pilotage_importedoperation become
history_historyimport and history_importedoperation, rows kept. The content types follow, and
the audit rows of the imports name them by their new label, so that an import's journal stays
whole."""

from django.db import migrations

MODELS = ["historyimport", "importedoperation"]


def relabel(apps, schema_editor, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    audit_events = apps.get_model("core", "AuditEvent").objects.using(
        schema_editor.connection.alias
    )
    for model in MODELS:
        if not content_types.filter(app_label=new, model=model).exists():
            content_types.filter(app_label=old, model=model).update(app_label=new)
        audit_events.filter(object_type=f"{old}.{model}").update(object_type=f"{new}.{model}")


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, "pilotage", "history")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, "history", "pilotage")


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0001_initial"),
        ("pilotage", "0003_history_models_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_apitoken_scope_expiry"),
    ]

    operations = [
        migrations.AlterModelTable(name="historyimport", table=None),
        migrations.AlterModelTable(name="importedoperation", table=None),
        migrations.RunPython(forwards, backwards),
    ]
