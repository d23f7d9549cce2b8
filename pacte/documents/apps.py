from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pacte.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self):
        from pacte.core import policy

        from . import fragments, notifications  # noqa: F401  (what the app registers)
        from .services import holds_a_right_to_sign

        # Who holds a right to sign, whatever their role (the Président's elected account).
        policy.register_holding(policy.SIGNATORY, holds_a_right_to_sign)
