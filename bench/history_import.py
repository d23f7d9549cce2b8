"""The history import at 100 000 rows: time and peak memory of `manage.py import_history`, for
a CSV and an XLSX file, checked then written.

    uv run python bench/history_import.py [--rows 100000] [--format csv xlsx]
    uv run python bench/history_import.py --database-url postgres://…/pacte   # PostgreSQL

Each import works on a copy of the demo database: on SQLite a copy of its file (`uv run python
manage.py demo` first); on PostgreSQL a database created from the one given, which must hold the
demo (`DATABASE_URL=… uv run python manage.py demo`) and have no other connection (CREATE
DATABASE … TEMPLATE), dropped afterwards.

The rows are drawn, with a fixed seed, from the partners of the demo's history file (the 20
intercommunalités and 14 communes of the Pas-de-Calais, by their SIRET) with vote dates over
the 2019-2022 generation. With `--already N`, N other rows are imported first, unmeasured, so
that the measured import checks its rows against a generation that already holds them. Each
import runs in a fresh process: wall time (with the check and the writing as the command
reports them) and the peak resident memory of that process (ru_maxrss, from wait4).
"""

import argparse
import csv
import datetime
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_FILE = ROOT / "pacte" / "demo" / "data" / "historique-2019-2022.csv"
CATEGORIES = ["culture", "heritage", "tourism_sport", "mobility", "nature", "services"]
WORDS = [
    "Salle de spectacle",
    "Liaison douce",
    "Tiers-lieu numérique",
    "Épicerie solidaire",
    "Parking relais",
    "Sentier de randonnée",
    "Maison de santé",
    "Restauration d'un lieu de mémoire",
]


def rows(count: int, tag: str):
    """`count` valid rows, with the header first."""
    with DEMO_FILE.open(encoding="utf-8-sig", newline="") as handle:
        demo = list(csv.DictReader(handle, delimiter=";"))
    partners = sorted(
        {(r["partenaire_identifiant"], r["partenaire_nom"], r["communes"]) for r in demo}
    )
    header = list(demo[0].keys())
    yield header
    rng = random.Random(count)
    first = datetime.date(2019, 1, 7)
    for index in range(count):
        siret, name, communes = partners[index % len(partners)]
        fund = rng.randrange(20, 600) * 1000
        common = rng.choice([0, 0, rng.randrange(10, 200) * 1000])
        other = rng.randrange(0, 800) * 1000
        cost = fund + common + other + rng.randrange(50, 900) * 1000
        voted = first + datetime.timedelta(days=rng.randrange(0, 1400))
        signed = voted + datetime.timedelta(days=rng.randrange(20, 90))
        started = signed + datetime.timedelta(days=rng.randrange(10, 200))
        completed = started + datetime.timedelta(days=rng.randrange(100, 700))
        yield [
            siret,
            name,
            f"{WORDS[index % len(WORDS)]} n°{index + 1} ({tag})",
            CATEGORIES[index % len(CATEGORIES)],
            f"{fund},00",
            f"{common},00" if common else "",
            f"{other},00" if other else "",
            "",
            f"{cost},00",
            voted.strftime("%d/%m/%Y"),
            f"{voted.year}-{index % 900 + 1:03d}",
            signed.strftime("%d/%m/%Y"),
            started.strftime("%d/%m/%Y"),
            completed.strftime("%d/%m/%Y"),
            communes,
            "Opération de mesure de l'import de l'historique.",
        ]


def _spreadsheet_rows(count: int, tag: str):
    """The rows with amounts as numbers and the vote date as a date, as a spreadsheet holds
    them."""
    for index, row in enumerate(rows(count, tag)):
        if index:
            row[4:9] = [float(v.replace(",", ".")) if v else None for v in row[4:9]]
            day, month, year = (int(part) for part in row[9].split("/"))
            row[9] = datetime.date(year, month, day)
        yield row


def write_file(path: Path, count: int, tag: str, kind: str) -> None:
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(rows(count, tag))
    elif kind == "xlsx":
        write_excel_like(path, _spreadsheet_rows(count, tag))
    else:  # "xlsx-openpyxl": as openpyxl writes in streaming mode
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Historique")
        for row in _spreadsheet_rows(count, tag):
            sheet.append(row)
        workbook.save(path)


SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def write_excel_like(path: Path, table) -> None:
    """A workbook laid out as Excel and LibreOffice save one: the sheet's size declared at its
    top, texts in the shared strings table, dates as serial numbers with a date format."""
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    cells = []
    height = 0
    for number, row in enumerate(table, start=1):
        height = number
        line = []
        for column, value in enumerate(row):
            ref = f"{chr(65 + column)}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                serial = (value - datetime.date(1899, 12, 30)).days
                line.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            elif isinstance(value, float):
                line.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                index = strings.setdefault(value, len(strings))
                line.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        cells.append(f'<row r="{number}">{"".join(line)}</row>')
    width = chr(64 + 16)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{SPREADSHEET_NS}">'
        f'<dimension ref="A1:{width}{height}"/><sheetData>{"".join(cells)}</sheetData></worksheet>'
    )
    shared = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{SPREADSHEET_NS}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        + "</sst>"
    )
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{PACKAGE_NS}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{TYPES}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_NS}/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{SPREADSHEET_NS}" xmlns:r="{RELATIONSHIPS_NS}"><sheets>'
            '<sheet name="Historique" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_NS}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS_NS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS_NS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{SPREADSHEET_NS}"><fonts count="1"><font/></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": shared,
    }
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


def run_import(path: Path, env: dict, rows: int) -> dict:
    """One import in a fresh process: its wall time, phases and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_history", str(path), "--generation", "2019-2022"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    checked_at = None
    done = f"{rows} lignes vérifiées sur {rows}"
    lines = []
    assert process.stdout is not None
    buffer = ""
    while True:
        chunk = process.stdout.read(1)
        if not chunk:
            break
        if chunk in "\r\n":
            lines.append(buffer.strip())
            buffer = ""
            continue
        buffer += chunk
        if checked_at is None and buffer == done:
            checked_at = time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.perf_counter()
    stderr = process.stderr.read() if process.stderr else ""
    if status != 0:
        sys.exit(f"Import en échec :\n{stderr[-3000:]}")
    return {
        "seconds": ended - started,
        "check": (checked_at or ended) - started,
        "write": ended - (checked_at or ended),
        "rss_mib": usage.ru_maxrss / 1024,
        "result": (lines[-1] if lines else "") or buffer.strip(),
    }


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def copy_postgresql(url: str, suffix: str) -> str:
    """A database made from the demo's, and its address."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    source = parts.path.lstrip("/")
    target = f"{source}_{suffix}"
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target}"')
        connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return urlunsplit(parts._replace(path=f"/{target}"))


def drop_postgresql(url: str, copy: str) -> None:
    from urllib.parse import urlsplit

    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{urlsplit(copy).path.lstrip("/")}"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--format",
        nargs="+",
        default=["csv", "xlsx", "xlsx-openpyxl"],
        choices=["csv", "xlsx", "xlsx-openpyxl"],
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--already",
        type=int,
        default=0,
        help="lignes importées d'abord (non mesurées) : la génération en tient déjà autant",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pacte-bench-history-"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.demo", DEBUG="0")
    results = []
    copies: list[str] = []
    try:
        for kind in args.format:
            if args.database_url:
                suffix = "bench_" + kind.replace("-", "_")
                env["DATABASE_URL"] = copy_postgresql(args.database_url, suffix)
                copies.append(env["DATABASE_URL"])
            else:
                source = ROOT / "var" / "pacte.sqlite3"
                if not source.exists():
                    sys.exit("Base de démonstration absente : `uv run python manage.py demo`.")
                database = work / f"{kind}.sqlite3"
                shutil.copy(source, database)
                env["DATABASE_URL"] = f"sqlite:///{database}"
            tag = f"{kind[:4]}{int(time.time()) % 100_000}"
            path = work / f"historique.{kind.split('-')[0]}"
            if args.already:
                write_file(path, args.already, f"avant-{tag}", "csv")
                before = run_import(path, env, args.already)
                print(f"Déjà dans la génération : {before['result']}")
            started = time.perf_counter()
            write_file(path, args.rows, tag, kind)
            made = time.perf_counter() - started
            size = path.stat().st_size / (1024 * 1024)
            print(f"{kind.upper()} : {args.rows} lignes, {size:.1f} Mio, écrit en {made:.0f} s")
            result = run_import(path, env, args.rows)
            print(f"  {result['result']}")
            results.append((kind, size, result))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for url in copies:
            drop_postgresql(args.database_url, url)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print()
    print(
        "| Base | Fichier | Lignes | Taille (Mio) | Vérification (s) | Écriture (s) | Total (s) "
        "| RSS max (Mio) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, size, r in results:
        print(
            f"| {database} | {kind.upper()} | {args.rows} | {size:.1f} | {r['check']:.1f} "
            f"| {r['write']:.1f} | {r['seconds']:.1f} | {r['rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
