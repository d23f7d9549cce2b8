"""Passwords: a policy of 12 characters at least (Django's validators, in French); a change
asks the current password; a reset goes by a mail of the outbox, with an absolute link valid 24
hours and once; a used, expired or mangled link gets a French page."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail as django_mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from pacte.accounts.models import LoginThrottle
from pacte.core import mail
from pacte.core.models import AuditEvent, OutgoingMail
from tests.factories import TEST_PASSWORD

from .support import client_login, text

pytestmark = pytest.mark.django_db

NEW = "Trois petits chats sur le toit"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Lievin62", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("Pdc-2026", "Ce mot de passe est trop court"),
        ("password1234", "Ce mot de passe est trop courant."),
        ("620620620620620", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_the_policy_refuses_weak_passwords_in_french(password, message):
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert any(message in m for m in caught.value.messages), caught.value.messages


@pytest.mark.parametrize(
    "password",
    [
        "motdepasse123",
        "azertyuiop12",
        "azertyuiopqsdf",
        "aaaaaaaaaaaa",
        "pasdecalais62",
        "PasDeCalais2026",
        "Departement62!",
        "Motdepasse2026",
        "bonjour123456",
        "Pacte2026!!!",
        "Lievin622026",
        "Noeux-les-Mines62",
        "P@ssw0rd2026!!",
        "M0tdep@sse2026",
        "1234567890ab",
        "abcd1234abcd",
        "iloveyou2026",
    ],
)
def test_the_policy_refuses_what_is_guessed_first_in_french(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_policy_refuses_a_password_holding_the_name_or_the_address(make_user):
    user = make_user(
        username="invite.adv16@exemple.fr",
        email="invite.adv16@exemple.fr",
        first_name="Présidente",
        last_name="Dupont",
    )
    short = make_user(username="elu", email="elu@exemple.fr")
    with pytest.raises(ValidationError):
        validate_password("elu-elu-elu-2026", short)
    for password in ["invite.adv16", "presidentepresidente", "Dupont-Dupont-2026"]:
        with pytest.raises(ValidationError) as caught:
            validate_password(password, user)
        messages = " ".join(caught.value.messages)
        assert "contient votre identifiant, votre nom" in messages or "trop semblable" in messages
    # A phrase of words, or a random string, passes.
    for good in [NEW, "Vélo du canal 2026 !", "x7#Qm2!pLw9z"]:
        validate_password(good, user)


def test_the_policy_refuses_a_password_close_to_the_name(users):
    with pytest.raises(ValidationError) as caught:
        validate_password("test-agent-62", users["test-agent"])
    assert any("trop semblable" in m for m in caught.value.messages)


# --- Change ------------------------------------------------------------------------------


def change(client, current=TEST_PASSWORD, new=NEW, again=None):
    return client.post(
        "/compte/mot-de-passe/",
        {"old_password": current, "new_password1": new, "new_password2": again or new},
    )


def test_the_account_page_offers_the_change(client_for):
    page = text(client_for("partner").get("/compte/"))
    assert 'href="/compte/mot-de-passe/">Changer mon mot de passe</a>' in page


def test_a_password_is_changed_with_the_current_one(client, users):
    agent = users["test-agent"]
    other_session = Client()
    client_login(other_session, "test-agent")
    client_login(client, "test-agent")
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/compte/"
    agent.refresh_from_db()
    assert agent.check_password(NEW)
    assert client.get("/compte/").status_code == 200  # this session stays open
    assert other_session.get("/compte/").status_code == 302  # the others end
    assert AuditEvent.objects.filter(action="password.change", object_id=str(agent.pk)).exists()
    notice = OutgoingMail.objects.get(kind="password_changed")
    assert notice.recipients == [agent.email] and "vient d'être changé" in notice.body


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(client, users):
    client_login(client, "test-agent")
    response = change(client, current="pas-le-bon-mot-de-passe")
    assert response.status_code == 400
    assert "Votre mot de passe actuel est incorrect" in text(response)
    users["test-agent"].refresh_from_db()
    assert users["test-agent"].check_password(TEST_PASSWORD)
    assert LoginThrottle.objects.get(scope="username", key="test-agent").failures == 1
    for _ in range(4):
        change(client, current="pas-le-bon-mot-de-passe")
    response = change(client)  # the right one, now locked
    assert "Réessayez à partir de" in text(response)
    users["test-agent"].refresh_from_db()
    assert users["test-agent"].check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("Lievin62", None, "trop court"),
        ("Pdc-2026", None, "trop court"),
        (NEW, NEW + " !", "Les deux mots de passe ne correspondent pas"),
    ],
)
def test_a_weak_or_mistyped_new_password_is_refused(client, users, new, again, message):
    client_login(client, "test-agent")
    response = change(client, new=new, again=again)
    assert response.status_code == 400 and message in text(response)
    users["test-agent"].refresh_from_db()
    assert users["test-agent"].check_password(TEST_PASSWORD)
    assert not OutgoingMail.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/compte/mot-de-passe/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


# --- Reset -------------------------------------------------------------------------------


def request_reset(client, email):
    return client.post("/mot-de-passe/oublie/", {"email": email})


def reset_link():
    body = OutgoingMail.objects.filter(kind="password_reset").latest("id").body
    return re.search(r"(http\S+/mot-de-passe/nouveau/\S+/)", body)[1]


def reset_path():
    return urlsplit(reset_link()).path


def test_a_reset_link_is_mailed_through_the_outbox_with_an_absolute_address(
    client, users, settings
):
    settings.PACTE_SITE_URL = "https://pacte.exemple.fr"
    agent = users["test-agent"]
    response = request_reset(client, agent.email.upper())
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe/oublie/envoye/"
    queued = OutgoingMail.objects.get(kind="password_reset")
    assert queued.recipients == [agent.email]
    assert queued.subject == "[Pacte] Choisir un nouveau mot de passe"
    link = reset_link()
    assert link.startswith("https://pacte.exemple.fr/mot-de-passe/nouveau/")
    assert "Ce lien vaut 24 heures, et une seule fois." in queued.body
    assert mail.send_due() == 1
    assert django_mail.outbox[-1].body == queued.body
    assert AuditEvent.objects.filter(action="password.reset_request").count() == 1


def test_an_unknown_address_gets_the_same_page_and_no_mail(client):
    response = request_reset(client, "personne@exemple.fr")
    assert response["Location"] == "/mot-de-passe/oublie/envoye/"
    assert not OutgoingMail.objects.exists()
    page = text(client.get("/mot-de-passe/oublie/envoye/"))
    assert "Si un compte de Pacte porte cette adresse" in page and "24 heures" in page


def test_an_invalid_address_is_refused_in_french(client):
    response = request_reset(client, "pas une adresse")
    assert response.status_code == 400
    assert "Indiquez une adresse électronique valide" in text(response)


def test_the_link_sets_a_new_password_once(client, users):
    agent = users["test-agent"]
    for _ in range(5):  # the username was locked: the reset lifts the lock
        client.post("/connexion/", {"username": "test-agent", "password": "faux"})
    request_reset(client, agent.email)
    path = reset_path()
    page = client.get(path, follow=True)
    assert page.status_code == 200 and "Choisir un nouveau mot de passe" in text(page)
    form_url = page.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "Lievin62", "new_password2": "Lievin62"})
    assert weak.status_code == 400 and "trop court" in text(weak)
    done = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/mot-de-passe/nouveau/termine/"
    agent.refresh_from_db()
    assert agent.check_password(NEW)
    assert not LoginThrottle.objects.filter(scope="username", key="test-agent").exists()
    assert AuditEvent.objects.filter(action="password.reset", object_id=str(agent.pk)).exists()
    # Used: the same link is not valid any more.
    again = Client().get(path, follow=True)
    assert again.status_code == 200
    assert "Ce lien pour choisir un nouveau mot de passe n'est pas valable" in (text(again))
    # Not logged in by the reset: the login (and its second factor, if any) follows.
    assert client.get("/compte/").status_code == 302
    assert (
        client.post("/connexion/", {"username": "test-agent", "password": NEW}).status_code == 302
    )


def test_an_expired_link_gets_a_french_page(client, users, settings):
    request_reset(client, users["test-agent"].email)
    path = reset_path()
    settings.PASSWORD_RESET_TIMEOUT = -1  # the link is now older than its validity
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "n'est pas valable : il a déjà servi, il a expiré" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/mot-de-passe/nouveau/MQ/jeton-inconnu/",
        "/mot-de-passe/nouveau/OTg3NjU0MzIxMDk4NzY1NDMyMTA5ODc2NTQzMjE/abc-def/",
        "/mot-de-passe/nouveau/%C3%A9%C3%A9/set-password/",
        "/mot-de-passe/nouveau/LTE/abc-def/",
    ],
)
def test_a_mangled_link_gets_a_french_page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "n'est pas valable" in text(response)
    response = client.post(path, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200 and "n'est pas valable" in text(response)


def test_a_mailbox_is_not_flooded(client, users):
    for _ in range(6):
        request_reset(client, users["test-agent"].email)
    assert OutgoingMail.objects.filter(kind="password_reset").count() == 3


def test_a_user_without_password_gets_no_reset_link(client, make_user, users):
    """Without a password (an account of the identity server), nothing is sent; invited and
    no password chosen yet, the mail says to ask for the invitation again, and by whom."""
    user = make_user(username="sans-mot-de-passe", email="sans@exemple.fr")
    user.set_unusable_password()
    user.save()
    request_reset(client, "sans@exemple.fr")
    assert not OutgoingMail.objects.exists()
    from pacte.accounts.models import Invitation
    from pacte.contracts.models import Partner

    agent = users["test-agent"]
    Invitation.objects.create(
        user=user,
        partner=Partner.objects.first(),
        invited_by=agent,
        digest="0" * 64,
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    request_reset(client, "sans@exemple.fr")
    sent = OutgoingMail.objects.get()
    assert sent.kind == "invitation_pending"
    assert "Ce compte n'a pas encore de mot de passe" in sent.body
    assert f"demandez à {agent.get_full_name()} de vous renvoyer l'invitation" in sent.body
    assert "/mot-de-passe/" not in sent.body  # no reset link
