"""The open data file of subsidy conventions (SCDL) at 10 000 and 100 000 signed conventions:
time to produce the whole file and memory of the process that streams it.

    uv run python bench/opendata.py [--conventions 100000] [--repeat 3]

Works on a copy of the demo database (`uv run python manage.py demo` first). Signed conventions
are bulk-inserted (operations with their subsidy, its commitment and the signature step of the
workflow) on the demo's contracts whose partner has a SIRET. Each measure runs in a fresh
process that downloads /donnees-ouvertes/subventions.csv through Django's test client and reads
the stream to its end: wall time, peak resident memory of the process (ru_maxrss), and, in one
more run, the peak of Python allocations during the download (tracemalloc, which slows it).
"""

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
URL = "/donnees-ouvertes/subventions.csv"


def setup(database: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]


def fill(target: int) -> float:
    """Signed conventions up to `target` in all; returns the seconds it took."""
    from django.db import transaction
    from django.utils import timezone

    from pacte.contracts.models import Contract
    from pacte.finance.models import Commitment, ProgrammeAuthorisation
    from pacte.operations.models import Operation, OperationEvent
    from pacte.pilotage.opendata import published_conventions

    started = time.perf_counter()
    existing = published_conventions().count()
    contracts = list(
        Contract.objects.filter(state__in=["voted", "signed"]).exclude(partner__siret="")
    )
    ap = ProgrammeAuthorisation.objects.get(generation=contracts[0].generation)
    rng = random.Random(target)
    start = Operation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    batch = 5000
    now = timezone.now()
    with transaction.atomic():
        for offset in range(0, max(0, target - existing), batch):
            size = min(batch, target - existing - offset)
            operations = Operation.objects.bulk_create(
                [
                    Operation(
                        contract=contracts[(start + offset + i) % len(contracts)],
                        reference=f"OP-S-{start + offset + i + 1:07d}",
                        title=f"Opération de mesure n°{start + offset + i + 1}",
                        category="mobility",
                        state="agreement_signed",
                        granted_amount=Decimal(rng.randrange(20, 1000)) * 1000,
                        voted_on=datetime.date(2024, 3, 25),
                        is_demo=True,
                    )
                    for i in range(size)
                ]
            )
            Commitment.objects.bulk_create(
                [
                    Commitment(
                        authorisation=ap,
                        operation=o,
                        amount=o.granted_amount,
                        committed_on=datetime.date(2024, 3, 25),
                        deliberation_number="2024-310",
                    )
                    for o in operations
                ]
            )
            OperationEvent.objects.bulk_create(
                [
                    OperationEvent(
                        operation=o,
                        transition="sign_agreement",
                        from_state="voted",
                        to_state="agreement_signed",
                        at=now,
                    )
                    for o in operations
                ]
            )
    # As a database in service would be: the write-ahead log folded into the database file.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def export(traced: bool) -> dict:
    """Download the file once, reading the stream to its end."""
    import tracemalloc

    from django.test import Client

    client = Client()
    client.get("/donnees-ouvertes/")  # warm-up: connection, templates, URL resolver
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(URL)
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    return {
        "seconds": elapsed,
        "rows": rows - 1,
        "bytes": size,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "traced_peak_bytes": peak,
    }


def child(database: Path, traced: bool) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(database)] + (["--traced"] if traced else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conventions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", default="")
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        setup(Path(args.child))
        print(json.dumps(export(args.traced)))
        return
    source = ROOT / "var" / "pacte.sqlite3"
    if not source.exists():
        sys.exit("Base de démonstration absente : lancez d'abord `uv run python manage.py demo`.")
    work = Path(tempfile.mkdtemp(prefix="pacte-bench-opendata-"))
    database = work / "bench.sqlite3"
    shutil.copy(source, database)
    setup(database)
    from pacte.pilotage.opendata import published_conventions

    results = []
    for target in [0, 10_000, args.conventions]:
        filled = fill(target) if target else 0.0
        count = published_conventions().count()
        runs = [child(database, traced=False) for _ in range(args.repeat)]
        traced = child(database, traced=True)
        assert all(r["rows"] == count for r in runs), (count, runs)
        results.append(
            {
                "conventions": count,
                "fill_seconds": filled,
                "median_seconds": statistics.median(r["seconds"] for r in runs),
                "max_seconds": max(r["seconds"] for r in runs),
                "maxrss_mib": max(r["maxrss_kib"] for r in runs) / 1024,
                "traced_peak_mib": traced["traced_peak_bytes"] / 2**20,
                "megabytes": runs[0]["bytes"] / 1e6,
            }
        )
        print(json.dumps(results[-1]), flush=True)
    print()
    print(
        "| Conventions | Fichier (Mo) | Médiane (s) | Max (s) | Lignes par seconde "
        "| RSS max du processus (Mio) | Pic des allocations Python (Mio) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['conventions']} | {r['megabytes']:.1f} | {r['median_seconds']:.2f} "
            f"| {r['max_seconds']:.2f} | {r['conventions'] / r['median_seconds']:.0f} "
            f"| {r['maxrss_mib']:.0f} | {r['traced_peak_mib']:.2f} |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
