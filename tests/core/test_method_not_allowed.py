"""An address that only takes a form, opened as a link, answers 405 in French."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_form_address_opened_as_a_link_says_where_the_action_is_done(client_for):
    client = client_for("agent")
    for address in (
        "/notifications/1/lue/",
        "/notifications/toutes-lues/",
        "/compte/notifications/",
    ):
        response = client.get(address)
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        page = response.content.decode()
        assert "<h1>Action à faire depuis sa page</h1>" in page
        assert "utilisez son bouton" in page
