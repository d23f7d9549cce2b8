import pytest

from pacte.oidc import protocol

from . import provider_process
from .rogue import RogueProvider


@pytest.fixture(autouse=True)
def _fresh_provider_metadata():
    """Each test reads its providers' metadata and keys afresh."""
    protocol.forget_cached()
    yield
    protocol.forget_cached()


@pytest.fixture(scope="session")
def dot(tmp_path_factory):
    """django-oauth-toolkit as a real OpenID Connect provider, in its own process."""
    provider = provider_process.start(
        tmp_path_factory.mktemp("oidc-provider"),
        redirect_bases=["http://testserver"],
        partner_siret="24620036400013",  # CA de Lens - Liévin's SIREN, one of its sites
    )
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def rogue_server():
    provider = RogueProvider()
    yield provider
    provider.close()


@pytest.fixture
def rogue(rogue_server):
    rogue_server.reset()
    yield rogue_server
    rogue_server.reset()
