from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pacte.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self):
        from . import fragments  # noqa: F401  (registers what the app shows elsewhere)
