"""`manage.py error_reports_check`: send a test event to the error reporting service
(SENTRY_DSN), to check its address once it is set."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Envoie un événement d'essai au service de rapports d'erreurs (SENTRY_DSN)."

    def handle(self, *args, **options):
        import sentry_sdk

        if not sentry_sdk.get_client().is_active():
            raise CommandError(
                "Les rapports d'erreurs ne sont pas activés : définissez SENTRY_DSN "
                "(voir docs/deploiement.md)."
            )
        event_id = sentry_sdk.capture_message("Pacte : événement d'essai des rapports d'erreurs")
        sentry_sdk.flush(timeout=10)
        self.stdout.write(f"Événement d'essai envoyé (identifiant {event_id}).")
