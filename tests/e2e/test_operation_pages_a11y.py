"""axe-core finds no WCAG 2.1 A or AA violation on the pages of the operations domain.

The pages' data is made once for the module by the project's services, on the contract of the
CA de Lens - Liévin (the organisation of `test-partner`), which only the operations' browser tests
use: a draft with what it still lacks, an operation awaiting the partner's answer, and one in
review with its messages, attachments and a reciprocal commitment.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e import operation_data as data
from tests.e2e.a11y import assert_no_axe_violations, open_disclosures

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class PagesData:
    draft: int
    awaiting: int
    in_review: int
    commitment: int


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker, tmp_path_factory) -> PagesData:
    from pacte.operations import services
    from tests.operations.conftest import make_operation

    with data.media_root(tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        agent = data.user("test-agent")
        partner = data.user("test-partner")
        contract = data.signed_contract_of(data.LENS_LIEVIN_SIREN)

        draft = make_operation(
            contract, partner, complete=False, title="Salle des fêtes de Loos-en-Gohelle"
        )

        awaiting = data.submitted_operation(contract, partner, "Épicerie solidaire d'Avion")
        services.operation_take_charge(actor=agent, operation=awaiting)
        services.operation_request_changes(
            actor=agent, operation=awaiting, reason="Joignez le bail de l'épicerie, merci."
        )

        in_review = data.submitted_operation(contract, partner, "Parking relais de Lens")
        services.operation_take_charge(actor=agent, operation=in_review)
        services.message_post(
            actor=partner, operation=in_review, body="Le permis de construire est déposé."
        )
        commitment = services.commitment_add(
            actor=agent,
            contract=contract,
            operation=in_review,
            kind="insertion",
            description="Heures d'insertion sur le chantier du parking",
            target=Decimal("350"),
            unit="heures",
        )
        return PagesData(
            draft=draft.pk,
            awaiting=awaiting.pk,
            in_review=in_review.pk,
            commitment=commitment.pk,
        )


def test_operations_list_for_an_agent(page, login, pages):
    login("agent")
    page.goto("/operations/")
    expect(page.get_by_role("heading", level=1, name="Opérations")).to_be_visible()
    counts = page.get_by_role("navigation", name="Opérations par état")
    expect(counts.get_by_role("link", name="Toutes")).to_have_attribute("aria-current", "true")
    expect(counts.get_by_role("link", name="En instruction")).to_be_visible()
    expect(page.get_by_role("form", name="Filtrer les opérations")).to_be_visible()
    expect(page.get_by_role("group", name="Action sur les opérations cochées")).to_be_visible()
    expect(page.locator("table tbody input[type=checkbox]").first).to_be_visible()
    assert_no_axe_violations(page)

    # Filtered by a state, from the counts.
    counts.get_by_role("link", name="En instruction").click()
    expect(counts.get_by_role("link", name="En instruction")).to_have_attribute(
        "aria-current", "true"
    )
    assert_no_axe_violations(page)


def test_new_operation_form(page, login, pages):
    login("partner")
    page.goto("/operations/nouvelle/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle opération")
    expect(page.get_by_role("group", name="Enjeux du contrat servis")).to_be_visible()
    assert_no_axe_violations(page)

    # Sent empty: the errors are shown next to the fields.
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert_no_axe_violations(page)


def test_financing_form_with_and_without_errors(page, login, pages):
    login("partner")
    page.goto(f"/operations/{pages.draft}/financement/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plan de financement")
    assert_no_axe_violations(page)

    # A negative amount is refused, in French, next to the amount.
    page.get_by_label("Poste de dépense 1", exact=True).fill("Travaux")
    page.get_by_label("Montant HT, dépense 1", exact=True).fill("-5000")
    page.get_by_label("Montant TTC, dépense 1", exact=True).fill("6000")
    page.get_by_role("button", name="Enregistrer le plan").click()
    error = page.locator(".field-error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Saisissez un montant supérieur ou égal à 0,01.")
    amount = page.get_by_label("Montant HT, dépense 1", exact=True)
    expect(amount).to_have_value("-5000")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description(re.compile("supérieur ou égal à 0,01"))
    assert_no_axe_violations(page)


def test_operation_page_for_the_partner_in_draft(page, login, pages):
    login("partner")
    page.goto(f"/operations/{pages.draft}/")
    expect(page.locator("h1 + p .state")).to_have_text("Brouillon")
    missing = page.get_by_role("region", name="Avant de déposer l'opération, il reste à faire :")
    expect(missing).to_contain_text("Joignez la pièce « Délibération du porteur ».")
    expect(missing).to_contain_text("Ajoutez au moins une dépense.")
    open_disclosures(page)
    assert_no_axe_violations(page)


def test_operation_page_for_the_partner_asked_for_more(page, login, pages):
    login("partner")
    page.goto(f"/operations/{pages.awaiting}/")
    expect(page.locator("h1 + p .state")).to_have_text("En attente du partenaire")
    expect(page.get_by_role("button", name="Répondre et renvoyer au Département")).to_be_visible()
    open_disclosures(page)
    assert_no_axe_violations(page)


def test_operation_page_for_the_agent_in_review(page, login, pages):
    login("agent")
    page.goto(f"/operations/{pages.in_review}/")
    expect(page.locator("h1 + p .state")).to_have_text("En instruction")
    expect(
        page.get_by_role("region", name="Avant de déclarer la fiche prête, il reste à faire :")
    ).to_be_visible()
    open_disclosures(page)
    assert_no_axe_violations(page)


def test_sheet_form(page, login, pages):
    login("agent")
    page.goto(f"/operations/{pages.in_review}/fiche/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fiche détaillée")
    assert_no_axe_violations(page)


def test_history_page(page, login, pages):
    login("agent")
    page.goto(f"/operations/{pages.in_review}/historique/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Historique")
    expect(page.locator("table tbody tr")).not_to_have_count(0)
    assert_no_axe_violations(page)


def test_reciprocal_commitment_page(page, login, pages):
    login("agent")
    page.goto(f"/operations/engagements/{pages.commitment}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement réciproque")
    expect(page.get_by_role("heading", level=2, name="Déclarer la réalisation")).to_be_visible()
    assert_no_axe_violations(page)


UNLABELLED_FIELDS = """() => {
    const problems = [];
    const seen = {};
    for (const element of document.querySelectorAll("main [id]")) {
        seen[element.id] = (seen[element.id] || 0) + 1;
    }
    for (const [id, count] of Object.entries(seen)) {
        if (count > 1) problems.push(`id « ${id} » porté par ${count} éléments`);
    }
    const controls = "main input:not([type=hidden]):not([type=submit]), main select, main textarea";
    for (const control of document.querySelectorAll(controls)) {
        if (control.labels.length !== 1) {
            const texts = [...control.labels].map(label => label.textContent.trim());
            problems.push(`${control.name} : ${control.labels.length} étiquette(s) ${texts}`);
        }
    }
    return problems;
}"""


@pytest.mark.parametrize(
    ("role", "operation"), [("agent", "in_review"), ("partner", "awaiting")], ids=str
)
def test_every_field_of_an_operation_page_has_its_own_label(page, login, pages, role, operation):
    login(role)
    page.goto(f"/operations/{getattr(pages, operation)}/")
    expect(page.locator("h1 + p .state")).to_be_visible()
    assert page.evaluate(UNLABELLED_FIELDS) == []
