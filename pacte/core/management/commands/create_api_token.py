import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pacte.core.french import format_date
from pacte.core.models import ApiToken, User
from pacte.core.services import api_token_create


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API pour un utilisateur et l'affiche (une seule fois). Par défaut, un "
        "jeton de lecture valable un an."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Jeton en ligne de commande")
        parser.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.READ,
            help="read : lecture seule (par défaut) ; read_write : lecture et écriture.",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=ApiToken.DEFAULT_VALIDITY_DAYS,
            help=(
                f"Durée de validité en jours (par défaut {ApiToken.DEFAULT_VALIDITY_DAYS}, "
                f"au plus {ApiToken.MAX_VALIDITY_DAYS})."
            ),
        )

    def handle(self, *args, username, name, scope, days, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"Aucun utilisateur actif « {username} ».") from exc
        if not 0 <= days <= ApiToken.MAX_VALIDITY_DAYS:
            raise CommandError(
                f"--days : de 0 à {ApiToken.MAX_VALIDITY_DAYS} jours (deux ans au plus)."
            )
        expires_on = timezone.localdate() + datetime.timedelta(days=days)
        try:
            token, raw = api_token_create(user=user, name=name, scope=scope, expires_on=expires_on)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
        self.stderr.write(
            f"Jeton « {token.name} » ({token.get_scope_display()}) pour {user.username}, "
            f"valable jusqu'au {format_date(token.expires_at)}."
        )
