from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "pacte.finance"
    label = "finance"
    verbose_name = "Finances"

    def ready(self):
        from . import fragments  # noqa: F401  (registers what the app shows elsewhere)
