from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pacte.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import (
            notification_views,  # noqa: F401 — « Mon compte » shows the mails' choice
            notifications,
            statistics,
            worker,
        )

        # The daily digests of notifications, from PACTE_DIGEST_HOUR.
        worker.register_maintenance(notifications.send_digests)
        # The planners' statistics: taken after the migrations, kept fresh by the worker.
        post_migrate.connect(statistics.after_migrate, dispatch_uid="pacte_statistics")
        worker.register_maintenance(statistics.optimize_hourly)
