"""Pacte's own « Accès refusé » and « Page introuvable » pages, in French and accessible."""

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e


def test_not_found_page_is_pactes_own_and_leads_back_home(page, login):
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    expect(page).to_have_title("Page introuvable — Pacte")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert_no_axe_violations(page)

    login("agent")
    response = page.goto("/territoire/intercommunalites/000000000/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page).to_have_title("Accueil — Pacte")


def test_forbidden_page_is_pactes_own_and_leads_back_home(page, login):
    login("partner")
    response = page.goto("/territoire/communes/")
    assert response.status == 403
    expect(page).to_have_title("Accès refusé — Pacte")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page.get_by_role("heading", level=2, name="À traiter")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Communauté d'agglomération de Lens - Liévin")
