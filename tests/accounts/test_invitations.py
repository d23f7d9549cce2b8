"""Invitations: on a partner's page, an agent invites a staff member of the partner (name and
address); Pacte creates the account (role partner, that partner's, no usable password) and
mails a link valid 7 days and once, where the person chooses a password and is logged in."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from pacte.accounts.models import Invitation
from pacte.contracts.models import Partner
from pacte.core.models import AuditEvent, OutgoingMail, User
from pacte.core.roles import Role

from .support import text

pytestmark = pytest.mark.django_db

LENS = "246200364"  # test-partner's
ARRAS = "200033579"  # test-partner2's
NEW = "Trois petits chats sur le toit"


@pytest.fixture
def lens():
    return Partner.objects.get(siren=LENS)


def invite(client, partner, **data):
    form = {"first_name": "Camille", "last_name": "Durand", "email": "c.durand@exemple.fr"}
    return client.post(f"/partenaires/{partner.pk}/invitations/", {**form, **data})


def invitation_path(kind="invitation"):
    body = OutgoingMail.objects.filter(kind=kind).latest("id").body
    return urlsplit(re.search(r"(http\S+/invitation/\S+/)", body)[1]).path


def test_the_partner_page_offers_the_invitation_to_agents_only(client_for, lens):
    page = text(client_for("agent").get(f"/partenaires/{lens.pk}/"))
    assert "Utilisateurs de Pacte" in page and "Inviter un utilisateur" in page
    assert "test-partner@exemple.fr" in page  # its existing user, listed
    for role in ["partner", "elected", "finance", "assembly"]:
        page = text(client_for(role).get(f"/partenaires/{lens.pk}/"))
        assert "Inviter un utilisateur" not in page, role


def test_an_agent_invites_a_partners_staff_member(client_for, users, lens, settings):
    settings.PACTE_SITE_URL = "https://pacte.exemple.fr"
    response = invite(client_for("agent"), lens)
    assert response.status_code == 302
    assert response["Location"] == f"/partenaires/{lens.pk}/#utilisateurs"
    user = User.objects.get(email="c.durand@exemple.fr")
    assert (user.role, user.partner, user.username) == (Role.PARTNER, lens, "c.durand@exemple.fr")
    assert not user.has_usable_password()
    invitation = Invitation.objects.get(user=user)
    assert invitation.invited_by == users["test-agent"]
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    sent = OutgoingMail.objects.get(kind="invitation")
    assert sent.recipients == ["c.durand@exemple.fr"]
    assert "https://pacte.exemple.fr/invitation/" in sent.body
    assert (
        f"pour {lens.name}" in sent.body and "Votre identifiant : c.durand@exemple.fr" in sent.body
    )
    token = invitation_path().split("/")[2]
    assert token not in invitation.digest  # only its digest is kept
    assert AuditEvent.objects.filter(action="invitation.create", object_id=str(user.pk)).exists()
    page = text(client_for("agent").get(f"/partenaires/{lens.pk}/"))
    assert "Camille Durand" in page and "invitation envoyée" in page


def test_an_agent_invites_for_any_partner(client_for):
    arras = Partner.objects.get(siren=ARRAS)
    assert invite(client_for("agent"), arras).status_code == 302
    assert User.objects.get(email="c.durand@exemple.fr").partner == arras


@pytest.mark.parametrize("role", ["partner", "partner2", "elected", "finance", "assembly"])
def test_others_may_not_invite(client_for, lens, role):
    response = invite(client_for(role), lens)
    assert response.status_code == 403
    assert not User.objects.filter(email="c.durand@exemple.fr").exists()
    assert not OutgoingMail.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client, lens):
    response = invite(client, lens)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_an_existing_address_is_refused_in_french(client_for, lens, users):
    agent = client_for("agent")
    invite(agent, lens)
    response = invite(agent, lens, email="C.Durand@Exemple.fr", first_name="Autre")
    assert response.status_code == 400
    assert "Un compte existe déjà pour l'adresse C.Durand@Exemple.fr" in text(response)
    response = invite(agent, lens, email=users["test-elected"].email)
    assert response.status_code == 400
    assert User.objects.filter(email__iexact="c.durand@exemple.fr").count() == 1
    assert OutgoingMail.objects.filter(kind="invitation").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse"}, "Indiquez une adresse électronique valide"),
        ({"first_name": "  "}, "Ce champ est obligatoire."),
        ({"last_name": ""}, "Ce champ est obligatoire."),
        ({"email": "a" * 150 + "@exemple.fr"}, "150 caractères"),
    ],
)
def test_bad_input_is_refused_in_french(client_for, lens, data, message):
    response = invite(client_for("agent"), lens, **data)
    assert response.status_code == 400 and message in text(response)
    assert not Invitation.objects.exists()


def test_an_unknown_or_huge_partner_is_not_found(client_for):
    agent = client_for("agent")
    assert invite(agent, Partner(pk=987654321)).status_code == 404
    response = agent.post("/partenaires/98765432109876543210987/invitations/", {})
    assert response.status_code == 404


def test_the_invited_person_chooses_a_password_and_is_logged_in(client_for, lens):
    invite(client_for("agent"), lens)
    path = invitation_path()
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Votre compte de Pacte pour" in text(page)
    weak = visitor.post(path, {"new_password1": "Lievin62", "new_password2": "Lievin62"})
    assert weak.status_code == 400 and "trop court" in text(weak)
    response = visitor.post(path, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    page = visitor.get("/")
    assert page.status_code == 200 and "À traiter" in text(page)
    assert f'href="/partenaires/{lens.pk}/"' in page.content.decode()
    user = User.objects.get(email="c.durand@exemple.fr")
    assert user.check_password(NEW)
    assert Invitation.objects.get(user=user).accepted_at is not None
    assert AuditEvent.objects.filter(action="invitation.accept", object_id=str(user.pk)).exists()
    # The link served once.
    again = Client().get(path)
    assert again.status_code == 200
    assert "Ce lien d'invitation n'est pas valable" in text(again)
    again = Client().post(path, {"new_password1": NEW, "new_password2": NEW})
    assert "n'est pas valable" in text(again)


def test_an_expired_invitation_is_refused_and_sent_again(client_for, lens):
    agent = client_for("agent")
    invite(agent, lens)
    old_path = invitation_path()
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().get(old_path)
    assert "n'est pas valable" in text(response)
    page = text(agent.get(f"/partenaires/{lens.pk}/"))
    assert "invitation expirée" in page and "Renvoyer l'invitation" in page
    user = User.objects.get(email="c.durand@exemple.fr")
    response = agent.post(f"/partenaires/{lens.pk}/invitations/", {"renvoyer": user.pk})
    assert response.status_code == 302
    new_path = invitation_path()
    assert new_path != old_path
    assert Client().get(new_path).status_code == 200
    assert "n'est pas valable" in text(Client().get(old_path))
    assert AuditEvent.objects.filter(action="invitation.resend", object_id=str(user.pk)).exists()


def test_a_new_sending_voids_the_previous_link(client_for, lens):
    agent = client_for("agent")
    invite(agent, lens)
    first = invitation_path()
    user = User.objects.get(email="c.durand@exemple.fr")
    agent.post(f"/partenaires/{lens.pk}/invitations/", {"renvoyer": user.pk})
    assert "n'est pas valable" in text(Client().get(first))


@pytest.mark.parametrize("value", ["", "abc", "98765432109876543210987"])
def test_sending_again_to_no_one_is_refused_in_french(client_for, lens, users, value):
    response = client_for("agent").post(
        f"/partenaires/{lens.pk}/invitations/", {"renvoyer": value}, follow=True
    )
    assert "Cette personne n'est pas un utilisateur de ce partenaire" in (text(response))


def test_an_accepted_invitation_is_not_sent_again(client_for, lens, users):
    response = client_for("agent").post(
        f"/partenaires/{lens.pk}/invitations/", {"renvoyer": users["test-partner"].pk}, follow=True
    )
    assert "n'a pas été invitée pour ce partenaire" in text(response)
    assert not OutgoingMail.objects.exists()


@pytest.mark.parametrize("token", ["inconnu", "x" * 500, "%C3%A9"])
def test_an_unknown_link_gets_a_french_page(client, token):
    response = client.get(f"/invitation/{token}/")
    assert response.status_code == 200
    assert "Ce lien d'invitation n'est pas valable" in text(response)
