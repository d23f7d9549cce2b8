"""`manage.py pacte_restore archive`: an archive of `pacte_backup` restored into an empty
installation (pacte.core.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pacte.core.backup import BackupError, altered_message, restore_backup
from pacte.core.french import format_integer


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de pacte_backup dans une installation neuve : archive vérifiée "
        "avant toute écriture, base chargée en une transaction, documents vérifiés ensuite."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="l'archive écrite par pacte_backup")

    def handle(self, *args, archive, **options):
        try:
            report = restore_backup(Path(archive), progress=self.stdout.write)
        except BackupError as exc:
            if exc.detail and options.get("verbosity", 1) >= 2:
                self.stderr.write(exc.detail)
            raise CommandError(exc.message) from exc
        except KeyboardInterrupt:
            raise CommandError(
                "Restauration interrompue avant le chargement de la base : rien n'a été restauré "
                "(si elle a été interrompue pendant ce chargement, la transaction a été annulée)."
            ) from None
        for note in report.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde restaurée : {format_integer(report.objects)} enregistrements, "
                f"{format_integer(report.files)} fichiers ; "
                f"{format_integer(report.checked_documents)} documents vérifiés contre leur "
                "empreinte."
            )
        )
        if report.altered:
            raise CommandError(altered_message(report.altered, restored=True), returncode=2)
