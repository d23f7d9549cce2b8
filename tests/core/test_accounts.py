import pytest
from django.db import IntegrityError

from pacte.core.models import ApiToken, User
from pacte.core.roles import Role

pytestmark = pytest.mark.django_db


def test_login_page_in_french_with_a_clear_error(client):
    response = client.post("/connexion/", {"username": "test-agent", "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()


def test_login_then_home(client):
    from tests.factories import TEST_PASSWORD

    response = client.post(
        "/connexion/", {"username": "test-agent", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Intercommunalités" in response.content.decode()


def test_database_refuses_a_partner_user_without_partner():
    with pytest.raises(IntegrityError):
        User.objects.create(username="sans-organisation", role=Role.PARTNER)


def test_token_created_on_account_page_is_shown_once_and_stored_hashed(client_for, users):
    client = client_for("agent")
    response = client.post("/compte/jetons/", {"name": "Tableur"}, follow=True)
    assert response.redirect_chain == [("/compte/", 302)]  # reloading creates nothing more
    raw = response.context["new_token"]
    assert raw.startswith("pacte_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=users["test-agent"], name="Tableur")
    assert token.digest == ApiToken.hash(raw) and raw not in token.digest
    page = client.get("/compte/").content.decode()
    assert raw not in page and token.prefix in page


def test_token_without_name_is_refused_in_french(client_for):
    response = client_for("agent").post("/compte/jetons/", {"name": "  "}, follow=True)
    assert "Donnez un nom au jeton" in response.content.decode()


def test_user_cannot_revoke_someone_elses_token(client_for, users):
    from pacte.core.services import api_token_create

    token, _ = api_token_create(user=users["test-finance"], name="finances")
    response = client_for("agent").post(f"/compte/jetons/{token.pk}/revoquer/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("agent", False), ("partner", False)])
def test_the_navigation_offers_the_administration_to_those_the_policy_lets_in(
    client_for, role, shown
):
    page = client_for(role).get("/compte/").content.decode()
    assert ('href="/admin/">Administration</a>' in page) == shown
