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
from django.db import transaction
from django.utils import timezone

from pacte.contracts.models import Generation
from pacte.core import files, policy
from pacte.core.audit import audit
from pacte.core.models import User

# `tasks` imports this module to run the import in the background, and this one enqueues its
# task: both import the other as a module, so that either may be imported first.
from . import tasks
from .checking import ParsedRow, check_file
from .columns import MAX_STORED_ERRORS, error_text
from .models import HistoryImport
from .reading import XLSX_MAGIC
from .writing import write_rows

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024

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
    transaction.on_commit(lambda: tasks.run_history_import.enqueue(history_import.pk))
    return history_import


def _update(history_import: HistoryImport, **fields: object) -> None:
    for key, value in fields.items():
        setattr(history_import, key, value)
    HistoryImport.objects.filter(pk=history_import.pk).update(**fields)


def history_import_run(
    import_id: int, *, progress: Callable[[int, int], None] | None = None
) -> HistoryImport:
    """Check every row, then write everything in one transaction, or nothing.

    Progress is written as the check goes, outside any long transaction, so that the page
    that follows the import sees it move.
    """
    history_import = HistoryImport.objects.select_related("generation", "requested_by").get(
        pk=import_id
    )
    if history_import.started_at:
        return history_import
    actor = history_import.requested_by
    _update(history_import, started_at=timezone.now())
    try:
        _check_actor(actor)
        with history_import.source.open("rb") as handle:
            data: bytes = handle.read()

        def report(checked: int, total: int) -> None:
            _update(history_import, checked_rows=checked, total_rows=total)
            if progress:
                progress(checked, total)

        result = check_file(history_import.generation, data, report)
        if result.error_count:
            return _refuse(history_import, actor, result.errors, result.error_count)
        _update(history_import, checked_at=timezone.now())
        _write(history_import, actor, result.rows)
    except (ValidationError, PermissionDenied) as exc:
        texts = getattr(exc, "messages", None) or [str(exc)]
        return _refuse(history_import, actor, [{"message": t} for t in texts], len(texts))
    except Exception as exc:
        logger.exception("Import de l'historique %s interrompu", import_id)
        return _refuse(
            history_import,
            actor,
            [{"message": f"erreur inattendue pendant l'import : {exc}."}],
            1,
        )
    return history_import


@transaction.atomic
def _write(history_import: HistoryImport, actor: User | None, rows: list[ParsedRow]) -> None:
    """The checked rows written, and the import marked done, at once."""
    generation = history_import.generation
    counts = write_rows(
        actor=actor, generation=generation, history_import=history_import, rows=rows
    )
    _update(
        history_import,
        created_operations=counts.operations,
        created_partners=counts.partners,
        created_contracts=counts.contracts,
        completed_sirets=counts.sirets,
        finished_at=timezone.now(),
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
        },
    )


def _refuse(
    history_import: HistoryImport, actor: User | None, errors: Sequence[Error], count: int
) -> HistoryImport:
    _update(
        history_import,
        errors=errors[:MAX_STORED_ERRORS],
        error_count=count,
        finished_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="history.import_refused",
        obj=history_import,
        summary=f"Import de l'historique refusé : {count} erreur(s), rien n'a été enregistré",
        data={"errors": [error_text(e) for e in errors[:20]]},
    )
    return history_import


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
