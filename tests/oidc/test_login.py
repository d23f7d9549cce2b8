"""OpenID Connect login against a real provider: django-oauth-toolkit, started by the tests in
its own process (tests/oidc/provider/), driven as a browser would with the Django test client
on Pacte's side and an HTTP session on the provider's."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from pacte.contracts.models import Partner
from pacte.core.models import AuditEvent, User
from pacte.oidc.models import OidcIdentity

from .provider_process import log_in_at_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(settings, dot):
    settings.PACTE_OIDC_PROVIDERS = {"agents": dot.settings_for("agents")}
    yield dot
    dot.set_claims("claire.agent", groups=["pacte-agents", "tous-les-agents"])


@pytest.fixture
def both(settings, dot):
    settings.PACTE_OIDC_PROVIDERS = {
        "agents": dot.settings_for("agents"),
        "partners": dot.settings_for("partners"),
    }
    return dot


def start(client, slug="departement", **query):
    response = client.get(f"/connexion/oidc/{slug}/", query)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def login(client, username, slug="departement"):
    """The whole journey: Pacte → provider (log in) → Pacte's callback."""
    return client.get(log_in_at_provider(start(client, slug), username))


def text(response):
    return response.content.decode()


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(client, agents):
    url = start(client)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{agents.issuer}/authorize/")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["pacte-agents"]
    assert query["redirect_uri"] == ["http://testserver/connexion/oidc/departement/retour/"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    # A second login under way gets its own state and nonce.
    again = parse_qs(urlsplit(start(client)).query)
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]


def test_an_agents_first_login_creates_the_user_with_the_role_of_its_group(client, agents):
    users_before = User.objects.count()
    response = login(client, "claire.agent")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="claire.agent@departement.test")
    assert User.objects.count() == users_before + 1
    assert (user.username, user.first_name, user.last_name) == (
        "claire.agent@departement.test",
        "Claire",
        "Delattre",
    )
    assert user.role == "agent" and user.partner is None
    assert not user.has_usable_password() and not user.is_staff
    identity = OidcIdentity.objects.get(user=user)
    assert (identity.provider, identity.issuer) == ("agents", agents.issuer)
    assert identity.last_groups == ["pacte-agents", "tous-les-agents"]
    event = AuditEvent.objects.get(action="oidc.create", object_id=str(user.pk))
    assert event.actor == user and event.data["après"]["rôle"] == "agent"
    home = client.get("/")
    assert home.status_code == 200 and "Claire Delattre" in text(home)


def test_a_later_login_updates_the_role_and_records_the_change(client, agents):
    login(client, "claire.agent")
    user = User.objects.get(email="claire.agent@departement.test")
    client.logout()
    agents.set_claims("claire.agent", groups=["pacte-elus"])
    assert login(client, "claire.agent").status_code == 302
    user.refresh_from_db()
    assert user.role == "elected"
    assert OidcIdentity.objects.filter(user=user).count() == 1
    change = AuditEvent.objects.get(action="oidc.role_change", object_id=str(user.pk))
    assert change.data["changements"]["rôle"] == {"avant": "agent", "après": "elected"}
    # Nothing changed: a login writes no audit row.
    client.logout()
    login(client, "claire.agent")
    assert (
        AuditEvent.objects.filter(object_id=str(user.pk), action__startswith="oidc.").count() == 2
    )


def test_a_group_path_maps_and_finance_is_asked_pactes_second_factor(client, agents, settings):
    response = login(client, "paul.finances")
    user = User.objects.get(email="paul.finances@departement.test")
    assert user.role == "finance"
    # Those who move money log in with a second factor: Pacte's, after the provider's.
    assert response["Location"] == "/second-facteur/activation/"
    assert client.get("/").status_code == 302  # not logged in yet


def test_a_provider_trusted_for_the_second_factor_opens_the_session(client, agents, settings):
    settings.PACTE_OIDC_TRUST_PROVIDER_SECOND_FACTOR = True
    response = login(client, "paul.finances")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_claims_that_map_to_no_role_are_refused_in_french_and_nothing_is_created(client, agents):
    users, identities, events = (
        User.objects.count(),
        OidcIdentity.objects.count(),
        AuditEvent.objects.count(),
    )
    response = login(client, "sans.role")
    assert response.status_code == 403
    assert "n’appartient à aucun des groupes qui donnent accès à Pacte" in text(response)
    assert "Aucun compte Pacte n’a été créé" in text(response)
    assert (User.objects.count(), OidcIdentity.objects.count(), AuditEvent.objects.count()) == (
        users,
        identities,
        events,
    )
    assert not User.objects.filter(email="sans.role@departement.test").exists()
    assert client.get("/").status_code == 302


def test_a_partners_login_through_proconnect_finds_the_partner_by_its_siren(client, both):
    response = login(client, "lea.partenaire", "proconnect")
    assert response.status_code == 302
    user = User.objects.get(email="lea.partenaire@interco.test")
    assert user.role == "partner"
    assert user.partner == Partner.objects.get(siren="246200364")
    assert (user.first_name, user.last_name) == ("Léa", "Martel")  # ProConnect's usual_name
    assert OidcIdentity.objects.get(user=user).last_siret == "24620036400013"


def test_a_partner_whose_siret_is_recorded_is_preferred_to_the_siren(client, both):
    arras = Partner.objects.get(siren="200033579")
    Partner.objects.filter(pk=arras.pk).update(siret="24620036400013")  # stated on its record
    login(client, "lea.partenaire", "proconnect")
    assert User.objects.get(email="lea.partenaire@interco.test").partner == arras


def test_a_siret_that_matches_no_partner_is_refused_and_nothing_is_created(client, both):
    users = User.objects.count()
    response = login(client, "inconnu.siret", "proconnect")
    assert response.status_code == 403
    body = text(response)
    assert "aucun partenaire de Pacte ne porte ce SIRET ni ce SIREN" in body
    assert "11122233300012" in body
    assert User.objects.count() == users and not OidcIdentity.objects.exists()


def test_a_state_that_matches_no_login_under_way_is_refused(client, agents, settings):
    back = log_in_at_provider(start(client), "claire.agent")
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?code={query['code'][0]}&state=etat-inconnu"
    response = client.get(forged)
    assert response.status_code == 400
    assert "ne correspond à aucune connexion en cours dans ce navigateur" in text(response)
    assert not User.objects.filter(email="claire.agent@departement.test").exists()


def test_the_providers_answer_serves_once_and_in_its_own_browser_only(client, agents):
    from django.test import Client

    back = log_in_at_provider(start(client), "claire.agent")
    other_browser = Client()
    assert other_browser.get(back).status_code == 400
    assert client.get(back).status_code == 302  # its own browser, once
    client.logout()
    replay = client.get(back)
    assert replay.status_code == 400 and "aucune connexion en cours" in text(replay)


def test_an_existing_local_account_with_the_same_email_is_linked_only_if_configured(
    client, agents, settings, make_user
):
    local = make_user(
        username="claire", email="Claire.Agent@departement.test", role="agent", partner=None
    )
    refused = login(client, "claire.agent")
    assert refused.status_code == 403
    assert "Un compte Pacte existe déjà avec l’adresse" in text(refused)
    assert not OidcIdentity.objects.exists()

    settings.PACTE_OIDC_LINK_BY_EMAIL = ["agents"]
    client.get("/connexion/")
    assert login(client, "claire.agent").status_code == 302
    identity = OidcIdentity.objects.get()
    assert identity.user == local
    assert AuditEvent.objects.filter(action="oidc.link", object_id=str(local.pk)).exists()


def test_a_deactivated_account_is_refused(client, agents):
    login(client, "claire.agent")
    client.logout()
    User.objects.filter(email="claire.agent@departement.test").update(is_active=False)
    response = login(client, "claire.agent")
    assert response.status_code == 403 and "Votre compte Pacte est désactivé" in text(response)


def test_logout_ends_pactes_session_then_the_providers(client, agents):
    login(client, "claire.agent")
    response = client.post("/deconnexion/")
    assert response.status_code == 200
    assert "Vous êtes déconnecté de Pacte" in text(response)
    refresh = response["Refresh"]
    assert refresh.startswith(f"0; url={agents.issuer}/logout/")
    end_session = refresh.removeprefix("0; url=")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/connexion/"]
    assert query["id_token_hint"] and query["client_id"] == ["pacte-agents"]
    assert client.get("/").status_code == 302  # Pacte's session is over
    # The provider accepts Pacte's ID token as the hint and sends the browser back to Pacte.
    ended = requests.get(end_session, allow_redirects=False, timeout=10)
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("http://testserver/connexion/")


def test_a_local_login_still_logs_out_as_before(client, users):
    client.force_login(users["test-agent"])
    response = client.post("/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"


def test_the_login_page_shows_only_the_configured_providers_buttons(client, settings, both):
    page = text(client.get("/connexion/?next=/operations/"))
    assert "Se connecter avec le compte du Département" in page
    assert 'S’identifier avec</span> <span class="proconnect-brand">ProConnect' in page
    assert 'href="/connexion/oidc/departement/?next=%2Foperations%2F"' in page
    assert page.index("proconnect-button") < page.index('<form method="post"')
    settings.PACTE_OIDC_PROVIDERS = {}
    page = text(client.get("/connexion/"))
    assert "Se connecter avec le compte du Département" not in page
    assert "ProConnect" not in page
    assert client.get("/connexion/oidc/departement/").status_code == 404


def test_the_next_page_is_kept_through_the_providers_login(client, agents):
    url = start(client, next="/operations/")
    response = client.get(log_in_at_provider(url, "claire.agent"))
    assert response["Location"] == "/operations/"
    # Another site is never a destination.
    other = client.__class__()
    url = start(other, next="https://ailleurs.example/")
    assert other.get(log_in_at_provider(url, "claire.agent"))["Location"] == "/"


def test_agents_passwords_may_be_turned_off_when_the_departements_server_is_on(
    client, agents, settings
):
    from tests.factories import TEST_PASSWORD

    def password_login(username):
        client.logout()
        return client.post("/connexion/", {"username": username, "password": TEST_PASSWORD})

    assert password_login("test-agent").status_code == 302  # on by default
    settings.PACTE_OIDC_AGENTS_PASSWORD_LOGIN = False
    refused = password_login("test-agent")
    assert refused.status_code == 200 and client.get("/").status_code == 302
    assert password_login("test-partner").status_code == 302  # partners keep theirs
    # Administrators too: their way in when the identity server is down (then the second factor).
    assert password_login("test-admin")["Location"] == "/second-facteur/"
    settings.PACTE_OIDC_PROVIDERS = {}  # no identity server: passwords are the only way
    assert password_login("test-agent").status_code == 302


def test_a_partners_invited_account_is_taken_by_its_first_proconnect_login(client, both, make_user):
    lens = Partner.objects.get(siren="246200364")
    invited = make_user(
        username="lea.partenaire@interco.test",
        email="lea.partenaire@interco.test",
        role="partner",
        partner=lens,
    )
    invited.set_unusable_password()
    invited.last_login = None
    invited.save()
    assert login(client, "lea.partenaire", "proconnect").status_code == 302
    assert OidcIdentity.objects.get().user == invited
    assert AuditEvent.objects.filter(action="oidc.link", object_id=str(invited.pk)).exists()


def test_an_account_invited_for_another_partner_is_not_taken(client, both, make_user):
    arras = Partner.objects.get(siren="200033579")
    invited = make_user(email="lea.partenaire@interco.test", role="partner", partner=arras)
    invited.set_unusable_password()
    invited.last_login = None
    invited.save()
    response = login(client, "lea.partenaire", "proconnect")
    assert response.status_code == 403 and not OidcIdentity.objects.exists()
    invited.refresh_from_db()
    assert invited.partner == arras


def test_administrators_see_the_links_in_the_admin_and_may_remove_one(client, agents, users):
    login(client, "claire.agent")
    identity = OidcIdentity.objects.get()
    client.logout()
    client.force_login(users["test-admin"])
    listing = client.get("/admin/oidc/oidcidentity/")
    assert listing.status_code == 200 and identity.subject in text(listing)
    page = client.get(f"/admin/oidc/oidcidentity/{identity.pk}/change/")
    assert page.status_code == 200 and agents.issuer in text(page)
    assert client.get("/admin/oidc/oidcidentity/add/").status_code == 403
    deleted = client.post(f"/admin/oidc/oidcidentity/{identity.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not OidcIdentity.objects.exists()
    assert AuditEvent.objects.filter(action="admin.delete", object_id=str(identity.pk)).exists()


def test_a_state_serves_once_even_when_its_login_failed(client, agents):
    back = log_in_at_provider(start(client), "claire.agent")
    parts = urlsplit(back)
    state = parse_qs(parts.query)["state"][0]
    wrong_code = client.get(f"{parts.path}?code=code-invente&state={state}")
    assert wrong_code.status_code == 400  # the provider refuses the code
    assert "a refusé de confirmer la connexion" in text(wrong_code)
    # The state is spent: the right code with it no longer logs anyone in.
    response = client.get(back)
    assert response.status_code == 400 and "aucune connexion en cours" in text(response)
    assert not User.objects.filter(email="claire.agent@departement.test").exists()
