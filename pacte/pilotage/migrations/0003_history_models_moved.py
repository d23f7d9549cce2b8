"""The history import's models now belong to the history app (history 0001 takes them over with
their tables): they leave pilotage's state, and nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pilotage", "0002_cache_table"),
        ("history", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportedOperation"),
                migrations.DeleteModel(name="HistoryImport"),
            ],
            database_operations=[],
        ),
    ]
