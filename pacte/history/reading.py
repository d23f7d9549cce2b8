"""Reading a history file, CSV or XLSX, into a header and numbered rows."""

import csv
import io
import re
import unicodedata

from .columns import error_text

XLSX_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file cannot be read as a table with the expected columns."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(error_text(e) for e in errors))
        self.errors = errors


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_header(cell) -> str:
    """« Montant fonds » → montant_fonds (accents, case and spacing ignored)."""
    text = _plain(str(cell or "")).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """The header (normalised) and the rows with their line numbers, as a spreadsheet counts
    them (the header is line 1). Blank rows are skipped."""
    if data.startswith(XLSX_MAGIC):
        header, rows = _read_xlsx(data)
    else:
        header, rows = _read_csv(data)
    if not header or not any(header):
        raise FileRefused([{"line": 1, "message": "l'en-tête des colonnes est vide."}])
    return header, [
        (line, cells)
        for line, cells in rows
        if any(c not in (None, "") and str(c).strip() for c in cells)
    ]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook  # heavy, and only an XLSX file needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook gets one message
        raise FileRefused(
            [
                {
                    "message": "Ce classeur XLSX ne s'ouvre pas : enregistrez-le à nouveau "
                    "au format Excel (.xlsx) ou en CSV UTF-8."
                }
            ]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = [normalise_header(c) for c in next(iterator, ())]
        while header and not header[-1]:
            header.pop()
        rows = [(line, list(cells)) for line, cells in enumerate(iterator, start=2)]
    finally:
        workbook.close()
    return header, rows


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            [
                {
                    "line": line,
                    "message": "le fichier n'est pas encodé en UTF-8 : enregistrez-le au "
                    "format « CSV UTF-8 ».",
                }
            ]
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [normalise_header(c) for c in next(reader, [])]
        rows = [(line, cells) for line, cells in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise FileRefused(
            [{"line": reader.line_num, "message": f"ligne CSV illisible ({exc})."}]
        ) from exc
    return header, rows
