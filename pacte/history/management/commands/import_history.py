import contextlib
import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from pacte.core import policy
from pacte.core.french import plural_suffix
from pacte.history.selectors import history_importer, past_generation
from pacte.history.services import MAX_FILE_BYTES, history_import_file

BUSY = (
    "La base de données n'a pas pu enregistrer l'import ({error}) : si un autre import est en "
    "cours d'écriture, attendez qu'il finisse, puis relancez celui-ci. Rien n'a été enregistré."
)


class _WithoutTraceback(logging.Filter):
    """The command says what went wrong in French: the log lines keep their message, not the
    traceback (shown with --verbosity 2 or more)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


@contextlib.contextmanager
def _quiet_tracebacks(verbosity: int):
    if verbosity >= 2:
        yield
        return
    quiet = _WithoutTraceback()
    loggers = [logging.getLogger(name) for name in ("pacte.history", "pacte.core")]
    for logger in loggers:
        logger.addFilter(quiet)
        for handler in logging.getLogger().handlers:
            handler.addFilter(quiet)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(quiet)


class Command(BaseCommand):
    help = (
        "Importe les opérations d'une génération passée depuis un fichier CSV ou XLSX "
        "(format : docs/import-historique.md). Rien n'est enregistré si une ligne est en erreur."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV (UTF-8, ; ou ,) ou XLSX")
        parser.add_argument(
            "--generation",
            default="",
            help="période de la génération passée, par exemple 2019-2022 (par défaut : la "
            "plus récente des générations passées)",
        )
        parser.add_argument(
            "--utilisateur",
            default="",
            help="identifiant de l'agent ou de l'administrateur qui importe (par défaut : le "
            "premier administrateur)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(
                f"Le fichier « {path.name} » dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mio : "
                "découpez-le en plusieurs fichiers."
            )
        generation = past_generation(options["generation"])
        if generation is None:
            raise CommandError(
                f"Aucune génération passée {options['generation']} : l'historique s'importe "
                "dans une génération passée."
            )
        actor = history_importer(options["utilisateur"])
        if actor is None:
            raise CommandError("Indiquez un agent ou un administrateur actif (--utilisateur).")
        try:
            policy.require(actor, "history_import", "create")
        except PermissionDenied as exc:
            raise CommandError(
                f"{actor.username} ne peut importer l'historique : {exc} Indiquez un agent ou un "
                "administrateur actif (--utilisateur)."
            ) from exc

        def progress(checked: int, total: int) -> None:
            self.stdout.write(
                f"\r{checked} ligne{plural_suffix(checked)} vérifiée{plural_suffix(checked)} "
                f"sur {total}",
                ending="",
            )
            self.stdout.flush()

        self.stdout.write(f"Import de « {path.name} » dans la génération {generation}…")
        try:
            with _quiet_tracebacks(options["verbosity"]):
                result = history_import_file(
                    actor=actor,
                    generation=generation,
                    data=path.read_bytes(),
                    name=path.name,
                    progress=progress,
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except DatabaseError as exc:
            raise CommandError("\n" + BUSY.format(error=type(exc).__name__)) from exc
        except KeyboardInterrupt as exc:  # Ctrl+C: the transaction rolled back
            raise CommandError(
                "\nImport interrompu : rien n'a été enregistré. La page de l'import le dit "
                "« interrompu » ; relancez-le quand vous voudrez."
            ) from exc
        self.stdout.write("")
        if result.interrupted_at is not None:
            raise CommandError(f"Import interrompu. {result.interruption_text}")
        if result.error_count:
            shown = "\n".join(result.error_texts)
            more = result.error_count - len(result.errors)
            raise CommandError(
                f"Import refusé, rien n'a été enregistré : {result.error_count} erreur(s).\n"
                f"{shown}" + (f"\n… et {more} autre(s)." if more > 0 else "")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created_operations} opérations importées, "
                f"{result.created_contracts} contrats repris, "
                f"{result.created_partners} partenaires créés depuis le référentiel."
            )
        )
