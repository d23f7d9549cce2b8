"""The demo's logins keep working with the accounts' rules: its password passes the policy, and
its administrator and finance users are enrolled with the demo's second factor key, whose code
`manage.py demo_totp` prints."""

import io
import re
import time

import pyotp
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from pacte.accounts.models import SecondFactor
from pacte.core import policy
from pacte.core.models import User
from pacte.demo import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_password_passes_the_policy(var_dir):
    password = seed.demo_password()
    validate_password(password)
    assert seed.demo_password() == password  # kept


def test_a_kept_password_the_policy_refuses_is_drawn_again(var_dir):
    (var_dir / "demo-password").write_text("Lievin62")
    password = seed.demo_password()
    assert password != "Lievin62"
    validate_password(password)
    assert (var_dir / "demo-password").read_text() == password


def test_the_demo_enrols_its_administrator_and_finance_users(var_dir):
    users = seed.seed_users(seed.demo_password())
    key = seed.demo_totp_key()
    enrolled = seed.seed_second_factors(users, key)
    assert {u.username for u in enrolled} == {"admin", "finances"}
    assert all(policy.requires_second_factor(u) for u in enrolled)
    for user in enrolled:
        assert SecondFactor.objects.get(user=user).secret == key
    # Again: nothing changes; after a reset, the demo's key comes back.
    seed.seed_second_factors(users, key)
    SecondFactor.objects.filter(user__username="admin").delete()
    seed.seed_second_factors(users, key)
    assert SecondFactor.objects.get(user__username="admin").secret == key
    out = io.StringIO()
    call_command("demo_totp", stdout=out)
    text = out.getvalue()
    assert "Comptes : admin, finances" in text
    shown = re.search(r"Code du moment : (\d{6})", text)[1]
    totp = pyotp.TOTP(key)
    assert shown in {totp.now(), totp.at(time.time() - 30)}


def test_the_demo_users_log_in(var_dir, client):
    password = seed.demo_password()
    users = seed.seed_users(password)
    seed.seed_second_factors(users, seed.demo_totp_key())
    response = client.post("/connexion/", {"username": "agent", "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    client.post("/deconnexion/")
    response = client.post("/connexion/", {"username": "finances", "password": password})
    assert response["Location"] == "/second-facteur/"
    code = pyotp.TOTP(seed.demo_totp_key()).now()
    assert client.post("/second-facteur/", {"code": code}).status_code == 302
    assert User.objects.get(username="finances") == client.get("/compte/").context["user"]
