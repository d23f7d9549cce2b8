"""The import of a past generation's history, run in the background by `manage.py pacte_worker`
(each run supervised: see `services.history_import_run`)."""

from django_tasks import task

# `services` enqueues this task and this task runs `services`: each imports the other as a
# module (not its names), so that either may be imported first.
from . import services


@task()
def run_history_import(import_id: int, attempt: int | None = None) -> int:
    return services.history_import_run(import_id, attempt=attempt).created_operations
