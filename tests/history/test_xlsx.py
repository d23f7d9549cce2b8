"""The XLSX reader gives the values a spreadsheet shows, as openpyxl reads them, from the
workbooks Excel, LibreOffice and openpyxl write; it stays within its bounds on a hostile one."""

import datetime
import gc
import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from pacte.history import reading, xlsx

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


def _varied(workbook: Workbook) -> bytes:
    sheet = workbook.active if not workbook.write_only else workbook.create_sheet("Feuille")
    sheet.append(["Intitulé", "Entier", "Décimal", "Date", "Horodatage", "Booléen", "", "Fin"])
    sheet.append(
        [
            "Épicerie « solidaire »\u202f: 1re tranche",
            12,
            1250000.5,
            datetime.date(2022, 9, 26),
            datetime.datetime(2022, 9, 26, 14, 30),  # noqa: DTZ001 — a spreadsheet's own
            True,
            None,
            "a & b < c",
        ]
    )
    sheet.append([None] * 8)
    sheet.append(["  espaces gardés  ", -3, 1e-7, datetime.date(1950, 1, 1), None, False, 0, "x"])
    if not workbook.write_only:
        sheet.cell(row=7, column=3, value="isolée, après deux lignes absentes")
        sheet["A8"] = CellRichText(["Maison ", TextBlock(InlineFont(b=True), "de santé")])
        sheet["H8"] = "=1+1"  # a formula without its computed value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _openpyxl_rows(data: bytes) -> dict[int, list]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    found = {}
    for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=61), start=1):
        values = _trimmed(row)
        if values:
            found[number] = values
    book.close()
    return found


def _ours(data: bytes) -> dict[int, list]:
    return {
        number: _trimmed(values)
        for number, values in xlsx.rows(io.BytesIO(data), max_columns=61)
        if _trimmed(values)
    }


def _trimmed(values) -> list:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def _mac_1904() -> Workbook:
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    return book


@pytest.mark.parametrize(
    "make",
    [Workbook, lambda: Workbook(write_only=True), _mac_1904],
    ids=["shared-strings", "inline-strings", "1904"],
)
def test_values_are_those_openpyxl_reads(make):
    data = _varied(make())
    ours = _ours(data)
    assert ours == _openpyxl_rows(data)
    assert ours[2][3] == datetime.datetime(2022, 9, 26)  # noqa: DTZ001
    assert ours[2][0] == "Épicerie « solidaire »\u202f: 1re tranche"


def test_rich_text_sparse_cells_and_missing_rows():
    ours = _ours(_varied(Workbook()))
    assert sorted(ours) == [1, 2, 4, 7, 8]
    assert ours[7] == [None, None, "isolée, après deux lignes absentes"]
    assert ours[8][0] == "Maison de santé"
    assert ours[4][0] == "  espaces gardés  "


def _package(sheet: str, namespace: str = SPREADSHEET, shared: str | None = None) -> bytes:
    """A workbook written by hand: its parts as the standard names them."""
    parts = {
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE}"><Relationship Id="r1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{namespace}" xmlns:r="{RELATIONSHIPS}"><sheets>'
        '<sheet name="A" sheetId="1" r:id="s1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}">'
        f'<Relationship Id="s1" Type="{RELATIONSHIPS}/worksheet" '
        'Target="/xl/worksheets/feuille.xml"/>'
        f'<Relationship Id="s2" Type="{RELATIONSHIPS}/sharedStrings" Target="strings.xml"/>'
        "</Relationships>",
        "xl/worksheets/feuille.xml": sheet,
    }
    if shared is not None:
        parts["xl/strings.xml"] = shared
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_every_kind_of_cell_of_a_hand_written_sheet():
    sheet = (
        f'<x:worksheet xmlns:x="{SPREADSHEET}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="str"><x:f>A1</x:f>'
        '<x:v>formule</x:v></x:c><x:c r="C1" t="e"><x:v>#N/A</x:v></x:c>'
        '<x:c r="D1" t="d"><x:v>2022-09-26T00:00:00</x:v></x:c><x:c r="E1" t="b"><x:v>0</x:v>'
        '</x:c><x:c r="F1" t="inlineStr"><x:is><x:r><x:t>en </x:t></x:r><x:r><x:t>ligne</x:t>'
        "</x:r><x:rPh><x:t>lecture</x:t></x:rPh></x:is></x:c></x:row>"
        # cells without their reference follow the one before
        "<x:row><x:c><x:v>1E3</x:v></x:c><x:c><x:v>7</x:v></x:c></x:row>"
        "</x:sheetData><x:mergeCells/></x:worksheet>"
    )
    shared = f'<sst xmlns="{SPREADSHEET}"><si><t>Premi&#232;re &amp; seule</t></si></sst>'
    assert list(xlsx.rows(io.BytesIO(_package(sheet, shared=shared)), max_columns=61)) == [
        (
            1,
            [
                "Première & seule",
                "formule",
                "#N/A",
                datetime.datetime(2022, 9, 26),  # noqa: DTZ001
                False,
                "en ligne",
            ],
        ),
        (2, [1000.0, 7]),
    ]


def test_a_strict_workbook_is_read():
    sheet = (
        f'<worksheet xmlns="{STRICT}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        "intitule</t></is></c></row></sheetData></worksheet>"
    )
    assert list(xlsx.rows(io.BytesIO(_package(sheet, namespace=STRICT)), 61)) == [(1, ["intitule"])]


def test_cells_past_the_cap_are_not_read():
    cells = "".join(f'<c r="{letter}1"><v>{n}</v></c>' for n, letter in enumerate("ABCDE"))
    sheet = f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1">{cells}</row>'
    sheet += "</sheetData></worksheet>"
    assert list(xlsx.rows(io.BytesIO(_package(sheet)), max_columns=3)) == [(1, [0, 1, 2])]


def _refusal(data: bytes) -> str:
    with pytest.raises(reading.FileRefused) as refused:
        reading.read_table(data)
    return refused.value.errors[0]["message"]


def test_a_row_of_a_million_cells_is_refused_without_filling_the_memory():
    # 8 bytes a cell, some kilobytes once compressed: a row no table has.
    cells = "<c><v>1</v></c>" * 1_000_000
    sheet = f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1">{cells}</row>'
    sheet += "</sheetData></worksheet>"
    assert _refusal(_package(sheet)).startswith("Ce classeur XLSX est trop volumineux")
    assert gc.isenabled()


def test_a_sheet_padded_before_its_rows_is_refused():
    padding = " " * (xlsx.MAX_BEFORE_ROWS + 2 * xlsx.CHUNK)  # checked a chunk at a time
    sheet = f'<worksheet xmlns="{SPREADSHEET}">{padding}<sheetData/></worksheet>'
    assert _refusal(_package(sheet)).startswith("Ce classeur XLSX est trop volumineux")


@pytest.mark.parametrize(
    "sheet",
    [
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>9</v></c>'
        "</row></sheetData></worksheet>",  # a shared string that does not exist
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="-5"><c r="A-5" t="str"><v>x</v>'
        "</c></row></sheetData></worksheet>",  # a row numbered below 1
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1">',  # cut short
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>-1</v></c>'
        "</row></sheetData></worksheet>",  # a negative index: not the last string
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="3000000000"><c t="str"><v>x</v>'
        "</c></row></sheetData></worksheet>",  # past the last row of a sheet
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><extLst><row r="1"><c t="str"><v>x</v>'
        "</c></row></extLst></sheetData></worksheet>",  # rows hidden in another element
    ],
    ids=["missing", "row-below-1", "truncated", "negative-index", "row-past-end", "wrapped"],
)
def test_a_broken_sheet_gets_the_french_message(sheet):
    assert _refusal(_package(sheet, shared="<sst/>")) == (
        "Ce classeur XLSX ne s'ouvre pas : enregistrez-le à nouveau au format Excel (.xlsx) "
        "ou en CSV UTF-8."
    )
    assert gc.isenabled()


def test_an_external_entity_is_not_fetched():
    sheet = (
        f'<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet xmlns="{SPREADSHEET}">'
        '<sheetData><row r="1"><c r="A1" t="str"><v>&e;</v></c><c r="B1" t="str"><v>b</v></c>'
        "</row></sheetData></worksheet>"
    )
    read = list(xlsx.rows(io.BytesIO(_package(sheet)), 61))
    assert read and not any("root" in str(v) for _, values in read for v in values)


def test_a_header_below_line_1_is_no_header():
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="3"><c r="A3" t="str">'
        "<v>intitule</v></c></row></sheetData></worksheet>"
    )
    assert _refusal(_package(sheet)) == "l'en-tête des colonnes est vide."


def test_a_number_that_is_not_one_is_kept_for_the_rows_check():
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1"><v>douze</v></c>'
        '<c r="B1" s="x"><v>12</v></c></row></sheetData></worksheet>'
    )
    assert list(xlsx.rows(io.BytesIO(_package(sheet)), 61)) == [(1, ["douze", 12])]


def test_characters_escaped_by_the_spreadsheet_are_read_back():
    """Excel writes a carriage return `_x000D_` and a written `_x000D_` as `_x005F_x000D_`."""
    shared = (
        f'<sst xmlns="{SPREADSHEET}"><si><t>Ligne 1_x000D_\nLigne 2</t></si>'
        "<si><t>code _x005F_x000D_ gardé</t></si><si><t>moiti\u00e9 _xD800_ de paire</t></si></sst>"
    )
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr">'
        "<is><t>tab_x0009_ici</t></is></c></row></sheetData></worksheet>"
    )
    assert list(xlsx.rows(io.BytesIO(_package(sheet, shared=shared)), 61)) == [
        (1, ["Ligne 1\r\nLigne 2", "code _x000D_ gardé", "moitié _xD800_ de paire", "tab\tici"])
    ]


def test_a_text_longer_than_a_cell_is_refused():
    shared = f'<sst xmlns="{SPREADSHEET}"><si><t>{"x" * (xlsx.MAX_TEXT + 1)}</t></si></sst>'
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        "</row></sheetData></worksheet>"
    )
    assert _refusal(_package(sheet, shared=shared)) == (
        "Ce classeur XLSX contient un texte de plus de 32\u202f767 caractères, plus qu'une "
        "cellule n'en contient : raccourcissez-le ou enregistrez la feuille en CSV UTF-8."
    )


def test_empty_shared_strings_by_the_million_stay_in_bounded_memory():
    shared = f'<sst xmlns="{SPREADSHEET}">' + "<si/>" * 1_000_000 + "</sst>"
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        "</row></sheetData></worksheet>"
    )
    data = _package(sheet, shared=shared)
    tracemalloc.start()
    list(xlsx.rows(io.BytesIO(data), 61))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 80 * 1024 * 1024, peak  # a million "" in a list, and one chunk's events


def test_elements_nested_in_a_cell_are_refused_without_filling_the_memory():
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1">'
        + "<x/>" * 1_000_000
        + "</c></row></sheetData></worksheet>"
    )
    assert _refusal(_package(sheet)).startswith("Ce classeur XLSX est trop volumineux")


def test_a_filled_cell_past_the_last_column_read_is_not_lost_in_silence():
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="str"><v>a</v></c>'
        '<c r="BR1" t="str"><v>oubliée</v></c></row></sheetData></worksheet>'
    )
    [(_, values)] = list(xlsx.rows(io.BytesIO(_package(sheet)), max_columns=61))
    assert len(values) == 61 and values[0] == "a" and values[60] == xlsx.OVERFLOW


@pytest.mark.parametrize("number", [1e30, 1e308, -1e300])
def test_a_spreadsheet_number_out_of_reach_is_a_cell_error_not_a_crash(number):
    from pacte.history.values import CellError, parse_amount

    with pytest.raises(CellError, match="montant hors de portée|ne peut pas être négatif"):
        parse_amount(number)


def test_a_short_text_repeated_in_every_cell_cannot_make_gigabytes_of_rows():
    # One shared text of 32 767 characters in 60 cells of 200 rows: 393 million characters
    # from a file of some kilobytes.
    shared = f'<sst xmlns="{SPREADSHEET}"><si><t>{"x" * xlsx.MAX_TEXT}</t></si></sst>'
    row = "".join('<c t="s"><v>0</v></c>' for _ in range(60))
    rows = "".join(f'<row r="{n}">{row}</row>' for n in range(1, 201))
    sheet = f'<worksheet xmlns="{SPREADSHEET}"><sheetData>{rows}</sheetData></worksheet>'
    assert _refusal(_package(sheet, shared=shared)).startswith(
        "Ce classeur XLSX est trop volumineux"
    )


def _with_part(data: bytes, name: str, content: str) -> bytes:
    """The workbook with one part replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.namelist():
            if item != name:
                archive.writestr(item, source.read(item))
        archive.writestr(name, content)
    return buffer.getvalue()


HEADER_ROW = (
    f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    "intitule</t></is></c></row>"
)


def test_blank_space_by_the_megabyte_between_rows_is_refused_in_bounded_memory():
    # A few kilobytes once compressed; the parser would hold all of it before the next tag.
    sheet = HEADER_ROW + " " * (xlsx.MAX_QUIET + 4 * xlsx.CHUNK) + "</sheetData></worksheet>"
    data = _package(sheet)
    tracemalloc.start()
    message = _refusal(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.startswith("Ce classeur XLSX est trop volumineux")
    assert peak < (xlsx.MAX_QUIET + 4 * xlsx.CHUNK) * 2, peak


def test_a_text_by_the_megabyte_in_the_shared_strings_is_refused():
    shared = f'<sst xmlns="{SPREADSHEET}"><si><t>' + " " * (xlsx.MAX_QUIET + 2 * xlsx.CHUNK)
    shared += "</t></si></sst>"
    sheet = HEADER_ROW + "</sheetData></worksheet>"
    assert _refusal(_package(sheet, shared=shared)).startswith(
        "Ce classeur XLSX est trop volumineux"
    )


def test_shared_strings_are_packed_and_counted(monkeypatch):
    shared = f'<sst xmlns="{SPREADSHEET}">' + "<si><t>ab</t></si>" * 1_000_000 + "</sst>"
    sheet = (
        f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>999999</v>'
        "</c></row></sheetData></worksheet>"
    )
    data = _package(sheet, shared=shared)
    tracemalloc.start()
    assert list(xlsx.rows(io.BytesIO(data), 61)) == [(1, ["ab"])]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # A million texts as objects would take some 60 Mio; packed, their bytes and positions.
    assert peak < 30 * 1024 * 1024, peak
    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS_COUNT", 999_999)
    assert _refusal(data).startswith("Ce classeur XLSX est trop volumineux")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("xl/workbook.xml", f'<workbook xmlns="{SPREADSHEET}">' + "<a>" * 100_000),
        (
            "xl/styles.xml",
            f'<styleSheet xmlns="{SPREADSHEET}"><cellXfs>' + "<xf/>" * 400_000 + "</cellXfs>"
            "</styleSheet>",
        ),
    ],
    ids=["workbook-nested", "styles-by-the-hundred-thousand"],
)
def test_small_parts_that_would_make_huge_trees_are_refused(name, content):
    sheet = HEADER_ROW + "</sheetData></worksheet>"
    data = _with_part(_package(sheet), name, content)
    if name.endswith("styles.xml"):  # reached through the workbook's relationships
        data = _with_part(
            data,
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="s1" '
            f'Type="{RELATIONSHIPS}/worksheet" Target="/xl/worksheets/feuille.xml"/>'
            f'<Relationship Id="s3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
    assert _refusal(data).startswith(("Ce classeur XLSX est trop volumineux", "Ce fichier"))
