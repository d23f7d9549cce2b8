"""The demo's previous generation: its operations imported from the file shipped with Pacte,
through the same importer as any file (see data/make_history_demo.py for how it was made)."""

from pathlib import Path

from pacte.contracts.models import Generation
from pacte.core import policy
from pacte.core.models import User
from pacte.history.models import HistoryImport
from pacte.history.services import history_import_file

DEMO_FILE = Path(__file__).resolve().parent / "data" / "historique-2019-2022.csv"


def seed_history() -> HistoryImport | None:
    generation = Generation.objects.filter(is_history=True, period_start__year=2019).first()
    if (
        generation is None
        or generation.history_imports.filter(finished_at__isnull=False, error_count=0).exists()
    ):
        return None
    actor = (
        User.objects.filter(role__in=policy.ADMINISTER.roles, is_active=True).order_by("pk").first()
    )
    history_import = history_import_file(
        actor=actor,
        generation=generation,
        data=DEMO_FILE.read_bytes(),
        name=DEMO_FILE.name,
        is_demo=True,
    )
    if history_import.error_count:
        raise RuntimeError("; ".join(history_import.error_texts))
    return history_import
