"""A session ends after 30 minutes unused, or 12 hours after its login however used; the login
page then says « Votre session a expiré »."""

import time

import pytest
from django.conf import settings as django_settings

from pacte.accounts import sessions
from tests.factories import TEST_PASSWORD

from .support import text

pytestmark = pytest.mark.django_db


def log_in(client, username="test-agent"):
    response = client.post("/connexion/", {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def age(client, *, opened=0.0, seen=0.0):
    """Make the session as if opened `opened` seconds ago and last used `seen` seconds ago."""
    session = client.session
    now = time.time()
    session[sessions.AUTH_AT] = now - opened
    session[sessions.SEEN_AT] = now - seen
    session.save()


def test_a_session_unused_for_thirty_minutes_ends(client):
    log_in(client)
    age(client, opened=31 * 60, seen=31 * 60)
    response = client.get("/operations/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    page = text(client.get(response["Location"]))
    assert "Votre session a expiré après 30 minutes sans activité" in page
    # Said once.
    assert "Votre session a expiré" not in text(client.get("/connexion/"))
    assert client.get("/compte/").status_code == 302


def test_a_session_in_use_goes_on(client):
    log_in(client)
    age(client, opened=29 * 60, seen=29 * 60)
    assert client.get("/compte/").status_code == 200
    assert time.time() - client.session[sessions.SEEN_AT] < 5  # the use is recorded
    age(client, opened=58 * 60, seen=29 * 60)
    assert client.get("/compte/").status_code == 200


def test_a_use_within_the_minute_of_the_last_recorded_one_counts(client, settings):
    """The last visit is recorded once a minute: a session used 45 s ago but recorded 85 s ago
    does not end after a one-minute delay (never early; at most a minute late)."""
    settings.PACTE_SESSION_IDLE_MINUTES = 1
    log_in(client)
    age(client, opened=85, seen=85)
    assert client.get("/compte/").status_code == 200
    age(client, opened=200, seen=121)
    assert client.get("/compte/").status_code == 302


def test_a_session_ends_twelve_hours_after_its_login_however_used(client):
    log_in(client)
    age(client, opened=12 * 3600 + 1, seen=10)
    response = client.get("/compte/", follow=True)
    assert "Votre session a expiré : elle dure 12 heures au plus" in text(response)


def test_the_delays_are_settings(client, settings):
    settings.PACTE_SESSION_IDLE_MINUTES = 5
    log_in(client)
    age(client, opened=6 * 60, seen=6 * 60)
    response = client.get("/compte/", follow=True)
    assert "Votre session a expiré après 5 minutes sans activité" in text(response)


def test_the_session_cookie_lasts_no_longer_than_the_session():
    assert django_settings.SESSION_COOKIE_AGE == 12 * 3600


def test_a_session_opened_before_the_timeouts_existed_ends(client, users):
    client.force_login(users["test-agent"])
    session = client.session
    del session[sessions.AUTH_AT]
    session.save()
    assert client.get("/compte/").status_code == 302


def test_an_expired_session_of_the_api_answers_401(client):
    log_in(client)
    age(client, opened=31 * 60, seen=31 * 60)
    assert client.get("/api/operations").status_code == 401
