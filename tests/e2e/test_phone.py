"""Pacte on a phone (390 × 844 px): every main page of each role fits the screen's width (a wide
table scrolls within its own region, not the page) and axe-core finds no violation there; the
main menu folds behind its « Menu » button, which opens and closes it from the keyboard, and
stays shown in full without JavaScript.

The data is that of the dashboards' browser tests (the CC des 7 Vallées: an operation voted,
signed and partly paid, with its partner's user), and a coming commission permanente."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.test_finance_journey import sign_in
from tests.e2e.test_pilotage_a11y import pilotage_data  # noqa: F401 — the module's data

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PARTNER_USER = "e2e-7-vallees"  # made by pilotage_data
# Pages reached from a list, for each list: the first link of the list's main region that
# leads to one of its objects.
DETAILS = {
    "/operations/": r"/operations/\d+/",
    "/contrats/": r"/contrats/\d+/",
    "/partenaires/": r"/partenaires/\d+/",
    "/seances/": r"/seances/\d+/",
    "/pilotage/bilans/": r"/pilotage/bilans/\d+/",
    "/territoire/intercommunalites/": r"/territoire/intercommunalites/\d+/",
    "/finances/paiements/": r"/finances/paiements/\d+/",
    "/finances/engagements/": r"/operations/\d+/",
}
# Pages reached from an object's page: an operation's full history (its pieces' SHA-256, 64
# characters without a break).
BEYOND = {r"/operations/\d+/": "historique/"}
# Pages of a role beyond its menu.
EXTRA = {
    "finance": ["/finances/engagements/", "/finances/paiements/"],
    "agent": ["/finances/engagements/", "/pilotage/equilibre-territorial/"],
    "partner": ["/finances/engagements/"],
}
# What is not a page to check: files, the API's documentation (Swagger UI's own layout), the
# administration (Django's).
SKIPPED = re.compile(r"^/(api|admin)/|\.(pdf|csv|xlsx)$")


@pytest.fixture(scope="module")
def phone_data(pilotage_data, django_db_setup, django_db_blocker):  # noqa: F811
    from pacte.assembly.models import Sitting
    from pacte.core.models import User
    from tests.assembly.conftest import coming_sitting

    with django_db_blocker.unblock():
        if not Sitting.objects.exists():
            coming_sitting(User.objects.get(username="test-assembly"), title="Règlement du fonds")
    return pilotage_data


@pytest.fixture
def phone(context):
    page = context.new_page()
    page.set_viewport_size(PHONE)
    return page


def sign_in_as(page, role: str) -> None:
    sign_in(page, PARTNER_USER if role == "partner" else f"test-{role}")


def links(page, scope: str) -> list[str]:
    hrefs = page.locator(f"{scope} a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h for h in hrefs if h.startswith("/") and not SKIPPED.search(h)]


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} : {width} px de large sur un écran de 390 px"


def check(page, path: str, seen: set[str]) -> None:
    if path in seen:
        return
    seen.add(path)
    response = page.goto(path)
    assert response.status == 200, f"{path} : {response.status}"
    fits_the_phone(page)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("role", ["agent", "partner", "finance", "assembly", "elected"])
def test_every_main_page_fits_a_phone(phone_data, phone, role):
    page = phone
    sign_in_as(page, role)
    menu = links(page, "nav[aria-label='Menu principal']") + links(page, ".user-box")
    assert len(menu) >= 3, menu
    seen: set[str] = set()
    for path in dict.fromkeys(["/", *menu, *EXTRA.get(role, [])]):
        check(page, path, seen)
        pattern = DETAILS.get(path.split("?")[0])
        if pattern:
            detail = next((h for h in links(page, "main") if re.fullmatch(pattern, h)), None)
            if detail:
                check(page, detail, seen)
                for object_page, beyond in BEYOND.items():
                    if re.fullmatch(object_page, detail):
                        check(page, detail + beyond, seen)
    # Each role saw its lists and at least one page of an object.
    assert any(re.search(r"/\d+/$", path) for path in seen), sorted(seen)


def test_the_menu_folds_behind_a_button_that_the_keyboard_works(phone_data, phone):
    page = phone
    sign_in(page, "test-agent")
    button = page.get_by_role("button", name="Menu")
    entry = page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Opérations"
    )
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    # What waits for the agent is counted on the button as on the menu's « Accueil ».
    home = page.locator("#menu-principal a").first
    assert (
        button.locator(".menu-count").all_text_contents()
        == home.locator(".menu-count").all_text_contents()
    )
    assert button.get_attribute("aria-controls") == "menu-principal"
    expect(entry).to_be_hidden()
    # The page starts with the menu folded: it fits the phone, the header is short.
    fits_the_phone(page)
    assert_no_axe_violations(page)
    # From the keyboard: the skip link to the menu, then the button, Enter opens.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(entry).to_be_visible()
    assert_no_axe_violations(page)
    # Tab reaches the menu's entries.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused.startswith("Accueil"), focused
    # Escape folds it and gives the focus back to the button; Space opens it again.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(entry).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press("Space")
    expect(entry).to_be_visible()
    page.keyboard.press("Space")
    expect(entry).to_be_hidden()
    # On a wide screen, no button: the menu is shown in full.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(button).to_be_hidden()
    expect(entry).to_be_visible()


def test_without_javascript_the_menu_stays_shown(phone_data, browser, live_url):
    from tests.e2e.conftest import TIMEOUT_MS

    context = browser.new_context(
        base_url=live_url, locale="fr-FR", java_script_enabled=False, viewport=PHONE
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "test-agent")
        nav = page.get_by_role("navigation", name="Menu principal")
        expect(nav.get_by_role("link", name="Opérations")).to_be_visible()
        expect(page.locator(".menu-toggle")).to_be_hidden()
        fits_the_phone(page)
    finally:
        context.close()
