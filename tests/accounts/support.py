"""Logging in as the session's users who need a second factor (administrator, finance): their
TOTP key is `tests.factories.TEST_TOTP_SECRET`, and the codes are computed here with pyotp, as an
authenticator application would, for a time step not used yet (a code is accepted once)."""

import html
import re
import time

import pyotp

from tests.factories import TEST_PASSWORD

STEP = 30


def totp_code(user) -> str:
    """A code of `user`'s key that the server accepts now: the current time step's, or the next
    one's when the current one was used already (waiting for it if needed)."""
    from pacte.accounts.models import SecondFactor

    factor = SecondFactor.objects.get(user=user)
    current = int(time.time() // STEP)
    step = max(current, factor.last_used_step + 1)
    if step > current + 1:  # both were used: wait until the next step is accepted
        time.sleep(max(0.0, (step - 1) * STEP - time.time()) + 0.5)
    return pyotp.TOTP(factor.secret).at(step * STEP)


def needs_second_factor(username: str) -> bool:
    from pacte.core import policy
    from pacte.core.models import User

    return policy.requires_second_factor(User.objects.get(username=username))


def client_login(client, username: str, password: str = TEST_PASSWORD):
    """Log a Django test client in through the login form, and the second factor if the user
    has one; return the last response (followed)."""
    from pacte.core.models import User

    response = client.post("/connexion/", {"username": username, "password": password})
    if response.status_code == 302 and response["Location"] == "/second-facteur/":
        user = User.objects.get(username=username)
        response = client.post("/second-facteur/", {"code": totp_code(user)})
    return response


def pass_second_factor(page, username: str) -> None:
    """In the browser, after « Se connecter »: type the code if the user needs a second factor."""
    from playwright.sync_api import expect

    from pacte.core.models import User

    if not needs_second_factor(username):
        return
    expect(page).to_have_url(re.compile(r"/second-facteur/$"))
    code = totp_code(User.objects.get(username=username))
    page.get_by_label("Code à 6 chiffres, ou code de secours").fill(code)
    page.get_by_role("button", name="Valider le code").click()


def text(response) -> str:
    """A page's HTML with its character references read (« n'est » whether escaped or not)."""
    return html.unescape(response.content.decode())
