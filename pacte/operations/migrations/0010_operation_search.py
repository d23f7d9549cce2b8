"""The operations' search documents and their full-text index: FTS5 kept in step by triggers
on SQLite; on PostgreSQL a stored tsvector column, GIN-indexed (see pacte.operations.search)."""

import django.db.models.deletion
from django.db import migrations, models

from pacte.operations.search import FTS_TABLE, documents

SQLITE = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, content='operations_operationsearch', "
    "content_rowid='operation_id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER operations_search_ai AFTER INSERT ON operations_operationsearch BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.operation_id, new.text); END",
    f"CREATE TRIGGER operations_search_ad AFTER DELETE ON operations_operationsearch BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) "
    "VALUES ('delete', old.operation_id, old.text); END",
    f"CREATE TRIGGER operations_search_au AFTER UPDATE ON operations_operationsearch BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) "
    "VALUES ('delete', old.operation_id, old.text); "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.operation_id, new.text); END",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS operations_search_ai",
    "DROP TRIGGER IF EXISTS operations_search_ad",
    "DROP TRIGGER IF EXISTS operations_search_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
# The words' vector kept beside the text (computed once per write, not per search), indexed.
POSTGRESQL = [
    "ALTER TABLE operations_operationsearch ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX operations_search_vector_gin ON operations_operationsearch USING gin (vector)",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS operations_search_vector_gin",
    "ALTER TABLE operations_operationsearch DROP COLUMN IF EXISTS vector",
]


def create_index(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    for statement in statements or []:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    back = {"sqlite": SQLITE_BACK, "postgresql": POSTGRESQL_BACK}
    for statement in back.get(schema_editor.connection.vendor) or []:
        schema_editor.execute(statement)


def write_documents(apps, schema_editor):
    """The documents of the operations already there, two thousand at a time."""
    Operation = apps.get_model("operations", "Operation")
    OperationSearch = apps.get_model("operations", "OperationSearch")
    last = 0
    while True:
        ids = list(
            Operation.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:2000]
        )
        if not ids:
            return
        last = ids[-1]
        OperationSearch.objects.bulk_create(documents(Operation, OperationSearch, ids))


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0009_follow"),
    ]

    operations = [
        migrations.CreateModel(
            name="OperationSearch",
            fields=[
                (
                    "operation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="operations.operation",
                    ),
                ),
                ("text", models.TextField(verbose_name="mots de la recherche")),
            ],
            options={
                "verbose_name": "document de recherche",
                "verbose_name_plural": "documents de recherche",
            },
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(write_documents, migrations.RunPython.noop),
    ]
