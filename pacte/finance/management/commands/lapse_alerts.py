from django.core.management.base import BaseCommand
from django.utils import timezone

from pacte.finance.services import lapse_alerts_send


class Command(BaseCommand):
    help = (
        "Envoie par courriel les alertes d'échéance de caducité (à lancer chaque jour, par "
        "exemple avec cron). Au plus un courriel par semaine et par subvention."
    )

    def handle(self, *args, **options):
        sent = lapse_alerts_send(on=timezone.localdate())
        self.stdout.write(f"{sent} alerte(s) envoyée(s).")
