import csv
import html
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pacte.core.french import amount_words, count_words
from pacte.operations.models import Operation
from pacte.pilotage.bilan import compute_bilan
from tests.finance.conftest import voted_operation
from tests.history.conftest import amount, demo_rows
from tests.operations.conftest import make_operation

SEED_TEXT = (
    Path(__file__).resolve().parents[2] / "pacte" / "demo" / "data" / "deliberation-2022-317.txt"
)


def plain(text: str) -> str:
    """Spaces and apostrophes as a reader sees them, whatever the typography."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


def expected_from_file() -> dict:
    """The bilan's figures computed from the raw file, with the standard library alone."""
    rows = demo_rows()
    # Every partner of the demo file is a commune or an intercommunalité (SIREN 21… or 2…),
    # whose own funding is public money.
    assert all(r["partenaire_identifiant"][0] == "2" for r in rows)
    by_category = defaultdict(lambda: Decimal("0"))
    for r in rows:
        by_category[r["categorie"]] += amount(r["montant_fonds"])
    return {
        "count": len(rows),
        "fund": sum(amount(r["montant_fonds"]) for r in rows),
        "common_law": sum(amount(r["montant_droit_commun"]) for r in rows),
        "total_cost": sum(amount(r["cout_total"]) for r in rows),
        "public": sum(amount(r["cout_total"]) - amount(r["financements_prives"]) for r in rows),
        "with_common_law": sum(1 for r in rows if r["montant_droit_commun"]),
        "by_category": dict(by_category),
    }


def test_bilan_figures_are_the_sums_of_the_file(imported, previous):
    expected = expected_from_file()
    totals = compute_bilan(previous).totals
    assert totals.count == expected["count"] == 104
    assert totals.fund == expected["fund"] == Decimal("25406350.00")
    assert totals.common_law == expected["common_law"]
    assert totals.total_cost == expected["total_cost"]
    assert totals.public_investment == expected["public"]
    # The seed's figures: more than 100 operations, 25,4 M€ from the fund, more than 12,4 M€
    # of other departmental funding, more than 237 M€ of public investment.
    assert totals.count > 100
    assert round(totals.fund / 1_000_000, 1) == Decimal("25.4")
    assert totals.common_law > Decimal("12400000")
    assert totals.public_investment > Decimal("237000000")


def test_breakdowns_add_up_and_match_the_file(imported, previous):
    expected = expected_from_file()
    bilan = compute_bilan(previous)
    labels = dict(Operation.Category.choices)
    by_category = {r.label: r.figures.fund for r in bilan.breakdown("categorie").rows}
    assert by_category == {labels[k]: v for k, v in expected["by_category"].items()}
    for key in ["categorie", "territoire", "intercommunalite"]:
        rows = bilan.breakdown(key).rows
        assert sum(r.figures.count for r in rows) == 104, key
        assert sum(r.figures.fund for r in rows) == expected["fund"], key
        assert sum(r.figures.public_investment for r in rows) == expected["public"], key
        assert sum(r.figures.total_cost for r in rows) == expected["total_cost"], key
    # Every intercommunalité of the Pas-de-Calais carried operations, or held a commune that did.
    epcis = {r.label for r in bilan.breakdown("intercommunalite").rows}
    assert len(epcis) == 20 and "Communauté urbaine d'Arras" in epcis
    # The previous generation predates the pacts and orientations.
    assert [r.label for r in bilan.breakdown("pacte").rows] == [
        "Sans pacte (génération antérieure aux pactes ou enjeu sans pacte)"
    ]


def test_sentence_says_what_report_18_says(imported, previous):
    sentence = plain(compute_bilan(previous).sentence)
    seed = plain(SEED_TEXT.read_text(encoding="utf-8"))
    for passage in [
        "a permis en 4 années, d'accompagner plus de 100 opérations par une mobilisation de "
        "25,4 millions d'euros issus du Fonds d'Innovation Territorial, associée, pour certains "
        "projets à plus de 12,4 millions d'euros de financements de droit commun.",
        "représentent un investissement public de plus de 237 millions d'euros collectivement "
        "mobilisés pour le développement et la préservation des territoires.",
    ]:
        assert passage in seed
        assert passage in sentence
    assert sentence.startswith(
        "La génération de contractualisation 2019-2022, votée le 12 novembre 2018, a permis"
    )
    assert "Ces 104 opérations représentent" in sentence


def test_rounded_words():
    assert count_words(104) == "plus de 100 opérations"
    assert count_words(100) == "100 opérations"
    assert count_words(37) == "plus de 30 opérations"
    assert count_words(1) == "1 opération"
    assert amount_words(Decimal("25406350"), more_than=False) == "25,4 millions d'euros"
    assert amount_words(Decimal("25450000"), more_than=False) == "25,5 millions d'euros"
    assert amount_words(Decimal("12468420"), more_than=True) == "plus de 12,4 millions d'euros"
    assert amount_words(Decimal("237669500"), more_than=True) == "plus de 237 millions d'euros"
    assert amount_words(Decimal("1500000"), more_than=False) == "1,5 million d'euros"
    assert amount_words(Decimal("850400"), more_than=True) == "plus de 850\u202f000 euros"
    assert amount_words(Decimal("12000000"), more_than=True) == "12,0 millions d'euros"


def test_same_code_counts_the_voted_operations_of_the_current_generation(
    generation,
    users,
    lens_contract,
    ap,
):
    operation, _ = voted_operation(lens_contract, users, amount="135000.00")
    voted_operation(lens_contract, users, amount="90000.00", sign=False, title="Tiers-lieu")
    make_operation(lens_contract, users["test-partner"], title="Un brouillon")
    bilan = compute_bilan(generation)
    # The plan of tests/operations/conftest.py: 450 000 € HT, all public money (the owner is an
    # intercommunalité); the draft does not count.
    assert (bilan.totals.count, bilan.totals.fund) == (2, Decimal("225000.00"))
    assert bilan.totals.total_cost == Decimal("900000.00")
    assert bilan.totals.public_investment == Decimal("900000.00")
    assert bilan.totals.common_law == Decimal("0.00")
    pacts = {r.label: r.figures.count for r in bilan.breakdown("pacte").rows}
    assert pacts == {generation.pacts.first().name: 2}
    territory = bilan.breakdown("territoire").rows
    assert [(r.label, r.figures.count) for r in territory] == [("Lens-Hénin", 2)]
    assert "a permis à ce jour" in bilan.sentence and "d'accompagner 2 opérations" in bilan.sentence


def test_page_shows_figures_charts_and_tables(imported, previous, client_for):
    page = client_for("agent").get(f"/pilotage/bilans/{previous.pk}/").content.decode()
    assert "plus de 100 opérations" in page
    assert "25\u202f406\u202f350,00\u00a0€" in page
    assert page.count('<svg class="chart"') == 3  # category, territory, intercommunalité
    assert "la génération précède les pactes" in page
    assert "Communauté d&#x27;agglomération de Lens - Liévin" in page
    index = client_for("elected").get("/pilotage/bilans/").content.decode()
    assert f'href="/pilotage/bilans/{previous.pk}/"' in index


def test_exports_of_the_tables_in_csv_and_xlsx(imported, previous, client_for):
    client = client_for("finance")
    expected = expected_from_file()
    response = client.get(f"/pilotage/bilans/{previous.pk}/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Répartition", "Libellé", "Opérations"]
    assert rows[1] == [
        "Ensemble",
        "Toutes les opérations",
        "104",
        "25406350,00",
        f"{expected['common_law']:.2f}".replace(".", ","),
        f"{expected['public']:.2f}".replace(".", ","),
        f"{expected['total_cost']:.2f}".replace(".", ","),
    ]
    assert {r[0] for r in rows[2:]} == {
        "Catégorie",
        "Pacte",
        "Orientation",
        "Territoire",
        "Intercommunalité",
    }
    response = client.get(f"/pilotage/bilans/{previous.pk}/?format=xlsx&tableau=operations")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 104
    assert sum(Decimal(str(v[7])) for v in values) == expected["fund"]


def test_pdf_is_a_typst_document_with_the_sentence(imported, previous, client_for):
    from pypdf import PdfReader

    response = client_for("admin").get(f"/pilotage/bilans/{previous.pk}/bilan.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = plain(" ".join(p.extract_text() for p in reader.pages))
    assert "plus de 100 opérations" in text
    assert "Communauté urbaine d'Arras" in text
    assert len(reader.pages) >= 4


def test_pdf_refused_in_french_when_a_name_cannot_be_printed(imported, previous, client_for):
    from pacte.contracts.models import Partner

    Partner.objects.filter(name="Communauté urbaine d'Arras").update(
        name="Communauté urbaine d'Arras 漢"
    )
    client = client_for("admin")
    response = client.get(f"/pilotage/bilans/{previous.pk}/bilan.pdf", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/pilotage/bilans/{previous.pk}/", 302)]
    page = html.unescape(response.content.decode())
    assert "le caractère « 漢 » d'un texte saisi n'existe pas dans ses polices" in page


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "finance", "elected"])
def test_bilan_is_read_by_the_services_and_the_elected(role, previous, client_for):
    client = client_for(role)
    assert client.get("/pilotage/bilans/").status_code == 200
    assert client.get(f"/pilotage/bilans/{previous.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_bilan_is_refused_to_partners(role, previous, client_for):
    client = client_for(role)
    for url in [
        "/pilotage/bilans/",
        f"/pilotage/bilans/{previous.pk}/",
        f"/pilotage/bilans/{previous.pk}/bilan.pdf",
        f"/pilotage/bilans/{previous.pk}/?format=csv",
    ]:
        assert client.get(url).status_code == 403, url


def test_bilan_asks_for_a_login(client, previous):
    response = client.get(f"/pilotage/bilans/{previous.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
