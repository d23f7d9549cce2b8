"""« Suivre ce dossier », on the operation's page of an agent, stands apart from the panel that
follows it (the checklist of what is missing): its button touched the panel's edge."""

import pytest
from playwright.sync_api import expect

from tests.e2e import operation_data as data

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def under_review(django_db_setup, django_db_blocker, tmp_path_factory):
    from pacte.operations import services

    with data.media_root(tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        partner = data.user("test-partner")
        contract = data.signed_contract_of(data.LENS_LIEVIN_SIREN)
        operation = data.submitted_operation(contract, partner, "Halle de Loison-sous-Lens")
        services.operation_take_charge(actor=data.user("test-agent"), operation=operation)
        return operation.pk


@pytest.mark.parametrize("width", [1280, 390])
def test_the_follow_button_stands_apart_from_the_next_panel(page, login, under_review, width):
    page.set_viewport_size({"width": width, "height": 900})
    login("agent")
    page.goto(f"/operations/{under_review}/")
    button = page.get_by_role("button", name="Suivre ce dossier")
    expect(button).to_be_visible()
    below = page.locator(".follow-box + *")
    gap = below.bounding_box()["y"] - (button.bounding_box()["y"] + button.bounding_box()["height"])
    assert gap >= 8, f"{gap} px entre le bouton et le bloc qui suit"
