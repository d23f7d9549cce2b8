from django.apps import AppConfig


class AssemblyConfig(AppConfig):
    name = "pacte.assembly"
    label = "assembly"
    verbose_name = "Assemblée"
