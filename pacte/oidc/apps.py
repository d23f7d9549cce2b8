from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "pacte.oidc"
    label = "oidc"
    verbose_name = "Connexion OpenID Connect"

    def ready(self) -> None:
        from . import checks, fragments  # noqa: F401  (registers the login buttons and checks)
