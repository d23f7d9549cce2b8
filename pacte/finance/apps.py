from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "pacte.finance"
    label = "finance"
    verbose_name = "Finances"

    def ready(self):
        from pacte.core import worker

        from . import fragments, notifications, services  # noqa: F401  (what the app registers)

        # Each day, the notices of the subsidies' deadlines that come (lapse).
        worker.register_maintenance(services.lapse_alerts_daily)
