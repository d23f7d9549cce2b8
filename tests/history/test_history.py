import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from openpyxl import Workbook, load_workbook

from pacte.contracts.models import Contract, Partner
from pacte.core.models import AuditEvent
from pacte.core.workflow import TransitionRefused
from pacte.history.columns import AMOUNT_COLUMNS, COLUMN_NAMES
from pacte.history.models import HistoryImport, ImportedOperation
from pacte.history.services import history_import_create, history_import_file
from pacte.history.values import CellError, parse_amount, parse_date
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.workflows import OPERATION_WORKFLOW
from tests.history.conftest import DEMO_FILE, amount, csv_bytes, demo_rows

D = datetime.date


def run(previous, users, data: bytes, name="historique.csv", role="agent"):
    return history_import_file(
        actor=users[f"test-{role}"], generation=previous, data=data, name=name
    )


def snapshot(previous):
    return (
        Operation.objects.count(),
        Operation.objects.filter(contract__generation=previous).count(),
        Contract.objects.count(),
        Partner.objects.count(),
        ImportedOperation.objects.count(),
        OperationEvent.objects.count(),
    )


def test_demo_file_enters_as_completed_operations_of_the_past_generation(imported, previous):
    operations = Operation.objects.filter(contract__generation=previous)
    assert operations.count() == len(demo_rows()) == 104
    assert set(operations.values_list("state", flat=True)) == {"completed"}
    assert set(operations.values_list("contract__state", flat=True)) == {"closed"}
    assert imported.state == "done" and imported.created_operations == 104
    # Each one has its history row, naming the file and its line, and an audit row.
    first = operations.get(history_record__line=2)
    event = first.events.get()
    assert (event.transition, event.from_state, event.to_state) == (
        "record_history",
        "draft",
        "completed",
    )
    assert (
        event.reason == "Reprise de l'historique : fichier « historique-2019-2022.csv », ligne 2."
    )
    assert first.reference.startswith("OP-2019-")
    row = demo_rows()[0]
    assert first.title == row["intitule"]
    assert first.granted_amount == amount(row["montant_fonds"])
    assert first.voted_on == D.fromisoformat("-".join(reversed(row["date_vote"].split("/"))))
    assert first.history_record.deliberation_number == row["numero_deliberation"]
    assert [c.insee_code for c in first.communes.all()] == [row["communes"]]
    # The file's SIRET completes a partner known by its SIREN alone (here every one).
    with_siret = Partner.objects.exclude(siret="").count()
    assert imported.completed_sirets == with_siret - imported.created_partners == 26
    assert Partner.objects.get(siren="216207654").siret == "21620765400015"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"history.import_requested", "history.import", "operation.record_history"} <= actions


def test_one_bad_row_among_many_writes_nothing_and_names_its_line_and_column(previous, users):
    rows = demo_rows()
    rows[35]["montant_fonds"] = "12a"  # the 36th operation: line 37, the header being line 1
    before = snapshot(previous)
    result = run(previous, users, csv_bytes(rows))
    assert result.state == "refused"
    assert result.error_texts == [
        "Ligne 37, colonne « montant_fonds » : « 12a » n'est pas un montant."
    ]
    assert snapshot(previous) == before
    assert AuditEvent.objects.filter(action="history.import_refused", object_id=str(result.pk))
    assert result.checked_rows == result.total_rows == 104


def test_every_error_of_the_file_is_reported_not_only_the_first(previous, users):
    rows = demo_rows()[:20]
    rows[2]["date_vote"] = "31/02/2020"
    rows[5]["categorie"] = "piscine"
    rows[9]["cout_total"] = "1000,00"
    rows[12]["partenaire_identifiant"] = "123456789"
    rows[13]["communes"] = "62999"
    rows[14].update(date_vote="15/03/2024", date_convention="")
    rows[15]["date_convention"] = "01/01/2019"
    texts = run(previous, users, csv_bytes(rows)).error_texts
    assert (
        texts[0]
        == "Ligne 4, colonne « date_vote » : « 31/02/2020 » n'est pas une date (JJ/MM/AAAA)."
    )
    assert texts[1].startswith(
        "Ligne 7, colonne « categorie » : « piscine » n'est pas une catégorie"
    )
    assert texts[2].startswith("Ligne 11, colonne « cout_total » : le coût total (1\u202f000,00")
    assert texts[3] == (
        "Ligne 14, colonne « partenaire_identifiant » : « 123456789 » n'est pas un SIREN "
        "valide (clé de contrôle)."
    )
    assert (
        texts[4] == "Ligne 15, colonne « communes » : code INSEE « 62999 » inconnu du référentiel."
    )
    assert texts[5] == (
        "Ligne 16, colonne « date_vote » : « 15/03/2024 » est hors de la génération 2019-2022 "
        "(votes du 12/11/2018 au 31/12/2022)."
    )
    assert texts[6].startswith("Ligne 17, colonne « date_convention » : la convention (01/01/2019)")
    assert len(texts) == 7


def test_header_is_checked_before_the_rows(previous, users):
    rows = [
        {k: v for k, v in r.items() if k != "cout_total"} | {"montan_fonds": "1"}
        for r in demo_rows()[:3]
    ]
    texts = run(previous, users, csv_bytes(rows)).error_texts
    assert texts == [
        "Ligne 1, colonne « montan_fonds » : colonne inconnue (colonnes possibles : "
        + ", ".join(COLUMN_NAMES)
        + ").",
        "Ligne 1, colonne « cout_total » : colonne obligatoire absente.",
    ]


def test_csv_with_commas_without_bom_and_french_headers(previous, users):
    rows = []
    for row in demo_rows()[:5]:
        row = dict(row)
        row["montant_fonds"] = row["montant_fonds"].replace(",", ".")
        row["cout_total"] = (
            f"{amount(row['cout_total']):,.2f}".replace(",", " ").replace(".", ",") + " €"
        )
        rows.append({("Montant fonds" if k == "montant_fonds" else k): v for k, v in row.items()})
    result = run(previous, users, csv_bytes(rows, delimiter=",", bom=False))
    assert result.error_texts == [] and result.created_operations == 5
    costs = sorted(
        Operation.objects.filter(contract__generation=previous).values_list(
            "expenses__amount_excl_tax", flat=True
        )
    )
    assert costs == sorted(amount(r["cout_total"]) for r in demo_rows()[:5])


def xlsx(rows: list[dict], typed: bool = True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    header = list(rows[0].keys())
    sheet.append(header)
    for row in rows:
        cells = []
        for key in header:
            value = row[key]
            if typed and value and key.startswith("date_"):
                value = datetime.datetime.strptime(value, "%d/%m/%Y")  # noqa: DTZ007
            elif typed and value and key in AMOUNT_COLUMNS and value[0].isdigit():
                value = float(amount(value)) if value.replace(",", "").isdigit() else value
            elif typed and key in ("partenaire_identifiant", "communes") and value.isdigit():
                value = int(value)
            cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_typed_cells_imports_like_the_csv(previous, users):
    rows = demo_rows()[:12]
    result = run(previous, users, xlsx(rows), name="historique.xlsx")
    assert result.error_texts == [] and result.created_operations == 12
    operations = Operation.objects.filter(contract__generation=previous)
    assert sum(o.granted_amount for o in operations) == sum(
        amount(r["montant_fonds"]) for r in rows
    )
    assert sorted(operations.values_list("voted_on", flat=True)) == sorted(
        parse_date(r["date_vote"]) for r in rows
    )


def test_xlsx_bad_row_names_the_spreadsheet_row_and_writes_nothing(previous, users):
    rows = demo_rows()[:30]
    rows[20]["montant_fonds"] = "12a"
    rows[24]["date_fin_travaux"] = "01/01/2019"
    before = snapshot(previous)
    result = run(previous, users, xlsx(rows), name="historique.xlsx")
    assert (
        result.error_texts[0]
        == "Ligne 22, colonne « montant_fonds » : « 12a » n'est pas un montant."
    )
    assert result.error_texts[1].startswith("Ligne 26, colonne « date_fin_travaux » : l'achèvement")
    assert snapshot(previous) == before
    # The stored file is the one sent, as sent.
    with result.source.open("rb") as handle:
        assert load_workbook(handle).active["A1"].value == "partenaire_identifiant"


def test_amounts_are_read_as_french_spreadsheets_write_them():
    cents = Decimal("1250000.00")
    for raw in [
        "1 250 000,00 €",
        "1\u202f250\u202f000,00",
        "1250000.00",
        "1.250.000,00",
        "1250000",
        1250000,
        1250000.0,
    ]:
        assert parse_amount(raw) == cents, raw
    assert parse_amount(0.1 + 0.2) == Decimal("0.30")  # a spreadsheet formula's binary noise
    for raw, message in [
        ("12a", "« 12a » n'est pas un montant."),
        ("-5", "« -5 » : un montant ne peut pas être négatif."),
        ("12,345", "« 12,345 » : un montant s'écrit au centime près."),
        ("1_000", "« 1_000 » n'est pas un montant."),
        ("\uff11\uff12", "« \uff11\uff12 » n'est pas un montant."),  # full-width digits
    ]:
        with pytest.raises(CellError, match=message):
            parse_amount(raw)


def test_importing_the_same_operations_twice_is_refused(imported, previous, users):
    again = run(previous, users, DEMO_FILE.read_bytes())
    assert again.state == "refused" and again.error_count == 104
    assert "est déjà dans l'historique : OP-2019-" in again.error_texts[0]
    assert Operation.objects.filter(contract__generation=previous).count() == 104


def test_duplicate_rows_in_one_file_are_refused(previous, users):
    rows = demo_rows()[:3]
    rows.append(dict(rows[0]))
    assert run(previous, users, csv_bytes(rows)).error_texts == [
        "Ligne 5, colonne « intitule » : même partenaire, même intitulé et même date de vote "
        "qu'à la ligne 2."
    ]


def test_a_partner_has_one_siret_in_a_file(previous, users):
    rows = demo_rows()[:2]
    rows[1].update(partenaire_identifiant=rows[0]["partenaire_identifiant"][:9] + "00023")
    rows[1]["intitule"] += " (bis)"
    assert run(previous, users, csv_bytes(rows)).error_texts == [
        "Ligne 3, colonne « partenaire_identifiant » : SIRET « 21620765400023 » différent de "
        "celui de la ligne 2 (« 21620765400015 ») pour le même partenaire."
    ]


def test_a_commune_of_the_referential_becomes_a_partner(previous, users):
    row = dict(demo_rows()[0])
    row.update(partenaire_identifiant="216204982", partenaire_nom="Ville de Lens", communes="62498")
    assert not Partner.objects.filter(siren="216204982").exists()
    assert run(previous, users, csv_bytes([row])).created_partners == 1
    lens = Partner.objects.get(siren="216204982")
    assert (lens.kind, lens.name, lens.commune.insee_code) == ("commune", "Ville de Lens", "62498")
    assert lens.contracts.get().state == "closed"
    unknown = dict(row, partenaire_identifiant="W621999999")
    assert (
        "aucun partenaire ne porte le numéro RNA"
        in run(previous, users, csv_bytes([unknown])).error_texts[0]
    )


def test_only_agents_import_and_only_into_a_past_generation(previous, generation, users):
    data = csv_bytes(demo_rows()[:1])
    for role in ["partner", "elected", "finance", "assembly"]:
        with pytest.raises(PermissionDenied):
            run(previous, users, data, role=role)
    with pytest.raises(ValidationError, match="génération passée"):
        run(generation, users, data)
    assert run(previous, users, data, role="admin").created_operations == 1


def test_record_history_is_refused_to_an_operation_of_the_current_generation(users):
    from pacte.contracts.models import Generation
    from tests.operations.conftest import make_operation, signed_contract

    current = Generation.objects.get(framework_deliberation_number="2022-317")
    contract = signed_contract(current, "246200364", users["test-agent"])
    operation = make_operation(contract, users["test-partner"])
    # A partner's draft is its own until deposited: the agent does not even see it.
    with pytest.raises(Http404):
        OPERATION_WORKFLOW.apply(
            operation,
            "record_history",
            actor=users["test-agent"],
            reason="Essai",
            voted_on=D(2024, 1, 8),
            granted_amount=Decimal("1000.00"),
        )
    # The importer's drafts are the importing agent's own: there the generation is checked.
    Operation.objects.filter(pk=operation.pk).update(created_by=users["test-agent"])
    operation.refresh_from_db()
    with pytest.raises(TransitionRefused, match="génération passée"):
        OPERATION_WORKFLOW.apply(
            operation,
            "record_history",
            actor=users["test-agent"],
            reason="Essai",
            voted_on=D(2024, 1, 8),
            granted_amount=Decimal("1000.00"),
        )
    operation.refresh_from_db()
    assert operation.state == "draft"


def test_management_command_imports_or_refuses_the_whole_file(previous, users, tmp_path):
    good = tmp_path / "historique.xlsx"
    good.write_bytes(xlsx(demo_rows()[:4]))
    out = io.StringIO()
    call_command("import_history", str(good), "--utilisateur", "test-admin", stdout=out)
    assert "4 opérations importées" in out.getvalue()
    assert "4 lignes vérifiées sur 4" in out.getvalue()
    rows = demo_rows()[4:8]
    rows[1]["montant_fonds"] = "12a"
    bad = tmp_path / "historique.csv"
    bad.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError) as caught:
        call_command("import_history", str(bad), "--generation", "2019-2022", stdout=io.StringIO())
    assert "Ligne 3, colonne « montant_fonds » : « 12a » n'est pas un montant." in str(caught.value)
    assert Operation.objects.filter(contract__generation=previous).count() == 4
    assert HistoryImport.objects.count() == 2


def test_upload_page_checks_in_the_background_and_shows_the_result(
    client_for, previous, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("agent")
    page = client.get("/pilotage/historique/")
    assert page.status_code == 200
    assert "montant_droit_commun" in page.content.decode()
    upload = SimpleUploadedFile("historique.csv", csv_bytes(demo_rows()[:3]), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/pilotage/historique/", {"generation": previous.pk, "file": upload})
    history_import = HistoryImport.objects.get()
    assert response["Location"] == f"/pilotage/historique/{history_import.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Import terminé : 3 opérations enregistrées" in detail
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "hx-get" not in fragment  # finished: no more polling

    rows = demo_rows()[3:6]
    rows[2]["montant_fonds"] = "12a"
    upload = SimpleUploadedFile("erreurs.csv", csv_bytes(rows), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/pilotage/historique/", {"generation": previous.pk, "file": upload})
    detail = client.get(response["Location"]).content.decode()
    assert "Import refusé : 1 erreur" in detail
    assert "« 12a » n&#x27;est pas un montant." in detail


def test_progress_is_shown_while_the_rows_are_checked(client_for, previous, users):
    history_import = history_import_create(
        actor=users["test-agent"], generation=previous, data=csv_bytes(demo_rows()), name="h.csv"
    )
    HistoryImport.objects.filter(pk=history_import.pk).update(
        started_at=history_import.requested_at, total_rows=104, checked_rows=52
    )
    fragment = (
        client_for("agent")
        .get(f"/pilotage/historique/{history_import.pk}/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'value="50"' in fragment and "52 lignes sur 104" in fragment and "hx-get" in fragment


@pytest.mark.parametrize("role", ["partner", "elected", "finance", "assembly"])
def test_import_pages_are_for_agents(client_for, role):
    assert client_for(role).get("/pilotage/historique/").status_code == 403


def test_the_model_file_is_a_valid_file(client_for, previous, users):
    response = client_for("agent").get("/pilotage/historique/?modele=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert run(previous, users, response.content).created_operations == 1


def test_imported_operations_are_found_by_the_search(imported, users):
    from pacte.operations import selectors
    from pacte.operations.models import Operation

    operation = Operation.objects.filter(contract__generation=imported.generation).last()
    word = max(operation.title.split(), key=len)
    found = selectors.operation_list(user=users["test-agent"], generation_id=None, query=word)
    assert operation in found
