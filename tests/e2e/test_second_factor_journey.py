"""In the browser: a finance user's first login enrols the second factor (the key read on the
page, its code computed by pyotp as an authenticator application would), shows the recovery
codes once, then each login asks a code after the password."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from pacte.accounts.models import SecondFactor
from pacte.core.models import User
from pacte.core.roles import Role
from tests.accounts.support import totp_code
from tests.e2e.a11y import assert_no_axe_violations
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

USERNAME = "e2e-finances-totp"


@pytest.fixture
def newcomer():
    user, _ = User.objects.get_or_create(
        username=USERNAME,
        defaults={"role": Role.FINANCE, "first_name": "Flore", "last_name": "Nouvelle"},
    )
    user.set_password(TEST_PASSWORD)
    user.save()
    SecondFactor.objects.filter(user=user).delete()
    return user


def password_step(page):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(USERNAME)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_enrolment_then_login_with_a_code(page, newcomer):
    password_step(page)
    expect(page).to_have_url(re.compile(r"/second-facteur/activation/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer le second facteur")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    qr = page.get_by_role("img", name=re.compile("Code QR de la clé du second facteur"))
    expect(qr).to_be_visible()
    # Drawn once loaded (an image may still be arriving when it is first visible).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert_no_axe_violations(page)
    secret = page.locator("#cle").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    # A wrong code first: said in French, nothing enrolled.
    code_field = page.get_by_label("Code à 6 chiffres affiché par l'application")
    code_field.fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Activer et me connecter").click()
    expect(page.get_by_text("Ce code ne correspond pas à la clé")).to_be_visible()
    expect(page.get_by_label("Code à 6 chiffres affiché par l'application")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert not SecondFactor.objects.filter(user=newcomer).exists()

    page.get_by_label("Code à 6 chiffres affiché par l'application").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer et me connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert SecondFactor.objects.get(user=newcomer).secret == secret

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()

    # The next login asks a code after the password.
    password_step(page)
    expect(page).to_have_url(re.compile(r"/second-facteur/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Code de connexion")
    assert_no_axe_violations(page)
    page.goto("/compte/")  # not logged in yet: sent back to the login page
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/compte/$"))
    password_step(page)
    page.get_by_label("Code à 6 chiffres, ou code de secours").fill(totp_code(newcomer))
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.goto("/compte/")
    expect(page.get_by_text("activé le")).to_be_visible()
    expect(page.get_by_text("10 codes de secours restants")).to_be_visible()
