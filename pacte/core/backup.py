"""Backing up and restoring a whole installation: `manage.py pacte_backup` and `pacte_restore`.

An archive (a `.tar.gz`) holds everything an installation cannot rebuild:
- `base.jsonl`: the database, as Django serializes it (one object a line, natural keys), read
  from a consistent snapshot while the site keeps running — on PostgreSQL a REPEATABLE READ
  transaction, on SQLite a copy made by SQLite's own backup interface;
- `media/…`: the stored files (attachments, generated and signed documents, published acts,
  imported files, batch archives), from the media folder or, when they are objects of a bucket
  (pacte.core.media), read through the storage — the same names, the same manifest: an archive
  made with one restores into the other;
- `pki/…` and `signataires/…`: the signing material (the signing authority Pacte manages under
  var/pki/, and the signatories' PKCS#12 files of PACTE_SIGNATORIES_DIR if set);
- `manifest.json`: the archive's format, when and from what it was made (the migrations of
  every application), and for every other member its size and SHA-256.

The restore goes into an empty installation (no user, no stored file): it reads the whole
archive into a staging folder and checks it against its manifest before anything is written;
it refuses an archive made by another version of Pacte; the database is loaded in one
transaction and the files moved into place (or written to the bucket, which must be empty too)
only if it succeeds; then every stored document is checked against the hash recorded when it
was written. A failure at any step leaves the
installation as it was, and says why in French."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import media
from .files import StoredFileError, read_checked
from .french import format_mebibytes

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "base.jsonl"
SNAPSHOT_ALIAS = "pacte_sauvegarde"
# Not data: rebuilt by the migrations (content types, permissions), or of no use elsewhere (the
# sessions of the source, its workers' signs of life).
EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions", "core.workerprocess"]

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore that cannot be made; its message is French."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # technical, for `-v 2`


@dataclass
class Report:
    """What a backup wrote or a restore put back."""

    path: Path
    files: int = 0
    bytes: int = 0
    objects: int = 0
    checked_documents: int = 0
    notes: list[str] = field(default_factory=list)
    # Stored documents that no longer match the hash recorded when they were made.
    altered: list[str] = field(default_factory=list)


# --- What an installation holds ------------------------------------------------------------


def stored_files() -> Iterator[tuple[type[models.Model], str, str]]:
    """Each file field of the models and the field holding its SHA-256 (`<name>_sha256`, or
    `sha256`), as they were recorded when the file was written."""
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                own = f"{model_field.name}_sha256"
                digest = own if own in names else "sha256" if "sha256" in names else ""
                yield model, model_field.name, digest


def _folders() -> dict[str, Path | None]:
    """The archive's folders and where they live in this installation."""
    signatories = getattr(settings, "PACTE_SIGNATORIES_DIR", "")
    folders: dict[str, Path | None] = {
        "media": Path(settings.MEDIA_ROOT),
        "pki": Path(settings.VAR_DIR) / "pki",
        "signataires": Path(signatories) if signatories else None,
    }
    if not media.is_local():
        del folders["media"]  # objects of a bucket, read and written through the storage
    return folders


def _unreachable(exc: Exception, outcome: str) -> BackupError:
    return BackupError(
        f"Le stockage des documents ({media.where()}) ne répond pas ou refuse l'accès "
        f"({type(exc).__name__} : {exc}) : {outcome}"
    )


def _by_app(names: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app_label, name in names:
        state.setdefault(app_label, []).append(name)
    return {app: sorted(found) for app, found in sorted(state.items())}


def migrations_state() -> dict[str, list[str]]:
    """The migrations this code holds, by application (its database schema once migrated)."""
    return _by_app(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def applied_migrations() -> dict[str, list[str]]:
    """The migrations applied to the database, by application (the schema of its data)."""
    return _by_app(MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Backup --------------------------------------------------------------------------------


@contextmanager
def _snapshot() -> Iterator[str]:
    """A database alias that reads one consistent state of the data while others write."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        # Called within a transaction (a test, a caller's own): that transaction is the state
        # read (SQLite could not copy a database its own connection is writing).
        yield DEFAULT_DB_ALIAS
        return
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
            copy = Path(folder) / "instantane.sqlite3"
            connection.ensure_connection()
            source = cast(sqlite3.Connection, connection.connection)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
            connections.settings[SNAPSHOT_ALIAS] = {
                **connection.settings_dict,
                "NAME": str(copy),
            }
            try:
                yield SNAPSHOT_ALIAS
            finally:
                connections[SNAPSHOT_ALIAS].close()
                del connections[SNAPSHOT_ALIAS]
                del connections.settings[SNAPSHOT_ALIAS]
        return
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield DEFAULT_DB_ALIAS


def _dump(folder: Path) -> tuple[Path, int]:
    path = folder / DATABASE
    with _snapshot() as alias:
        call_command(
            "dumpdata",
            format="jsonl",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED_MODELS,
            database=alias,
            output=str(path),
            verbosity=0,
        )
    with path.open("rb") as handle:
        objects = sum(1 for _ in handle)
    return path, objects


def _files_of(name: str, root: Path | None) -> Iterator[tuple[str, Path]]:
    if root is None or not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield f"{name}/{path.relative_to(root).as_posix()}", path


class _Hashing:
    """A file read through, its SHA-256 computed on the way."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = cast(bytes, self._stream.read(size))
        self.digest.update(chunk)
        return chunk


def _add_object(tar: tarfile.TarFile, arcname: str, name: str) -> dict[str, Any]:
    """The stored object `name` added to `tar` as it is read from the storage (one read); its
    manifest entry."""
    stream = getattr(default_storage, "stream", None)
    with stream(name) if stream else default_storage.open(name, "rb") as handle:
        info = tarfile.TarInfo(arcname)
        info.size = handle.size
        info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
        info.mode = 0o600
        hashing = _Hashing(handle)
        tar.addfile(info, fileobj=hashing)
    return {"sha256": hashing.digest.hexdigest(), "size": info.size}


def _stored_objects() -> Iterator[tuple[str, str]]:
    """The stored files when they are objects of a bucket: their member name and their name."""
    if not media.is_local():
        for name in media.names():
            yield f"media/{name}", name


def write_backup(target: Path, progress: Progress | None = None) -> Report:
    """Write the archive `target` (refused if it exists); only readable by its owner."""
    say = progress or (lambda _: None)
    if target.exists():
        raise BackupError(f"« {target} » existe déjà : choisissez un autre nom d'archive.")
    partial = target.with_name(target.name + ".partiel")
    report = Report(path=target)
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
        say("Copie de la base de données…")
        database, report.objects = _dump(Path(folder))
        members: list[tuple[str, Path | str]] = [(DATABASE, database)]
        for name, root in _folders().items():
            members.extend(_files_of(name, root))
        try:
            members.extend(_stored_objects())
        except media.object_storage_errors() as exc:
            raise _unreachable(exc, "aucune archive n'a été écrite.") from exc
        entries: dict[str, dict[str, Any]] = {}
        say(f"Archivage de {len(members) - 1} fichiers…")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for arcname, source in members:
                    if isinstance(source, Path):
                        size = source.stat().st_size
                        entries[arcname] = {"sha256": _sha256(source), "size": size}
                        tar.add(source, arcname=arcname, recursive=False)
                    else:
                        entries[arcname] = _add_object(tar, arcname, source)
                        size = entries[arcname]["size"]
                    report.files += 1
                    report.bytes += size
                manifest = json.dumps(
                    {
                        "format": FORMAT,
                        "application": "Pacte",
                        "created_at": timezone.localtime().isoformat(timespec="seconds"),
                        "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
                        "objects": report.objects,
                        "migrations": applied_migrations(),
                        "members": entries,
                    },
                    ensure_ascii=False,
                    indent=1,
                ).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(manifest)
                info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
                info.mode = 0o600
                tar.addfile(info, fileobj=io.BytesIO(manifest))
            partial.rename(target)
        except media.object_storage_errors() as exc:
            partial.unlink(missing_ok=True)
            raise _unreachable(exc, "aucune archive n'a été écrite.") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    report.files -= 1  # the database is not one of the stored files
    # The archive holds the documents as they are; one that no longer matches its recorded
    # hash is said, so that the operator restores it from an older backup.
    say("Vérification des documents contre leur empreinte…")
    report.checked_documents, report.altered = _verify_documents()
    return report


# --- Restore -------------------------------------------------------------------------------


# What a restore leaves free on the disk of var/ while it unpacks an archive.
RESTORE_RESERVE = 256 * 1024 * 1024
# An archive unpacks to at most this many times its own size (and at least to 256 Mio): a
# backup's database compresses ten times or so, its PDFs hardly; a « zip bomb » far more.
RESTORE_MAX_RATIO = 100


def shown_name(name: str) -> str:
    """A member's name as a message quotes it: printable, and not a page long."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 120 else printable[:117] + "…"


def _check_room(folder: Path, member: tarfile.TarInfo, unpacked: int, archive_size: int) -> None:
    """Refuse a member that would leave less than RESTORE_RESERVE free, or that would unpack the
    archive beyond RESTORE_MAX_RATIO times its size: an archive announcing more than the disk
    holds, or a small one that swells, stops before it fills the disk."""
    limit = max(archive_size * RESTORE_MAX_RATIO, RESTORE_RESERVE)
    if unpacked + member.size > limit:
        raise BackupError(
            f"L'archive se décompresserait en plus de {format_mebibytes(limit)} Mio dès "
            f"« {shown_name(member.name)} » (une sauvegarde se décompresse en {RESTORE_MAX_RATIO} "
            f"fois sa taille au plus, {format_mebibytes(RESTORE_RESERVE)} Mio au moins) : ce n'est "
            "pas une sauvegarde de Pacte. Rien n'a été restauré."
        )
    free = shutil.disk_usage(folder).free
    if member.size > free - RESTORE_RESERVE:
        raise BackupError(
            f"L'archive contient « {shown_name(member.name)} » "
            f"({format_mebibytes(member.size)} Mio), plus que la place libre sur le disque de "
            f"var/ ({format_mebibytes(max(free - RESTORE_RESERVE, 0))} Mio, en gardant "
            f"{format_mebibytes(RESTORE_RESERVE)} Mio de réserve) : libérez de la place ou "
            "restaurez ailleurs. Rien n'a été restauré."
        )


def _staged(archive: Path, folder: Path) -> dict[str, Any]:
    """The archive unpacked into `folder` and checked against its manifest: its manifest."""
    try:
        archive_size, unpacked = archive.stat().st_size, 0
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                if not (member.isfile() or member.isdir()):
                    raise BackupError(
                        f"L'archive contient « {shown_name(member.name)} », qui n'est pas un "
                        "fichier : elle n'a pas été faite par Pacte. Rien n'a été restauré."
                    )
                _check_room(folder, member, unpacked, archive_size)
                unpacked += member.size
                tar.extract(member, folder, filter="data")
    except BackupError:
        raise
    except tarfile.FilterError as exc:
        raise BackupError(
            f"L'archive contient « {shown_name(exc.tarinfo.name)} », dont le chemin sort du "
            "dossier de restauration : elle n'a pas été faite par Pacte. Rien n'a été restauré."
        ) from exc
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(
            f"L'archive « {archive.name} » est illisible ou tronquée ({type(exc).__name__}) : "
            "rien n'a été restauré."
        ) from exc
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        members = manifest["members"]
        if manifest.get("format") != FORMAT or not isinstance(members, dict):
            raise ValueError
        if not all(isinstance(entry, dict) for entry in members.values()):
            raise ValueError
        if not isinstance(manifest.get("objects", 0), int):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise BackupError(
            "L'archive n'a pas de manifeste lisible (manifest.json) : elle est incomplète ou "
            "n'a pas été faite par Pacte. Rien n'a été restauré."
        ) from exc
    # Every file but the manifest at the archive's root (a stored file may be named like it).
    found = {
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    } - {MANIFEST}
    problems = sorted(
        [f"« {shown_name(name)} » manque" for name in set(members) - found]
        + [f"« {shown_name(name)} » n'est pas au manifeste" for name in found - set(members)]
        + [
            f"« {shown_name(name)} » n'a pas l'empreinte du manifeste"
            for name in sorted(found & set(members))
            if (folder / name).stat().st_size != members[name].get("size")
            or _sha256(folder / name) != members[name].get("sha256")
        ]
    )
    if DATABASE not in found:
        problems.insert(0, "la base de données (base.jsonl) manque")
    if problems:
        shown = " ; ".join(problems[:5]) + (" ; …" if len(problems) > 5 else "")
        raise BackupError(
            f"L'archive ne correspond pas à son manifeste ({len(problems)} écart(s) : {shown}). "
            "Rien n'a été restauré."
        )
    return cast(dict[str, Any], manifest)


def _check_target(manifest: dict[str, Any]) -> None:
    """The archive comes from this version of Pacte, and the installation is empty (its
    database may not even be migrated yet)."""
    if manifest.get("migrations") != migrations_state():
        raise BackupError(
            f"L'archive a été faite par une autre version de Pacte (le {manifest.get('created_at')}"
            ", migrations différentes) : installez la version qui l'a faite, restaurez-la, puis "
            "mettez Pacte à jour. Rien n'a été restauré."
        )
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    connection = connections[DEFAULT_DB_ALIAS]
    tables = connection.introspection.table_names()
    if user_model._meta.db_table in tables and user_model._default_manager.exists():
        raise BackupError(
            "Cette installation n'est pas vide (elle a des utilisateurs) : une sauvegarde se "
            "restaure dans une installation neuve, à la base vide et migrée. Rien n'a été restauré."
        )
    for name, root in _folders().items():
        if root is not None and root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            if name == "pki":
                continue  # the demo's or the tests' authority: replaced by the archive's
            raise BackupError(
                f"Le dossier « {root} » contient déjà des fichiers : une sauvegarde se restaure "
                "dans une installation neuve. Rien n'a été restauré."
            )
    if not media.is_local():
        try:
            empty = media.is_empty()
        except media.object_storage_errors() as exc:
            raise _unreachable(exc, "rien n'a été restauré.") from exc
        if not empty:
            raise BackupError(
                f"Le stockage des documents ({media.where()}) contient déjà des fichiers : une "
                "sauvegarde se restaure dans une installation neuve (un compartiment vide, ou un "
                "préfixe encore inutilisé). Rien n'a été restauré."
            )


def _move_into_place(staging: Path) -> list[tuple[Path, Path | None]]:
    """Move the staged folders into place; what was moved and what it replaced (kept aside,
    to be put back if the database cannot be loaded)."""
    moved: list[tuple[Path, Path | None]] = []
    for name, root in _folders().items():
        source = staging / name
        if not source.is_dir():
            continue
        if root is None:
            root = Path(settings.VAR_DIR) / "restauration" / name
        aside = None
        if root.exists():
            aside = root.with_name(root.name + ".avant-restauration")
            shutil.rmtree(aside, ignore_errors=True)
            root.rename(aside)
        root.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(root))
        moved.append((root, aside))
    return moved


def _put_back(moved: list[tuple[Path, Path | None]]) -> None:
    for root, aside in moved:
        shutil.rmtree(root, ignore_errors=True)
        if aside is not None:
            aside.rename(root)


def _upload(staging: Path) -> list[str]:
    """The staged files written to the bucket, under their own names, when the documents are
    objects of a bucket; the names written. A failure removes what was written."""
    source = staging / "media"
    if media.is_local() or not source.is_dir():
        return []
    written: list[str] = []
    try:
        for path in sorted(source.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(source).as_posix()
            with path.open("rb") as handle:
                saved = default_storage.save(name, File(handle))
            written.append(saved)
            if saved != name:  # someone else writes to this bucket
                raise BackupError(
                    f"Le stockage des documents ({media.where()}) a déjà « {name} » : un autre "
                    "que cette restauration y écrit. Rien n'a été restauré."
                )
    except BaseException as exc:
        _remove(written)
        if isinstance(exc, media.object_storage_errors()):
            raise _unreachable(exc, "rien n'a été restauré.") from exc
        raise
    return written


def _remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except media.storage_errors():
            # The storage unreachable: said in the log; media_orphans lists what is left.
            logger.warning("Objet non supprimé après une restauration annulée : %s", name)


def _verify_documents() -> tuple[int, list[str]]:
    checked, problems = 0, []
    for model, file_field, digest in stored_files():
        rows = model._default_manager.exclude(**{file_field: ""}).iterator()
        for row in rows:
            try:
                read_checked(getattr(row, file_field), getattr(row, digest) if digest else "")
            except StoredFileError as exc:
                problems.append(f"{model._meta.verbose_name} {row.pk} : {exc.message}")
            checked += 1
    return checked, problems


def altered_message(altered: list[str], *, restored: bool) -> str:
    """The operator's message when stored documents no longer match their recorded hash."""
    shown = " ; ".join(altered[:5]) + (" ; …" if len(altered) > 5 else "")
    done = (
        "La restauration est faite, mais"
        if restored
        else "L'archive est écrite, mais dans l'installation"
    )
    return (
        f"{done} {len(altered)} document(s) ne correspondent plus à l'empreinte enregistrée à "
        f"leur création ({shown}) : reprenez-les d'une sauvegarde antérieure et cherchez ce qui "
        "les a modifiés (code de sortie 2)."
    )


def restore_backup(archive: Path, progress: Progress | None = None) -> Report:
    say = progress or (lambda _: None)
    if not archive.is_file():
        raise BackupError(f"L'archive « {archive} » n'existe pas.")
    report = Report(path=archive)
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
        staging = Path(folder)
        say("Lecture et vérification de l'archive…")
        manifest = _staged(archive, staging)
        _check_target(manifest)
        say("Création du schéma de la base…")
        call_command("migrate", interactive=False, verbosity=0)
        say("Restauration des fichiers et de la base…")
        moved = _move_into_place(staging)
        try:
            uploaded = _upload(staging)
        except BaseException:
            _put_back(moved)
            raise
        try:
            with transaction.atomic():
                call_command("loaddata", str(staging / DATABASE), verbosity=0)
        except Exception as exc:
            _put_back(moved)
            _remove(uploaded)
            raise BackupError(
                "La base de l'archive (base.jsonl) n'a pas pu être chargée : elle est endommagée "
                "ou ne correspond pas au schéma de cette version (relancez avec -v 2 pour le "
                "détail technique). Rien n'a été restauré.",
                detail=repr(exc),
            ) from exc
        for root, aside in moved:
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)
            if root.parent.name == "restauration":
                report.notes.append(
                    f"Les fichiers « {root.name} » sont dans « {root} » : faites-y pointer "
                    "PACTE_SIGNATORIES_DIR."
                )
    report.objects = int(manifest.get("objects", 0))
    report.files = len(manifest["members"]) - 1
    say("Vérification des documents restaurés…")
    report.checked_documents, report.altered = _verify_documents()
    return report
