"""The second factor (TOTP) of the administrators and the finance users: asked after the
password, enrolled at the first login, single-use codes and recovery codes, throttled, reset by
an administrator; until it is passed the session is not authenticated."""

import re
import time

import pyotp
import pytest

from pacte.accounts.models import LoginThrottle, RecoveryCode, SecondFactor
from pacte.accounts.services.second_factor import current_step
from pacte.core.models import AuditEvent
from pacte.core.roles import Role
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET

from .support import client_login, text, totp_code

pytestmark = pytest.mark.django_db


def password_step(client, username="test-admin", next_url=None):
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/connexion/", data)


def test_the_administrator_is_asked_a_code_and_is_not_logged_in_until_then(client, users):
    response = password_step(client, next_url="/compte/")
    assert response.status_code == 302 and response["Location"] == "/second-facteur/"
    # Nothing but the code page: every other page sends to the login page.
    for url in ["/", "/compte/", "/admin/", "/operations/", "/api/operations"]:
        answer = client.get(url, follow=True)
        assert answer.redirect_chain or answer.status_code == 401, url
        assert answer.status_code == 401 or answer.redirect_chain[-1][0].startswith("/connexion/")
    page = client.get("/second-facteur/")
    assert page.status_code == 200
    assert "tapez le code à 6 chiffres" in text(page)
    response = client.post("/second-facteur/", {"code": totp_code(users["test-admin"])})
    assert response.status_code == 302 and response["Location"] == "/compte/"
    assert client.get("/compte/").status_code == 200


def test_a_wrong_code_is_refused_in_french(client, users):
    password_step(client)
    good = pyotp.TOTP(TEST_TOTP_SECRET).now()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for code in [wrong, "abc", "12345", "9" * 20]:
        response = client.post("/second-facteur/", {"code": code})
        assert response.status_code == 400, code
        assert "Ce code n'est pas valable" in text(response)
    assert client.get("/compte/").status_code == 302


def test_a_code_is_accepted_once(client, users):
    admin = users["test-admin"]
    code = totp_code(admin)
    password_step(client)
    assert client.post("/second-facteur/", {"code": code}).status_code == 302
    client.post("/deconnexion/")
    password_step(client)
    response = client.post("/second-facteur/", {"code": code})
    assert response.status_code == 400  # seen once: worth nothing now
    assert client.get("/compte/").status_code == 302


def test_an_older_code_is_refused_after_a_newer_one(client, users):
    finance = users["test-finance"]
    SecondFactor.objects.filter(user=finance).update(last_used_step=current_step())
    previous = pyotp.TOTP(TEST_TOTP_SECRET).at((current_step() - 1) * 30)
    password_step(client, "test-finance")
    assert client.post("/second-facteur/", {"code": previous}).status_code == 400


def test_a_recovery_code_replaces_a_code_once(client, users):
    from pacte.accounts.services import recovery_codes_renew

    admin = users["test-admin"]
    codes = recovery_codes_renew(actor=admin, user=admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    password_step(client)
    response = client.post("/second-facteur/", {"code": codes[0].upper()}, follow=True)
    assert "il vous en reste 9" in text(response)
    assert AuditEvent.objects.filter(action="second_factor.recovery_code", object_id=str(admin.pk))
    client.post("/deconnexion/")
    password_step(client)
    assert client.post("/second-facteur/", {"code": codes[0]}).status_code == 400
    # Stored as digests only.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert not any(c in d or c.replace("-", "") in d for c in codes for d in stored)


def test_wrong_codes_lock_the_second_factor_even_for_the_right_code(client, users):
    password_step(client)
    for _ in range(5):
        client.post("/second-facteur/", {"code": "000000"})
    response = client.post("/second-facteur/", {"code": totp_code(users["test-admin"])})
    body = text(response)
    assert response.status_code == 400
    assert "Trop de codes erronés pour ce compte" in body and "Réessayez à partir de" in body
    assert client.get("/compte/").status_code == 302
    throttle = LoginThrottle.objects.get(scope="second_factor", key=str(users["test-admin"].pk))
    assert throttle.is_locked
    assert AuditEvent.objects.filter(action="login.lock", object_id=str(throttle.pk)).exists()


def test_the_first_step_is_forgotten_after_ten_minutes(client, users):
    password_step(client)
    session = client.session
    session["pacte_pending_login"]["at"] = time.time() - 601
    session.save()
    response = client.post("/second-facteur/", {"code": totp_code(users["test-admin"])})
    assert response.status_code == 200
    assert "Votre connexion n'est plus en cours" in text(response)
    assert client.get("/compte/").status_code == 302


def test_first_login_enrols_the_key_then_shows_ten_recovery_codes_once(client, make_user):
    user = make_user(username="nouvelle-finances", role=Role.FINANCE)
    response = password_step(client, user.username)
    assert response["Location"] == "/second-facteur/activation/"
    assert client.get("/second-facteur/").status_code == 302  # no key yet: enrol first
    page = client.get("/second-facteur/activation/")
    assert page.status_code == 200 and client.get("/compte/").status_code == 302
    key = re.search(r'<code class="token" id="cle">([A-Z2-7 ]+)</code>', text(page))[1]
    secret = key.replace(" ", "")
    qr = client.get("/second-facteur/activation/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"] or "no-cache" in qr["Cache-Control"]
    # A wrong code: refused, nothing recorded.
    response = client.post("/second-facteur/activation/", {"code": "123456"})
    assert response.status_code == 400
    assert "Ce code ne correspond pas à la clé" in text(response)
    assert not SecondFactor.objects.filter(user=user).exists()
    response = client.post(
        "/second-facteur/activation/", {"code": pyotp.TOTP(secret).now()}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/second-facteur/codes-de-secours/"
    codes = re.findall(r'<li><code class="token">([a-z2-9-]+)</code></li>', text(response))
    assert len(codes) == 10
    assert SecondFactor.objects.get(user=user).secret == secret
    assert AuditEvent.objects.filter(action="second_factor.enrol", object_id=str(user.pk)).exists()
    # Shown once.
    assert client.get("/second-facteur/codes-de-secours/")["Location"] == "/compte/"
    assert "1 code de secours" not in text(client.get("/compte/"))
    assert "10 codes de secours restants" in text(client.get("/compte/"))


def test_the_qr_code_carries_the_issuer_and_the_account(client, make_user, settings):
    settings.PACTE_TOTP_ISSUER = "Pacte 62"
    user = make_user(username="admin-qr", role=Role.ADMIN, is_staff=True, is_superuser=True)
    password_step(client, user.username)
    client.get("/second-facteur/activation/")
    secret = client.session["pacte_enrol_secret"]
    from pacte.accounts.services.second_factor import provisioning_uri

    uri = provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/Pacte%2062:admin-qr?secret=" + secret)
    assert "issuer=Pacte%2062" in uri


def test_an_agent_logs_in_without_second_factor(client):
    response = password_step(client, "test-agent")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/compte/").status_code == 200


def test_the_administration_login_page_sends_to_pactes(client):
    response = client.get("/admin/login/?next=/admin/core/user/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/admin/core/user/"
    # Posting a password there logs no one in.
    client.post("/admin/login/", {"username": "test-admin", "password": TEST_PASSWORD})
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("role", ["partner", "agent", "finance"])
def test_the_administration_refuses_those_logged_in_without_the_right(client_for, role):
    response = client_for(role).get("/admin/", follow=True)
    assert response.status_code == 403
    assert "Votre rôle ne permet pas d'entrer dans l'administration" in text(response)


def test_an_administrator_resets_a_lost_second_factor(client, users, make_user):
    finance = make_user(username="finances-perdu", role=Role.FINANCE)
    from pacte.accounts.services import second_factor_enrol

    factor, _ = second_factor_enrol(actor=None, user=finance, secret=pyotp.random_base32())
    admin_client = client
    client_login(admin_client, "test-admin")
    response = admin_client.post(
        "/admin/accounts/secondfactor/",
        {"action": "reset", "_selected_action": [factor.pk]},
        follow=True,
    )
    assert "1 second(s) facteur(s) réinitialisé(s)" in text(response)
    assert not SecondFactor.objects.filter(user=finance).exists()
    event = AuditEvent.objects.get(action="second_factor.reset", object_id=str(finance.pk))
    assert event.actor == users["test-admin"]
    # The next login enrols a new key.
    from django.test import Client

    other = Client()
    assert password_step(other, finance.username)["Location"] == "/second-facteur/activation/"


def test_recovery_codes_are_renewed_from_the_account_page(client, users):
    client_login(client, "test-finance")
    old = set(
        RecoveryCode.objects.filter(second_factor__user=users["test-finance"]).values_list(
            "digest", flat=True
        )
    )
    response = client.post("/compte/codes-de-secours/renouveler/", follow=True)
    codes = re.findall(r'<li><code class="token">([a-z2-9-]+)</code></li>', text(response))
    assert len(codes) == 10
    new = set(
        RecoveryCode.objects.filter(second_factor__user=users["test-finance"]).values_list(
            "digest", flat=True
        )
    )
    assert not old & new
    # An agent has none to renew: a French message, nothing written.
    agent = client.__class__()
    client_login(agent, "test-agent")
    response = agent.post("/compte/codes-de-secours/renouveler/", follow=True)
    assert "Ce compte n'a pas de second facteur" in text(response)
