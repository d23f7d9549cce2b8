from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "pacte.contracts"
    label = "contracts"
    verbose_name = "Contractualisation"
