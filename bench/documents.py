"""Documents per second for each kind, and the same convention converted by LibreOffice.

    uv run python bench/documents.py [--repeat 30] [--batch 300]

Runs on a copy of the demo database (built first with `./pacte.sh demo` or
`uv run python manage.py demo`), writes files to a temporary folder, prints a Markdown table.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--libreoffice-repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=300)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pacte-bench-docs-"))
    source = ROOT / "var" / "pacte.sqlite3"
    if not source.exists():
        sys.exit("Base de démonstration absente : lancez d'abord `uv run python manage.py demo`.")
    shutil.copy(source, work / "bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = str(work / "media")
    from pacte.core.models import User
    from pacte.documents import services
    from pacte.documents.models import DocumentBatch
    from pacte.documents.tasks import generate_batch
    from pacte.operations.models import Operation

    agent = User.objects.filter(role="agent").first()
    voted = list(
        Operation.objects.filter(
            state__in=["voted", "agreement_signed", "works_started", "completed"]
        )
    )
    rows = []

    def measure(label, call, repeat):
        times = []
        for index in range(repeat):
            operation = voted[index % len(voted)]
            started = time.perf_counter()
            call(operation)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        rows.append((label, repeat, median * 1000, 1 / median))

    measure(
        "Fiche détaillée (Typst → PDF/A)",
        lambda op: services.sheet_generate(actor=agent, operation=op),
        args.repeat,
    )
    measure(
        "Convention (Typst → PDF/A)",
        lambda op: services.agreement_generate(actor=agent, operation=op),
        args.repeat,
    )
    measure(
        "Convention (DOCX, python-docx)",
        lambda op: services.agreement_docx_generate(actor=agent, operation=op),
        args.repeat,
    )

    soffice = shutil.which("soffice")
    if soffice:

        def libreoffice(operation):
            document = services.agreement_docx_generate(actor=agent, operation=operation)
            out = work / "lo"
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out),
                    document.file.path,
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )

        measure("Convention (DOCX → PDF par LibreOffice)", libreoffice, args.libreoffice_repeat)

    batch = DocumentBatch.objects.create(
        kind="agreement",
        label="Banc d'essai",
        requested_by=agent,
        total=args.batch,
        operation_ids=[voted[i % len(voted)].pk for i in range(args.batch)],
    )
    started = time.perf_counter()
    generate_batch.call(batch.pk)
    elapsed = time.perf_counter() - started
    batch.refresh_from_db()

    print(f"Opérations votées utilisées : {len(voted)} ; fichiers dans {work}")
    print()
    print("| Document | Essais | Médiane par document (ms) | Documents par seconde |")
    print("|---|---:|---:|---:|")
    for label, repeat, median_ms, rate in rows:
        print(f"| {label} | {repeat} | {median_ms:.0f} | {rate:.1f} |")
    print()
    print(
        f"Lot de {args.batch} conventions (tâche d'arrière-plan, exécutée sur place) : "
        f"{elapsed:.1f} s, soit {batch.done / elapsed:.1f} documents par seconde ; "
        f"{batch.done} générées, {len(batch.failures)} échec(s), archive "
        f"{batch.archive.size // 1024} Kio."
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
