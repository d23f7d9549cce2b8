"""The legal pages in the browser: reached from the footer by a visitor and by a signed-in user,
by the mouse and by the keyboard, with no axe-core violation on a desktop and on a 390-pixel
wide phone, where nothing overflows sideways. The Département's colours reach the page through
/theme.css, and its text is set in the system's fonts."""

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.test_keyboard import tab_to

pytestmark = pytest.mark.e2e

PAGES = [
    ("Accessibilité : non conforme", "Déclaration d'accessibilité", "/accessibilite/"),
    ("Mentions légales", "Mentions légales", "/mentions-legales/"),
    ("Données personnelles", "Données personnelles", "/donnees-personnelles/"),
]
PHONE = {"width": 390, "height": 844}


def footer(page):
    return page.get_by_role("contentinfo")


def assert_no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} : {width} px de large sur un écran de 390 px"


@pytest.mark.parametrize("link,heading,url", PAGES)
def test_a_visitor_reaches_each_legal_page_from_the_footer(page, link, heading, url):
    page.goto("/connexion/")
    footer(page).get_by_role("link", name=link).click()
    expect(page).to_have_url(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"{heading} — Pacte")
    assert_no_axe_violations(page)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)


@pytest.mark.parametrize("role", ["agent", "partner"])
def test_a_signed_in_user_reaches_them_from_the_footer_of_any_page(page, login, role):
    login(role)
    for link, heading, url in PAGES:
        page.goto("/")
        footer(page).get_by_role("link", name=link).click()
        expect(page).to_have_url(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        # Still signed in: the menu and the sign-out button are there.
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
        assert_no_axe_violations(page)
    page.set_viewport_size(PHONE)
    page.goto("/donnees-personnelles/")
    assert_no_axe_violations(page)
    assert_no_sideways_scroll(page)


def test_the_footer_links_work_from_the_keyboard(page):
    page.goto("/connexion/")
    link = footer(page).get_by_role("link", name="Accessibilité : non conforme")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")


def test_the_departments_colours_logo_and_system_fonts_reach_the_page(page, login):
    login("agent")
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu).to_have_css("background-color", "rgb(0, 75, 135)")  # PACTE_COLOR_PRIMARY
    expect(menu.get_by_role("link", name="Accueil")).to_have_css("color", "rgb(255, 255, 255)")
    fonts = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert fonts.startswith("system-ui") and "marianne" not in fonts.lower()
    logo = page.locator("header img.brand-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_role("banner")).to_contain_text("Département du Pas-de-Calais")
