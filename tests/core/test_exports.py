"""The export helper: aware datetimes are written as Paris wall-clock time, in CSV and XLSX."""

import datetime
from decimal import Decimal

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
