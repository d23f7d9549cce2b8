from django.core.management.base import BaseCommand
from django.utils import timezone

from pacte.finance.services import lapse_alerts_send


class Command(BaseCommand):
    help = (
        "Notifie les échéances de caducité qui approchent (le délai d'alerte de la génération, "
        "30 jours avant, puis une fois le délai dépassé). Le processus de fond le fait chaque "
        "jour ; relancée, la commande n'envoie rien deux fois."
    )

    def handle(self, *args, **options):
        sent = lapse_alerts_send(on=timezone.localdate())
        self.stdout.write(f"{sent} alerte(s) envoyée(s).")
