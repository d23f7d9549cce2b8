"""The dashboards in the browser: their sections behind tabs worked from the keyboard (arrows,
Home, End), a table of contents with every section shown without JavaScript; the chart by state
with labels and values written at a readable size, on a desktop as on a phone; the balance's
maps with each shape's number, readable, and the list of their names beside."""

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.test_pilotage_a11y import pilotage_data  # noqa: F401 — the module's data

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TABS = ["Mes dossiers", "Par état", "Par territoire", "Délais", "Points d'attention"]


def font_size(locator) -> float:
    return locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")


def test_sections_are_tabs_that_the_keyboard_works(pilotage_data, login):  # noqa: F811
    page = login("agent")
    page.set_viewport_size(DESKTOP)
    page.goto("/pilotage/instruction/")
    tablist = page.get_by_role("tablist")
    tabs = tablist.get_by_role("tab")
    expect(tabs.first).to_have_text(TABS[0])
    assert tabs.all_inner_texts()[: len(TABS)] == TABS
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)
    expect(page.get_by_role("heading", name="Mes dossiers")).to_be_visible()
    expect(page.get_by_role("heading", name="Opérations par état")).to_be_hidden()
    assert_no_axe_violations(page)

    # The arrows move to the next or previous tab and show its section; Home and End.
    tabs.first.focus()
    page.keyboard.press("ArrowRight")
    by_state = tablist.get_by_role("tab", name="Par état")
    expect(by_state).to_be_focused()
    expect(by_state).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("heading", name="Opérations par état")).to_be_visible()
    expect(page.get_by_role("heading", name="Mes dossiers")).to_be_hidden()
    assert page.url.endswith("#etats")
    page.keyboard.press("End")
    expect(tabs.last).to_be_focused()
    expect(tabs.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")  # wraps to the first
    expect(tabs.first).to_be_focused()
    page.keyboard.press("ArrowLeft")  # and back to the last
    expect(tabs.last).to_be_focused()
    page.keyboard.press("Home")
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    # Tab leaves the tab list for the section shown; only the selected tab is in the order.
    assert [t.get_attribute("tabindex") for t in tabs.all()].count("0") == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "tabpanel"

    # A link to a section opens its tab; so does an address naming it, and a filter keeps it.
    page.evaluate("location.hash = '#attention'")
    attention = tablist.get_by_role("tab", name="Points d'attention")
    expect(attention).to_have_attribute("aria-selected", "true")
    page.goto("/pilotage/instruction/?territoire=#delais")
    expect(tablist.get_by_role("tab", name="Délais")).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Afficher").click()
    expect(tablist.get_by_role("tab", name="Délais")).to_have_attribute("aria-selected", "true")
    assert_no_axe_violations(page)


def test_without_javascript_every_section_is_shown_under_a_table_of_contents(
    pilotage_data,  # noqa: F811
    browser,
    live_url,
):
    from tests.e2e.conftest import TIMEOUT_MS
    from tests.e2e.test_finance_journey import sign_in

    context = browser.new_context(
        base_url=live_url, locale="fr-FR", java_script_enabled=False, viewport=DESKTOP
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "test-agent")
        page.goto("/pilotage/instruction/")
        contents = page.get_by_role("navigation", name="Sections du tableau de bord")
        expect(page.get_by_role("tablist")).to_have_count(0)
        contents.get_by_role("link", name="Délais").click()
        assert page.url.endswith("#delais")
        for title in ("Mes dossiers", "Opérations par état", "Délais de traitement"):
            expect(page.get_by_role("heading", name=title)).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["bureau", "telephone"])
def test_the_chart_by_state_is_readable(pilotage_data, login, viewport):  # noqa: F811
    page = login("elected")
    page.set_viewport_size(viewport)
    page.goto("/pilotage/elus/#etats")
    chart = page.get_by_role("img", name="Opérations par état")
    expect(chart).to_be_visible()
    labels = chart.locator(".bar-rows-label")
    values = chart.locator(".bar-rows-value")
    assert labels.count() >= 5 and values.count() == labels.count()
    assert "Subvention votée" in labels.all_inner_texts()
    for locator in (labels.first, values.first):
        assert font_size(locator) >= 12, font_size(locator)
    # The chart takes the width of the page's content, not half of it.
    main = page.locator("main").evaluate("el => el.clientWidth")
    assert chart.evaluate("el => el.getBoundingClientRect().width") >= 0.8 * (main - 32)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_balance_maps_number_their_shapes_and_name_them_beside(
    pilotage_data,  # noqa: F811
    login,
):
    page = login("agent")
    page.set_viewport_size(DESKTOP)
    page.goto("/pilotage/equilibre-territorial/")
    figure = page.locator("figure.map").first
    numbers = figure.locator("g.map-number text")
    names = page.get_by_role("list", name="Les numéros de la carte").first.get_by_role("listitem")
    assert numbers.count() >= 10
    assert numbers.count() == names.count()
    expect(names.filter(has_text=pilotage_data)).to_have_count(1)
    # Written at 12 px or more on the screen.
    rendered = numbers.first.evaluate(
        "el => parseFloat(el.getAttribute('font-size')) * el.getScreenCTM().a"
    )
    assert rendered >= 12, rendered
    assert_no_axe_violations(page)
