"""A large history file goes through the import a few rows at a time: read and checked without
being held in memory, written in batches, each batch checked again against what another import
wrote in the meantime. The cost of 100 000 rows is measured in bench/history_import.py."""

import datetime
import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest

from pacte.core.models import AuditEvent
from pacte.core.workflow import TransitionRefused
from pacte.history import reading
from pacte.history.checking import check_file
from pacte.history.models import ImportedOperation
from pacte.history.services import history_import_create, history_import_run
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.services import operations_insert
from pacte.operations.workflows import OPERATION_WORKFLOW, RECORD_HISTORY
from tests.history.conftest import csv_bytes, demo_rows
from tests.history.test_history import run, snapshot, xlsx

pytestmark = pytest.mark.django_db


def many_rows(count: int) -> list[dict]:
    """`count` valid rows: the demo's, each with a title of its own."""
    rows = demo_rows()
    return [
        {**rows[index % len(rows)], "intitule": f"Opération de reprise n°{index + 1}"}
        for index in range(count)
    ]


def test_a_large_file_is_checked_without_being_held_in_memory(previous):
    data = csv_bytes(many_rows(20_000))
    tracemalloc.start()
    result = check_file(previous, io.BytesIO(data))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    try:
        assert result.error_count == 0 and len(result.rows) == 20_000
    finally:
        result.close()
    # Held in memory, the checked rows of this file take about 60 Mio: they are on disk, and
    # only what finds duplicates (a key per row) grows with the file.
    assert peak < 20 * 1024 * 1024, peak


def test_a_file_of_several_batches_is_written_whole_with_a_history_row_each(previous, users):
    count = 2_345
    result = run(previous, users, csv_bytes(many_rows(count)))
    assert result.state == "done", result.error_texts
    assert result.created_operations == count
    operations = Operation.objects.filter(history_record__history_import=result)
    assert operations.count() == count
    assert set(operations.values_list("state", flat=True)) == {"completed"}
    for pk, reference in operations.values_list("pk", "reference"):
        assert reference == f"OP-2019-{pk:05d}"
    events = OperationEvent.objects.filter(operation__in=operations)
    assert events.count() == count
    assert set(events.values_list("transition", "from_state", "to_state")) == {
        (RECORD_HISTORY, "draft", "completed")
    }
    assert (
        AuditEvent.objects.filter(
            action=f"operation.{RECORD_HISTORY}",
            object_id__in=[str(pk) for pk in operations.values_list("pk", flat=True)],
        ).count()
        == count
    )
    last = ImportedOperation.objects.filter(history_import=result).order_by("-line").first()
    assert last.line == count + 1
    assert last.operation.expenses.get().amount_excl_tax > 0


def test_a_row_imported_meanwhile_in_a_later_batch_refuses_the_whole_file(previous, users):
    """Another import writes row 1 800 while this one checks: when this one writes, it finds
    it in its second batch and writes nothing at all, not even its first batch."""
    rows = many_rows(2_000)
    history_import = history_import_create(
        actor=users["test-agent"], generation=previous, data=csv_bytes(rows), name="a.csv"
    )
    before = snapshot(previous)

    def other_import(checked: int, total: int) -> None:
        if checked == total:
            other = run(previous, users, csv_bytes([rows[1_798]]), name="b.csv")
            assert other.state == "done", other.error_texts

    result = history_import_run(history_import.pk, progress=other_import)
    assert result.state == "refused"
    assert len(result.error_texts) == 1
    assert result.error_texts[0].startswith("Ligne 1800, colonne « intitule » : ")
    assert "vient d'être importée par un autre import" in result.error_texts[0]
    after = snapshot(previous)
    assert after[0] == before[0] + 1  # the other import's operation, nothing of this one


def test_a_line_that_is_not_utf8_is_named(previous, users):
    data = csv_bytes(demo_rows()[:6])
    lines = data.split(b"\n")
    lines[4] = lines[4].replace("é".encode(), b"\xe9", 1)
    result = run(previous, users, b"\n".join(lines))
    assert result.state == "refused"
    assert result.error_texts == [
        "Ligne 5 : le fichier n'est pas encodé en UTF-8 : enregistrez-le au format « CSV UTF-8 »."
    ]


def test_a_workbook_broken_inside_its_sheet_gets_the_french_message(previous, users):
    source, target = io.BytesIO(xlsx(demo_rows()[:5])), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # an unclosed element
            zout.writestr(item, content)
    before = snapshot(previous)
    result = run(previous, users, target.getvalue(), name="casse.xlsx")
    assert result.state == "refused"
    assert result.error_texts == [
        "Ce classeur XLSX ne s'ouvre pas : enregistrez-le à nouveau au format Excel (.xlsx) ou "
        "en CSV UTF-8."
    ]
    assert snapshot(previous) == before


def test_the_rows_read_are_removed_with_their_spool(previous):
    header, rows = reading.read_table(csv_bytes(demo_rows()[:3]))
    assert len(rows) == 3 and [line for line, _ in rows] == [2, 3, 4]
    rows.close()
    with pytest.raises(ValueError):
        list(rows)


def test_operations_created_at_once_pass_the_transition_checks(users):
    """`create_many` refuses the whole batch when one object fails the transition's checks,
    and inserts nothing."""
    from pacte.contracts.models import Generation
    from tests.operations.conftest import signed_contract

    current = Generation.objects.get(framework_deliberation_number="2022-317")
    contract = signed_contract(current, "246200364", users["test-agent"])
    agent = users["test-agent"]
    operations = [
        Operation(
            contract=contract,
            title=f"Essai {index}",
            category="culture",
            granted_amount=Decimal("1000.00"),
            voted_on=datetime.date(2024, 1, 8),
            created_by=agent,
        )
        for index in range(3)
    ]
    before = Operation.objects.count()
    with pytest.raises(TransitionRefused, match="génération passée"):
        OPERATION_WORKFLOW.create_many(
            operations,
            RECORD_HISTORY,
            actor=agent,
            reasons=["Essai"] * 3,
            insert=operations_insert,
        )
    assert Operation.objects.count() == before


def test_reserved_ids_are_never_given_again(previous, users):
    """The ids of imported operations are reserved before their insertion: an operation made
    afterwards, one by one, gets an id after them, and every reference follows its id."""
    from pacte.contracts.models import Generation
    from tests.operations.conftest import make_operation, signed_contract

    result = run(previous, users, csv_bytes(many_rows(30)))
    assert result.state == "done", result.error_texts
    highest = Operation.objects.order_by("-pk").values_list("pk", flat=True).first()
    current = Generation.objects.get(framework_deliberation_number="2022-317")
    contract = signed_contract(current, "246200364", users["test-agent"])
    operation = make_operation(contract, users["test-partner"])
    assert operation.pk > highest
    assert operation.reference == f"OP-2023-{operation.pk:05d}"
