"""An agent of the Département browses the territorial referential, page by page, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

FLANDRE_LYS = "Communauté de communes Flandre Lys"
FLANDRE_LYS_COMMUNES = ["Fleurbaix", "Laventie", "Lestrem", "Sailly-sur-la-Lys"]


def main_nav(page):
    return page.get_by_role("navigation", name="Menu principal")


def test_agent_browses_epcis_communes_councillors_and_partners_on_accessible_pages(page, login):
    login("agent", check_a11y=True)
    expect(page).to_have_title("Accueil — Pacte")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    assert_no_axe_violations(page)

    # The list of intercommunalités, from the main navigation.
    main_nav(page).get_by_role("link", name="Intercommunalités").click()
    expect(page.get_by_role("heading", level=1, name="Intercommunalités")).to_be_visible()
    expect(main_nav(page).get_by_role("link", name="Intercommunalités")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("table tbody tr")).to_have_count(20)
    assert_no_axe_violations(page)

    # One intercommunalité: its map and its communes (those of the Pas-de-Calais only).
    page.get_by_role("link", name=FLANDRE_LYS, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=FLANDRE_LYS)).to_be_visible()
    svg_map = page.locator("svg[role=img]")
    expect(svg_map).to_have_count(1)
    expect(svg_map.locator(":scope > title")).to_contain_text("Flandre Lys")
    expect(page.get_by_role("img", name=re.compile("Flandre Lys"))).to_be_visible()
    expect(svg_map.locator(".map-highlight")).to_have_count(1)
    communes = page.get_by_role("region", name="Communes membres").locator("tbody th")
    expect(communes).to_have_text(FLANDRE_LYS_COMMUNES)
    assert_no_axe_violations(page)

    # Live search of the communes: results come while typing, the page is not reloaded.
    main_nav(page).get_by_role("link", name="Communes").click()
    search = page.get_by_role("searchbox", name="Nom ou code INSEE de la commune")
    expect(search).to_be_visible()
    page.evaluate("window.pacteSamePage = true")
    search.press_sequentially("noeux")
    results = page.locator("#resultats tbody th")
    expect(results.filter(has_text="Nœux-les-Mines")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("pour « noeux »")
    assert page.evaluate("window.pacteSamePage === true"), "la recherche a rechargé la page"

    # Search by INSEE code, submitted with Enter.
    search.fill("62041")
    search.press("Enter")
    expect(results).to_have_text(["Arras"])
    expect(page).to_have_url(re.compile(r"[?&]q=62041"))
    assert_no_axe_violations(page)

    # The other pages of the main navigation, and the account page.
    main_nav(page).get_by_role("link", name="Élus").click()
    expect(page.get_by_role("heading", level=1, name="Conseillers départementaux")).to_be_visible()
    assert_no_axe_violations(page)

    main_nav(page).get_by_role("link", name="Partenaires").click()
    expect(page.get_by_role("heading", level=1, name="Partenaires")).to_be_visible()
    expect(page.locator("table tbody tr").first).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1, name="Mon compte")).to_be_visible()
    expect(page.get_by_text("test-agent", exact=True)).to_be_visible()
    assert_no_axe_violations(page)


def test_elected_member_reads_the_councillors_with_the_president_first(page, login):
    login("elected")
    main_nav(page).get_by_role("link", name="Élus").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(78)
    first = rows.first
    expect(first.get_by_role("rowheader")).to_have_text("M. Jean-Claude LEROY")
    expect(first.locator("td").nth(1)).to_have_text("Président")
    expect(page.get_by_role("status")).to_contain_text("78 conseillers départementaux")
