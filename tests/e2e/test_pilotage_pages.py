"""The bilan, the history import and the open data pages in the browser, checked by axe-core.

The module imports, through the project's importer, the demo file's operations of intercommunalités
that no other browser test touches (Montreuillois and Calaisis), into the 2019-2022 generation.
"""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

UNTOUCHED = ("200069029", "200069235", "200044030", "200090751", "200072478")


def rows_of(sirens) -> list[dict]:
    from tests.history.conftest import demo_rows

    return [r for r in demo_rows() if r["partenaire_identifiant"][:9] in sirens]


def as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def previous(django_db_setup, django_db_blocker) -> int:
    from pacte.contracts.models import Generation
    from pacte.core.models import User
    from pacte.history.services import history_import_file

    with django_db_blocker.unblock():
        generation = Generation.objects.get(framework_deliberation_number="2018-514")
        rows = rows_of(UNTOUCHED[:3])
        result = history_import_file(
            actor=User.objects.get(username="test-agent"),
            generation=generation,
            data=as_csv(rows),
            name="historique-montreuillois.csv",
        )
        assert result.error_texts == [] and result.created_operations == len(rows)
        return generation.pk


@pytest.mark.parametrize("role", ["agent", "elected", "finance", "admin"])
def test_bilan_pages_for_the_roles_that_read_them(page, login, previous, role):
    login(role)
    page.get_by_role("link", name="Bilans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilans des générations")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Troisième démarche de contractualisation 2019-2022").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan de la génération 2019-2022")
    expect(page.locator("#phrase-bilan")).to_contain_text("a permis en 4 années, d'accompagner")
    expect(page.get_by_role("img", name="Fonds d'Innovation Territorial mobilisé — par territoire"))
    page.get_by_text("Liste des").click()  # opens the list of operations
    expect(
        page.get_by_role(
            "cell", name="Communauté d'agglomération des Deux Baies en Montreuillois"
        ).first
    ).to_be_visible()
    assert_no_axe_violations(page)


def test_partner_is_refused_the_bilan(page, login, previous):
    login("partner")
    expect(page.get_by_role("link", name="Bilans")).to_have_count(0)
    response = page.goto(f"/pilotage/bilans/{previous}/")
    assert response.status == 403


def test_history_import_page_reports_errors_then_imports(page, login, previous, tmp_path):
    rows = rows_of(UNTOUCHED[3:])
    rows[1]["montant_fonds"] = "12a"
    bad = tmp_path / "historique-calaisis.csv"
    bad.write_bytes(as_csv(rows))
    login("agent")
    page.goto("/pilotage/historique/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import de l'historique")
    assert_no_axe_violations(page)
    page.get_by_label("Fichier des opérations (CSV ou XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(page.get_by_role("status").last).to_contain_text("Import refusé : 1 erreur")
    errors = page.get_by_role("table", name="Erreurs relevées")
    expect(errors.get_by_role("row").nth(1)).to_contain_text("3")
    expect(errors).to_contain_text("« 12a » n'est pas un montant.")
    assert_no_axe_violations(page)

    rows[1]["montant_fonds"] = "125000,00"
    good = tmp_path / "historique-calaisis-corrige.csv"
    good.write_bytes(as_csv(rows))
    page.goto("/pilotage/historique/")
    page.get_by_label("Fichier des opérations (CSV ou XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(page.get_by_role("status").last).to_contain_text(
        f"Import terminé : {len(rows)} opérations enregistrées"
    )
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Voir le bilan de la génération 2019-2022").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan de la génération 2019-2022")


def test_open_data_page_is_public(page):
    page.goto("/donnees-ouvertes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    expect(page.get_by_role("link", name="Télécharger les subventions (CSV)")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger les délibérations (CSV)")).to_be_visible()
    assert_no_axe_violations(page)
