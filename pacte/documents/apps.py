from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pacte.documents"
    label = "documents"
    verbose_name = "Documents"
