"""A partner user sees its own organisation, and nothing of the referential or of others."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

OWN_PARTNER = "Communauté d'agglomération de Lens - Liévin"


@pytest.fixture
def other_partner_pk(django_db_blocker):
    """The CU d'Arras, partner of `test-partner2`, not of `test-partner`."""
    from pacte.contracts.models import Partner

    with django_db_blocker.unblock():
        return Partner.objects.get(siren="200033579").pk


def test_partner_user_lands_on_what_waits_then_its_organisation_and_is_kept_out_of_the_rest(
    page, login, other_partner_pk
):
    login("partner")
    expect(page.get_by_role("heading", level=2, name="À traiter")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Mon organisation").click()
    expect(page).to_have_url(re.compile(r"/partenaires/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(OWN_PARTNER)
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("link", name="Mon organisation")).to_have_attribute(
        "aria-current", "page"
    )
    expect(nav.get_by_role("link", name="Intercommunalités")).to_have_count(0)
    assert_no_axe_violations(page)

    # The territorial referential is the Département's: refused.
    response = page.goto("/territoire/intercommunalites/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")

    # Another partner's page: not found, as if it did not exist.
    response = page.goto(f"/partenaires/{other_partner_pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.get_by_text("Communauté urbaine d'Arras")).to_have_count(0)

    # The administration: the admin's login page (or a refusal), never its index.
    response = page.goto("/admin/")
    assert response.status == 403 or re.search(r"/admin/login/", page.url), page.url
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Utilisateurs")).to_have_count(0)
