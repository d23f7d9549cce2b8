"""Documents in the browser: the agent signs a convention from the operation page, the
signatures are verified, a batch shows its progress, failures and archive — all axe-clean."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e
D = datetime.date


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    from pacte.contracts.models import Generation, Partner
    from pacte.core.models import User
    from pacte.documents import services
    from pacte.operations import services as operation_services
    from pacte.operations.workflows import OPERATION_WORKFLOW
    from tests.e2e.test_finance_journey import programme_authorisation
    from tests.factories import UserFactory
    from tests.operations.conftest import SHEET, make_operation, signed_contract

    with django_db_blocker.unblock():
        agent = User.objects.get(username="test-agent")
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        programme_authorisation(generation, User.objects.get(username="test-finance"))
        partner = Partner.objects.get(siren="246200844")  # CC de la Région d'Audruicq
        contract = signed_contract(generation, partner.siren, agent)
        contact = UserFactory(username="e2e-audruicq", role="partner", partner=partner)
        from pacte.documents.models import Signatory

        Signatory.objects.create(  # its legal representative: the signature can open
            user=contact,
            side=Signatory.Side.PARTNER,
            partner=partner,
            name="M. Jean AUDRUICQ",
            quality="Président de la Communauté de communes de la Région d'Audruicq",
            starts_on=D(2023, 1, 2),
        )
        voted = make_operation(contract, contact, title="Maison France Services d'Audruicq")
        draft = make_operation(contract, contact, title="Projet encore en brouillon")
        operation_services.operation_submit(actor=contact, operation=voted)
        operation_services.operation_take_charge(actor=agent, operation=voted)
        operation_services.operation_update(actor=agent, operation=voted, **SHEET)
        voted.refresh_from_db()
        operation_services.operation_mark_sheet_ready(actor=agent, operation=voted)
        OPERATION_WORKFLOW.apply(voted, "schedule", actor=User.objects.get(username="test-admin"))
        from pacte.finance.services import commit_subsidy

        commit_subsidy(
            actor=User.objects.get(username="test-assembly"),
            operation=voted,
            amount="135000.00",
            voted_on=D(2026, 6, 29),
            deliberation_number="2026-410",
        )
        document = services.agreement_generate(actor=agent, operation=voted)
        services.signing_start(actor=agent, document=document, order=["department", "partner"])
        batch = services.batch_start(
            actor=agent,
            kind="agreement",
            operations=[voted, draft],
            label="Conventions de la séance de test",
        )
    return {
        "operation": voted.pk,
        "document": document.pk,
        "batch": batch.pk,
        "draft_reference": draft.reference,
    }


def test_agent_signs_then_verifies_the_convention(page, login, documents):
    login("agent")
    page.goto(f"/operations/{documents['operation']}/")
    section = page.locator("section", has=page.get_by_role("heading", name="Documents"))
    expect(section.get_by_role("link", name="Convention v1", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    section.get_by_role("link", name="Signer Convention v1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signer la convention")
    # Who signs, and by what delegation: in the facts and in the confirmation itself.
    expect(page.locator("dd", has_text="par délégation")).to_be_visible()
    expect(page.get_by_label("J'ai lu la convention et je la signe")).to_be_visible()
    expect(page.locator("label[for=confirmation]")).to_contain_text("par délégation")
    assert_no_axe_violations(page)
    page.get_by_label("J'ai lu la convention et je la signe").check()
    page.get_by_role("button", name="Signer la convention").click()
    expect(page.get_by_role("status")).to_contain_text("Signature du Département enregistrée")
    expect(section.get_by_text("1. Le Département : signé le")).to_be_visible()
    section.get_by_role("link", name="Vérifier les signatures de Convention v1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérification des signatures")
    row = page.get_by_role("row", name="1 — le Département")
    expect(row).to_contain_text("Département du Pas-de-Calais")
    expect(row.get_by_role("cell", name="oui", exact=True)).to_have_count(3)
    assert_no_axe_violations(page)


def test_batch_page_shows_progress_failures_and_archive(page, login, documents):
    login("agent")
    page.goto(f"/documents/lots/{documents['batch']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conventions de la séance de test")
    # The convention whose signature has started is left as it is, and the page says why.
    progress = page.get_by_role(
        "progressbar", name="Avancement : 0 document sur 2, 1 échec, 1 laissé tel quel"
    )
    expect(progress).to_have_attribute("value", "100")
    expect(page.get_by_role("row", name=documents["draft_reference"])).to_contain_text(
        "La convention suit le vote de la subvention."
    )
    skipped = page.get_by_role("table", name="Documents laissés tels quels")
    expect(skipped).to_contain_text("La convention v1 est en cours de signature")
    expect(page.get_by_text("Aucun document n'a été généré")).to_be_visible()
    assert_no_axe_violations(page)


PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} : {width} px de large sur un écran de 390 px"


def test_the_operation_and_its_documents_fit_a_phone(page, login, documents):
    """At 390 pixels, the wide tables (pièces, ressources, documents) scroll within their own
    region: the page does not scroll sideways, and the documents' actions are reachable."""
    page.set_viewport_size(PHONE)
    login("agent")
    page.goto(f"/operations/{documents['operation']}/")
    _no_sideways_scroll(page)
    region = page.get_by_role("region", name="Documents générés")
    verify = region.get_by_role("link", name="Vérifier les signatures de Convention v1")
    verify.scroll_into_view_if_needed()
    expect(verify).to_be_in_viewport()
    for name in ["Tableau des pièces", "Ressources du plan de financement"]:
        expect(page.get_by_role("region", name=name)).to_be_visible()
    assert_no_axe_violations(page)
    verify.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérification des signatures")
    _no_sideways_scroll(page)
    assert_no_axe_violations(page)
    page.goto(f"/documents/lots/{documents['batch']}/")
    _no_sideways_scroll(page)
