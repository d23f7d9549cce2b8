from django.apps import AppConfig


class AssemblyConfig(AppConfig):
    name = "pacte.assembly"
    label = "assembly"
    verbose_name = "Assemblée"

    def ready(self):
        from pacte.core import worker

        from . import transmission  # noqa: F401 — registers the connector's system check
        from .services import transmission as sendings

        # The worker queues again the sendings to the préfet, and their polls, lost with a task.
        worker.register_maintenance(sendings.requeue_lost)
