"""`manage.py pacte_backup [archive]`: the whole installation in one archive (pacte.core.backup)."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pacte.core.backup import BackupError, altered_message, write_backup
from pacte.core.french import format_decimal, format_integer

# The archives the command names itself, and rotates with --keep.
DATED = re.compile(r"pacte-\d{8}-\d{6}\.tar\.gz")


class Command(BaseCommand):
    help = (
        "Écrit une sauvegarde cohérente de l'installation (base, fichiers, matériel de "
        "signature, manifeste des empreintes) dans une archive .tar.gz."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="chemin de l'archive (par défaut var/sauvegardes/pacte-AAAAMMJJ-HHMMSS.tar.gz)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="ne garder que ce nombre de sauvegardes datées (pacte-AAAAMMJJ-HHMMSS.tar.gz) "
            "dans le dossier de l'archive, les plus récentes (0 : toutes) ; une archive nommée "
            "autrement n'est jamais supprimée",
        )

    def handle(self, *args, archive=None, keep=0, **options):
        if archive:
            target = Path(archive)
        else:
            folder = Path(settings.VAR_DIR) / "sauvegardes"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"pacte-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
        try:
            report = write_backup(target, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        except KeyboardInterrupt:
            raise CommandError("Sauvegarde interrompue : aucune archive n'a été écrite.") from None
        if keep > 0 and report.altered:
            self.stdout.write(
                "Les sauvegardes plus anciennes sont gardées : elles ont peut-être les bonnes "
                "copies des documents altérés."
            )
        elif keep > 0:
            # Only the dated archives this command names rotate; an archive named by hand stays.
            dated = [
                p
                for p in target.parent.glob("pacte-*.tar.gz")
                if DATED.fullmatch(p.name) and p.is_file()
            ]
            older = sorted(dated)[:-keep]
            for path in older:
                path.unlink(missing_ok=True)
            if older:
                self.stdout.write(f"{len(older)} sauvegarde(s) plus ancienne(s) supprimée(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {report.path} ({format_integer(report.objects)} "
                f"enregistrements, {format_integer(report.files)} fichiers, "
                f"{format_decimal(report.bytes / 1048576, 1)} Mio avant compression)."
            )
        )
        if report.altered:
            raise CommandError(altered_message(report.altered, restored=False), returncode=2)
