"""The first sheet of an XLSX workbook, read row by row as its cells' values (the values a
spreadsheet shows, not its formulas), without holding the sheet in memory.

A workbook is a ZIP of XML parts: the workbook names its sheets, the sheet holds rows of cells,
texts are often kept once in a shared strings table, and dates are numbers that a date format
makes dates. Only what a table of values needs is read; the size a sheet declares is never
trusted, and every part is read within a bound, so a small hostile file cannot fill the memory.
Values are those openpyxl gives (its number formats and date conversion are reused): a number
is an `int` or a `float`, a date a `datetime`, a text a `str`, a boolean a `bool`.
"""

import datetime
import gc
import itertools
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, XMLPullParser

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

# Transitional (Excel, LibreOffice) and strict (ISO/IEC 29500 strict) vocabularies.
MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
RELATIONSHIPS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"

CHUNK = 1 << 20  # bytes of a sheet decompressed and parsed at a time
SMALL_PART = 4 << 20  # the workbook, its relationships and its styles
SMALL_PART_ELEMENTS = 300_000  # elements of such a part (Excel keeps 64 000 cell styles at most)
SMALL_PART_DEPTH = 64  # elements within elements, in such a part
MAX_SHARED_STRINGS = 64 << 20  # bytes of the shared strings table, once decompressed
MAX_SHARED_STRINGS_COUNT = 2_000_000  # texts of the table: a few per row of a 100 000-row file
# Bytes the parser may take in without meeting the start or end of an element: text (or blank
# space) between two elements that the parser would hold whole, far beyond a cell's 32 767
# characters.
MAX_QUIET = 8 << 20
MAX_SHEET = 1 << 30  # bytes of the sheet, once decompressed (100 000 rows take about 0,2 Gio)
MAX_CELLS_IN_A_ROW = 20_000  # elements of a row held at a time, far beyond any real table
MAX_TEXT = 32_767  # characters of a cell: Excel's own limit
MAX_BEFORE_ROWS = 4 << 20  # bytes of a sheet before its rows (views, column widths…)
MAX_ROW_NUMBER = 1_048_576  # the last row of a sheet
# Characters of all the texts the rows give: a short shared text repeated in every cell could
# otherwise make gigabytes of rows out of a small file (ten times what a 25 Mio CSV holds).
MAX_TEXT_READ = 256 << 20


class TextTooLong(Exception):
    """A text of the workbook is longer than a cell can hold."""


class WorkbookTooLarge(Exception):
    """A part of the workbook, once decompressed, is past its bound."""


def _tags(name: str) -> frozenset[str]:
    return frozenset(f"{{{namespace}}}{name}" for namespace in MAIN)


TEXT, RUN = (_tags(n) for n in ("t", "r"))
SHEET_DATA = _tags("sheetData")


def _small_tree(archive: zipfile.ZipFile, name: str) -> Element:
    """A small part (the workbook, relationships, styles) as a tree, bounded in size, in
    elements and in depth: a few kilobytes compressed may not make a tree of gigabytes."""
    parser = XMLPullParser(events=("start", "end"))
    root: Element | None = None
    depth = elements = 0
    with archive.open(name) as stream:
        content = stream.read(SMALL_PART + 1)
    if len(content) > SMALL_PART:
        raise WorkbookTooLarge(name)
    for start in range(0, len(content), CHUNK):
        parser.feed(content[start : start + CHUNK])
        for event, element in parser.read_events():
            if event == "start":
                root = element if root is None else root
                depth += 1
                elements += 1
                if depth > SMALL_PART_DEPTH or elements > SMALL_PART_ELEMENTS:
                    raise WorkbookTooLarge(name)
            else:
                depth -= 1
    parser.close()
    if root is None:
        raise ValueError(f"{name} holds no element.")
    return root


class _Strings:
    """The shared strings, packed: their UTF-8 bytes end to end and where each one ends (two
    million short texts take 16 Mio of positions and their bytes, not 60 Mio of objects). A
    text is decoded when a cell asks for it."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        end = self._ends[index]
        start = self._ends[index - 1] if index else 0
        return self._data[start:end].decode("utf-8", "surrogatepass")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attribute(element: Element, name: str) -> str | None:
    """An attribute in the relationships namespace (`r:id`), whichever vocabulary."""
    for namespace in RELATIONSHIPS:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return None


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type's last word, target part's name) of a part's relationships."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in archive.NameToInfo:
        return {}
    found = {}
    for item in _small_tree(archive, rels):
        if item.tag != f"{{{PACKAGE_RELATIONSHIPS}}}Relationship":
            continue
        target = item.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        found[item.get("Id", "")] = (item.get("Type", "").rpartition("/")[2], target)
    return found


def _text(element: Element) -> str:
    """The text of a string item (`<si>`, `<is>`): its `<t>`, or the `<t>` of its runs;
    phonetic readings (`<rPh>`) left out."""
    parts = []
    for child in element:
        if child.tag in TEXT:
            parts.append(child.text or "")
        elif child.tag in RUN:
            parts.extend(t.text or "" for t in child if t.tag in TEXT)
    text = "".join(parts)
    if "_x" in text:
        text = ESCAPED.sub(_unescaped, text)
    if len(text) > MAX_TEXT:
        raise TextTooLong
    return text


# A character the XML of a workbook cannot hold directly (a carriage return, a control
# character) is written `_xHHHH_`, its code in hexadecimal; `_x005F_` is the underscore, so
# that a text holding `_x000D_` itself reads back as written (ECMA-376, part 1, 22.9.2.19).
ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescaped(match: re.Match) -> str:
    code = int(match.group(1), 16)
    # Half a surrogate pair is no character: kept as written.
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> _Strings:
    strings = _Strings()
    if part is None or part not in archive.NameToInfo:
        return strings
    parser = XMLPullParser(events=("start", "end"))
    root: Element | None = None
    read = quiet = 0
    with archive.open(part) as stream:
        # A quarter of a chunk at a time: a megabyte of short texts makes 200 000 events.
        while chunk := stream.read(CHUNK // 4):
            read += len(chunk)
            if read > MAX_SHARED_STRINGS:
                raise WorkbookTooLarge(part)
            parser.feed(chunk)
            quiet += len(chunk)
            for event, element in parser.read_events():
                quiet = 0
                if root is None:
                    root = element
                elif event == "end" and _local(element.tag) == "si":
                    strings.append(_text(element))
                    if len(strings) > MAX_SHARED_STRINGS_COUNT:
                        raise WorkbookTooLarge(part)
            if quiet > MAX_QUIET:
                raise WorkbookTooLarge(part)
            if root is not None and len(root) > 1:
                del root[:-1]  # the items read: only the one being parsed is kept
            if root is not None and len(root) and _too_big(root[-1]):
                raise WorkbookTooLarge(part)
    parser.close()
    return strings


def _too_big(element: Element) -> bool:
    """Whether an element being parsed holds more elements than a row of cells ever does."""
    return sum(1 for _ in itertools.islice(element.iter(), MAX_CELLS_IN_A_ROW * 4)) >= (
        MAX_CELLS_IN_A_ROW * 4
    )


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> frozenset[int]:
    """The indices of the cell styles whose number format shows a date."""
    if part is None or part not in archive.NameToInfo:
        return frozenset()
    root = _small_tree(archive, part)
    formats = dict(BUILTIN_FORMATS)
    dated = set()
    for element in root:
        if _local(element.tag) == "numFmts":
            for item in element:
                formats[int(item.get("numFmtId", "0"))] = item.get("formatCode", "")
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(element):
                code = formats.get(int(xf.get("numFmtId", "0")))
                if code and is_date_format(code):
                    dated.add(index)
    return frozenset(dated)


def _column(reference: str, cache: dict[str, int]) -> int:
    """« AB12 » → 28."""
    letters = reference.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        if len(letters) > 3 or not letters.isalpha() or not letters.isascii():
            raise ValueError("A column is named by one to three letters.")
        index = 0
        for letter in letters.upper():
            index = index * 26 + ord(letter) - 64
        if len(cache) < 20_000:  # the columns of a sheet, at most 16 384
            cache[letters] = index
    return index


def _number(text: str) -> int | float:
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


class _Sheet:
    """What a cell's value needs: the shared strings, the date styles, the epoch, and the
    names of the cells' elements in the sheet's vocabulary."""

    def __init__(self, strings: _Strings, dated: frozenset[int], epoch: datetime.datetime):
        self.strings, self.dated, self.epoch = strings, dated, epoch
        self.cell = self.value_tag = self.inline = self.row = ""

    def vocabulary(self, root: Element) -> None:
        namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        self.cell, self.value_tag, self.inline, self.row = (
            f"{namespace}{n}" for n in ("c", "v", "is", "row")
        )

    def value(self, cell: Element):  # noqa: PLR0911 — one return per kind of cell
        kind = cell.get("t")
        if kind == "inlineStr":
            inline = cell.find(self.inline)
            return None if inline is None else _text(inline)
        text = cell.findtext(self.value_tag)
        if not text:
            return None
        if kind is None or kind == "n":
            try:
                number = _number(text)
            except ValueError:
                return text  # not a number: the row's check names its line and column
            style = cell.get("s")
            if style is not None and style != "0" and style.isdigit() and int(style) in self.dated:
                try:
                    return from_excel(number, self.epoch)
                except (OverflowError, ValueError):
                    return number  # no calendar holds it: the row's check refuses it
            return number
        if kind == "s":
            index = int(text)
            if index < 0:
                raise IndexError("No shared string has a negative index.")
            return self.strings[index]
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return datetime.datetime.fromisoformat(text)
            except ValueError:
                return text
        return text  # "str" (a formula's text), "e" (an error such as #N/A)


def _sheet_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None, bool]:
    """The first sheet's part, the shared strings' and the styles' parts, and whether dates
    count from 1904."""
    office = next(
        (t for kind, t in _relationships(archive, "").values() if kind == "officeDocument"),
        "xl/workbook.xml",
    )
    workbook = _small_tree(archive, office)
    relationships = _relationships(archive, office)
    sheet_id = date1904 = None
    for element in workbook:
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904")
        elif name == "sheets" and len(element):
            sheet_id = _attribute(element[0], "id")
    by_kind = {kind: target for kind, target in relationships.values()}
    sheet = relationships[sheet_id][1] if sheet_id in relationships else None
    if sheet is None:
        raise KeyError("no sheet")
    return (
        sheet,
        by_kind.get("sharedStrings"),
        by_kind.get("styles"),
        date1904 in ("1", "true"),
    )


def rows(source: BinaryIO, max_columns: int) -> Iterator[tuple[int, list]]:
    """The first sheet's rows as (row number, values from column A), each cut after
    `max_columns`; rows the sheet does not hold are not given.

    The cyclic garbage collector is paused while the sheet is read: the millions of short-lived
    elements would otherwise trigger it again and again (it then takes half the reading time),
    and elements, values and rows hold no cycles, so their memory is freed as they go."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield from _rows(source, max_columns)
    finally:
        if paused:
            gc.enable()


def _rows(source: BinaryIO, max_columns: int) -> Iterator[tuple[int, list]]:
    with zipfile.ZipFile(source) as archive:
        part, strings_part, styles_part, date1904 = _sheet_parts(archive)
        sheet = _Sheet(
            _shared_strings(archive, strings_part),
            _date_styles(archive, styles_part),
            MAC_EPOCH if date1904 else WINDOWS_EPOCH,
        )
        columns: dict[str, int] = {}
        # Only the starts of elements are asked for: the parser builds the rows in C, and the
        # rows complete so far are taken from the sheet's data after each chunk.
        parser = XMLPullParser(events=("start",))
        events = parser._events_queue  # type: ignore[attr-defined]
        root: Element | None = None
        data: Element | None = None
        previous = 0
        read = text_read = quiet = 0
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                read += len(chunk)
                if read > MAX_SHEET:
                    raise WorkbookTooLarge(part)
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                # Elements started in this chunk, if any; else the parser holds what it read.
                quiet = 0 if events else quiet + len(chunk)
                if quiet > MAX_QUIET:
                    raise WorkbookTooLarge(part)
                if data is None:
                    for _, element in parser.read_events():
                        root = element if root is None else root
                        if element.tag in SHEET_DATA:
                            data = element
                            sheet.vocabulary(element)
                            break
                    if data is None and read > MAX_BEFORE_ROWS:
                        raise WorkbookTooLarge(part)  # what comes before the rows is small
                events.clear()
                if data is None:
                    if not chunk:
                        return
                    continue
                # The rows are done once the sheet goes on past them (or the file ends): what
                # follows them (merged cells, page setup) is not read.
                finished = not chunk or root is None or root[-1] is not data
                complete = len(data) if finished else len(data) - 1
                for row in data[:complete]:
                    if row.tag != sheet.row:
                        raise ValueError("Rows are the sheet data's children.")
                    number = int(row.get("r") or previous + 1)
                    if not previous < number <= MAX_ROW_NUMBER:
                        raise ValueError("Rows are numbered upwards, from 1 to 1 048 576.")
                    previous = number
                    values = _values(row, sheet, columns, max_columns)
                    text_read += sum(len(v) for v in values if isinstance(v, str))
                    if text_read > MAX_TEXT_READ:
                        raise WorkbookTooLarge(part)
                    yield number, values
                del data[:complete]
                if finished:
                    return
                if len(data) and (len(data[-1]) > MAX_CELLS_IN_A_ROW or _too_big(data[-1])):
                    raise WorkbookTooLarge(part)


OVERFLOW = "(cellule remplie au-delà de la dernière colonne lue)"


def _values(row: Element, sheet: _Sheet, columns: dict[str, int], max_columns: int) -> list:
    """The row's values from column A. A filled cell past `max_columns` is not read, but its
    row says so: its last column read holds OVERFLOW if empty (never lost in silence)."""
    values: list = []
    overflow = False
    tag, value = sheet.cell, sheet.value
    for cell in row.iterfind(tag):
        reference = cell.get("r")
        column = _column(reference, columns) if reference else len(values) + 1
        if column < 1:
            raise ValueError("A cell's reference names its column.")
        if column > max_columns:
            overflow = overflow or value(cell) not in (None, "")
            continue
        if column == len(values) + 1:
            values.append(value(cell))
            continue
        if column > len(values):
            values.extend([None] * (column - len(values)))
        values[column - 1] = value(cell)
    if overflow:
        values.extend([None] * (max_columns - len(values)))
        if values[max_columns - 1] in (None, ""):
            values[max_columns - 1] = OVERFLOW
    return values
