"""Time the territorial referential pages and API on one scale's database.

    uv run python bench/run.py --scale pdc [--repeat 30]
    uv run python bench/run.py --scale france [--repeat 30]

Build the database first with bench/make_dataset.py. Every request goes through Django's test
client in this process, logged in (force_login) as the benchmark's agent account, so the figures
are the server's own time: URL resolution, middleware, view, SQL and template rendering, without
network or browser. For each URL: 3 warm-up requests, then --repeat timed requests
(time.perf_counter around client.get), then one more request under CaptureQueriesContext to
count its SQL queries and the time spent in cursor.execute (kept apart so that capturing does
not weigh on the timings). Served with DEBUG=0, as in production; pending migrations are applied
first, so that a database built on an earlier commit still opens.

The Markdown table is printed and written to bench/out/<scale>-results.md, the raw timings and
the captured SQL to bench/out/<scale>-results.json. When the other scale's results are there,
the query counts of the two scales are compared, and the queries whose number differs are named.
"""

import argparse
import collections
import datetime
import json
import math
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import time

# bench/ is on sys.path when this file is run as a script.
from make_dataset import BENCH_USERNAME, OUT_DIR, PROJECT_DIR, SCALES, configure, database_path

FLANDRE_LYS = "245900758"
NO_MATCH = "zzqxw"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# Names that hold at both scales, for comparing them.
SHORT_LABELS = {
    "epci_list": "Liste des intercommunalités",
    "epci_detail_largest": "Fiche de la plus grande intercommunalité",
    "epci_detail_flandre_lys": "Fiche de la CC Flandre Lys",
    "commune_search_saint": "Communes, nom « saint »",
    "commune_search_code": "Communes, code « 62041 »",
    "commune_search_none": "Communes, sans résultat",
    "councillor_list": "Conseillers départementaux",
    "api_communes": "API communes ?q=saint",
    "api_epcis": "API intercommunalités",
}


def cases() -> list[tuple[str, str, str]]:
    """(key, label, URL) of every request measured."""
    from pacte.territory.models import Epci

    largest = Epci.objects.order_by("-commune_count", "name").first()
    flandre_lys = Epci.objects.filter(siren=FLANDRE_LYS).first()
    flandre_label = f"{flandre_lys.name} ({flandre_lys.commune_count} communes)"
    return [
        ("epci_list", "Liste des intercommunalités", "/territoire/intercommunalites/"),
        (
            "epci_detail_largest",
            f"Fiche de la plus grande : {largest.name} ({largest.commune_count} communes)",
            f"/territoire/intercommunalites/{largest.siren}/",
        ),
        (
            "epci_detail_flandre_lys",
            f"Fiche : {flandre_label}",
            f"/territoire/intercommunalites/{FLANDRE_LYS}/",
        ),
        ("commune_search_saint", "Communes, nom « saint »", "/territoire/communes/?q=saint"),
        ("commune_search_code", "Communes, code « 62041 »", "/territoire/communes/?q=62041"),
        (
            "commune_search_none",
            f"Communes, sans résultat « {NO_MATCH} »",
            f"/territoire/communes/?q={NO_MATCH}",
        ),
        ("councillor_list", "Conseillers départementaux", "/territoire/elus/"),
        ("api_communes", "API communes ?q=saint", "/api/territoire/communes?q=saint"),
        ("api_epcis", "API intercommunalités", "/api/territoire/intercommunalites"),
    ]


def rows_shown(response) -> str:
    """What the response holds: table rows of a page, or items / total of an API page."""
    if response["Content-Type"].startswith("application/json"):
        data = json.loads(response.content)
        return f"{len(data['items'])} / {data['count']}"
    return str(response.content.count(b"<tr>") - response.content.count(b"<thead><tr>"))


def measure(client, url: str, repeat: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} : statut {response.status_code}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    sql_seconds = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - started)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
        response = client.get(url)
    return {
        "url": url,
        "status": response.status_code,
        "timings_ms": [round(t * 1000, 3) for t in timings],
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": percentile(timings, 0.95) * 1000,
        "min_ms": min(timings) * 1000,
        "queries": len(captured.captured_queries),
        "sql_ms": sum(sql_seconds) * 1000,
        "sql": [q["sql"] for q in captured.captured_queries],
        "sql_execute_ms": [round(t * 1000, 3) for t in sql_seconds],
        "bytes": len(response.content),
        "rows": rows_shown(response),
    }


def machine() -> dict:
    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    import django

    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "django": django.get_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def table(results: dict) -> str:
    lines = [
        "| Requête | URL | Médiane (ms) | p95 (ms) | Min (ms) | Requêtes SQL | dont SQL (ms) "
        "| Taille (Ko) | Lignes |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results.values():
        lines.append(
            f"| {result['label']} | `{result['url']}` | {result['median_ms']:.1f} "
            f"| {result['p95_ms']:.1f} | {result['min_ms']:.1f} | {result['queries']} "
            f"| {result['sql_ms']:.1f} | {result['bytes'] / 1024:.1f} | {result['rows']} |"
        )
    return "\n".join(lines)


def sql_shape(sql: str) -> str:
    """A query with its literal values taken out, so that the same query matches across runs."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?, )+\?\)", "(?…)", sql)


def comparison(scale: str, results: dict) -> str:
    """Query counts of both scales side by side, when the other scale's results exist."""
    other = next(s for s in SCALES if s != scale)
    path = OUT_DIR / f"{other}-results.json"
    if not path.exists():
        return ""
    other_results = json.loads(path.read_text())["results"]
    by_scale = {scale: results, other: other_results}
    first, second = SCALES
    lines = [
        f"| Requête | Requêtes SQL ({first}) | Requêtes SQL ({second}) | Constant |",
        "|---|--:|--:|---|",
    ]
    notes = []
    for key in results:
        if key not in other_results:
            continue
        a, b = by_scale[first][key], by_scale[second][key]
        same = a["queries"] == b["queries"]
        lines.append(
            f"| {SHORT_LABELS[key]} | {a['queries']} | {b['queries']} | "
            f"{'oui' if same else '**non**'} |"
        )
        if not same:
            shapes_a = collections.Counter(sql_shape(q) for q in a["sql"])
            shapes_b = collections.Counter(sql_shape(q) for q in b["sql"])
            for shape in sorted(set(shapes_a) | set(shapes_b)):
                if shapes_a[shape] != shapes_b[shape]:
                    notes.append(
                        f"- {SHORT_LABELS[key]} : {shapes_a[shape]} fois ({first}), "
                        f"{shapes_b[shape]} fois ({second}) :\n  `{shape}`"
                    )
    text = "\n".join(lines)
    if notes:
        text += "\n\nRequêtes dont le nombre change d'une échelle à l'autre :\n\n" + "\n".join(
            notes
        )
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, required=True)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per URL (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    args = parser.parse_args(argv)

    if not database_path(args.scale).exists():
        raise SystemExit(
            f"{database_path(args.scale)} manque : "
            f"uv run python bench/make_dataset.py --scale {args.scale}"
        )
    # Served as in production (DEBUG off); the test client's host name is allowed.
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    (OUT_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)
    configure(args.scale)

    from django.core.management import call_command
    from django.test import Client

    # A dataset built on an earlier commit still opens: pending migrations (schema) are applied.
    call_command("migrate", verbosity=0)

    from pacte.core.models import User
    from pacte.territory.models import Commune, Councillor, Epci

    client = Client()
    client.force_login(User.objects.get(username=BENCH_USERNAME))

    load_before = machine()["load_average"]
    started = time.perf_counter()
    results = {}
    for key, label, url in cases():
        results[key] = {"label": label, **measure(client, url, args.repeat, args.warmup)}
        print(f"{label} : {results[key]['median_ms']:.1f} ms", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started

    data = {
        "scale": args.scale,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": f"uv run python bench/run.py --scale {args.scale} --repeat {args.repeat}",
        "repeat": args.repeat,
        "warmup": args.warmup,
        "machine": {**machine(), "load_average_before": load_before},
        "counts": {
            "communes": Commune.objects.count(),
            "epci": Epci.objects.count(),
            "conseillers": Councillor.objects.count(),
        },
        "seconds": round(elapsed, 1),
        "results": results,
    }
    (OUT_DIR / f"{args.scale}-results.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    )
    counts = data["counts"]
    header = (
        f"Échelle {args.scale} : {counts['communes']} communes, {counts['epci']} EPCI, "
        f"{counts['conseillers']} conseillers. {args.repeat} mesures par URL après "
        f"{args.warmup} de chauffe ; {data['machine']['cores']} cœurs, Python "
        f"{data['machine']['python']}, SQLite {data['machine']['sqlite']}, Django "
        f"{data['machine']['django']} ; charge (1 min) {load_before[0]} avant, "
        f"{data['machine']['load_average'][0]} après ; commit {data['machine']['commit']}"
        f"{' (avec modifications en cours)' if data['machine']['uncommitted_changes'] else ''} ; "
        f"{data['date']}."
    )
    text = f"{header}\n\n{table(results)}\n"
    compared = comparison(args.scale, results)
    if compared:
        text += f"\n{compared}\n"
    (OUT_DIR / f"{args.scale}-results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
