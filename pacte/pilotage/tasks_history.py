"""The import of a past generation's history, run in the background by `manage.py db_worker`."""

from django_tasks import task


@task()
def run_history_import(import_id: int) -> int:
    from .history import history_import_run

    return history_import_run(import_id).created_operations
