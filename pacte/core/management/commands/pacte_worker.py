"""`manage.py pacte_worker`: the background worker, supervised (see pacte.core.worker).

The options are those of django-tasks-db's `db_worker`; the worker does not reload itself on
code changes unless asked (`--reload`): the supervision (systemd, `./pacte.sh demo`) restarts
it."""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from pacte.core.worker import PacteWorker


class Command(db_worker.Command):
    help = (
        "Exécute le travail en arrière-plan (lots de documents, imports, courriels, chiffres), "
        "en survivant aux coupures de la base et en reprenant ce qu'un processus arrêté a laissé."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues ne s'emploie qu'avec --queue-name=*")
        worker = PacteWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
