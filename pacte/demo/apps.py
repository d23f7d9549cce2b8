from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: the data of the Pas-de-Calais' 2023-2026 generation on top of the official
    referential, and the `demo` command. It stands above every app and none imports it."""

    name = "pacte.demo"
    label = "demo"
    verbose_name = "Démonstration"
