"""Reading a history file, CSV or XLSX, into a header and numbered rows."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from pacte.core.french import format_integer

from .columns import error_text
from .spool import Spool

XLSX_MAGIC = b"PK\x03\x04"
# A history file is a table of operations: a few dozen columns, some thousands of lines. The
# caps (docs/import-historique.md) keep a malformed or hostile file from filling the memory.
MAX_COLUMNS = 60
MAX_ROWS = 100_000


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


def read_table(source: bytes | BinaryIO) -> tuple[list[str], Spool]:
    """The header (normalised) and the rows with their line numbers, as a spreadsheet counts
    them (the header is line 1), spooled to disk as they are read. Blank rows are skipped."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    magic = source.read(len(XLSX_MAGIC))
    source.seek(0)
    rows = Spool()
    try:
        read = _read_xlsx if magic == XLSX_MAGIC else _read_csv
        header = read(source, rows)
        if not header or not any(header):
            raise FileRefused([{"line": 1, "message": "l'en-tête des colonnes est vide."}])
    except BaseException:
        rows.close()
        raise
    return header, rows


def _too_wide(count: int) -> FileRefused:
    return FileRefused(
        [
            {
                "line": 1,
                "message": f"le fichier a {count} colonnes : {MAX_COLUMNS} au plus sont lues "
                "(supprimez les colonnes vides ou inutiles).",
            }
        ]
    )


def _filled(cell) -> bool:
    return cell not in (None, "") and bool(str(cell).strip())


def _keep_rows(numbered, width: int, rows: Spool) -> None:
    """The non-blank rows, cut to the header's width, at most MAX_ROWS of them."""
    for line, row in numbered:
        cells = list(row[:width])
        if any(_filled(c) for c in row[width:]):
            cells.append("…")  # a cell beyond the header, reported by the row's check
        if not any(_filled(c) for c in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise FileRefused(
                [
                    {
                        "line": line,
                        "message": f"le fichier a plus de {MAX_ROWS:,} lignes d'opérations : "
                        "découpez-le en plusieurs fichiers.".replace(",", "\u202f"),
                    }
                ]
            )
        rows.append((line, cells))


def _read_xlsx(source: BinaryIO, rows: Spool) -> list[str]:
    from . import xlsx  # only an XLSX file needs it

    numbered = xlsx.rows(source, max_columns=MAX_COLUMNS + 1)
    try:
        line, first = next(numbered, (1, []))
        # The header is line 1, as the guide says: a sheet starting lower has none.
        header = [normalise_header(c) for c in first] if line == 1 else []
        while header and not header[-1]:
            header.pop()
        if len(header) > MAX_COLUMNS:
            raise _too_wide(len(header))
        if header:
            _keep_rows(numbered, len(header), rows)
    except FileRefused:
        raise
    except xlsx.TextTooLong as exc:
        raise FileRefused(
            [
                {
                    "message": "Ce classeur XLSX contient un texte de plus de "
                    f"{format_integer(xlsx.MAX_TEXT)} caractères, plus qu'une cellule n'en "
                    "contient : raccourcissez-le ou enregistrez la feuille en CSV UTF-8."
                }
            ]
        ) from exc
    except xlsx.WorkbookTooLarge as exc:
        raise FileRefused(
            [
                {
                    "message": "Ce classeur XLSX est trop volumineux une fois décompressé : "
                    "gardez-y la seule feuille des opérations, ou enregistrez-la en CSV UTF-8."
                }
            ]
        ) from exc
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook gets one message
        raise _unreadable_workbook() from exc
    finally:
        numbered.close()  # the reader's pause of the garbage collector ends with it
    return header


def _unreadable_workbook() -> FileRefused:
    return FileRefused(
        [
            {
                "message": "Ce classeur XLSX ne s'ouvre pas : enregistrez-le à nouveau "
                "au format Excel (.xlsx) ou en CSV UTF-8."
            }
        ]
    )


def _decoded_lines(source: BinaryIO, position: list[int]) -> Iterator[str]:
    """The file's lines decoded one at a time (a UTF-8 byte sequence never holds a line
    feed), `position[0]` the number of the last one read."""
    for number, raw in enumerate(source, start=1):
        position[0] = number
        yield raw.decode("utf-8-sig" if number == 1 else "utf-8")


def _read_csv(source: BinaryIO, rows: Spool) -> list[str]:
    position = [0]
    lines = _decoded_lines(source, position)
    try:
        first = next(lines, "")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        reader = csv.reader(_chain(first, lines), delimiter=delimiter)
        header = [normalise_header(c) for c in next(reader, [])]
        while header and not header[-1]:
            header.pop()
        if len(header) > MAX_COLUMNS:
            raise _too_wide(len(header))
        _keep_rows(enumerate(reader, start=2), len(header), rows)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            [
                {
                    "line": position[0],
                    "message": "le fichier n'est pas encodé en UTF-8 : enregistrez-le au "
                    "format « CSV UTF-8 ».",
                }
            ]
        ) from exc
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = f"une cellule dépasse {format_integer(csv.field_size_limit())} caractères"
        else:
            reason = "guillemets mal fermés ou caractère inattendu"
        raise FileRefused(
            [{"line": position[0], "message": f"ligne CSV illisible ({reason})."}]
        ) from exc
    return header


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
