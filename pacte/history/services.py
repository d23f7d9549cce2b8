"""Every write of the history import: the request, then the check and the writing, done by the
background worker or at once.

The file's format is documented in docs/import-historique.md. Every row is checked first, and
the errors reported by line and column, in French; nothing is written unless the whole file is
valid, and then everything is written in one transaction. Imported operations are real
operations of the past generation, with their partner, their contract (closed) and their
financing plan, moved to « Achevée » by the workflow's `record_history` transition: the bilan
reads them as it reads the operations of the current generation.
"""

import hashlib
import logging
from collections.abc import Callable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from pacte.contracts.models import Generation
from pacte.core import files, policy, supervision
from pacte.core.audit import audit
from pacte.core.models import User

# `tasks` imports this module to run the import in the background, and this one enqueues its
# task: both import the other as a module, so that either may be imported first.
from . import tasks
from .checking import check_file
from .columns import MAX_STORED_ERRORS, error_text
from .models import HistoryImport
from .reading import XLSX_MAGIC
from .spool import Spool
from .writing import write_rows

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024  # the size of any upload (PACTE_MAX_UPLOAD_BYTES)

# An error of the file as the check reports it: its line, its column, its message.
Error = dict[str, int | str]


def _check_actor(actor: User | None) -> None:
    policy.require(actor, "history_import", "create")


def _check_generation(generation: Generation) -> None:
    if not generation.is_history:
        raise ValidationError(
            "L'historique s'importe dans une génération passée ; les opérations de la "
            "génération en cours se déposent et s'instruisent dans Pacte."
        )


@transaction.atomic
def history_import_create(
    *, actor: User | None, generation: Generation, data: bytes, name: str, is_demo: bool = False
) -> HistoryImport:
    """Keep the file and record the request; the rows are checked and written by `run`."""
    _check_actor(actor)
    _check_generation(generation)
    if not data:
        raise ValidationError("Le fichier est vide.")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"Le fichier dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mio : découpez-le."
        )
    name = (name or "historique").rsplit("/", 1)[-1][:255]
    history_import = HistoryImport(
        generation=generation,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        is_demo=is_demo,
        requested_by=actor,
    )
    extension = "xlsx" if data.startswith(XLSX_MAGIC) else "csv"
    files.save(history_import.source, f"historique.{extension}", data)
    history_import.save()
    audit(
        actor=actor,
        action="history.import_requested",
        obj=history_import,
        summary=f"Import de l'historique {generation.period_label} demandé : « {name} »",
        data={"sha256": history_import.sha256, "size": len(data)},
    )
    return history_import


def history_import_start(
    *, actor: User | None, generation: Generation, data: bytes, name: str, is_demo: bool = False
) -> HistoryImport:
    """Record the request and queue the import for the background worker."""
    history_import = history_import_create(
        actor=actor, generation=generation, data=data, name=name, is_demo=is_demo
    )
    transaction.on_commit(
        lambda: tasks.run_history_import.enqueue(history_import.pk, history_import.attempt)
    )
    return history_import


@transaction.atomic
def history_import_relaunch(*, actor: User | None, history_import: HistoryImport) -> HistoryImport:
    """Start an interrupted import again, from its stored file: nothing of the interrupted run
    was written (the writing is one transaction), so the new run checks and writes it all."""
    policy.require(actor, "history_import", "relaunch", history_import)
    locked = HistoryImport.objects.select_for_update().get(pk=history_import.pk)
    locked = supervision.relaunch(
        locked, actor=actor, reset={"checked_at": None, "checked_rows": 0, "total_rows": 0}
    )
    transaction.on_commit(lambda: tasks.run_history_import.enqueue(locked.pk, locked.attempt))
    return locked


# Errors of the database interrupt the run (it can be started again); any other unexpected
# error refuses the import, as an error of its file would.
RUN_STOPPING_ERRORS = (OperationalError, InterfaceError)


def history_import_run(
    import_id: int,
    *,
    attempt: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryImport:
    """Check every row, then write everything in one transaction, or nothing.

    The run is supervised (`pacte.core.supervision`): it claims the import once, beats while it
    works and writes only while it is the import's current run. Progress is written as the
    check goes, outside any long transaction, so that the page that follows the import sees it
    move.
    """
    run = supervision.Run(HistoryImport, import_id, attempt)
    if not run.claim():
        return HistoryImport.objects.get(pk=import_id)
    history_import = HistoryImport.objects.select_related("generation", "requested_by").get(
        pk=import_id
    )
    try:
        _run_checked(run, history_import, progress)
    except supervision.Superseded:
        logger.info("Import de l'historique %s : tentative %s remplacée", import_id, run.attempt)
    history_import.refresh_from_db()
    return history_import


def _run_checked(
    run: supervision.Run[HistoryImport],
    history_import: HistoryImport,
    progress: Callable[[int, int], None] | None,
) -> None:
    actor = history_import.requested_by
    try:
        with run.beating():
            _check_actor(actor)

            def report(checked: int, total: int) -> None:
                run.update(checked_rows=checked, total_rows=total)
                if progress:
                    progress(checked, total)

            with history_import.source.open("rb") as stored:
                result = check_file(history_import.generation, stored.file, report)
            try:
                if result.rows is None:
                    _refuse(run, history_import, actor, result.errors, result.error_count)
                else:
                    run.promise(_writing_seconds(len(result.rows)), checked_at=timezone.now())
                    _write(run, history_import, actor, result.rows, result.new_sirens)
            finally:
                result.close()
    except supervision.Superseded:
        raise
    except (ValidationError, PermissionDenied) as exc:
        texts = getattr(exc, "messages", None) or [str(exc)]
        _refuse(run, history_import, actor, [{"message": t} for t in texts], len(texts))
    except RUN_STOPPING_ERRORS as exc:
        logger.exception("Import de l'historique %s interrompu", history_import.pk)
        run.fail(exc)
    except Exception as exc:
        logger.exception("Import de l'historique %s interrompu", history_import.pk)
        _refuse(
            run,
            history_import,
            actor,
            [{"message": f"erreur inattendue pendant l'import : {exc}."}],
            1,
        )


def _writing_seconds(rows: int) -> float:
    """A generous bound on the time to write `rows` checked rows (about 0.3 ms a row measured
    on SQLite and PostgreSQL, bench/history_import.py): the run's promised sign of life."""
    return rows * 0.001


@transaction.atomic
def _write(
    run: supervision.Run[HistoryImport],
    history_import: HistoryImport,
    actor: User | None,
    rows: Spool,
    new_sirens: frozenset[str],
) -> None:
    """The checked rows written, and the import marked done, at once — if the run is still
    the import's current one when it ends (else everything rolls back)."""
    generation = history_import.generation
    counts = write_rows(
        actor=actor,
        generation=generation,
        history_import=history_import,
        rows=rows,
        new_sirens=new_sirens,
    )
    run.finish(
        created_operations=counts.operations,
        created_partners=counts.partners,
        created_contracts=counts.contracts,
        completed_sirets=counts.sirets,
    )
    audit(
        actor=actor,
        action="history.import",
        obj=history_import,
        summary=f"Historique {generation.period_label} importé : "
        f"{counts.operations} opérations (« {history_import.original_name} »)",
        data={
            "operations": counts.operations,
            "partners": counts.partners,
            "contracts": counts.contracts,
            "sirets": counts.sirets,
            "sha256": history_import.sha256,
            "attempt": run.attempt,
        },
    )


@transaction.atomic
def _refuse(
    run: supervision.Run[HistoryImport],
    history_import: HistoryImport,
    actor: User | None,
    errors: Sequence[Error],
    count: int,
) -> None:
    run.finish(errors=errors[:MAX_STORED_ERRORS], error_count=count)
    audit(
        actor=actor,
        action="history.import_refused",
        obj=history_import,
        summary=f"Import de l'historique refusé : {count} erreur(s), rien n'a été enregistré",
        data={"errors": [error_text(e) for e in errors[:20]]},
    )


def history_import_file(
    *,
    actor: User | None,
    generation: Generation,
    data: bytes,
    name: str,
    is_demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryImport:
    """The same import, at once (management command, demo)."""
    history_import = history_import_create(
        actor=actor, generation=generation, data=data, name=name, is_demo=is_demo
    )
    return history_import_run(history_import.pk, progress=progress)
