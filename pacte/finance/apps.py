from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "pacte.finance"
    label = "finance"
    verbose_name = "Finances"
