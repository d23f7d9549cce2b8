"""The fund in the browser: a partner asks for an instalment, the agent checks the evidence, the
finance officer records the mandate and the AP shows it paid; the fund's pages have no axe-core
violation; the AP page's monthly table opens from the keyboard.

The data is made once for the module by the project's services, on the contract of the CC Osartis
Marquion, which no other browser test touches: one operation voted and signed for the journey,
and one voted in 2024, past its start deadline, with an advance requested and an instalment
checked, for the pages' accessibility. The AP of the generation is shared by every test of the
session: it is voted here only if it does not exist yet, and no test relies on its amounts.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from pacte.core.french import format_date, format_money
from tests.accounts.support import pass_second_factor
from tests.e2e.a11y import assert_no_axe_violations, open_disclosures
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

OSARTIS_SIREN = "200044048"  # Communauté de communes Osartis Marquion
OSARTIS_USER = "e2e-osartis"
JOURNEY_TITLE = "Halle couverte de Marquion"
LATE_TITLE = "Voie verte de la vallée de la Sensée"
SUBSIDY = Decimal("135000.00")  # the fund's share in tests.operations.conftest's financing plan
EXPENSE_STATEMENT = "État récapitulatif des dépenses acquittées"
INSTALMENT = Decimal("27000.50")
MANDATE = "E2E-2026-0412"
D = datetime.date


@dataclass(frozen=True)
class FundData:
    ap: int
    partner_name: str
    journey: int  # voted and signed, nothing asked yet
    journey_reference: str
    late: int  # voted in 2024, start deadline passed
    late_reference: str
    requested: int  # an advance of `late`, awaiting the agent's check
    checked: int  # an instalment of `late`, awaiting the mandate


def programme_authorisation(generation, finance):
    """The generation's AP, voted with CP for 2023 to 2027 unless it already exists."""
    from pacte.finance import services
    from pacte.finance.models import ProgrammeAuthorisation

    existing = ProgrammeAuthorisation.objects.filter(generation=generation).first()
    if existing is not None:
        return existing
    ap = services.ap_create(
        actor=finance,
        generation=generation,
        label="Fonds d'Innovation Territorial 2023-2026",
        amount=Decimal("20000000.00"),
        deliberation_number="2023-015",
        voted_on=D(2023, 1, 30),
    )
    for year in range(2023, 2028):
        services.cp_set(actor=finance, authorisation=ap, year=year, amount=Decimal("4000000.00"))
    return ap


def voted_signed_operation(contract, partner_user, *, title, voted_on, deliberation):
    """A complete operation of the partner, instructed, voted (committed against the AP) and
    whose agreement is signed, with an expense statement attached by the partner."""
    from pacte.core.models import User
    from pacte.finance import services as finance_services
    from pacte.operations import services
    from pacte.operations.models import Attachment
    from pacte.operations.workflows import OPERATION_WORKFLOW
    from tests.e2e.operation_data import sheet_ready_operation
    from tests.operations.conftest import pdf

    agent = User.objects.get(username="test-agent")
    assembly = User.objects.get(username="test-assembly")
    operation = sheet_ready_operation(contract, partner_user, title, communes=2)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=assembly)
    commitment = finance_services.commit_subsidy(
        actor=assembly,
        operation=operation,
        amount=SUBSIDY,
        voted_on=voted_on,
        deliberation_number=deliberation,
    )
    OPERATION_WORKFLOW.apply(operation, "sign_agreement", actor=agent)
    statement = services.attachment_add(
        actor=partner_user,
        operation=operation,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat-des-depenses.pdf"),
    )
    operation.refresh_from_db()
    return operation, commitment, statement


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker, tmp_path_factory) -> FundData:
    from django.test import override_settings

    from pacte.contracts.models import Generation, Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from pacte.finance import services
    from pacte.finance.models import PaymentRequest
    from tests.factories import UserFactory
    from tests.operations.conftest import signed_contract

    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(media)), django_db_blocker.unblock():
        agent = User.objects.get(username="test-agent")
        finance = User.objects.get(username="test-finance")
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        partner = Partner.objects.get(siren=OSARTIS_SIREN)
        assert not partner.contracts.exists(), f"{partner.name} a déjà un contrat"
        partner_user = UserFactory(username=OSARTIS_USER, role=Role.PARTNER, partner=partner)
        ap = programme_authorisation(generation, finance)
        contract = signed_contract(generation, OSARTIS_SIREN, agent)

        journey, _, _ = voted_signed_operation(
            contract,
            partner_user,
            title=JOURNEY_TITLE,
            voted_on=D(2026, 6, 29),
            deliberation="2026-412",
        )
        late, _, statement = voted_signed_operation(
            contract,
            partner_user,
            title=LATE_TITLE,
            voted_on=D(2024, 2, 26),
            deliberation="2024-088",
        )
        requested = services.payment_request_create(
            actor=partner_user,
            operation=late,
            kind=PaymentRequest.Kind.ADVANCE,
            amount=Decimal("20000.00"),
        )
        checked = services.payment_request_create(
            actor=partner_user,
            operation=late,
            kind=PaymentRequest.Kind.INSTALMENT,
            amount=Decimal("30000.00"),
            evidence=[statement],
        )
        services.payment_check(actor=agent, payment=checked)
        return FundData(
            ap=ap.pk,
            partner_name=partner.name,
            journey=journey.pk,
            journey_reference=journey.reference,
            late=late.pk,
            late_reference=late.reference,
            requested=requested.pk,
            checked=checked.pk,
        )


def sign_in(page, username: str):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    pass_second_factor(page, username)  # finance
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def main_nav(page):
    return page.get_by_role("navigation", name="Menu principal")


def flash(page):
    return page.locator("main .messages")


def kpi(page, term: str):
    """The figure (<dd>) of the AP page's key figure named `term`."""
    return (
        page.locator("dl.kpis > div")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^{re.escape(term)}$")))
        .locator("dd")
    )


def amount_of(text: str) -> Decimal:
    """'1 234 567,89 €' (French format, any spaces) → Decimal('1234567.89')."""
    digits = re.sub(r"[^\d,-]", "", text).replace(",", ".")
    return Decimal(digits)


def test_partner_requests_an_instalment_the_agent_checks_it_and_finance_pays_it(page, fund):
    from django.utils import timezone

    # The partner's user finds its operation under « Mes opérations ».
    sign_in(page, OSARTIS_USER)
    main_nav(page).get_by_role("link", name="Mes opérations").click()
    expect(page.get_by_role("heading", level=1, name="Opérations")).to_be_visible()
    page.get_by_role("link", name=JOURNEY_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JOURNEY_TITLE)
    money = page.get_by_role("region", name="Subvention et paiements")
    expect(money.get_by_role("cell", name="Aucune demande de paiement.")).to_be_visible()

    money.get_by_role("link", name="Demander un paiement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Demander un paiement — {JOURNEY_TITLE}"
    )

    # An advance above 30 % of the subsidy is refused, in French, with the ceiling.
    page.get_by_label("Nature").select_option(label="Avance")
    page.get_by_label("Montant demandé (€)").fill("40500,01")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(flash(page)).to_have_text(
        "L'avance est limitée à 30,00 % de la subvention, soit "
        f"{format_money(Decimal('40500.00'))} (déjà demandé ou versé : {format_money(0)})."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Demander un paiement — {JOURNEY_TITLE}"
    )
    expect(page.get_by_label("Montant demandé (€)")).to_have_value("40500,01")

    # An instalment, with the expense statement as evidence.
    page.get_by_label("Nature").select_option(label="Acompte")
    page.get_by_label("Montant demandé (€)").fill("27000,50")
    evidence = page.get_by_role("group", name="Justificatifs (pièces de l'opération)")
    evidence.get_by_label(re.compile(f"^{EXPENSE_STATEMENT}")).check()
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(flash(page)).to_have_text(
        "Acompte demandé ; le Département va vérifier vos justificatifs."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(JOURNEY_TITLE)
    row = money.get_by_role("row").filter(has=page.get_by_role("link", name="Acompte"))
    expect(row.get_by_role("cell")).to_have_text([format_money(INSTALMENT), "Demandé", "—"])
    sign_out(page)

    # The agent finds the request under « Fonds » → « Demandes de paiement » and checks it.
    sign_in(page, "test-agent")
    main_nav(page).get_by_role("link", name="Fonds").click()
    expect(page).to_have_url(re.compile(rf"/finances/ap/{fund.ap}/$"))
    page.get_by_role("link", name="Demandes de paiement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de paiement")
    page.get_by_label("État").select_option(label="Demandé")
    page.get_by_role("button", name="Filtrer").click()
    # The list names the operation by its reference, the partner in the next column: the
    # journey's instalment and the late operation's advance await the check.
    osartis_rows = page.get_by_role("row").filter(has_text=fund.partner_name)
    expect(osartis_rows).to_have_count(2)
    page.get_by_role("row").filter(has_text=format_money(INSTALMENT)).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Acompte — {JOURNEY_TITLE}")
    facts = page.locator("dl.facts")
    expect(facts.get_by_role("link", name=re.compile(f"^{EXPENSE_STATEMENT}"))).to_be_visible()
    page.get_by_role("button", name="Vérifier les justificatifs").click()
    expect(flash(page)).to_have_text("État de la demande : « Vérifié par l'agent ».")
    expect(page.get_by_role("button", name="Vérifier les justificatifs")).to_have_count(0)
    # Paying is not the agent's.
    expect(page.get_by_role("button", name="Enregistrer le mandat")).to_have_count(0)
    payment_url = page.url
    sign_out(page)

    # The finance officer reads the AP's « Payé », then records the mandate.
    sign_in(page, "test-finance")
    main_nav(page).get_by_role("link", name="Fonds").click()
    expect(page).to_have_url(re.compile(rf"/finances/ap/{fund.ap}/$"))
    paid_before = amount_of(kpi(page, "Payé").inner_text())

    page.get_by_role("link", name="Demandes de paiement").click()
    page.get_by_label("État").select_option(label="Vérifié par l'agent")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("row").filter(has_text=format_money(INSTALMENT)).get_by_role("link").click()
    expect(page).to_have_url(payment_url)
    today = timezone.localdate()
    page.get_by_label("Numéro de mandat").fill(MANDATE)
    page.get_by_label("Date du mandat").fill(today.isoformat())
    page.get_by_role("button", name="Enregistrer le mandat").click()
    expect(flash(page)).to_have_text("État de la demande : « Payé ».")
    mandate = f"n°{MANDATE} du {format_date(today)} : {format_money(INSTALMENT)}"
    expect(page.locator("dl.facts").get_by_role("definition").filter(has_text="n°")).to_have_text(
        mandate
    )

    # The AP's « Payé » went up by exactly the instalment.
    main_nav(page).get_by_role("link", name="Fonds").click()
    expect(kpi(page, "Payé")).to_have_text(format_money(paid_before + INSTALMENT))

    # The operation's page shows the mandate.
    page.goto(payment_url)
    page.locator("dl.facts").get_by_role("link", name=fund.journey_reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JOURNEY_TITLE)
    money = page.get_by_role("region", name="Subvention et paiements")
    row = money.get_by_role("row").filter(has=page.get_by_role("link", name="Acompte"))
    expect(row.get_by_role("cell")).to_have_text(
        [format_money(INSTALMENT), "Payé", f"n°{MANDATE} du {format_date(today)}"]
    )
    paid = money.locator("dl.facts > div").filter(
        has=page.locator("dt", has_text=re.compile("^Payé$"))
    )
    expect(paid.locator("dd")).to_have_text(format_money(INSTALMENT))


def test_the_partners_payment_pages_have_no_axe_violations(page, fund):
    sign_in(page, OSARTIS_USER)
    page.goto(f"/finances/operations/{fund.journey}/paiement/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Demander un paiement — {JOURNEY_TITLE}"
    )
    assert_no_axe_violations(page)

    # A field's error, shown next to the field and tied to it.
    page.get_by_role("button", name="Envoyer la demande").click()
    amount = page.get_by_label("Montant demandé (€)")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description(re.compile("Ce champ est obligatoire"))
    assert_no_axe_violations(page)

    # A refusal of the fund's rules, shown above the form.
    page.get_by_label("Nature").select_option(label="Solde")
    amount.fill("1000")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(flash(page)).to_have_text("Indiquez le montant des dépenses réalisées.")
    assert_no_axe_violations(page)

    main_nav(page).get_by_role("link", name="Mes paiements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de paiement")
    # The partner's own requests, named by the operation's reference and their nature.
    expect(page.get_by_role("link", name=f"{fund.late_reference} — Avance")).to_be_visible()
    expect(page.get_by_role("link", name=f"{fund.late_reference} — Acompte")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_agents_fund_pages_have_no_axe_violations(page, login, fund):
    login("agent")
    page.goto(f"/finances/ap/{fund.ap}/")
    expect(page.locator("main figure svg")).to_have_count(2)
    open_disclosures(page)
    assert_no_axe_violations(page)

    page.goto("/finances/paiements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes de paiement")
    assert_no_axe_violations(page)

    page.goto(f"/finances/paiements/{fund.requested}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Avance — {LATE_TITLE}")
    expect(page.get_by_role("button", name="Vérifier les justificatifs")).to_be_visible()
    open_disclosures(page)
    assert_no_axe_violations(page)

    page.goto(f"/finances/ap/{fund.ap}/caducite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Échéances et caducité")
    assert_no_axe_violations(page)


def test_the_finance_officers_fund_pages_have_no_axe_violations(page, login, fund):
    login("finance")
    page.goto(f"/finances/ap/{fund.ap}/")
    expect(page.locator("main figure svg")).to_have_count(2)
    open_disclosures(page)
    assert_no_axe_violations(page)

    page.goto(f"/finances/paiements/{fund.checked}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Acompte — {LATE_TITLE}")
    expect(page.get_by_role("button", name="Enregistrer le mandat")).to_be_visible()
    open_disclosures(page)
    assert_no_axe_violations(page)

    # The late operation's row offers the extension and the lapse.
    page.goto(f"/finances/ap/{fund.ap}/caducite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Échéances et caducité")
    late = page.get_by_role("row").filter(has_text="délai dépassé")
    expect(late.first).to_be_visible()
    open_disclosures(page)
    assert_no_axe_violations(page)


def test_the_monthly_table_of_the_ap_opens_from_the_keyboard(page, login, fund):
    login("agent")
    page.goto(f"/finances/ap/{fund.ap}/")
    summary = page.locator("summary", has_text="Tableau des montants cumulés par mois")
    table = page.get_by_role("table", name="Montants cumulés par mois")
    expect(table).to_be_hidden()

    for _ in range(120):
        page.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("Le tableau des montants cumulés n'est pas atteint avec Tab.")
    expect(summary).to_be_focused()
    outline = summary.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", "Le résumé a le focus sans le montrer."

    page.keyboard.press("Enter")
    expect(page.locator("details", has=summary)).to_have_attribute("open", "")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(["Mois", "AP votée", "Engagé", "Payé"])
