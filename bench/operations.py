"""Operations at the stress scale: the list, an operation page and the search with 100 000
operations, against the demo's 120, with the number of SQL queries per page.

    uv run python bench/operations.py [--operations 100000] [--repeat 20]
    uv run python bench/operations.py --database-url postgres://…/pacte   # PostgreSQL

Works on a copy of the demo database (`uv run python manage.py demo` first; on PostgreSQL,
`DATABASE_URL=… manage.py demo` into the database given, copied by CREATE DATABASE … TEMPLATE
and dropped afterwards); the extra operations are bulk-inserted with their financing plans and
search documents, spread over the demo's contracts and every state, then the statistics are
refreshed (ANALYZE). The searches' counts are checked: « épicerie », « ÉPICERIE » and
« epicerie » find the same rows.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.get(url)
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def fill(target: int):
    from django.db import transaction

    from pacte.contracts.models import Contract
    from pacte.operations.models import Expense, Operation, Resource

    contracts = list(Contract.objects.filter(state__in=["voted", "signed"]))
    states = [value for value, _ in Operation.State.choices]
    categories = [value for value, _ in Operation.Category.choices]
    words = [
        "Salle de spectacle",
        "Liaison douce",
        "Tiers-lieu numérique",
        "Épicerie solidaire",
        "Parking relais",
        "Sentier de randonnée",
        "Maison de santé",
        "Médiathèque",
        "Base nautique",
        "Lieu de mémoire",
    ]
    rng = random.Random(100_000)
    existing = Operation.objects.count()
    batch = 5000
    start = Operation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        for offset in range(0, target - existing, batch):
            size = min(batch, target - existing - offset)
            operations = [
                Operation(
                    contract=contracts[(start + i) % len(contracts)],
                    reference=f"OP-B-{start + offset + i + 1:07d}",
                    title=f"{rng.choice(words)} n°{start + offset + i + 1}",
                    description="Opération générée pour la mesure de performance.",
                    category=rng.choice(categories),
                    state=rng.choice(states),
                    is_demo=True,
                    requested_fund_amount=Decimal(rng.randrange(50, 3000)) * 300,
                )
                for i in range(size)
            ]
            created = Operation.objects.bulk_create(operations)
            expenses, resources = [], []
            for operation in created:
                cost = Decimal(rng.randrange(50, 3000)) * 1000
                expenses.append(
                    Expense(
                        operation=operation,
                        label="Travaux",
                        amount_excl_tax=cost,
                        amount_incl_tax=cost * 12 / 10,
                    )
                )
                resources.append(
                    Resource(
                        operation=operation, funder="fit", amount=cost * 3 / 10, status="requested"
                    )
                )
                resources.append(
                    Resource(
                        operation=operation, funder="self", amount=cost * 7 / 10, status="obtained"
                    )
                )
            Expense.objects.bulk_create(expenses)
            Resource.objects.bulk_create(resources)


SEARCHES = [
    # (label, query): the first three must find the same rows.
    ("« épicerie »", "épicerie"),
    ("« ÉPICERIE »", "ÉPICERIE"),
    ("« epicerie »", "epicerie"),
    ("début de mot « épic »", "épic"),
    ("deux mots « maison santé »", "maison santé"),
    ("sans résultat « zzqxw »", "zzqxw"),
    ("10 000 caractères", "épicerie " * 1111),
    ("ponctuation et opérateurs", '"* NEAR : ;'),
]


def copy_database(database_url: str) -> tuple[str, object]:
    """A copy of the demo database to fill: its address, and how to drop it afterwards."""
    if database_url:
        from history_import import copy_postgresql, drop_postgresql

        copy = copy_postgresql(database_url, "bench_ops")
        return copy, lambda: drop_postgresql(database_url, copy)
    var = Path(os.environ.get("PACTE_VAR_DIR", ROOT / "var"))
    source = var / "pacte.sqlite3"
    if not source.exists():
        sys.exit("Base de démonstration absente : lancez d'abord `uv run python manage.py demo`.")
    work = Path(tempfile.mkdtemp(prefix="pacte-bench-ops-"))
    shutil.copy(source, work / "bench.sqlite3")
    return f"sqlite:///{work / 'bench.sqlite3'}", lambda: shutil.rmtree(work, ignore_errors=True)


def analyze() -> None:
    """Fresh statistics, as production keeps them (PostgreSQL's autovacuum, SQLite's
    `PRAGMA optimize`): the planner then walks the indexes meant for each query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def search_plan(query: str) -> str:
    """The query plan of a search's page of ids."""
    from django.db import connection

    from pacte.contracts.selectors import generation_current
    from pacte.core.models import User
    from pacte.operations import selectors

    agent = User.objects.get(username="agent")
    generation = generation_current(user=agent)
    ids = selectors.operation_list(
        user=agent, generation_id=generation.pk, query=query
    ).values_list("pk", flat=True)[:50]
    sql, params = ids.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        rows = cursor.fetchall()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


def found(query: str) -> int:
    """How many operations of the current generation the agent finds with `query`."""
    from pacte.contracts.selectors import generation_current
    from pacte.core.models import User
    from pacte.operations import selectors

    agent = User.objects.get(username="agent")
    generation = generation_current(user=agent)
    return selectors.operation_list(user=agent, generation_id=generation.pk, query=query).count()


def found_by_title(fragment: str) -> int:
    """The same operations as `found` sees, whose title holds `fragment` (plain SQL)."""
    from pacte.contracts.selectors import generation_current
    from pacte.core.models import User
    from pacte.operations import selectors

    agent = User.objects.get(username="agent")
    generation = generation_current(user=agent)
    operations = selectors.operation_list(user=agent, generation_id=generation.pk)
    return operations.filter(title__contains=fragment).count()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL holding the demo (`DATABASE_URL=… manage.py demo`): copied, then dropped",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    url, drop = copy_database(args.database_url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from urllib.parse import quote

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    from pacte.core.models import User
    from pacte.operations.models import Operation

    call_command("migrate", verbosity=0)  # the demo's copy brought to the code measured
    agent = User.objects.get(username="agent")
    client = Client()
    client.force_login(agent)
    sample = Operation.objects.filter(state="in_review").order_by("pk").first()
    urls = [
        ("Liste (défaut, 25 par page)", "/operations/"),
        ("Liste filtrée par état", "/operations/?etat=in_review"),
        ("Liste, page 200", "/operations/?page=200"),
        ("Liste triée par montant sollicité", "/operations/?tri=-montant"),
        *[(f"Recherche {label}", f"/operations/?q={quote(q)}") for label, q in SEARCHES],
        ("Recherche par référence", f"/operations/?q={sample.reference}"),
        ("Page d'une opération", f"/operations/{sample.pk}/"),
        ("API, liste", "/api/operations"),
        ("API, recherche « épicerie »", "/api/operations?q=%C3%A9picerie"),
    ]
    results, counts, plans, titled = {}, {}, {}, {}
    try:
        for scale, target in [("démo", Operation.objects.count()), ("stress", args.operations)]:
            if target > Operation.objects.count():
                from pacte.operations import search

                started = time.perf_counter()
                before = Operation.objects.order_by("-pk").values_list("pk", flat=True).first()
                fill(target)
                search.refresh(
                    Operation.objects.filter(pk__gt=before or 0).values_list("pk", flat=True)
                )
                print(
                    f"Remplissage jusqu'à {target} opérations, avec leurs documents de "
                    f"recherche : {time.perf_counter() - started:.0f} s"
                )
            analyze()
            for label, url_ in urls:
                results[(scale, label)] = measure(client, url_, args.repeat)
            results[(scale, "count")] = Operation.objects.count()
            counts[scale] = {label: found(q) for label, q in SEARCHES}
            titled[scale] = found_by_title("picerie")
            plans[scale] = search_plan("épicerie")
        # The search finds what it should, whatever the accents and the case.
        for scale, by_label in counts.items():
            same = {by_label[label] for label, _ in SEARCHES[:3]}
            assert len(same) == 1, (scale, by_label)
            # Every operation whose title holds the word (and those whose description does).
            assert by_label["« épicerie »"] >= titled[scale] > 0, (by_label, titled)
            assert by_label["sans résultat « zzqxw »"] == 0
            assert by_label["ponctuation et opérateurs"] == 0
    finally:
        vendor = connection.vendor
        connection.close()
        drop()
    print()
    print(f"Base : {'PostgreSQL' if vendor == 'postgresql' else 'SQLite'} ; {load()}")
    print()
    print(
        f"| Page | Démo ({results[('démo', 'count')]} op.) médiane / p95 (ms) | requêtes "
        f"| Stress ({results[('stress', 'count')]} op.) médiane / p95 (ms) | requêtes |"
    )
    print("|---|---:|---:|---:|---:|")
    for label, _ in urls:
        d, s = results[("démo", label)], results[("stress", label)]
        print(f"| {label} | {d[0]:.1f} / {d[1]:.1f} | {d[2]} | {s[0]:.1f} / {s[1]:.1f} | {s[2]} |")
    print()
    print("| Recherche | Trouvées (démo) | Trouvées (stress) |")
    print("|---|---:|---:|")
    for label, _ in SEARCHES:
        print(f"| {label} | {counts['démo'][label]} | {counts['stress'][label]} |")
    print()
    print("Plan de la recherche « épicerie » (stress) :")
    print(plans["stress"])


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"charge de la machine {one:.2f} (1 min), {five:.2f} (5 min)"


if __name__ == "__main__":
    main()
