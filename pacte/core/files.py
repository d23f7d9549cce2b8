"""Files written by a transaction live and die with it.

A service writes a file (a generated PDF, a signed copy, an upload) inside its transaction, so
that the row and its file appear together. If the transaction rolls back — a later check fails,
or the request around it fails — the row never existed, and neither must the file.

`save(field_file, name, content)` writes the file at once and ties it to the current
transaction: Django keeps the `on_commit` callbacks of a transaction (or of a savepoint) in a
list and drops them, unrun, when it rolls back. The callback registered here marks the file as
kept; the list dropping it unrun (its last reference gone) deletes the file. Outside any
transaction the file is kept at once. A process killed in the middle of a transaction leaves
its file behind, unreferenced: `manage.py media_orphans` lists (and with `--delete` removes)
such files.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from typing import cast

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class _Keep:
    """The on_commit callback of one written file (see the module's docstring)."""

    def __init__(self, storage: Storage, name: str) -> None:
        state = {"kept": False}
        self._state = state
        weakref.finalize(self, _discard_unless_kept, storage, name, state)

    def __call__(self) -> None:
        self._state["kept"] = True


def _discard_unless_kept(storage: Storage, name: str, state: dict[str, bool]) -> None:
    if state["kept"]:
        return
    from .media import storage_errors

    try:
        storage.delete(name)
    except storage_errors():  # the storage unreachable: media_orphans will tell
        logger.warning("Fichier d'une transaction annulée non supprimé : %s", name)


def save(field_file: FieldFile, name: str, content: bytes | bytearray | File[bytes]) -> None:
    """Write `content` (bytes, or a Django File such as an upload) as the file of `field_file`
    (not saving its model), removed again if the transaction in progress rolls back."""
    if isinstance(content, bytes | bytearray):
        content = ContentFile(bytes(content))
    field_file.save(name, content, save=False)
    keep = _Keep(field_file.storage, cast(str, field_file.name))  # set by save() just above
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(keep)
    else:
        keep()


# --- Serving a stored file: only if it is still the file that was recorded -----------------

MISSING = (
    "Le fichier de ce document est introuvable sur le serveur : il n'est pas servi. "
    "Signalez-le à l'administrateur (les fichiers se restaurent avec la base)."
)
ALTERED = (
    "Le fichier de ce document ne correspond plus à l'empreinte SHA-256 enregistrée quand il a "
    "été écrit (déposé, généré ou signé) : il a été remplacé ou altéré, et n'est pas servi. "
    "Signalez-le à l'administrateur."
)


class StoredFileError(Exception):
    """A stored file that cannot be served as recorded: missing (404) or altered (409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def read(field_file: FieldFile) -> bytes:
    """The stored file's bytes: from an object storage in one request (its `stream`,
    pacte.core.object_storage), else through the file field."""
    stream = getattr(field_file.storage, "stream", None)
    if stream is not None and field_file.name:
        with stream(field_file.name) as handle:
            return cast(bytes, handle.read())
    with field_file.open("rb") as handle:
        return cast(bytes, handle.read())


def read_checked(field_file: FieldFile, sha256: str) -> bytes:
    """The file's bytes, if they still hash to the SHA-256 recorded when it was written."""
    try:
        content = read(field_file)
    except (FileNotFoundError, ValueError) as exc:  # ValueError: a row without its file
        logger.error("Fichier absent du stockage : %s", field_file.name)
        raise StoredFileError(404, MISSING) from exc
    if sha256 and hashlib.sha256(content).hexdigest() != sha256:
        logger.error("Fichier altéré (empreinte différente) : %s", field_file.name)
        raise StoredFileError(409, ALTERED)
    return content


def serve(
    request: HttpRequest,
    field_file: FieldFile,
    sha256: str,
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
) -> HttpResponse:
    """The stored file as a download (or shown in the browser), checked against its hash
    first; a French refusal, JSON under /api/, when it is missing or altered."""
    from django.utils.http import content_disposition_header

    from .middleware import refusal

    try:
        content = read_checked(field_file, sha256)
    except StoredFileError as exc:
        return refusal(request, exc.status, exc.message)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    return response
