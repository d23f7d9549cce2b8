"""A convention awaiting a signature tells the side whose turn it is; once signed by both, the
partner and the Département are told."""

import pytest

from pacte.core.models import Notification, OutgoingMail
from pacte.documents import services
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db
SITE = "https://pacte.exemple.fr"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.PACTE_SITE_URL = SITE


@pytest.fixture
def voted(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    return operation


def _told(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_each_signature_is_asked_of_its_side_then_the_signed_convention_told_to_both(voted, users):
    agent, partner = users["test-agent"], users["test-partner"]
    document = services.agreement_generate(actor=agent, operation=voted)
    services.signing_start(actor=agent, document=document, order=["partner", "department"])
    assert _told("agreement_to_sign") == ["test-partner"]
    sent = OutgoingMail.objects.get(kind="agreement_to_sign")
    assert sent.subject == f"[Pacte] {voted.reference} — Convention à signer par le partenaire"
    assert f"{SITE}/operations/{voted.pk}/#documents" in sent.body
    assert "signature 1 sur 2" in sent.body
    services.document_sign(actor=partner, document=document)
    # The Département's turn: its signatory (the agent holds a delegation), who instructs it.
    assert _told("agreement_to_sign") == ["test-agent", "test-partner"]
    asked = OutgoingMail.objects.filter(kind="agreement_to_sign").order_by("pk").last()
    assert asked.subject == f"[Pacte] {voted.reference} — Convention à signer par le Département"
    services.document_sign(actor=agent, document=document)
    assert _told("agreement_signed") == ["test-partner"]  # the agent signed it himself
    sent = OutgoingMail.objects.get(kind="agreement_signed")
    assert sent.subject == f"[Pacte] {voted.reference} — Convention signée par les deux parties"
    assert "Le partenaire :" in sent.body and "Le Département :" in sent.body
