from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pacte.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from . import (
            notification_views,  # noqa: F401 — « Mon compte » shows the mails' choice
            notifications,
            worker,
        )

        # The daily digests of notifications, from PACTE_DIGEST_HOUR.
        worker.register_maintenance(notifications.send_digests)
