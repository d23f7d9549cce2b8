"""The PDFs rendered by an adoption live and die with its transaction (see pacte.core.files)."""

import datetime
from pathlib import Path

import pytest
from django.db import transaction

from pacte.assembly import services
from pacte.assembly.models import Deliberation
from pacte.documents.models import Document
from tests.assembly.test_items import framework_report, groups

pytestmark = pytest.mark.django_db
T = datetime.time


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _media(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


class Boom(Exception):
    pass


def _adopt(sitting, users):
    actor = users["test-assembly"]
    report = framework_report(sitting, actor)
    services.item_open(actor=actor, report=report, at=T(10, 30))
    return services.item_vote_by_group(
        actor=actor, report=report, counts={groups()[0]: (70, 0, 0, 0)}
    )


def test_an_adoption_rolled_back_leaves_no_pdf(standing_committee, users, media_root):
    """The deliberation and its report are rendered inside the adoption: if the transaction
    around it fails, neither the rows nor their files remain."""
    with pytest.raises(Boom), transaction.atomic():
        deliberation = _adopt(standing_committee, users)
        assert deliberation.document.file.storage.exists(deliberation.document.file.name)
        assert len(_media(media_root)) == 2
        raise Boom
    assert not Deliberation.objects.exists() and not Document.objects.exists()
    assert _media(media_root) == []


def test_an_adoption_committed_keeps_its_pdfs(standing_committee, users, media_root):
    deliberation = _adopt(standing_committee, users)
    assert _media(media_root) == sorted(
        [deliberation.document.file.name, deliberation.report_document.file.name]
    )
