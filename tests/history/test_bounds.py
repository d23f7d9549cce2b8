"""A history file is bounded: its columns, its rows, its amounts and dates, its texts. A file
past a bound is refused in French, at its line and column, and nothing is written."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command

from pacte.history import reading
from pacte.history.services import MAX_FILE_BYTES
from tests.history.conftest import csv_bytes, demo_rows
from tests.history.test_history import run, snapshot

pytestmark = pytest.mark.django_db


def _wide_xlsx(columns: int) -> bytes:
    """A tiny workbook whose sheet declares `columns` columns and fills its header."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    names = list(demo_rows()[0])
    for index in range(columns):
        sheet.cell(
            row=1, column=index + 1, value=names[index] if index < len(names) else f"c{index}"
        )
    sheet.cell(row=2, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _declaring(dimension: str, data: bytes) -> bytes:
    """The same workbook, its sheet claiming another size (`<dimension ref=…>`)."""
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = content.index(b"<dimension ref=")
                end = content.index(b"/>", start) + 2
                content = (
                    content[:start] + f'<dimension ref="{dimension}"/>'.encode() + content[end:]
                )
            zout.writestr(item, content)
    return target.getvalue()


def test_a_workbook_claiming_16384_columns_is_read_as_it_is(previous, users):
    rows = demo_rows()[:3]
    from tests.history.test_history import xlsx

    data = _declaring("A1:XFD1048576", xlsx(rows))
    tracemalloc.start()
    header, kept = reading.read_table(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(header) == len(rows[0]) and len(kept) == 3
    assert peak < 20 * 1024 * 1024, peak


def test_more_columns_than_the_cap_are_refused(previous, users):
    before = snapshot(previous)
    result = run(previous, users, _wide_xlsx(reading.MAX_COLUMNS + 5), name="large.xlsx")
    assert result.state == "refused"
    assert result.error_texts == [
        f"Ligne 1 : le fichier a {reading.MAX_COLUMNS + 1} colonnes : {reading.MAX_COLUMNS} au "
        "plus sont lues (supprimez les colonnes vides ou inutiles)."
    ]
    assert snapshot(previous) == before


def test_more_rows_than_the_cap_are_refused_at_the_first_line_past_it(previous, users):
    row = demo_rows()[0]
    header = ";".join(row)
    line = ";".join(str(v) for v in row.values())
    data = ("\ufeff" + header + "\n" + (line + "\n") * (reading.MAX_ROWS + 1)).encode()
    with pytest.raises(reading.FileRefused) as refused:
        reading.read_table(data)
    assert refused.value.errors == [
        {
            "line": reading.MAX_ROWS + 2,
            "message": "le fichier a plus de 100\u202f000 lignes d'opérations : découpez-le en "
            "plusieurs fichiers.",
        }
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("montant_fonds", "10000000000000", "montant hors de portée"),
        ("cout_total", "99999999999999999999", "montant hors de portée"),
        ("montant_fonds", "NaN", "n'est pas un montant"),
        ("date_vote", "01/01/0001", "une date entre le 01/01/1950 et le 31/12/2099"),
        ("date_fin_travaux", "31/12/9999", "une date entre le 01/01/1950 et le 31/12/2099"),
        ("intitule", "Salle\x00 des fêtes", "caractère nul"),
    ],
)
def test_a_cell_out_of_bounds_is_refused_at_its_line_and_column(
    previous, users, column, value, message
):
    rows = demo_rows()[:5]
    rows[3][column] = value
    before = snapshot(previous)
    result = run(previous, users, csv_bytes(rows))
    assert result.state == "refused"
    assert any(
        text.startswith(f"Ligne 5, colonne « {column} »") and message in text
        for text in result.error_texts
    ), result.error_texts
    assert snapshot(previous) == before


def test_the_command_refuses_a_file_too_big_in_french(previous, users, tmp_path):
    big = tmp_path / "enorme.csv"
    big.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(CommandError, match="dépasse 25 Mio : découpez-le"):
        call_command("import_history", str(big), "--utilisateur", "test-admin")


def test_the_command_turns_a_refusal_into_a_french_message(previous, users, tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as refused:
        call_command("import_history", str(empty), "--utilisateur", "test-admin")
    assert "Traceback" not in str(refused.value)
