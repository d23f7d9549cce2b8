from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "pacte.operations"
    label = "operations"
    verbose_name = "Opérations"
