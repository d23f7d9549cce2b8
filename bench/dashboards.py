"""Dashboards and territorial balance at the stress scale: each role's dashboard and the balance
with 100 000 operations (and their history, commitments, payments and reciprocal commitments),
against the demo's 120, with the number of SQL queries per page.

    uv run python bench/dashboards.py [--operations 100000] [--repeat 30]

Works on a copy of the demo database (`uv run python manage.py demo` first). The operations are
those of `bench/operations.py` (`fill`: bulk-inserted with their financing plans, spread over the
demo's contracts and every state); this script then gives them what the dashboards read, in bulk
SQL: a deposit date to every operation past the draft, a vote date and a subsidy to those voted,
their commitment against the AP, a "submitted" history row to each and a "convention signed" one
to those signed, a paid advance to two signed operations in three, and one reciprocal commitment
for every three operations.
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

VOTED = ("voted", "agreement_signed", "works_started", "completed", "lapsed")
SIGNED = ("agreement_signed", "works_started", "completed")


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


MODES = ("none", "after_write", "warm")


def measure(client, url: str, repeat: int, mode: str) -> dict:
    """Timings of `url`:
    - "none": nothing kept, every request computes the figures of the whole history
      (processing times, lapse deadlines);
    - "after_write": a write (an audit row, as every service leaves) precedes each request: the
      page serves the figures kept and queues their refresh for the worker (not running here:
      the refresh stays queued, as on a busy server);
    - "warm": nothing written between requests, the figures kept are current."""
    from django.core.cache import cache
    from django.test import override_settings

    from pacte.core.audit import audit
    from pacte.core.models import User

    cache.clear()
    before = None
    if mode == "after_write":
        someone = User.objects.order_by("pk").first()

        def before():
            audit(actor=someone, action="bench.write", obj=someone, summary="Écriture du banc")

    with override_settings(PACTE_PILOTAGE_CACHE_SECONDS=0 if mode == "none" else 86400):
        return _measure(client, url, repeat, before)


def _measure(client, url: str, repeat: int, before=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    if before:
        before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return {
        "median": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "queries": len(captured),
        "kb": len(response.content) / 1024,
    }


def enrich() -> dict:
    """What the dashboards read, for the bulk-inserted operations (reference OP-B-…)."""
    from django.db import connection, transaction

    from pacte.finance.models import ProgrammeAuthorisation

    ap = ProgrammeAuthorisation.objects.order_by("pk").first()
    voted = ", ".join(f"'{s}'" for s in VOTED)
    signed = ", ".join(f"'{s}'" for s in SIGNED)
    bench = "reference LIKE 'OP-B-%'"
    statements = [
        # Deposit between January 2023 and the end of 2025; vote 30 to 330 days later.
        f"""UPDATE operations_operation SET submitted_at =
              datetime('2023-01-02 08:00:00', '+' || (id % 1080) || ' days',
                       '+' || (id % 14) || ' hours')
            WHERE {bench} AND state <> 'draft'""",
        f"""UPDATE operations_operation
            SET voted_on = date(submitted_at, '+' || (30 + id % 300) || ' days'),
                granted_amount = requested_fund_amount
            WHERE {bench} AND state IN ({voted})""",
        f"""INSERT INTO finance_commitment (authorisation_id, operation_id, amount, committed_on,
              deliberation_number, lapsed_amount, lapsed_on, start_extended, alerted_on, state)
            SELECT {ap.pk}, id, granted_amount, voted_on, '', 0, NULL, 0, NULL, 'active'
            FROM operations_operation WHERE {bench} AND state IN ({voted})""",
        f"""INSERT INTO operations_operationevent (operation_id, at, actor_id, transition,
              from_state, to_state, reason)
            SELECT id, submitted_at, NULL, 'submit', 'draft', 'submitted', ''
            FROM operations_operation WHERE {bench} AND state <> 'draft'""",
        f"""INSERT INTO operations_operationevent (operation_id, at, actor_id, transition,
              from_state, to_state, reason)
            SELECT id, datetime(voted_on, '+' || (20 + id % 90) || ' days', '+10 hours'), NULL,
                   'sign_agreement', 'voted', 'agreement_signed', ''
            FROM operations_operation WHERE {bench} AND state IN ({signed})""",
        f"""INSERT INTO finance_paymentrequest (commitment_id, kind, requested_amount,
              actual_expenses, requested_by_id, requested_at, state, paid_amount,
              mandate_number, paid_on)
            SELECT c.id, 'advance', round(c.amount * 0.3, 2), NULL, NULL,
                   datetime(o.voted_on, '+60 days'), 'paid', round(c.amount * 0.3, 2),
                   'B-' || c.id, date(o.voted_on, '+' || (60 + o.id % 200) || ' days')
            FROM finance_commitment c JOIN operations_operation o ON o.id = c.operation_id
            WHERE o.{bench} AND o.state IN ({signed}) AND o.id % 3 <> 0""",
        f"""INSERT INTO operations_reciprocalcommitment (contract_id, operation_id, kind,
              description, target, unit, achieved, report, state)
            SELECT contract_id, id,
                   CASE id % 3 WHEN 0 THEN 'insertion' WHEN 1 THEN 'placements'
                               ELSE 'sustainable' END,
                   'Engagement de mesure', 100, 'heures', NULL, '',
                   CASE id % 4 WHEN 0 THEN 'validated' WHEN 1 THEN 'reported'
                               WHEN 2 THEN 'planned' ELSE 'refused' END
            FROM operations_operation WHERE {bench} AND id % 3 = 0""",
    ]
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        for table in [
            "operations_operation",
            "operations_operationevent",
            "finance_commitment",
            "finance_paymentrequest",
            "operations_reciprocalcommitment",
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — fixed names
            counts[table] = cursor.fetchone()[0]
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    source = ROOT / "var" / "pacte.sqlite3"
    if not source.exists():
        sys.exit("Base de démonstration absente : lancez d'abord `uv run python manage.py demo`.")
    work = Path(tempfile.mkdtemp(prefix="pacte-bench-dash-"))
    shutil.copy(source, work / "bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.test import Client
    from operations import fill  # bench/operations.py

    from pacte.core.models import User
    from pacte.operations.models import Operation
    from pacte.territory.models import Territory

    settings.ALLOWED_HOSTS = ["testserver"]
    clients = {}
    for username in ["admin", "agent", "finances", "elu"]:
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    territory = Territory.objects.order_by("name").first()
    cases = [
        ("Direction (administrateur)", "admin", "/pilotage/direction/"),
        ("Direction, par année", "admin", "/pilotage/direction/?periode=annee"),
        ("Direction, un territoire", "admin", f"/pilotage/direction/?territoire={territory.pk}"),
        ("Instruction (agent)", "agent", "/pilotage/instruction/"),
        ("Finances", "finances", "/pilotage/finances/"),
        ("Élus (synthèse)", "elu", "/pilotage/elus/"),
        ("Élus, toutes générations", "elu", "/pilotage/elus/?generation="),
        ("Équilibre territorial", "elu", "/pilotage/equilibre-territorial/"),
        (
            "Équilibre, export XLSX des communes",
            "elu",
            "/pilotage/equilibre-territorial/?tableau=communes&format=xlsx",
        ),
    ]
    load_before = os.getloadavg()[0]
    results, sizes = {}, {}
    for scale, target in [("démo", Operation.objects.count()), ("stress", args.operations)]:
        if target > Operation.objects.count():
            started = time.perf_counter()
            fill(target)
            counts = enrich()
            sizes["fill_s"] = time.perf_counter() - started
            sizes["counts"] = counts
        sizes[scale] = Operation.objects.count()
        for label, username, url in cases:
            for mode in MODES:
                results[(scale, label, mode)] = measure(clients[username], url, args.repeat, mode)
    print()
    print(
        f"{os.cpu_count()} cœurs ; charge (1 min) {load_before:.2f} avant, "
        f"{os.getloadavg()[0]:.2f} après ; {args.repeat} mesures par page après 3 de chauffe."
    )
    print(f"Remplissage : {sizes['fill_s']:.0f} s ; lignes : {sizes['counts']}")
    print()
    print(
        f"| Page | Démo ({sizes['démo']} op.) médiane / p95 (ms) | requêtes "
        f"| Stress ({sizes['stress']} op.), tout recalculé, médiane / p95 (ms) | requêtes "
        "| Stress, juste après une écriture, médiane / p95 (ms) | requêtes "
        "| Stress, sans écriture, médiane / p95 (ms) | requêtes | Taille (Ko) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, _, _url in cases:
        d = results[("démo", label, "after_write")]
        row = [results[("stress", label, mode)] for mode in MODES]
        cells = " | ".join(f"{r['median']:.1f} / {r['p95']:.1f} | {r['queries']}" for r in row)
        print(
            f"| {label} | {d['median']:.1f} / {d['p95']:.1f} | {d['queries']} | {cells} "
            f"| {row[0]['kb']:.0f} |"
        )
    print()
    for label, _, url in cases:
        print(f"- {label} : `{url}`")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
