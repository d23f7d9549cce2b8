"""In the browser, against a real OpenID Connect provider (django-oauth-toolkit in its own
process, tests/oidc/provider/): an agent logs in with the Département's button, logs out of
Pacte and of the provider; a partner's staff member logs in with ProConnect's; someone whose
groups give no role reads why, in French."""

import re

import pytest
from playwright.sync_api import expect

from pacte.core.models import User
from pacte.oidc import protocol
from tests.e2e.a11y import assert_no_axe_violations
from tests.oidc import provider_process

pytestmark = pytest.mark.e2e

EMAILS = [
    "claire.agent@departement.test",
    "lea.partenaire@interco.test",
    "sans.role@departement.test",
]


@pytest.fixture(scope="module")
def dot(live_url, tmp_path_factory):
    provider = provider_process.start(
        tmp_path_factory.mktemp("oidc-e2e-provider"),
        redirect_bases=[live_url],
        partner_siret="24620036400013",
    )
    yield provider
    provider.stop()


@pytest.fixture
def providers(settings, dot):
    protocol.forget_cached()
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": dot.settings_for("agents"),
        "partners": dot.settings_for("partners"),
    }
    User.objects.filter(email__in=EMAILS).delete()
    yield dot
    User.objects.filter(email__in=EMAILS).delete()
    protocol.forget_cached()


def log_in_at_provider(page, dot, username):
    expect(page).to_have_url(re.compile("^" + re.escape(dot.base) + "/login/"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(provider_process.PASSWORD)
    page.get_by_role("button", name="Se connecter au fournisseur").click()


def test_an_agent_logs_in_and_out_through_the_departements_identity_server(page, providers):
    dot = providers
    page.goto("/connexion/")
    assert_no_axe_violations(page)
    proconnect = page.get_by_role("link", name="S’identifier avec ProConnect")
    expect(proconnect).to_be_visible()
    expect(page.get_by_role("link", name="Qu’est-ce que ProConnect ?")).to_have_attribute(
        "target", "_blank"
    )
    page.get_by_role("link", name="Se connecter avec le compte du Département").click()

    log_in_at_provider(page, dot, "claire.agent")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_text("Claire Delattre")).to_be_visible()
    assert User.objects.get(email="claire.agent@departement.test").role == "agent"

    # Logging out of Pacte ends the provider's session too, and comes back to Pacte.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Pacte")
    page.get_by_role("link", name="Se connecter avec le compte du Département").click()
    # The provider asks again who the person is: its session ended.
    expect(page.get_by_role("button", name="Se connecter au fournisseur")).to_be_visible()


def test_a_partners_staff_member_logs_in_with_proconnect(page, providers):
    page.goto("/connexion/")
    page.get_by_role("link", name="S’identifier avec ProConnect").click()
    log_in_at_provider(page, providers, "lea.partenaire")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    user = User.objects.get(email="lea.partenaire@interco.test")
    assert (user.role, user.partner.siren) == ("partner", "246200364")


def test_someone_whose_groups_give_no_role_reads_why(page, providers):
    page.goto("/connexion/")
    page.get_by_role("link", name="Se connecter avec le compte du Département").click()
    log_in_at_provider(page, providers, "sans.role")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion refusée")
    expect(page.get_by_role("alert")).to_contain_text("Demandez à votre responsable")
    assert_no_axe_violations(page)
    assert not User.objects.filter(email="sans.role@departement.test").exists()
