"""The Département's instruction tools in the browser, on a desktop and on a phone (390 px),
checked by axe-core: an agent annotates an operation and asks an agent of a Maison du
Département for an opinion from the operation's page; the addressee finds it among his opinions
to give and answers; the partner's page of the same operation shows none of it.

The data is made once for the module by the project's services on the contract of the CA de
Lens - Liévin (`test-partner`), as the other operations' browser tests do.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e import operation_data as data
from tests.e2e.a11y import assert_no_axe_violations, open_disclosures
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["ordinateur", "telephone"])
COLLEAGUE = "e2e-maison-du-departement"


@dataclass(frozen=True)
class Tools:
    operations: dict[int, int]  # by window width: each test changes its own
    colleague: int
    house: int


@pytest.fixture(scope="module")
def tools(django_db_setup, django_db_blocker, tmp_path_factory) -> Tools:
    from pacte.core.models import User
    from pacte.core.roles import Role
    from pacte.operations import services
    from pacte.territory.models import Territory
    from tests.factories import UserFactory

    with data.media_root(tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        agent = data.user("test-agent")
        partner = data.user("test-partner")
        contract = data.signed_contract_of(data.LENS_LIEVIN_SIREN)
        colleague = User.objects.filter(username=COLLEAGUE).first() or UserFactory(
            username=COLLEAGUE, first_name="Maud", last_name="Delattre", role=Role.AGENT
        )
        operations = {}
        for size in [DESKTOP, PHONE]:
            operation = data.submitted_operation(
                contract, partner, f"Voie verte de la Souchez ({size['width']} px)"
            )
            services.operation_take_charge(actor=agent, operation=operation)
            operations[size["width"]] = operation.pk
        house = Territory.objects.exclude(house_name="").order_by("pk").first()
        return Tools(operations=operations, colleague=colleague.pk, house=house.pk)


def fits_the_width(page):
    """No page wider than its window (a table scrolls inside its own region)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page de {width} px de large"


@SIZES
def test_an_agent_annotates_and_asks_an_opinion_that_its_addressee_gives(page, login, tools, size):
    page.set_viewport_size(size)
    pk = tools.operations[size["width"]]
    note = f"Le maire souhaite une inauguration avant l'été ({size['width']} px)."
    question = "Le franchissement de la RD 937 est-il sûr pour les cyclistes ?"
    login("agent")
    page.goto(f"/operations/{pk}/")
    expect(page.get_by_role("heading", name="Annotations internes")).to_be_visible()
    fits_the_width(page)
    open_disclosures(page)
    assert_no_axe_violations(page)

    page.get_by_label("Annotation interne").fill(note)
    page.get_by_role("button", name="Ajouter l'annotation").click()
    expect(page.get_by_text("L'annotation interne est enregistrée.")).to_be_visible()
    expect(page.locator("main p").get_by_text(note)).to_be_visible()

    summary = page.get_by_text("Demander un avis", exact=True)
    if page.locator("details:has(#avis-question)").get_attribute("open") is None:
        summary.click()
    page.get_by_label("Destinataire").select_option(str(tools.colleague))
    page.get_by_label("Service ou Maison du Département consulté").select_option(
        f"maison:{tools.house}"
    )
    page.get_by_label("Question posée").fill(question)
    due = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("Avis attendu pour le").fill(due.isoformat())
    page.get_by_role("button", name="Demander l'avis").click()
    expect(page.get_by_text("Maud Delattre", exact=False).first).to_be_visible()
    expect(page.locator("#avis ~ article").first).to_contain_text(f"attendu pour le {due:%d/%m/%Y}")
    fits_the_width(page)
    open_disclosures(page)
    assert_no_axe_violations(page)

    # The addressee finds the opinion among those he is asked for, and gives it.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(COLLEAGUE)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto("/operations/avis/")
    pending = page.get_by_role("region", name="Tableau des avis qui vous sont demandés")
    expect(pending).to_contain_text(f"Voie verte de la Souchez ({size['width']} px)")
    fits_the_width(page)
    assert_no_axe_violations(page)
    pending.get_by_role("link", name=f"Voie verte de la Souchez ({size['width']} px)").click()
    expect(page.get_by_role("heading", name="Question")).to_be_visible()
    fits_the_width(page)
    assert_no_axe_violations(page)
    page.get_by_label("Réservé").check()
    page.get_by_label("Motifs de l'avis").fill("Un plateau traversant est nécessaire.")
    page.get_by_role("button", name="Rendre l'avis").click()
    expect(page.get_by_text("Votre avis est rendu")).to_be_visible()
    expect(page.get_by_role("heading", name="Avis réservé")).to_be_visible()
    assert_no_axe_violations(page)

    # The partner's page of the same operation shows nothing of them.
    page.get_by_role("button", name="Se déconnecter").click()
    login("partner")
    page.goto(f"/operations/{pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    main = page.locator("main").inner_text()
    for secret in [note, question, "Annotations internes", "Avis demandés", "plateau"]:
        assert secret not in main
