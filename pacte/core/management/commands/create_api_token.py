from django.core.management.base import BaseCommand, CommandError

from pacte.core.models import User
from pacte.core.services import api_token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur et l'affiche (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Jeton en ligne de commande")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"Aucun utilisateur actif « {username} ».") from exc
        _, raw = api_token_create(user=user, name=name)
        self.stdout.write(raw)
