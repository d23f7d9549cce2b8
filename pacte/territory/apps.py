from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "pacte.territory"
    label = "territory"
    verbose_name = "Territoire"
