"""The demo's history file, read with the standard library alone, rows rewritten as CSV, and the
file imported into the 2019-2022 generation. The pilotage tests (bilans, open data) use them too."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from pacte.contracts.models import Generation
from pacte.history.services import history_import_file

DEMO_FILE = (
    Path(__file__).resolve().parents[2] / "pacte" / "demo" / "data" / "historique-2019-2022.csv"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def previous(db):
    return Generation.objects.get(framework_deliberation_number="2018-514")


def demo_rows() -> list[dict]:
    """The demo file's rows, read with the standard library alone."""
    with DEMO_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal("0.00")


def csv_bytes(rows: list[dict], *, delimiter=";", bom=True) -> bytes:
    header = list(rows[0].keys())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(k, "") for k in header])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


@pytest.fixture
def imported(previous, users):
    """The demo file imported into the 2019-2022 generation by the test agent."""
    result = history_import_file(
        actor=users["test-agent"],
        generation=previous,
        data=DEMO_FILE.read_bytes(),
        name=DEMO_FILE.name,
    )
    assert result.error_texts == []
    return result
