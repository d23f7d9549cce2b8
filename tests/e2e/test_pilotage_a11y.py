"""Dashboards and the territorial balance in the browser, for each role allowed: the page opens
from the menu's entry, shows its charts beside their tables, and axe-core finds no violation.

The data is made once for the module by the project's services, on the contract of the CC des
7 Vallées, which no other browser test touches: one operation voted, signed and partly paid. The
generation's AP is shared by the session's browser tests (voted here only if missing).
"""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SEPT_VALLEES_SIREN = "200044030"  # Communauté de communes des 7 Vallées
D = datetime.date


@pytest.fixture(scope="module")
def pilotage_data(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    from pacte.contracts.models import Generation, Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from pacte.finance import services
    from tests.e2e.test_finance_journey import programme_authorisation, voted_signed_operation
    from tests.factories import UserFactory
    from tests.operations.conftest import signed_contract

    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(media)), django_db_blocker.unblock():
        agent = User.objects.get(username="test-agent")
        finance = User.objects.get(username="test-finance")
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        programme_authorisation(generation, finance)
        partner = Partner.objects.get(siren=SEPT_VALLEES_SIREN)
        user = User.objects.filter(partner=partner).first() or UserFactory(
            username="e2e-7-vallees", role=Role.PARTNER, partner=partner
        )
        contract = partner.contracts.filter(generation=generation).first() or signed_contract(
            generation, SEPT_VALLEES_SIREN, agent
        )
        if not contract.operations.exists():
            operation, _, _ = voted_signed_operation(
                contract,
                user,
                title="Maison des services d'Hesdin",
                voted_on=D(2024, 6, 24),
                deliberation="2024-612",
            )
            payment = services.payment_request_create(
                actor=user, operation=operation, kind="advance", amount=Decimal("20000.00")
            )
            services.payment_check(actor=agent, payment=payment)
            services.payment_pay(
                actor=finance, payment=payment, mandate_number="E2E-PIL-1", paid_on=D(2025, 3, 4)
            )
    return partner.name


PAGES = [
    ("admin", "/pilotage/direction/", "Tableau de bord de la direction"),
    ("admin", "/pilotage/finances/?periode=annee", "Tableau de bord des finances"),
    ("agent", "/pilotage/instruction/", "Tableau de bord de l'instruction"),
    ("finance", "/pilotage/finances/", "Tableau de bord des finances"),
    ("elected", "/pilotage/elus/", "Tableau de bord des élus"),
    ("assembly", "/pilotage/elus/", "Tableau de bord des élus"),
    ("elected", "/pilotage/equilibre-territorial/", "Équilibre territorial"),
    ("agent", "/pilotage/equilibre-territorial/", "Équilibre territorial"),
]


@pytest.mark.parametrize("role,url,heading", PAGES)
def test_dashboard_pages_have_no_axe_violation(pilotage_data, login, role, url, heading):
    page = login(role)
    page.get_by_role("link", name="Pilotage").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tableau de bord")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # Every chart or map has its accessible name and a table of its figures.
    assert page.locator("svg[role=img], .bar-rows[role=img]").count() >= 1
    assert page.locator("table caption").count() >= 1
    assert_no_axe_violations(page)


def test_balance_map_names_the_partner_and_its_table_ranks_it(pilotage_data, login):
    page = login("elected")
    page.goto("/pilotage/equilibre-territorial/")
    table = page.get_by_role("table", name="Intercommunalités classées par subventions")
    expect(table.get_by_role("rowheader", name=pilotage_data)).to_be_visible()
    expect(
        page.get_by_role("img", name="Subventions votées par habitant, par intercommunalité")
    ).to_be_visible()


def test_partner_is_refused_the_dashboards(login):
    page = login("partner")
    response = page.goto("/pilotage/elus/")
    assert response.status == 403
    expect(page.get_by_role("link", name="Pilotage")).to_have_count(0)
