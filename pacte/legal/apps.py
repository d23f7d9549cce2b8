from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "pacte.legal"
    label = "legal"
    verbose_name = "Pages légales et identité du Département"

    def ready(self):
        from . import checks  # noqa: F401 — registers the system checks
