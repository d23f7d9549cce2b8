from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "pacte.operations"
    label = "operations"
    verbose_name = "Opérations"

    def ready(self):
        from pacte.core import worker

        from . import services

        # The worker reminds, once, the addressee of an opinion whose due date is near.
        worker.register_maintenance(services.opinion_reminders)
