"""Write every operation's search document again (pacte.operations.search).

The documents follow the operations, their partners and communes as they are written; this
command repairs the index after a restoration by hand or a change made outside Pacte."""

import time

from django.core.management.base import BaseCommand

from pacte.core.french import format_decimal, format_integer
from pacte.operations import search


class Command(BaseCommand):
    help = "Réécrit le document de recherche de chaque opération (index plein texte)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = search.rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Index de recherche réécrit : {format_integer(count)} opérations en "
            f"{format_decimal(elapsed, 1)} s."
        )
