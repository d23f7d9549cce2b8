"""Login throttling: after 5 failures for a username (30 for a client address), attempts are
refused — the right password too — for a delay that doubles at each further failure (1 min,
2, 4… up to 1 h), with a French message saying when to retry; in the database, audited, and
lifted by an administrator."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from pacte.accounts.models import LoginThrottle
from pacte.accounts.services.throttle import lock_delay
from pacte.core.models import AuditEvent
from tests.factories import TEST_PASSWORD

from .support import client_login, text

pytestmark = pytest.mark.django_db


def attempt(client, username="test-agent", password="mauvais-mot-de-passe", **extra):
    return client.post("/connexion/", {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return client.get("/compte/").status_code == 200


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client):
    for _ in range(30):
        assert attempt(client).status_code == 200
    response = attempt(client, password=TEST_PASSWORD)
    body = text(response)
    assert response.status_code == 200
    assert "Trop d'essais de connexion pour cet identifiant" in body
    assert "Réessayez à partir de" in body
    assert not logged_in(client)


def test_the_fifth_failure_locks_the_username_for_a_minute_then_longer(client):
    for _ in range(4):
        assert "Trop d'essais" not in text(attempt(client))
    fifth = text(attempt(client, password="encore-faux"))
    assert "Identifiant ou mot de passe incorrect" in fifth
    assert "Trop d'essais de connexion pour cet identifiant" in fifth
    row = LoginThrottle.objects.get(scope="username", key="test-agent")
    assert row.failures == 5 and row.lockouts == 1
    delay = row.locked_until - row.last_failure_at
    assert delay == datetime.timedelta(minutes=1)
    # Locked: refused before the password is checked (no failure counted meanwhile).
    assert "Réessayez à partir de" in text(attempt(client, password=TEST_PASSWORD))
    assert LoginThrottle.objects.get(pk=row.pk).failures == 5
    # The minute passes; one more failure locks it again, twice as long.
    LoginThrottle.objects.filter(pk=row.pk).update(locked_until=timezone.now())
    attempt(client)
    row.refresh_from_db()
    assert row.lockouts == 2
    assert row.locked_until - row.last_failure_at == datetime.timedelta(minutes=2)
    # Once the lock is over, the right password logs in and the failures are forgotten.
    LoginThrottle.objects.filter(pk=row.pk).update(locked_until=timezone.now())
    assert attempt(client, password=TEST_PASSWORD).status_code == 302
    assert logged_in(client)
    assert not LoginThrottle.objects.filter(pk=row.pk).exists()


def test_the_delay_doubles_up_to_an_hour():
    assert [lock_delay(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_the_username_is_counted_whatever_its_case_and_whether_it_exists(client):
    for name in ["Test-Agent", "TEST-AGENT", " test-agent", "test-agent", "test-AGENT"]:
        attempt(client, username=name)
    assert LoginThrottle.objects.get(scope="username", key="test-agent").is_locked
    for _ in range(5):
        attempt(client, username="personne-de-ce-nom")
    response = attempt(client, username="personne-de-ce-nom")
    assert "Trop d'essais de connexion pour cet identifiant" in text(response)


def test_a_client_address_is_locked_after_thirty_failures_across_usernames(client):
    for n in range(30):
        attempt(client, username=f"essai-{n}", REMOTE_ADDR="192.0.2.7")
    response = attempt(client, password=TEST_PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert "Trop d'essais de connexion depuis votre poste" in text(response)
    assert not logged_in(client)
    # Another address is not concerned.
    assert attempt(Client(), password=TEST_PASSWORD, REMOTE_ADDR="192.0.2.8").status_code == 302


def test_behind_a_reverse_proxy_the_forwarded_address_is_counted(client, settings):
    settings.PACTE_PROXY_COUNT = 1
    settings.PACTE_PROXY_IPS = "10.0.0.1"
    settings.PACTE_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        attempt(
            client,
            username=f"essai-{n}",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.5",
        )
    assert LoginThrottle.objects.get(scope="address", key="203.0.113.5").is_locked
    assert not LoginThrottle.objects.filter(scope="address", key="10.0.0.1").exists()
    # The proxy's own address, shared by everyone, is not locked: another client logs in.
    response = attempt(
        Client(), password=TEST_PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert response.status_code == 302
    # A client that comes directly (not from the proxy) cannot choose its address.
    for n in range(3):
        attempt(
            Client(),
            username=f"direct-{n}",
            REMOTE_ADDR="192.0.2.44",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert LoginThrottle.objects.get(scope="address", key="192.0.2.44").is_locked


def test_the_lock_is_audited_and_an_administrator_lifts_it(client, users):
    for _ in range(5):
        attempt(client)
    row = LoginThrottle.objects.get(scope="username", key="test-agent")
    lock = AuditEvent.objects.get(action="login.lock", object_id=str(row.pk))
    assert lock.actor is None and "test-agent" in lock.summary and "5 échecs" in lock.summary
    admin = Client()
    client_login(admin, "test-admin")
    response = admin.post(
        "/admin/accounts/loginthrottle/",
        {"action": "unlock", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "1 blocage(s) levé(s)" in text(response)
    row.refresh_from_db()
    assert (row.failures, row.locked_until) == (0, None)
    unlock = AuditEvent.objects.get(action="login.unlock", object_id=str(row.pk))
    assert unlock.actor == users["test-admin"]
    assert attempt(client, password=TEST_PASSWORD).status_code == 302


def test_failures_are_forgotten_after_a_day(client):
    for _ in range(4):
        attempt(client)
    LoginThrottle.objects.filter(scope="username").update(
        last_failure_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    attempt(client)
    row = LoginThrottle.objects.get(scope="username", key="test-agent")
    assert row.failures == 1 and not row.is_locked


def test_an_empty_form_counts_nothing(client):
    response = client.post("/connexion/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert "Saisissez votre identifiant et votre mot de passe" in text(response)
    assert not LoginThrottle.objects.exists()


def test_keys_quiet_for_a_day_are_deleted(client):
    for n in range(3):
        attempt(client, username=f"ancien-{n}")
    LoginThrottle.objects.update(last_failure_at=timezone.now() - datetime.timedelta(days=2))
    attempt(client, username="nouveau")
    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {"nouveau", "127.0.0.1"}


# --- A recognised browser ------------------------------------------------------------------


def test_a_stranger_locking_a_username_does_not_lock_out_its_owner_in_his_browser(client):
    """Anyone may lock a username with five wrong passwords; the browser in which its owner
    logged in before still logs in, and its own failures are counted apart."""
    owner = Client(REMOTE_ADDR="10.0.0.5")
    assert attempt(owner, password=TEST_PASSWORD).status_code == 302
    assert "pacte_navigateur" in owner.cookies
    owner.post("/deconnexion/")
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        attempt(stranger)
    assert "Trop d'essais de connexion pour cet identifiant" in text(
        attempt(stranger, password=TEST_PASSWORD)
    )
    # The owner, from his browser: the right password logs in despite the username's lock.
    assert attempt(owner, password=TEST_PASSWORD).status_code == 302
    assert logged_in(owner)
    # The username stays locked for everyone else, right password or not.
    assert "Trop d'essais" in text(attempt(Client(REMOTE_ADDR="10.0.0.6"), password=TEST_PASSWORD))


def test_a_recognised_browser_is_locked_by_its_own_failures(client):
    owner = Client()
    attempt(owner, password=TEST_PASSWORD)
    owner.post("/deconnexion/")
    for _ in range(4):
        assert "Trop d'essais" not in text(attempt(owner))
    fifth = text(attempt(owner))
    assert "Trop d'essais de connexion depuis ce navigateur" in fifth
    assert "Trop d'essais de connexion depuis ce navigateur" in text(
        attempt(owner, password=TEST_PASSWORD)
    )
    assert not logged_in(owner)
    # Its failures were not the username's: another browser is not locked by them.
    assert not LoginThrottle.objects.filter(scope="username").exists()
    assert attempt(Client(), password=TEST_PASSWORD).status_code == 302


def test_the_cookie_counts_only_for_its_own_username_and_only_signed(client):
    owner = Client()
    attempt(owner, password=TEST_PASSWORD)
    owner.post("/deconnexion/")
    # Given for test-agent, it does nothing for test-partner: that username's lock holds.
    for _ in range(5):
        attempt(Client(), username="test-partner")
    assert "pour cet identifiant" in text(attempt(owner, "test-partner", TEST_PASSWORD))
    # A forged or altered cookie is ignored: the username's lock holds.
    for _ in range(5):
        attempt(Client())
    forged = Client()
    forged.cookies["pacte_navigateur"] = owner.cookies["pacte_navigateur"].value[:-2] + "xx"
    assert "pour cet identifiant" in text(attempt(forged, password=TEST_PASSWORD))
    assert attempt(owner, password=TEST_PASSWORD).status_code == 302
