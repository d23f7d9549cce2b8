"""Reading 100 000 rows of a history workbook: Pacte's reader against openpyxl's read-only mode,
on the two kinds of workbook of bench/history_import.py, with the values compared row by row.

    uv run python bench/xlsx_read.py [--rows 100000]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import history_import  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from pacte.history import xlsx  # noqa: E402


def _trimmed(values) -> list:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print("| Classeur | Lignes | Pacte (s) | openpyxl, lecture seule (s) | Mêmes valeurs |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("xlsx", "xlsx-openpyxl"):
            path = Path(folder) / f"{kind}.xlsx"
            history_import.write_file(path, args.rows, "lecture", kind)
            started = time.perf_counter()
            with path.open("rb") as handle:
                ours = [(n, _trimmed(v)) for n, v in xlsx.rows(handle, max_columns=61)]
            ours_seconds = time.perf_counter() - started
            started = time.perf_counter()
            book = load_workbook(path, read_only=True, data_only=True)
            sheet = book.worksheets[0]
            sheet.reset_dimensions()
            theirs = [
                (n, _trimmed(v))
                for n, v in enumerate(sheet.iter_rows(values_only=True, max_col=61), start=1)
            ]
            book.close()
            theirs_seconds = time.perf_counter() - started
            same = ours == [(n, v) for n, v in theirs if v]
            print(
                f"| {kind} | {args.rows} | {ours_seconds:.1f} | {theirs_seconds:.1f} "
                f"| {'oui' if same else 'NON'} |"
            )


if __name__ == "__main__":
    main()
