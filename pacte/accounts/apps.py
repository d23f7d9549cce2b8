from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pacte.accounts"
    label = "accounts"
    verbose_name = "Comptes et connexion"

    def ready(self):
        from . import fragments, sessions  # noqa: F401  (registers the slots and the signal)
