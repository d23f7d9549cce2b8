"""Backup and restore: an installation with a signed convention written to one archive, then
restored by another process into an empty installation (its own database and folders), where
every stored document still matches its hash; broken archives and a non-empty installation are
refused in French with nothing written."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pacte.core.backup import stored_files
from pacte.core.models import User
from pacte.demo import documents as demo_documents
from pacte.documents.models import Document, SignatureStep
from tests.core.worker_support import database_url
from tests.documents.test_demo_documents import delegate  # noqa: F401 — a fixture
from tests.finance.conftest import ap, lens_contract, media_root, voted_operation  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    """`manage.py …` in a new process, on the given database and var folder."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PACTE_TEST_DB", "PACTE_SIGNATORIES_DIR"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        PACTE_VAR_DIR=str(var_dir),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def signed(lens_contract, users, ap, delegate):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        return demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"]
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_an_empty_installation_with_every_document_intact(
    signed, tmp_path, settings
):
    # The installation of the test: its database, its media folder; the signing authority of
    # the tests' var folder.
    source = tmp_path / "source"
    (source / "test-media").parent.mkdir(parents=True)
    (source / "test-media").symlink_to(Path(settings.MEDIA_ROOT), target_is_directory=True)
    (source / "pki").symlink_to(Path(settings.VAR_DIR) / "pki", target_is_directory=True)
    archive = tmp_path / "sauvegarde.tar.gz"
    made = _manage("pacte_backup", str(archive), database_url=database_url(), var_dir=source)
    assert made.returncode == 0, made.stderr[-3000:]
    assert "Sauvegarde écrite" in made.stdout
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # private keys, personal data
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert "base.jsonl" in names and any(n.startswith("pki/") for n in names)
    for document in Document.objects.all():
        assert f"media/{document.file.name}" in manifest["members"]
        assert manifest["members"][f"media/{document.file.name}"]["sha256"] == document.sha256

    target = tmp_path / "neuve"
    empty = f"sqlite:///{target / 'pacte.sqlite3'}"
    result = _manage("pacte_restore", str(archive), database_url=empty, var_dir=target)
    assert result.returncode == 0, result.stderr[-3000:]
    documents = sum(
        model._default_manager.exclude(**{name: ""}).count() for model, name, _ in stored_files()
    )
    assert documents >= Document.objects.count() + SignatureStep.objects.exclude(file="").count()
    assert f"{documents} documents vérifiés contre leur empreinte" in result.stdout

    restored = sqlite3.connect(target / "pacte.sqlite3")
    try:
        rows = restored.execute("SELECT file, sha256 FROM documents_document").fetchall()
        users = {name for (name,) in restored.execute("SELECT username FROM core_user")}
        steps = restored.execute(
            "SELECT count(*) FROM documents_signaturestep WHERE signed_at IS NOT NULL"
        ).fetchone()[0]
    finally:
        restored.close()
    assert users == set(User.objects.values_list("username", flat=True))
    assert steps == 2
    assert sorted(rows) == sorted(Document.objects.values_list("file", "sha256"))
    for name, digest in rows:
        content = (target / "test-media" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest
    assert (target / "pki" / "ca-cert.pem").read_bytes() == (
        Path(settings.VAR_DIR) / "pki" / "ca-cert.pem"
    ).read_bytes()

    # Restoring again into the now full installation is refused, and changes nothing.
    again = _manage("pacte_restore", str(archive), database_url=empty, var_dir=target)
    assert again.returncode != 0
    assert "Cette installation n'est pas vide" in again.stderr
    assert "Traceback" not in again.stderr

    # A stored document altered since it was made: the backup is written but says so (code 2),
    # and its restore too.
    altered = Path(settings.MEDIA_ROOT) / Document.objects.first().file.name
    original = altered.read_bytes()
    altered.write_bytes(original + b"%% ajout")
    older = tmp_path / "pacte-20200101-000000.tar.gz"
    older.write_bytes(b"une sauvegarde plus ancienne")
    try:
        second = tmp_path / "avec-altere.tar.gz"
        made = _manage(
            "pacte_backup", str(second), "--keep", "1", database_url=database_url(), var_dir=source
        )
    finally:
        altered.write_bytes(original)
    assert made.returncode == 2, made.stderr[-3000:]
    assert "Sauvegarde écrite" in made.stdout
    assert older.exists() and "Les sauvegardes plus anciennes sont gardées" in made.stdout
    assert "L'archive est écrite, mais dans l'installation 1 document(s)" in made.stderr
    elsewhere = tmp_path / "autre"
    restored = _manage(
        "pacte_restore",
        str(second),
        database_url=f"sqlite:///{elsewhere / 'pacte.sqlite3'}",
        var_dir=elsewhere,
    )
    assert restored.returncode == 2, restored.stderr[-3000:]
    assert "La restauration est faite, mais 1 document(s) ne correspondent plus" in restored.stderr
    assert "Traceback" not in restored.stderr


def _archive(tmp_path: Path, members: dict[str, bytes], manifest: dict | None = None) -> Path:
    """An archive written by hand: its members, and a manifest (made right unless given)."""
    from pacte.core.backup import FORMAT, migrations_state

    if manifest is None:
        manifest = {
            "format": FORMAT,
            "migrations": migrations_state(),
            "members": {
                name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                for name, data in members.items()
            },
        }
    path = tmp_path / f"main-{len(list(tmp_path.glob('main-*')))}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**members, "manifest.json": json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("pacte_restore", str(path), stdout=io.StringIO())
    return str(refused.value)


@pytest.mark.django_db
def test_broken_archives_are_refused_before_anything_is_written(tmp_path, settings):
    good = _archive(tmp_path, {"base.jsonl": b"", "media/a.pdf": b"%PDF-1.7 un"})
    data = good.read_bytes()
    truncated = tmp_path / "tronquee.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    assert "est illisible ou tronquée" in _refusal(truncated)
    assert "rien n'a été restauré" in _refusal(truncated)

    tampered = _archive(tmp_path, {"base.jsonl": b"", "media/a.pdf": b"%PDF-1.7 deux"})
    with tarfile.open(tampered) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    manifest["members"]["media/a.pdf"]["sha256"] = "0" * 64
    altered = _archive(tmp_path, {"base.jsonl": b"", "media/a.pdf": b"%PDF-1.7 deux"}, manifest)
    message = _refusal(altered)
    assert "ne correspond pas à son manifeste" in message
    assert "« media/a.pdf » n'a pas l'empreinte du manifeste" in message

    with tarfile.open(good) as tar:
        right = json.load(tar.extractfile("manifest.json"))
    older = dict(right, migrations={"core": ["0001_initial"]})
    members = {"base.jsonl": b"", "media/a.pdf": b"%PDF-1.7 un"}
    assert "une autre version de Pacte" in _refusal(_archive(tmp_path, members, older))

    # A file named like the manifest, deeper in the archive, is a file like another.
    hidden = _archive(tmp_path, {"base.jsonl": b""})
    with tarfile.open(hidden) as tar:
        manifest_only = json.load(tar.extractfile("manifest.json"))
    smuggled = _archive(
        tmp_path, {"base.jsonl": b"", "media/x/manifest.json": b"{}"}, manifest_only
    )
    assert "« media/x/manifest.json » n'est pas au manifeste" in _refusal(smuggled)

    link = tmp_path / "lien.tar.gz"
    with tarfile.open(link, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../etc/passwd")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    assert "n'est pas un fichier" in _refusal(link)

    # A file whose path leaves the restore's folder is named, not called « tronquée ».
    escape = tmp_path / "evasion.tar.gz"
    with tarfile.open(escape, "w:gz") as tar:
        info = tarfile.TarInfo("media/../../evasion.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    message = _refusal(escape)
    assert "« media/../../evasion.txt », dont le chemin sort du dossier de restauration" in message
    assert "tronquée" not in message and not (Path(settings.VAR_DIR) / "evasion.txt").exists()

    # A member announcing a petabyte is refused before a byte of it is written.
    huge = tmp_path / "enorme.tar"
    header = tarfile.TarInfo("media/enorme.bin")
    header.size = 2**50
    huge.write_bytes(header.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 4096)
    message = _refusal(huge)
    assert "dès « media/enorme.bin » (une sauvegarde se décompresse" in message
    assert "Rien n'a été restauré" in message

    # A small archive that would swell past a hundred times its size: refused as it unpacks.
    bomb = tmp_path / "bombe.tar.gz"
    with tarfile.open(bomb, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("media/zeros.bin")
        info.size = 300 * 1024 * 1024
        tar.addfile(info, _Zeros(info.size))
    message = _refusal(bomb)
    assert "se décompresserait en plus de 256 Mio dès « media/zeros.bin »" in message
    assert not list(Path(settings.VAR_DIR).glob("tmp*/media/zeros.bin"))

    # A manifest whose entries are not what Pacte writes, and names that would print escape
    # sequences: French messages, printable names, no traceback.
    odd = _archive(tmp_path, {"base.jsonl": b""})
    with tarfile.open(odd) as tar:
        manifest_odd = json.load(tar.extractfile("manifest.json"))
    manifest_odd["members"]["base.jsonl"] = 5
    assert "pas de manifeste lisible" in _refusal(
        _archive(tmp_path, {"base.jsonl": b""}, dict(manifest_odd, members={}, objects="beaucoup"))
    )
    deep = _archive(tmp_path, {"base.jsonl": b""})
    with tarfile.open(deep) as tar:
        deep_manifest = tar.extractfile("manifest.json").read().decode()
    nested = deep_manifest[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "profond.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"base.jsonl": b"", "manifest.json": nested.encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert "pas de manifeste lisible" in _refusal(path)
    assert "pas de manifeste lisible" in _refusal(
        _archive(tmp_path, {"base.jsonl": b""}, manifest_odd)
    )
    hidden = _archive(tmp_path, {"base.jsonl": b""})
    with tarfile.open(hidden) as tar:
        manifest_plain = json.load(tar.extractfile("manifest.json"))
    escape_name = "media/\x1b[31mrouge\nligne"
    message = _refusal(_archive(tmp_path, {"base.jsonl": b"", escape_name: b"x"}, manifest_plain))
    assert "« media/?[31mrouge?ligne » n'est pas au manifeste" in message
    assert "\x1b" not in message and "\n" not in message
    assert not (Path(settings.MEDIA_ROOT) / "a.pdf").exists()


class _Zeros(io.RawIOBase):
    """`size` zero bytes, read without holding them."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


@pytest.mark.django_db
def test_only_the_dated_archives_rotate(tmp_path):
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    for name in ["pacte-20250101-050000.tar.gz", "pacte-20250102-050000.tar.gz"]:
        (folder / name).write_bytes(b"ancienne")
    manual = folder / "pacte-avant-mise-a-jour.tar.gz"
    manual.write_bytes(b"a la main")
    out = io.StringIO()
    call_command("pacte_backup", str(folder / "pacte-20991231-050000.tar.gz"), keep=2, stdout=out)
    assert "1 sauvegarde(s) plus ancienne(s) supprimée(s)" in out.getvalue()
    assert sorted(p.name for p in folder.iterdir()) == [
        "pacte-20250102-050000.tar.gz",
        "pacte-20991231-050000.tar.gz",
        "pacte-avant-mise-a-jour.tar.gz",
    ]


@pytest.mark.django_db
def test_an_installation_in_use_is_not_overwritten(tmp_path, users):
    archive = _archive(tmp_path, {"base.jsonl": b""})
    assert "Cette installation n'est pas vide" in _refusal(archive)
    assert User.objects.filter(username="test-agent").exists()
