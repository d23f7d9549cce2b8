"""A file written inside a transaction disappears with the transaction when it rolls back; one
written by a committed transaction stays; `media_orphans` finds what a killed process left."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from pacte.core import files
from pacte.documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _media(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


class Boom(Exception):
    pass


def test_a_savepoint_rolled_back_removes_its_file_only(media_root):
    kept, dropped = Document(), Document()
    with transaction.atomic():
        files.save(kept.file, "garde.pdf", b"%PDF-1.7 kept")
        with pytest.raises(Boom), transaction.atomic():
            files.save(dropped.file, "jete.pdf", b"%PDF-1.7 dropped")
            raise Boom
        assert _media(media_root) == [kept.file.name]
    assert _media(media_root) == [kept.file.name]


def test_media_orphans_lists_then_deletes_unreferenced_old_files(media_root):
    stray = Path(media_root) / "documents" / "2026" / "11" / "interrompu.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7")
    young = stray.with_name("en-cours.pdf")
    young.write_bytes(b"%PDF-1.7")
    old = time.time() - 3 * 3600
    os.utime(stray, (old, old))
    out = StringIO()
    call_command("media_orphans", stdout=out)
    assert "documents/2026/11/interrompu.pdf" in out.getvalue()
    assert "en-cours.pdf" not in out.getvalue() and stray.exists()
    call_command("media_orphans", "--delete", stdout=StringIO())
    assert not stray.exists() and young.exists()
