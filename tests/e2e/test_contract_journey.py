"""A contract from its creation to its signature, through the pages an agent uses, then read by
the partner's own user; and the contract page's main actions used with the keyboard only.

The data these tests create through the live server stays for the session: each test works on
partners that no other browser test touches (the CA du Boulonnais for the journey, the CC de
Desvres-Samer for the keyboard).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

BOULONNAIS = "Communauté d'agglomération du Boulonnais"
BOULONNAIS_SIREN = "246200729"
DESVRES_SAMER_SIREN = "200018083"  # Communauté de communes de Desvres-Samer
ARRAS_SIREN = "200033579"  # CU d'Arras, the organisation of `test-partner2`

PACT_TERRITORIES = "Pacte des solidarités territoriales"
PACT_CITIZENS = "Pacte des réussites citoyennes"
ORIENTATION_ENVIRONMENT = "Agir pour l'environnement"
FIRST_STAKE = "Développer les mobilités douces le long de la Liane"
SECOND_STAKE = "Ouvrir aux jeunes des lieux de pratique culturelle"
NO_PACT_ERROR = "Rattachez l'enjeu à au moins un pacte."


def main_nav(page):
    return page.get_by_role("navigation", name="Menu principal")


def contract_state(page):
    """The state badge under the contract's title."""
    return page.locator("h1 + p .state")


def sign_in(page, username: str):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def tab_to(page, target, *, limit=80):
    """Press Tab until `target` has the focus, then check that the focus is shown; fail if it is
    not reached in `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            expect(target).to_be_focused()
            outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
            assert outline != "none", f"{target} a le focus sans le montrer."
            return
    raise AssertionError(f"{target} n'est pas atteint en {limit} appuis sur Tab.")


@pytest.fixture
def boulonnais_user(django_db_blocker):
    """A partner user of the CA du Boulonnais, which has no contract yet."""
    from pacte.contracts.models import Partner
    from pacte.core.roles import Role
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        partner = Partner.objects.get(siren=BOULONNAIS_SIREN)
        assert partner.name == BOULONNAIS
        assert not partner.contracts.exists(), "le Boulonnais a déjà un contrat"
        return UserFactory(username="e2e-boulonnais", role=Role.PARTNER, partner=partner)


@pytest.fixture
def arras_pk(django_db_blocker):
    from pacte.contracts.models import Partner

    with django_db_blocker.unblock():
        return Partner.objects.get(siren=ARRAS_SIREN).pk


@pytest.fixture
def drafting_contract_pk(django_db_blocker):
    """A contract of the CC de Desvres-Samer in drafting, with one stake, made by the services."""
    from pacte.contracts import services
    from pacte.contracts.models import Generation, Partner
    from pacte.core.models import User

    with django_db_blocker.unblock():
        agent = User.objects.get(username="test-agent")
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        contract = services.contract_create(
            actor=agent,
            generation=generation,
            partner=Partner.objects.get(siren=DESVRES_SAMER_SIREN),
        )
        services.stake_add(
            actor=agent,
            contract=contract,
            title="Préserver le bocage et la ressource en eau",
            pacts=generation.pacts.filter(name=PACT_TERRITORIES),
        )
        return contract.pk


def add_stake(page, title, *, pacts, orientations=()):
    page.get_by_role("link", name="Ajouter un enjeu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ajouter un enjeu prioritaire partagé"
    )
    page.get_by_label("Intitulé de l'enjeu").fill(title)
    for pact in pacts:
        page.get_by_role("group", name="Pactes").get_by_label(pact).check()
    for orientation in orientations:
        page.get_by_role("group", name="Orientations transversales").get_by_label(
            orientation
        ).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("L'enjeu prioritaire est ajouté.")


def test_agent_takes_a_contract_from_drafting_to_signed_and_the_partner_reads_it(
    page, login, boulonnais_user, arras_pk
):
    login("agent")

    # Contrats → « Nouveau contrat »: the Boulonnais is among the partners without a contract.
    main_nav(page).get_by_role("link", name="Contrats").click()
    expect(page.get_by_role("heading", level=1, name="Contrats")).to_be_visible()
    page.get_by_role("link", name="Nouveau contrat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau contrat")
    page.get_by_label("Partenaire").select_option(label=BOULONNAIS)
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Contrat 2023-2026 — {BOULONNAIS}")
    expect(page.get_by_role("status")).to_contain_text("Le contrat est créé, en rédaction.")
    expect(contract_state(page)).to_have_text("En rédaction")
    contract_url = page.url
    assert re.search(r"/contrats/\d+/$", contract_url), contract_url
    stakes = page.get_by_role("region", name="Enjeux prioritaires partagés")
    expect(stakes.get_by_text("Aucun enjeu pour l'instant.")).to_be_visible()

    # A stake without a pact is refused, in French, next to the pacts it asks for.
    page.get_by_role("link", name="Ajouter un enjeu").click()
    page.get_by_label("Intitulé de l'enjeu").fill(FIRST_STAKE)
    page.get_by_role("button", name="Enregistrer").click()
    pacts = page.get_by_role("group", name="Pactes")
    expect(pacts.get_by_text(NO_PACT_ERROR)).to_be_visible()
    expect(pacts).to_have_accessible_description(NO_PACT_ERROR)
    expect(pacts.get_by_role("checkbox", name=PACT_TERRITORIES)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Intitulé de l'enjeu")).to_have_value(FIRST_STAKE)
    pacts.get_by_label(PACT_TERRITORIES).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("L'enjeu prioritaire est ajouté.")
    expect(page).to_have_url(contract_url)

    # The second stake, tied to a pact and to an orientation.
    add_stake(page, SECOND_STAKE, pacts=[PACT_CITIZENS], orientations=[ORIENTATION_ENVIRONMENT])
    stake_items = stakes.get_by_role("listitem")
    expect(stake_items).to_have_count(2)
    expect(stake_items.nth(0)).to_contain_text(FIRST_STAKE)
    expect(stake_items.nth(0)).to_contain_text(f"Pactes : {PACT_TERRITORIES}")
    expect(stake_items.nth(1)).to_contain_text(SECOND_STAKE)
    expect(stake_items.nth(1)).to_contain_text(
        f"Pactes : {PACT_CITIZENS} · Orientations : {ORIENTATION_ENVIRONMENT}"
    )

    # The partner agrees, the assembly votes, both parties sign.
    steps = page.get_by_role("region", name="Faire avancer le contrat")
    steps.get_by_role("button", name="Constater l'accord du partenaire").click()
    expect(contract_state(page)).to_have_text("Accordé avec le partenaire")
    # Agreed, the stakes are locked until the contract is reopened for drafting.
    expect(stakes.get_by_role("link", name="Ajouter un enjeu")).to_have_count(0)

    steps.get_by_label("Numéro de la délibération").fill("2025-214")
    steps.get_by_label("Date du vote").fill("2025-03-24")
    steps.get_by_role("button", name="Enregistrer le vote").click()
    expect(contract_state(page)).to_have_text("Voté")
    # Voted, the contract's stakes change only by an amendment.
    expect(stakes.get_by_role("link", name="Ajouter un enjeu")).to_have_count(0)

    steps.get_by_label("Signé par le partenaire le").fill("2025-04-22")
    steps.get_by_label("Signé par le Département le").fill("2025-04-30")
    steps.get_by_role("button", name="Enregistrer les signatures").click()
    expect(contract_state(page)).to_have_text("Signé")
    expect(page.get_by_role("status")).to_contain_text(
        "Enregistrer les signatures : fait. Le contrat est « Signé »."
    )

    vote = page.get_by_role("region", name="Vote et signatures")
    expect(vote.get_by_role("definition")).to_have_text(
        ["n°2025-214 du 24/03/2025", "22/04/2025", "30/04/2025"]
    )
    history = page.get_by_role("table", name="Étapes du contrat")
    expect(history.locator("tbody tr td:nth-child(2)")).to_have_text(
        [
            "En rédaction → Accordé avec le partenaire",
            "Accordé avec le partenaire → Voté",
            "Voté → Signé",
        ]
    )

    # Logged out, the partner's own user signs in on what waits for it, then opens its
    # organisation.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    sign_in(page, boulonnais_user.username)
    expect(page.get_by_role("heading", level=2, name="À traiter")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Mon organisation").click()
    expect(page).to_have_url(re.compile(rf"/partenaires/{boulonnais_user.partner_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(BOULONNAIS)
    contracts = page.get_by_role("region", name="Contrats", exact=True)
    expect(contracts.get_by_role("listitem")).to_have_text(
        ["Quatrième démarche de contractualisation 2023-2026 — signé, 2 enjeux prioritaires"]
    )
    assert_no_axe_violations(page)

    contracts.get_by_role("link", name="Quatrième démarche de contractualisation 2023-2026").click()
    expect(page).to_have_url(contract_url)
    expect(contract_state(page)).to_have_text("Signé")
    expect(stake_items).to_have_count(2)
    expect(stake_items.nth(0)).to_contain_text(FIRST_STAKE)
    expect(stake_items.nth(1)).to_contain_text(SECOND_STAKE)
    # Reading only: no step to take, nothing to edit.
    expect(page.get_by_role("region", name="Faire avancer le contrat")).to_have_count(0)
    expect(page.get_by_role("link", name="Enregistrer un avenant")).to_have_count(0)
    assert_no_axe_violations(page)

    # Another partner's organisation does not exist for this user.
    response = page.goto(f"/partenaires/{arras_pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")


def test_adding_a_stake_and_agreeing_work_from_the_keyboard(page, login, drafting_contract_pk):
    login("agent")
    page.goto(f"/contrats/{drafting_contract_pk}/")
    expect(contract_state(page)).to_have_text("En rédaction")

    # « Ajouter un enjeu » is reached with Tab and followed with Enter.
    add = page.get_by_role("link", name="Ajouter un enjeu")
    tab_to(page, add)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ajouter un enjeu prioritaire partagé"
    )

    # The form's « Annuler » leads back, from the keyboard too.
    cancel = page.get_by_role("link", name="Annuler")
    tab_to(page, cancel)
    page.keyboard.press("Enter")
    expect(contract_state(page)).to_have_text("En rédaction")

    # « Constater l'accord du partenaire » is reached with Tab and submitted with Enter.
    agree = page.get_by_role("button", name="Constater l'accord du partenaire")
    tab_to(page, agree)
    page.keyboard.press("Enter")
    expect(contract_state(page)).to_have_text("Accordé avec le partenaire")
    expect(page.get_by_role("status")).to_contain_text(
        "Constater l'accord du partenaire : fait. Le contrat est « Accordé avec le partenaire »."
    )
