"""Exports of lists for spreadsheet users: CSV (UTF-8 with BOM, `;`) and XLSX.

Rows are sequences of Python values; dates become 26/09/2022 in CSV and real dates in XLSX,
Decimals become 1250000,00 in CSV (French spreadsheets) and numbers in XLSX.

Exports are inert: a text that a spreadsheet would read as a formula (starting with =, +, -, @,
a tab or a carriage return — a partner may name an operation so) is written as text: prefixed
with an apostrophe in CSV, a text cell with its quote prefix in XLSX. Every CSV file of Pacte
(exports and open data) writes its cells through `inert`.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The rows of an export: one sequence of Python values (text, numbers, dates, None) per line.
Rows: TypeAlias = Iterable[Sequence[object]]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-12,50", "+33 1 23") is data, not a formula… unless it holds more.
_PLAIN_NUMBER = re.compile(r"[-+]?\d[\d\s.,]*")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)


def inert(value: object) -> object:
    """`value`, or for a text a spreadsheet would run as a formula, that text made plain."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return inert(value)


def _local(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime as the local wall-clock time (Excel knows no time zones)."""
    if timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def _xlsx_cell(value: object) -> object:
    if value is True:
        return "oui"
    if value is False:
        return "non"
    if isinstance(value, datetime.datetime):
        return _local(value)
    if isinstance(value, str):
        # Control characters a spreadsheet cannot hold (an imported text may carry them).
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def csv_response(filename: str, header: list[str], rows: Rows) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str,
    header: list[str],
    rows: Rows,
    title: str = "Export",
    number_formats: Mapping[int, str] | None = None,
) -> HttpResponse:
    """`number_formats` maps a column's index to its Excel format, for numbers that are not
    euros (a share in %, a count); Decimals are euros otherwise."""
    number_formats = number_formats or {}
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and is_formula_like(cell.value):
                # openpyxl took it for a formula: a text cell, shown as typed, instead.
                cell.data_type = "s"
                cell.quotePrefix = True
    for index, column in enumerate(sheet.columns):
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        for cell in column[1:]:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
            elif index in number_formats and isinstance(cell.value, Decimal | int):
                cell.number_format = number_formats[index]
            elif isinstance(cell.value, Decimal):
                cell.number_format = '#,##0.00 "€"'
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    fmt: str,
    filename: str,
    header: list[str],
    rows: Rows,
    title: str = "Export",
    number_formats: Mapping[int, str] | None = None,
) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, title, number_formats)
    return csv_response(filename, header, rows)
