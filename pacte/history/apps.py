from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "pacte.history"
    label = "history"
    verbose_name = "Reprise de l'historique"
