"""`insert_many` writes the rows `bulk_create` writes, value for value, on both databases:
texts with the characters a COPY or an INSERT must escape, JSON, aware time stamps, decimals."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from pacte.contracts.models import Generation
from pacte.core.bulk import insert_many
from pacte.core.models import AuditEvent, WorkerProcess

pytestmark = pytest.mark.django_db

AWKWARD = "tab\there, line\nfeed, back\\slash, « guillemets » 'simples' \"doubles\" \\N, ∅"
PARIS = ZoneInfo("Europe/Paris")


def _events(tag: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            action=f"bulk.{tag}",
            object_type="core.test",
            object_id=str(index),
            summary=AWKWARD,
            data={"texte": AWKWARD, "montant": "1250000.00", "liste": [1, None, True]},
        )
        for index in range(3)
    ]


def _read(tag: str) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action=f"bulk.{tag}")
        .order_by("object_id")
        .values_list("object_id", "summary", "data", "actor_id")
    )


def test_audit_rows_read_back_as_bulk_create_writes_them():
    with transaction.atomic():
        AuditEvent.objects.bulk_create(_events("django"))
        insert_many(_events("ours"))
    assert _read("ours") == _read("django")
    assert _read("ours")[0][1] == AWKWARD
    stamps = AuditEvent.objects.filter(action="bulk.ours").values_list("at", flat=True)
    assert all(stamp is not None and stamp.tzinfo is not None for stamp in stamps)


def _copies(generation: Generation, tag: str) -> list[Generation]:
    copies = []
    for index, (rate, ceiling) in enumerate(
        [(Decimal("0.5"), Decimal("1250000.00")), (Decimal("0.8"), Decimal("99999999999.99"))]
    ):
        copy = Generation.objects.get(pk=generation.pk)
        copy.pk = None
        copy.previous_id = None
        copy.name = f"{tag} {index} {AWKWARD}"
        copy.framework_deliberation_number = f"{tag}-{index}"
        copy.fund_max_rate, copy.fund_ceiling_amount = rate, ceiling
        copy.period_end = datetime.date(2026, 12, 31)
        copies.append(copy)
    return copies


def _generations(tag: str) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in {"id", "name", "framework_deliberation_number"}}
        for row in Generation.objects.filter(framework_deliberation_number__startswith=f"{tag}-")
        .order_by("framework_deliberation_number")
        .values()
    ]


def test_decimals_and_dates_read_back_as_bulk_create_writes_them(generation):
    with transaction.atomic():
        Generation.objects.bulk_create(_copies(generation, "django"))
        insert_many(_copies(generation, "ours"))
    ours = _generations("ours")
    assert ours == _generations("django")
    assert ours[1]["fund_ceiling_amount"] == Decimal("99999999999.99")
    assert ours[0]["period_end"] == datetime.date(2026, 12, 31)


def test_given_ids_are_kept_and_the_objects_saved(generation):
    copy = _copies(generation, "given")[0]
    copy.pk = Generation.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    with transaction.atomic():
        insert_many([copy])
    assert not copy._state.adding
    assert Generation.objects.get(pk=copy.pk).name == copy.name


def test_a_naive_or_odd_value_goes_through_the_fields_own_preparation():
    naive = datetime.datetime(2022, 9, 26, 9, 30)  # noqa: DTZ001 — what the field warns about
    aware = datetime.datetime(2022, 9, 26, 9, 30, tzinfo=PARIS)
    workers = [
        WorkerProcess(worker_id="bulk-naive", pid="12", seen_at=naive),
        WorkerProcess(worker_id="bulk-aware", pid=13, seen_at=aware),
    ]
    with transaction.atomic(), pytest.warns(RuntimeWarning, match="naive datetime"):
        insert_many(workers)
    stored = {w.worker_id: w for w in WorkerProcess.objects.filter(worker_id__startswith="bulk")}
    # a naive time is taken as Paris time, as `save()` takes it; a text id becomes a number
    assert stored["bulk-naive"].seen_at == aware == stored["bulk-aware"].seen_at
    assert stored["bulk-naive"].pid == 12
    assert stored["bulk-aware"].started_at.tzinfo is not None  # auto_now_add applied


def test_rows_all_with_ids_or_none():
    with_id = AuditEvent(pk=10**9, action="bulk.mixed", object_type="x", object_id="1")
    without = AuditEvent(action="bulk.mixed", object_type="x", object_id="2")
    with pytest.raises(ValueError, match="all with their ids or none"), transaction.atomic():
        insert_many([with_id, without])
    assert not AuditEvent.objects.filter(action="bulk.mixed").exists()
