from django.core.management.base import BaseCommand

from pacte.core import policy


class Command(BaseCommand):
    help = (
        "Affiche la politique d'accès (capacités, puis objets × actions × rôles) en tableaux "
        "Markdown, tels que docs/architecture.md les reprend."
    )

    def handle(self, *args, **options):
        self.stdout.write(policy.markdown(), ending="")
