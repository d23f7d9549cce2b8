"""Operations at the stress scale: the list, an operation page and the search with 100 000
operations, against the demo's 120, with the number of SQL queries per page.

    uv run python bench/operations.py [--operations 100000] [--repeat 20]

Works on a copy of the demo database (`uv run python manage.py demo` first); the extra
operations are bulk-inserted with their financing plans, spread over the demo's contracts and
every state.
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    source = ROOT / "var" / "pacte.sqlite3"
    if not source.exists():
        sys.exit("Base de démonstration absente : lancez d'abord `uv run python manage.py demo`.")
    work = Path(tempfile.mkdtemp(prefix="pacte-bench-ops-"))
    shutil.copy(source, work / "bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    from pacte.core.models import User
    from pacte.operations.models import Operation

    agent = User.objects.get(username="agent")
    client = Client()
    client.force_login(agent)
    sample = Operation.objects.filter(state="in_review").order_by("pk").first()
    urls = [
        ("Liste (défaut, 50 par page)", "/operations/"),
        ("Liste filtrée par état", "/operations/?etat=in_review"),
        ("Liste, page 200", "/operations/?page=200"),
        ("Liste triée par montant sollicité", "/operations/?tri=-montant"),
        ("Recherche plein texte « épicerie »", "/operations/?q=%C3%A9picerie"),
        ("Recherche par référence", f"/operations/?q={sample.reference}"),
        ("Page d'une opération", f"/operations/{sample.pk}/"),
        ("API, liste", "/api/operations"),
    ]
    results = {}
    for scale, target in [("démo", Operation.objects.count()), ("stress", args.operations)]:
        if target > Operation.objects.count():
            started = time.perf_counter()
            fill(target)
            print(
                f"Remplissage jusqu'à {target} opérations : {time.perf_counter() - started:.0f} s"
            )
        for label, url in urls:
            results[(scale, label)] = measure(client, url, args.repeat)
        results[(scale, "count")] = Operation.objects.count()
    print()
    print(
        f"| Page | Démo ({results[('démo', 'count')]} op.) médiane / p95 (ms) | requêtes "
        f"| Stress ({results[('stress', 'count')]} op.) médiane / p95 (ms) | requêtes |"
    )
    print("|---|---:|---:|---:|---:|")
    for label, _ in urls:
        d, s = results[("démo", label)], results[("stress", label)]
        print(f"| {label} | {d[0]:.1f} / {d[1]:.1f} | {d[2]} | {s[0]:.1f} / {s[1]:.1f} | {s[2]} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
