"""Who may read which partner, through pages, API and admin."""

import pytest

from pacte.contracts.models import Partner
from pacte.core.services import api_token_create

pytestmark = pytest.mark.django_db

LENS = "246200364"
ARRAS = "200033579"


@pytest.fixture
def partners():
    return {p.siren: p for p in Partner.objects.filter(siren__in=[LENS, ARRAS])}


def test_partner_user_lands_on_what_waits_for_its_organisation(client_for, partners):
    response = client_for("partner").get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "À traiter" in html and "Lens - Liévin" in html
    assert f'href="/partenaires/{partners[LENS].pk}/"' in html


def test_partner_user_cannot_read_another_partner_page(client_for, partners):
    client = client_for("partner")
    assert client.get(f"/partenaires/{partners[LENS].pk}/").status_code == 200
    assert client.get(f"/partenaires/{partners[ARRAS].pk}/").status_code == 404


def test_partner_list_shows_a_partner_user_only_itself(client_for, partners):
    response = client_for("partner2").get("/partenaires/")
    assert [p.siren for p in response.context["partners"]] == [ARRAS]


def test_partner_user_cannot_enter_the_admin(client_for):
    client = client_for("partner")
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/contracts/partner/").status_code == 302


@pytest.mark.parametrize("role", ["agent", "assembly", "finance", "elected"])
def test_only_administrators_enter_the_admin(client_for, role):
    assert client_for(role).get("/admin/").status_code == 302


def test_administrator_manages_users_partners_territories_and_groups(client_for):
    client = client_for("admin")
    for url in [
        "/admin/",
        "/admin/core/user/",
        "/admin/core/user/add/",
        "/admin/contracts/partner/",
        "/admin/contracts/partner/add/",
        "/admin/territory/territory/",
        "/admin/territory/territory/add/",
        "/admin/territory/politicalgroup/",
        "/admin/territory/councillor/",
        "/admin/territory/epci/",
    ]:
        assert client.get(url).status_code == 200, url


def test_administrator_creates_a_partner_user_through_the_admin(client_for, partners):
    from pacte.core.models import User

    client = client_for("admin")
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "mairie-lens",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
            "usable_password": "true",
            "role": "partner",
            "partner": partners[LENS].pk,
            "email": "contact@exemple.fr",
            "first_name": "Léa",
            "last_name": "Martin",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="mairie-lens")
    assert user.partner == partners[LENS] and not user.is_staff


def test_admin_refuses_a_partner_user_without_organisation(client_for):
    from pacte.core.models import User

    response = client_for("admin").post(
        "/admin/core/user/add/",
        {
            "username": "orphelin",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
            "usable_password": "true",
            "role": "partner",
        },
    )
    assert response.status_code == 200
    assert "doit être rattaché à son organisation" in response.content.decode()
    assert not User.objects.filter(username="orphelin").exists()


def test_api_scopes_partners_to_the_user(client, users, partners):
    _, raw = api_token_create(user=users["test-partner"], name="tests")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listing = client.get("/api/partenaires", **headers).json()
    assert [p["siren"] for p in listing["items"]] == [LENS]
    assert client.get(f"/api/partenaires/{partners[ARRAS].pk}", **headers).status_code == 404
    assert client.get(f"/api/partenaires/{partners[LENS].pk}", **headers).status_code == 200


def test_internal_roles_see_every_partner(client_for):
    response = client_for("agent").get("/partenaires/")
    assert len(response.context["partners"]) == Partner.objects.count()


def test_an_administrator_sets_every_rule_of_the_fund_in_the_admin(client_for, generation):
    """docs/reglages.md: each setting of the fund's rules is a field of the generation's form."""
    page = client_for("admin").get(f"/admin/contracts/generation/{generation.pk}/change/")
    assert page.status_code == 200
    for field in [
        "fund_max_rate",
        "fund_ceiling_amount",
        "min_project_amount",
        "early_start_requires_authorisation",
        "advance_max_percent",
        "instalments_max_percent",
        "start_deadline_years",
        "start_extension_years",
        "completion_deadline_years",
        "lapse_warning_days",
    ]:
        assert f'name="{field}"' in page.content.decode(), field
