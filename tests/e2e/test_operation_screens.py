"""The operations' daily screens in the browser, on a desktop and on a phone (390 px), checked by
axe-core: the list's batch bar held in view while rows are ticked, the request for information
beside its answer, the financing plan's rows added and removed in place with its running totals,
the communes' search list used with the keyboard alone.

The data is made once for the module by the project's services on the contract of the CA de
Lens - Liévin (`test-partner`), as the other operations' browser tests do.
"""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.e2e import operation_data as data
from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["ordinateur", "telephone"])


@dataclass(frozen=True)
class Screens:
    awaiting: int
    drafts: dict[str, int]  # by test and window size: each changes its own
    submitted: list[int]


@pytest.fixture(scope="module")
def screens(django_db_setup, django_db_blocker, tmp_path_factory) -> Screens:
    from pacte.operations import services
    from tests.operations.conftest import make_operation

    with data.media_root(tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        agent = data.user("test-agent")
        partner = data.user("test-partner")
        contract = data.signed_contract_of(data.LENS_LIEVIN_SIREN)
        submitted = [
            data.submitted_operation(contract, partner, f"Maison de services n°{i}").pk
            for i in range(12)
        ]
        awaiting = data.submitted_operation(contract, partner, "Halle couverte de Méricourt")
        services.operation_take_charge(actor=agent, operation=awaiting)
        services.operation_request_changes(
            actor=agent,
            operation=awaiting,
            reason="Joignez le devis de la charpente et précisez le calendrier des travaux.",
        )
        drafts = {
            f"{test}-{size}": make_operation(
                contract, partner, complete=False, title=f"Kiosque ({test}, {size})"
            ).pk
            for test in ["plan", "communes", "sans-script"]
            for size in [DESKTOP["width"], PHONE["width"]]
        }
        return Screens(awaiting=awaiting.pk, drafts=drafts, submitted=submitted)


def fits_the_width(page):
    """No page wider than its window (a table scrolls inside its own region)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wider = page.evaluate(
        """limit => [...document.querySelectorAll("body *")]
            .filter(e => !e.closest(".table-scroll") && e.getBoundingClientRect().right > limit)
            .slice(0, 5)
            .map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)""",
        page.viewport_size["width"] + 1,
    )
    assert width <= page.viewport_size["width"], f"page de {width} px : {wider}"


# --- The operations list ---------------------------------------------------------------------


@SIZES
def test_the_list_with_its_badges_and_batch_bar(page, login, screens, size):
    page.set_viewport_size(size)
    login("agent")
    page.goto("/operations/?etat=submitted")
    badge = page.locator("tbody .state").first
    expect(badge).to_have_text("Déposée")
    expect(badge).to_have_class(re.compile(r"\btone-progress\b"))
    # Each reference on one line (« OP-2023- » / « 00225 » never wrap).
    lines = page.locator("tbody td.nowrap").evaluate_all(
        """cells => cells.map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert lines and set(lines) == {1}, lines
    fits_the_width(page)
    assert_no_axe_violations(page)


def test_the_batch_bar_stays_in_view_while_rows_are_ticked(page, login, screens):
    page.set_viewport_size({"width": 1280, "height": 600})
    login("agent")
    page.goto("/operations/?etat=submitted")
    bar = page.get_by_role("group", name="Action sur les opérations cochées")
    count = bar.get_by_role("status")
    expect(count).to_have_text("Aucune opération cochée\u00a0: cochez les lignes à traiter.")

    def bar_in_view():
        box = bar.bounding_box()
        return box["y"] >= 0 and box["y"] + box["height"] <= 600 + 1

    assert not bar_in_view(), "la barre est sous le tableau tant que rien n'est coché"
    # With the keyboard alone: tab to the first row's box, tick it.
    first = page.get_by_label(re.compile("^Sélectionner OP-"), exact=False).first
    first.focus()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    expect(count).to_have_text("1 opération cochée sur cette page.")
    assert bar_in_view(), "la barre d'action reste en vue quand une ligne est cochée"
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(200)
    assert bar_in_view()
    # Every row of the page, from the box in the header.
    page.get_by_label("Cocher toutes les opérations de la page").check()
    ticked = page.locator("tbody input[name=ids]:checked").count()
    expect(count).to_have_text(f"{ticked} opérations cochées sur cette page.")
    assert_no_axe_violations(page)
    # The link before the table leads the keyboard to the bar.
    page.goto("/operations/?etat=submitted")
    skip = page.get_by_role("link", name="Aller à l'action sur les opérations cochées")
    skip.focus()
    page.keyboard.press("Enter")
    expect(bar).to_be_focused()


# --- The operation's page --------------------------------------------------------------------


@SIZES
def test_the_question_asked_beside_the_answer(page, login, screens, size):
    page.set_viewport_size(size)
    login("partner")
    page.goto(f"/operations/{screens.awaiting}/")
    exchange = page.get_by_role("region", name="Compléments demandés au partenaire")
    question = exchange.get_by_role("article")
    expect(question).to_contain_text("Joignez le devis de la charpente")
    answer = exchange.get_by_label("Votre réponse au Département")
    expect(answer).to_be_visible()
    asked, box = question.bounding_box(), answer.bounding_box()
    if size is DESKTOP:
        assert box["x"] > asked["x"] + asked["width"] - 1, "côte à côte"
        assert asked["y"] < 700, "près du haut de la page"
    else:
        assert box["y"] > asked["y"] + asked["height"] - 1, "l'une sous l'autre"
    fits_the_width(page)
    assert_no_axe_violations(page)


# --- The financing plan ----------------------------------------------------------------------


def plan_totals(page):
    return page.locator("#plan-controles")


@SIZES
def test_the_plan_grows_and_shrinks_in_place_with_its_totals(page, login, screens, size):
    page.set_viewport_size(size)
    login("partner")
    draft = screens.drafts[f"plan-{size['width']}"]
    page.goto(f"/operations/{draft}/financement/")
    assert_no_axe_violations(page)
    fits_the_width(page)
    status = page.locator("#plan-etat")

    page.get_by_label("Poste de dépense 1", exact=True).fill("Travaux")
    page.get_by_label("Montant HT, dépense 1", exact=True).fill("100000")
    page.get_by_label("Montant TTC, dépense 1", exact=True).fill("120000")
    expect(plan_totals(page)).to_contain_text("100\u202f000,00\xa0€ HT, 120\u202f000,00\xa0€ TTC")

    page.get_by_role("button", name="Ajouter une ligne de dépense").click()
    second = page.get_by_label("Poste de dépense 2", exact=True)
    expect(second).to_be_focused()
    expect(status).to_contain_text("Ligne de dépense 2 ajoutée.")
    page.keyboard.type("Maîtrise d'œuvre")
    page.get_by_label("Montant HT, dépense 2", exact=True).fill("20000")
    page.get_by_label("Montant TTC, dépense 2", exact=True).fill("24000")
    expect(plan_totals(page)).to_contain_text("120\u202f000,00\xa0€ HT")

    page.get_by_label("Financeur, ressource 1", exact=True).select_option("fit")
    page.get_by_label("Montant, ressource 1", exact=True).fill("90000")
    expect(plan_totals(page)).to_contain_text("au-delà du taux maximal de 50,00\xa0%")
    page.get_by_label("Montant, ressource 1", exact=True).fill("36000")
    page.get_by_role("button", name="Ajouter une ligne de ressource").click()
    expect(page.get_by_label("Financeur, ressource 2", exact=True)).to_be_focused()
    page.get_by_label("Financeur, ressource 2", exact=True).select_option("self")
    page.get_by_label("Montant, ressource 2", exact=True).fill("84000")
    expect(plan_totals(page)).to_contain_text("équilibré sur les dépenses hors taxes")
    expect(status).to_contain_text("Plan équilibré")
    assert_no_axe_violations(page)

    # Removed in place, the totals follow (the amount typed just before included: the check
    # sent as the field is left gives way to the removal's answer).
    page.get_by_label("Montant HT, dépense 1", exact=True).fill("90000")
    page.get_by_role("button", name="Supprimer la dépense 2").click()
    expect(page.get_by_label("Poste de dépense 2", exact=True)).to_have_count(0)
    expect(status).to_contain_text("Dépense 2 supprimée.")
    expect(plan_totals(page)).to_contain_text("90\u202f000,00\xa0€ HT, 120\u202f000,00\xa0€ TTC")
    page.wait_for_timeout(800)  # past the delay of the check typed before the removal
    expect(plan_totals(page)).to_contain_text("90\u202f000,00\xa0€ HT, 120\u202f000,00\xa0€ TTC")
    page.get_by_role("button", name="Ajouter une ligne de dépense").click()
    expect(page.get_by_label("Poste de dépense 2", exact=True)).to_be_focused()
    page.keyboard.type("Maîtrise d'œuvre")
    page.get_by_label("Montant HT, dépense 2", exact=True).fill("20000")
    page.get_by_label("Montant TTC, dépense 2", exact=True).fill("24000")

    # Enter saves (never removes a row) and stays on the form, with one message.
    page.get_by_label("Montant TTC, dépense 2", exact=True).press("Enter")
    expect(page.locator(".messages .message")).to_have_count(1)
    expect(page.locator(".messages")).to_contain_text("Le plan de financement est enregistré")
    expect(page).to_have_url(re.compile(rf"/operations/{draft}/financement/$"))
    expect(page.get_by_label("Poste de dépense 2", exact=True)).to_have_value("Maîtrise d'œuvre")
    fits_the_width(page)
    assert_no_axe_violations(page)


def test_without_script_a_row_is_added_by_the_same_button(browser, live_url, screens):
    from tests.factories import TEST_PASSWORD

    context = browser.new_context(base_url=live_url, locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill("test-partner")
        page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.goto(f"/operations/{screens.drafts['sans-script-1280']}/financement/")
        rows = page.locator("table").first.locator("tbody tr")
        before = rows.count()
        page.get_by_role("button", name="Ajouter une ligne de dépense").click()
        expect(rows).to_have_count(before + 1)
        expect(page.get_by_label(f"Poste de dépense {before + 1}", exact=True)).to_be_visible()
    finally:
        context.close()


# --- The communes' search list ---------------------------------------------------------------


@SIZES
def test_communes_are_found_and_chosen_with_the_keyboard(page, login, screens, size):
    page.set_viewport_size(size)
    login("partner")
    draft = screens.drafts[f"communes-{size['width']}"]
    page.goto(f"/operations/{draft}/modifier/")
    communes = page.get_by_role("group", name="Communes d'implantation")
    search = communes.get_by_label("Rechercher dans la liste (nom ou code INSEE)")
    count = communes.get_by_role("status")
    expect(count).to_have_text("36 propositions.")
    assert_no_axe_violations(page)

    search.focus()
    page.keyboard.type("eleu")  # « Éleu-dit-Leauwette », without its accent
    expect(count).to_have_text("1 sur 36 correspond à « eleu ».")
    page.keyboard.press("Enter")  # the only one shown: ticked, the search emptied
    expect(communes.get_by_label("Éleu-dit-Leauwette (62291)")).to_be_checked()
    expect(search).to_have_value("")

    page.keyboard.type("sallau")
    expect(count).to_have_text("1 sur 36 correspond à « sallau ».")
    page.keyboard.press("ArrowDown")
    sallaumines = communes.get_by_label(re.compile(r"^Sallaumines \(\d{5}\)$"))
    expect(sallaumines).to_be_focused()
    page.keyboard.press("Space")
    expect(sallaumines).to_be_checked()

    chosen = communes.get_by_role("list", name=re.compile("^Cochées"))
    # Liévin, the draft's commune, then the two ticked.
    expect(chosen.get_by_role("listitem")).to_have_count(3)
    remove = chosen.get_by_role("button", name="Retirer Éleu-dit-Leauwette (62291)")
    remove.focus()
    page.keyboard.press("Enter")
    expect(communes.get_by_label("Éleu-dit-Leauwette (62291)")).not_to_be_checked()
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    expect(count).to_contain_text("Éleu-dit-Leauwette (62291) retirée.")
    fits_the_width(page)
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text("L'opération est enregistrée.")
    expect(page.locator("main")).to_contain_text(re.compile(r"Liévin \(62510\), Sallaumines"))
