from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "pacte.pilotage"
    label = "pilotage"
    verbose_name = "Pilotage et données ouvertes"

    def ready(self):
        from . import (
            checks,  # noqa: F401 — registers the system checks
            dashboards,  # noqa: F401 — registers the cached figures' computations
            fragments,  # noqa: F401 — the home page's « À traiter » and the menu's count
        )
