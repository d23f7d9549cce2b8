"""The media in an S3-compatible object storage (PACTE_MEDIA_S3_*), against a real S3 server
started by the tests (moto's, over HTTP): documents generated into the bucket and downloaded
after their hash check, attachments uploaded through the page and served, altered or missing
objects refused in French, private and encrypted objects, nothing overwritten, the objects of a
rolled-back transaction removed, `media_orphans` on the bucket, a storage that does not answer
(503 in French, nothing written), and the health check."""

import hashlib
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from pacte.core import files, media
from pacte.core.backup import stored_files
from pacte.demo import documents as demo_documents
from pacte.documents import services as document_services
from pacte.documents.models import Document, SignatureStep
from pacte.operations.models import Attachment, Operation
from tests.core.object_storage_support import Bucket, new_bucket, use_bucket
from tests.core.worker_support import database_url
from tests.documents.test_demo_documents import delegate  # noqa: F401 — a fixture
from tests.finance.conftest import ap, lens_contract, make_operation, voted_operation  # noqa: F401
from tests.operations.conftest import PDF

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(lens_contract, users, ap):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    return Operation.objects.get(pk=operation.pk)


def _local_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_environment_chooses_the_storage_and_nothing_changes_without_a_bucket():
    assert media.storage_setting({}) == {"BACKEND": media.FILE_SYSTEM_BACKEND}
    setting = media.storage_setting(
        {
            "PACTE_MEDIA_S3_BUCKET": " pacte-medias ",
            "PACTE_MEDIA_S3_ENDPOINT_URL": "https://s3.example.fr",
            "PACTE_MEDIA_S3_REGION": "fr-par",
            "PACTE_MEDIA_S3_ACCESS_KEY_ID": "cle",
            "PACTE_MEDIA_S3_SECRET_ACCESS_KEY": "secret",
            "PACTE_MEDIA_S3_PREFIX": "/production/",
            "PACTE_MEDIA_S3_ENCRYPTION": "aws:kms",
            "PACTE_MEDIA_S3_KMS_KEY_ID": "cle-kms",
        }
    )
    assert setting["BACKEND"] == media.OBJECT_STORAGE_BACKEND
    options = setting["OPTIONS"]
    assert options["bucket_name"] == "pacte-medias" and options["location"] == "production"
    assert options["addressing_style"] == "path"  # an S3-compatible service of its own
    assert options["object_parameters"] == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "cle-kms",
    }
    with pytest.raises(ImproperlyConfigured, match="AES256"):
        media.storage_setting({"PACTE_MEDIA_S3_BUCKET": "b", "PACTE_MEDIA_S3_ENCRYPTION": "oui"})
    with pytest.raises(ImproperlyConfigured, match="path"):
        media.storage_setting(
            {"PACTE_MEDIA_S3_BUCKET": "b", "PACTE_MEDIA_S3_ADDRESSING_STYLE": "dossier"}
        )

    # The production settings keep the media's storage from the environment.
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PACTE_MEDIA_S3_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "sqlite:///inutilisee.sqlite3",
        "SECRET_KEY": "x" * 60,
    }
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    for extra, backend in [
        ({}, media.FILE_SYSTEM_BACKEND),
        ({"PACTE_MEDIA_S3_BUCKET": "pacte-medias"}, media.OBJECT_STORAGE_BACKEND),
    ]:
        shown = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**environment, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shown.stdout.strip() == backend, shown.stderr[-2000:]


def test_a_generated_document_is_a_private_encrypted_object_served_after_its_hash_check(
    media_bucket, voted, users, client_for, settings
):
    document = document_services.agreement_generate(actor=users["test-agent"], operation=voted)
    key = media_bucket.key(document.file.name)
    assert key.startswith("pacte/medias/documents/") and key in set(media_bucket.keys())
    assert hashlib.sha256(media_bucket.read(document.file.name)).hexdigest() == document.sha256
    head = media_bucket.client.head_object(Bucket=media_bucket.name, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/pdf"
    # No address: not for anyone without the keys, not from Pacte.
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{media_bucket.endpoint}/{media_bucket.name}/{key}", timeout=10)
    assert anonymous.value.code == 403
    with pytest.raises(NotImplementedError):
        document.file.url  # noqa: B018

    response = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == document.sha256
    assert response.content.startswith(b"%PDF")
    verdict = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    assert verdict.status_code == 200 and "altéré" not in verdict.content.decode()
    assert _local_files(settings) == []

    media_bucket.write(document.file.name, response.content + b"%% ajout")
    assert client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/").status_code == 409
    verdict = client_for("agent").get(f"/documents/{voted.pk}/{document.pk}/verifier/")
    assert "il a été remplacé ou altéré" in verdict.content.decode()


def test_a_history_file_is_kept_in_the_bucket_and_imported_from_it(media_bucket, users):
    from pacte.contracts.models import Generation
    from pacte.history.models import HistoryImport
    from pacte.history.services import history_import_file
    from tests.history.conftest import demo_rows
    from tests.history.test_history import xlsx

    workbook = xlsx(demo_rows()[:5])
    result = history_import_file(
        actor=users["test-agent"],
        generation=Generation.objects.get(framework_deliberation_number="2018-514"),
        data=workbook,
        name="historique.xlsx",
    )
    assert result.error_texts == [] and result.created_operations == 5
    stored = HistoryImport.objects.get().source.name
    assert stored.startswith("pilotage/historique/") and media_bucket.read(stored) == workbook


def test_an_object_is_never_overwritten_and_a_rolled_back_one_is_removed(media_bucket):
    first, second, dropped = Document(), Document(), Document()
    files.save(first.file, "meme-nom.pdf", b"%PDF-1.7 premier")
    files.save(second.file, "meme-nom.pdf", b"%PDF-1.7 second")
    assert first.file.name != second.file.name
    assert media_bucket.read(first.file.name) == b"%PDF-1.7 premier"
    assert media_bucket.read(second.file.name) == b"%PDF-1.7 second"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        files.save(dropped.file, "annule.pdf", b"%PDF-1.7 annule")
        assert media_bucket.key(dropped.file.name) in set(media_bucket.keys())
        raise Boom
    assert media_bucket.keys() == sorted(media_bucket.key(d.file.name) for d in (first, second))


def test_an_attachment_uploaded_through_the_page_is_served_from_the_bucket_and_checked(
    media_bucket,
    lens_contract,  # noqa: F811
    users,
    client_for,
):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    partner = client_for("partner")
    sent = partner.post(
        f"/operations/{operation.pk}/pieces/",
        {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 302
    attachment = Attachment.objects.get(operation=operation)
    assert media_bucket.read(attachment.file.name) == PDF
    page = f"/operations/{operation.pk}/pieces/{attachment.pk}/"
    api = f"/api/operations/{operation.pk}/pieces/{attachment.pk}"
    served = partner.get(page)
    assert served.status_code == 200 and served.content == PDF
    assert partner.get(api).content == PDF

    # Changed in the bucket behind Pacte's back: refused on the page and through the API.
    media_bucket.write(attachment.file.name, PDF + b"% ajout")
    altered = partner.get(page)
    assert altered.status_code == 409
    assert "remplacé ou altéré" in altered.content.decode()
    answer = partner.get(api)
    assert answer.status_code == 409 and "remplacé ou altéré" in answer.json()["detail"]

    # Gone from the bucket: « introuvable », not a server error.
    media_bucket.client.delete_object(
        Bucket=media_bucket.name, Key=media_bucket.key(attachment.file.name)
    )
    missing = partner.get(page)
    assert missing.status_code == 404 and "introuvable sur le serveur" in missing.content.decode()


def test_media_orphans_lists_then_deletes_the_bucket_s_unreferenced_objects(
    media_bucket,
    lens_contract,  # noqa: F811
    users,
):
    operation = make_operation(lens_contract, users["test-partner"])
    kept = [a.file.name for a in Attachment.objects.filter(operation=operation)]
    assert kept
    media_bucket.write("documents/2026/11/interrompu.pdf", b"%PDF-1.7 orphelin")

    out = io.StringIO()
    call_command("media_orphans", stdout=out)  # the orphan is too young to be one
    assert "0 fichier(s) sans enregistrement" in out.getvalue()
    out = io.StringIO()
    call_command("media_orphans", "--older-than", "0", stdout=out)
    assert out.getvalue().splitlines()[0] == "documents/2026/11/interrompu.pdf"
    assert "1 fichier(s) sans enregistrement" in out.getvalue()
    call_command("media_orphans", "--older-than", "0", "--delete", stdout=io.StringIO())
    assert media_bucket.keys() == sorted(media_bucket.key(name) for name in kept)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_storage_that_does_not_answer_is_a_french_503_and_nothing_is_written(
    media_bucket,
    lens_contract,  # noqa: F811
    users,
    client_for,
    settings,
    client,
):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    partner = client_for("partner")
    partner.post(
        f"/operations/{operation.pk}/pieces/",
        {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", PDF, "application/pdf")},
    )
    attachment = Attachment.objects.get(operation=operation)
    healthy = client.get("/sante/").json()["verifications"]
    assert healthy["stockage"]["ok"] is True
    assert "Mio libres sur le disque de var/" in healthy["disque"]["message"]

    down = Bucket(f"http://127.0.0.1:{_closed_port()}", media_bucket.name, media_bucket.prefix)
    use_bucket(settings, down)
    refused = partner.get(f"/operations/{operation.pk}/pieces/{attachment.pk}/")
    assert refused.status_code == 503
    assert "Le stockage des documents ne répond pas" in refused.content.decode()
    api = partner.get(f"/api/operations/{operation.pk}/pieces/{attachment.pk}")
    assert api.status_code == 503 and "ne répond pas" in api.json()["detail"]
    sent = partner.post(
        f"/operations/{operation.pk}/pieces/",
        {"kind": "plan", "file": SimpleUploadedFile("plan-v2.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 503
    assert Attachment.objects.filter(operation=operation).count() == 1
    checks = client.get("/sante/").json()["verifications"]
    assert checks["stockage"]["ok"] is False
    assert "ne répond pas ou refuse l'accès" in checks["stockage"]["message"]
    with pytest.raises(CommandError, match="Le stockage des documents"):
        call_command("media_orphans", stdout=io.StringIO())


# --- Backup and restore with the media in a bucket -------------------------------------------


def _manage(*args: str, database_url: str, var_dir: Path, bucket: Bucket | None):
    """`manage.py …` in a new process, on the given database, var folder and bucket (none: the
    local media folder)."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PACTE_TEST_DB", "PACTE_SIGNATORIES_DIR"}
        and not k.startswith("PACTE_MEDIA_S3_")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        PACTE_VAR_DIR=str(var_dir),
        **(bucket.environment if bucket else {}),
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
def signed_in_bucket(media_bucket, lens_contract, users, ap, delegate):  # noqa: F811
    """A signed convention, with the operation's attachments, its sheet and its signed copies,
    all stored in the bucket."""
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"]
        )
    return media_bucket


def _stored() -> dict[str, str]:
    """Every stored file's name and the SHA-256 its row recorded."""
    found = {}
    for model, field, digest in stored_files():
        for row in model._default_manager.exclude(**{field: ""}):
            found[getattr(row, field).name] = getattr(row, digest) if digest else ""
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_of_a_bucket_restores_into_another_bucket_with_every_document_checked(
    signed_in_bucket, s3_server, tmp_path, settings
):
    source_bucket = signed_in_bucket
    stored = _stored()
    assert len(stored) >= Document.objects.count() + SignatureStep.objects.exclude(file="").count()
    assert Attachment.objects.exists() and SignatureStep.objects.exclude(file="").count() == 2
    assert source_bucket.keys() == sorted(source_bucket.key(name) for name in stored)

    source = tmp_path / "source"
    source.mkdir()
    (source / "pki").symlink_to(Path(settings.VAR_DIR) / "pki", target_is_directory=True)
    archive = tmp_path / "sauvegarde.tar.gz"
    made = _manage(
        "pacte_backup",
        str(archive),
        database_url=database_url(),
        var_dir=source,
        bucket=source_bucket,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    assert "Sauvegarde écrite" in made.stdout
    # A bucket that does not answer: a French message, and no archive.
    down = Bucket(f"http://127.0.0.1:{_closed_port()}", source_bucket.name, source_bucket.prefix)
    failed = _manage(
        "pacte_backup",
        str(tmp_path / "echec.tar.gz"),
        database_url=database_url(),
        var_dir=source,
        bucket=down,
    )
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    assert "ne répond pas ou refuse l'accès" in failed.stderr
    assert "aucune archive n'a été écrite" in failed.stderr
    assert list(tmp_path.glob("echec*")) == []
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        for name, digest in stored.items():
            member = tar.extractfile(f"media/{name}").read()
            assert hashlib.sha256(member).hexdigest() == digest
    media_members = {
        n[len("media/") :]: m for n, m in manifest["members"].items() if n[:6] == "media/"
    }
    assert {name: m["sha256"] for name, m in media_members.items()} == stored
    assert not (source / "test-media").exists()

    # Into another bucket, under another prefix.
    target_bucket = new_bucket(s3_server, prefix="restauree")
    target = tmp_path / "neuve"
    empty = f"sqlite:///{target / 'pacte.sqlite3'}"
    result = _manage(
        "pacte_restore", str(archive), database_url=empty, var_dir=target, bucket=target_bucket
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{len(stored)} documents vérifiés contre leur empreinte" in result.stdout
    assert "introuvable" not in result.stdout and "altéré" not in result.stdout
    assert target_bucket.digests() == {
        target_bucket.key(name): digest
        for name, digest in {
            name: hashlib.sha256(source_bucket.read(name)).hexdigest() for name in stored
        }.items()
    }
    restored = sqlite3.connect(target / "pacte.sqlite3")
    try:
        rows = restored.execute("SELECT file, sha256 FROM documents_document").fetchall()
        rows += restored.execute("SELECT file, sha256 FROM operations_attachment").fetchall()
    finally:
        restored.close()
    assert rows and len(rows) >= Document.objects.count() + Attachment.objects.count()
    for name, digest in rows:
        assert hashlib.sha256(target_bucket.read(name)).hexdigest() == digest
    assert not (target / "test-media").exists()

    # Restoring again is refused, and changes nothing.
    keys = target_bucket.keys()
    again = _manage(
        "pacte_restore", str(archive), database_url=empty, var_dir=target, bucket=target_bucket
    )
    assert again.returncode != 0 and "Cette installation n'est pas vide" in again.stderr
    assert "Traceback" not in again.stderr

    # An empty database with a bucket already in use: refused before anything is written.
    other = tmp_path / "autre"
    refused = _manage(
        "pacte_restore",
        str(archive),
        database_url=f"sqlite:///{other / 'pacte.sqlite3'}",
        var_dir=other,
        bucket=target_bucket,
    )
    assert refused.returncode != 0, refused.stdout
    assert "contient déjà des fichiers" in refused.stderr
    assert f"le compartiment « {target_bucket.name} », préfixe « restauree/ »" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert target_bucket.keys() == keys

    # The same archive onto a local disk (leaving object storage is a restore too).
    local = tmp_path / "locale"
    onto_disk = _manage(
        "pacte_restore",
        str(archive),
        database_url=f"sqlite:///{local / 'pacte.sqlite3'}",
        var_dir=local,
        bucket=None,
    )
    assert onto_disk.returncode == 0, onto_disk.stderr[-3000:]
    assert f"{len(stored)} documents vérifiés contre leur empreinte" in onto_disk.stdout
    for name, digest in stored.items():
        content = (local / "test-media" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest
