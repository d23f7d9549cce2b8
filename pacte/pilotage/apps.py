from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "pacte.pilotage"
    label = "pilotage"
    verbose_name = "Pilotage"
