"""Build the benchmark database of one scale under bench/out/.

    uv run python bench/make_dataset.py --scale pdc      # Pas-de-Calais only
    uv run python bench/make_dataset.py --scale france   # every département of the source

At the france scale, a département that the importer refuses (ImportErrorFr) is left out and
the import started again without it, until it passes; the failures are printed and kept.

Each scale gets its own SQLite file (bench/out/<scale>.sqlite3), rebuilt from scratch: migrate,
import the territorial referential with the project's importer, then seed what the pages need
(the demo seed of the Pas-de-Calais and one agent account for the benchmark). The timings and
counts are printed and kept in bench/out/<scale>-dataset.json.

--profile runs the import under cProfile and writes bench/out/<scale>-import.prof, with the
heaviest functions printed.
"""

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
SCALES = ("pdc", "france")
BENCH_USERNAME = "bench-agent"


def database_path(scale: str) -> Path:
    return OUT_DIR / f"{scale}.sqlite3"


def configure(scale: str) -> None:
    """Point Django at the scale's database, then set it up. Must run before any Django import."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DATABASE_URL"] = f"sqlite:///{database_path(scale)}"
    # The demo settings and seed keep a secret key and a password in the var directory: keep
    # the benchmark's own under bench/out/ so that the project's var/ is left alone.
    os.environ["PACTE_VAR_DIR"] = str(OUT_DIR / "var")
    # The demo seed sends notifications: keep them in memory rather than on the console.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))

    import django

    django.setup()


def department_codes(scale: str) -> list[str]:
    if scale == "pdc":
        return ["62"]
    from pacte.territory.importer import default_source, read_rows

    # As `manage.py import_referential --all` does.
    return [row["code"] for row in read_rows(default_source(), "departements")]


def remove_database(scale: str) -> None:
    path = database_path(scale)
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def failed_department(message: str) -> str | None:
    """The département named by the importer's error ("… dans le département 12 : …")."""
    match = re.search(r"dans le département (\w+)", message)
    return match.group(1) if match else None


def print_profile(profiler: cProfile.Profile, path: Path, limit: int = 30) -> str:
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    return text.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, required=True)
    parser.add_argument("--profile", action="store_true", help="profile the import (cProfile)")
    parser.add_argument(
        "--exclude",
        default="",
        help="départements to leave out, comma-separated (france scale: those known to fail)",
    )
    args = parser.parse_args(argv)

    remove_database(args.scale)
    configure(args.scale)

    from django.core.management import call_command
    from django.db import connection

    from pacte.contracts.models import Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from pacte.demo.seed import seed_demo
    from pacte.territory.importer import ImportErrorFr, import_referential
    from pacte.territory.models import Canton, Commune, Councillor, Department, Epci

    summary = {
        "scale": args.scale,
        "database": str(database_path(args.scale).relative_to(PROJECT_DIR)),
        "built_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    print(f"Base : {database_path(args.scale)}")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    summary["migrate_seconds"] = round(time.perf_counter() - started, 2)
    print(f"migrate : {summary['migrate_seconds']} s")

    codes = department_codes(args.scale)
    print(f"Départements demandés ({len(codes)}) : {' '.join(codes)}")

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - import_started:7.1f} s] {message}", flush=True)

    excluded = [c.strip().upper() for c in args.exclude.split(",") if c.strip()]
    summary["excluded_by_option"] = excluded
    summary["failures"] = []
    codes = [c for c in codes if c not in excluded]
    while True:
        profiler = cProfile.Profile() if args.profile else None
        import_started = started = time.perf_counter()
        try:
            if profiler:
                profiler.enable()
            report = import_referential(codes, progress=progress)
            break
        except ImportErrorFr as exc:
            elapsed = round(time.perf_counter() - started, 2)
            failed = failed_department(str(exc))
            print(f"ÉCHEC après {elapsed} s : {exc}", flush=True)
            if args.scale == "pdc" or failed not in codes:
                raise
            # The import is one transaction: nothing was written. Leave the département out
            # and start again, so that the benchmark still gets every other one.
            summary["failures"].append(
                {"department": failed, "message": str(exc), "seconds": elapsed}
            )
            codes.remove(failed)
        finally:
            if profiler:
                profiler.disable()
    summary["imported_departments"] = codes
    summary["left_out_departments"] = excluded + [f["department"] for f in summary["failures"]]
    summary["import_seconds"] = round(time.perf_counter() - started, 2)
    if summary["failures"]:
        left_out = ",".join(f["department"] for f in summary["failures"])
        print(f"Départements laissés de côté : {left_out} (relancer avec --exclude {left_out})")
    print(f"Import de {len(codes)} département(s) : {summary['import_seconds']} s")
    for line in report.lines():
        print(f"  {line}")
    if profiler:
        prof_path = OUT_DIR / f"{args.scale}-import.prof"
        print(print_profile(profiler, prof_path))
        print(f"Profil : {prof_path}")

    started = time.perf_counter()
    seed_demo()
    User.objects.update_or_create(
        username=BENCH_USERNAME,
        defaults={"role": Role.AGENT, "first_name": "Banc", "last_name": "d'essai"},
    )
    summary["seed_seconds"] = round(time.perf_counter() - started, 2)
    print(f"Données de démonstration et compte {BENCH_USERNAME} : {summary['seed_seconds']} s")

    with connection.cursor() as cursor:
        # No ANALYZE: the query planner sees the base as the application leaves it.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    summary["counts"] = {
        "departements": Department.objects.count(),
        "communes": Commune.objects.count(),
        "epci": Epci.objects.count(),
        "cantons": Canton.objects.count(),
        "conseillers": Councillor.objects.count(),
        "partenaires": Partner.objects.count(),
        "utilisateurs": User.objects.count(),
    }
    summary["database_bytes"] = database_path(args.scale).stat().st_size
    for name, count in summary["counts"].items():
        print(f"{name} : {count}")
    print(f"Taille de la base : {summary['database_bytes'] / 1e6:.1f} Mo")

    (OUT_DIR / f"{args.scale}-dataset.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
