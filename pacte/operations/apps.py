from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "pacte.operations"
    label = "operations"
    verbose_name = "Opérations"

    def ready(self):
        # The kinds of notification of operations, and the « Suivre ce dossier » button.
        from pacte.core import worker

        from . import follow_views, fragments, notifications, search, services  # noqa: F401

        # The search documents follow the operations, their partners and communes.
        search.connect()

        # The worker reminds, once, the addressee of an opinion whose due date is near.
        worker.register_maintenance(services.opinion_reminders)
