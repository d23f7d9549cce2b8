"""The intercommunalités list, used with the keyboard only."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BIGGEST_EPCI = "Communauté d'agglomération de Béthune-Bruay, Artois-Lys Romane"


def tab_to(page, target, *, limit=60):
    """Press Tab until `target` has the focus; fail if it is not reached in `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} n'est pas atteint en {limit} appuis sur Tab.")


def test_skip_link_comes_first_and_sorting_by_population_works_from_the_keyboard(page, login):
    login("agent")
    page.goto("/territoire/intercommunalites/")
    expect(page.get_by_role("heading", level=1, name="Intercommunalités")).to_be_visible()

    # The first Tab reaches the skip link, shown on focus; Enter moves the focus to the content.
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()

    # From the content, the column headers' sort links come next to the filters.
    population = page.locator("thead th", has_text="Population")
    tab_to(page, population.get_by_role("link"))
    page.keyboard.press("Enter")
    expect(population).to_have_attribute("aria-sort", "ascending")

    # Sorted in ascending order, the same link turns to descending order.
    tab_to(page, population.get_by_role("link", name="Population (trié par ordre croissant)"))
    page.keyboard.press("Enter")
    expect(population).to_have_attribute("aria-sort", "descending")
    expect(population.get_by_role("link")).to_have_accessible_name(
        "Population (trié par ordre décroissant)"
    )
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.first.get_by_role("rowheader")).to_have_text(BIGGEST_EPCI)
