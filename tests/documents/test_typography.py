"""French typography in the generated documents: no line may start with « ; », « : », « % » or
« » », nor end with « « »: the spaces before them are no-break spaces, in the texts typed by
users as in the templates' own words."""

import subprocess

import pytest

from pacte.documents import services
from pacte.documents.rendering import sheet_data
from pacte.operations.models import Operation
from tests.documents.test_documents import file_bytes
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture
def voted(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    Operation.objects.filter(pk=operation.pk).update(
        description="Objectif : relier les gares ; coût maîtrisé à 30 % « sans surcoût »"
    )
    return Operation.objects.get(pk=operation.pk)


def _poppler(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_sheets_texts_get_no_break_spaces(voted):
    data = sheet_data(voted)
    assert data["description"] == (
        f"Objectif{NBSP}: relier les gares{NBSP}; coût maîtrisé à 30{NBSP}% "
        f"«{NBSP}sans surcoût{NBSP}»"
    )
    assert data["map"].startswith("<svg")  # the drawing is left as it is


def test_no_line_of_the_sheets_pdf_starts_with_a_high_sign(voted, users):
    # Hundreds of break opportunities before « : », « ; », « % » and « » » if the spaces were
    # ordinary ones: some lines would start with them.
    Operation.objects.filter(pk=voted.pk).update(
        description=" ".join(f"Lot{i} : {i * 7} % « phase {i} » ;" for i in range(300))
    )
    voted.refresh_from_db()
    document = services.sheet_generate(actor=users["test-agent"], operation=voted)
    lines = [line.strip() for line in _poppler(file_bytes(document.file)).splitlines()]
    assert sum(line.startswith("Lot") for line in lines) > 10  # the text wraps
    starting = [line for line in lines if line[:1] in {":", ";", "%", "»"}]
    assert starting == []
    assert not [line for line in lines if line.endswith("«")]
