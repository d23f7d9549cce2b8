import time

import pyotp
from django.core.management.base import BaseCommand, CommandError

from pacte.accounts.models import SecondFactor
from pacte.accounts.services.second_factor import STEP_SECONDS
from pacte.demo.seed import demo_totp_key


class Command(BaseCommand):
    help = (
        "Affiche le code du second facteur (TOTP) des comptes de démonstration administrateur "
        "et finances : le code du moment et le suivant (un code ne sert qu'une fois)."
    )

    def handle(self, *args, **options):
        key = demo_totp_key()
        users = [
            f.user.username
            for f in SecondFactor.objects.select_related("user").order_by("user__username")
            if f.secret == key
        ]
        if not users:
            raise CommandError(
                "Aucun compte n'a la clé de démonstration : lancez d'abord « ./pacte.sh demo »."
            )
        now = time.time()
        totp = pyotp.TOTP(key)
        left = int(STEP_SECONDS - now % STEP_SECONDS)
        self.stdout.write(f"Comptes : {', '.join(users)}")
        self.stdout.write(f"Code du moment : {totp.at(now)} (encore {left} s)")
        self.stdout.write(f"Code suivant : {totp.at(now + STEP_SECONDS)}")
