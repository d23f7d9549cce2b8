"""The referential is read by the Département's roles only, through the access policy: the same
answer on every page, the index included, and in the selectors other apps call."""

import pytest
from django.core.exceptions import PermissionDenied

from pacte.territory import selectors

pytestmark = pytest.mark.django_db

INTERNAL = ["admin", "agent", "assembly", "finance", "elected"]


@pytest.mark.parametrize("role", INTERNAL)
def test_the_index_leads_internal_roles_to_the_intercommunalites(client_for, role):
    response = client_for(role).get("/territoire/")
    assert response.status_code == 302
    assert response["Location"] == "/territoire/intercommunalites/"


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_the_index_is_refused_to_partners(client_for, role):
    assert client_for(role).get("/territoire/").status_code == 403


def test_the_index_sends_anonymous_visitors_to_login(client):
    response = client.get("/territoire/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=/territoire/")


@pytest.mark.parametrize(
    "url",
    [
        "/territoire/",
        "/territoire/intercommunalites/",
        "/territoire/communes/",
        "/territoire/elus/",
    ],
)
def test_referential_pages_answer_only_get(client_for, url):
    assert client_for("agent").post(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/territoire/intercommunalites/?format=csv",
        "/territoire/communes/?format=xlsx",
        "/territoire/elus/?format=csv",
    ],
)
def test_partners_export_nothing_of_the_referential(client_for, url):
    assert client_for("partner").get(url).status_code == 403


def test_selectors_refuse_a_partner_with_the_reason(users):
    partner = users["test-partner"]
    for read in [
        selectors.department_list,
        selectors.territory_list,
        selectors.epci_list,
        selectors.commune_list,
        selectors.canton_list,
        selectors.councillor_list,
        selectors.political_group_list,
    ]:
        with pytest.raises(PermissionDenied, match="réservé aux services du Département"):
            read(user=partner)
    assert selectors.territory_list(user=users["test-elected"]).exists()


def test_a_partners_page_does_not_link_to_the_referential(client_for, users):
    partner = users["test-partner"].partner
    html = client_for("partner").get(f"/partenaires/{partner.pk}/").content.decode()
    assert "Lens - Liévin" in html
    assert "/territoire/" not in html
    html = client_for("agent").get(f"/partenaires/{partner.pk}/").content.decode()
    assert f"/territoire/intercommunalites/{partner.epci.siren}/" in html
