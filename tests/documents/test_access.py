"""The access policy on documents: downloads, signature, verification and batches give the same
answer as the services; another partner's or another operation's document is not found; a
refused write writes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pacte.core.models import AuditEvent
from pacte.documents import selectors, services
from pacte.documents.models import Document, DocumentBatch, SignatureStep
from pacte.operations.models import Operation
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db

HUGE = "999999999999999999"


@pytest.fixture
def voted(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    return Operation.objects.get(pk=operation.pk)


@pytest.fixture
def agreement(voted, users):
    return services.agreement_generate(actor=users["test-agent"], operation=voted)


def writes():
    return (
        Document.objects.count(),
        list(Document.objects.values_list("pk", "frozen")),
        list(SignatureStep.objects.values_list("pk", "signed_at")),
        DocumentBatch.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_partner_downloads_only_its_own_operations_documents(client_for, agreement, voted):
    url = f"/documents/{voted.pk}/{agreement.pk}/"
    response = client_for("partner").get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    for role in ["agent", "finance", "elected", "assembly"]:
        assert client_for(role).get(url).status_code == 200
    assert client_for("partner2").get(url).status_code == 404
    assert client_for("partner2").get(f"{url}verifier/").status_code == 404


def test_a_document_is_found_only_under_its_own_operation(
    client_for, agreement, voted, lens_contract, users
):
    other, _ = voted_operation(lens_contract, users, sign=False, title="Autre opération")
    client = client_for("agent")
    for url in [
        f"/documents/{other.pk}/{agreement.pk}/",
        f"/documents/{other.pk}/{agreement.pk}/verifier/",
        f"/documents/{voted.pk}/{HUGE}/",
        f"/documents/{HUGE}/{agreement.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    before = writes()
    for action in ["signature", "signer"]:
        response = client.post(f"/documents/{other.pk}/{agreement.pk}/{action}/")
        assert response.status_code == 404
    assert writes() == before


def test_a_document_of_no_operation_is_not_served_under_an_operation(client_for, agreement, voted):
    from pacte.documents.services import document_store

    minutes = document_store(
        actor=None,
        operation=None,
        kind=Document.Kind.AGREEMENT,
        template="docx.py",
        data={"reference": "2024-999"},
        content=b"%PDF-1.4 test",
    )
    assert client_for("agent").get(f"/documents/{voted.pk}/{minutes.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["finance", "elected", "assembly", "partner"])
def test_roles_that_do_not_instruct_neither_generate_nor_open_the_signature(
    client_for, agreement, voted, role
):
    client = client_for(role)
    before = writes()
    for kind in ["sheet", "agreement", "agreement_docx"]:
        assert client.post(f"/documents/{voted.pk}/generer/{kind}/").status_code == 403
    response = client.post(f"/documents/{voted.pk}/{agreement.pk}/signature/")
    assert response.status_code == 403
    assert writes() == before


def test_bad_generation_requests_are_refused(client_for, voted):
    client = client_for("agent")
    before = writes()
    assert client.post(f"/documents/{voted.pk}/generer/deliberation/").status_code == 404
    assert client.post(f"/documents/{HUGE}/generer/sheet/").status_code == 404
    assert client.get(f"/documents/{voted.pk}/generer/sheet/").status_code == 405
    assert writes() == before


def test_each_side_signs_its_own_step_only(client_for, agreement, voted, users):
    services.signing_start(
        actor=users["test-agent"], document=agreement, order=["department", "partner"]
    )
    sign = f"/documents/{voted.pk}/{agreement.pk}/signer/"
    before = writes()
    # The Département's turn: the partner may not sign it, another partner does not see it, the
    # roles that do not instruct may not sign at all.
    with pytest.raises(PermissionDenied, match="tour du Département"):
        services.document_sign(actor=users["test-partner"], document=agreement)
    assert client_for("partner").post(sign).status_code == 403
    with pytest.raises(Http404):
        services.document_sign(actor=users["test-partner2"], document=agreement)
    assert client_for("partner2").post(sign).status_code == 404
    for role in ["finance", "elected", "assembly"]:
        with pytest.raises(PermissionDenied):
            services.document_sign(actor=users[f"test-{role}"], document=agreement)
        assert client_for(role).post(sign).status_code == 403
    # The signer sees the document and who signs, and confirms.
    page = client_for("agent").get(sign)
    assert page.status_code == 200
    assert "J'ai lu la convention et je la signe" in page.content.decode()
    assert client_for("agent").post(sign).status_code == 302  # not confirmed
    assert writes() == before
    assert client_for("agent").post(sign, {"confirm": "1"}).status_code == 302
    # The partner's turn: the agent may not sign in its place.
    before = writes()
    with pytest.raises(PermissionDenied, match="tour du partenaire"):
        services.document_sign(actor=users["test-admin"], document=agreement)
    assert writes() == before
    services.document_sign(actor=users["test-partner"], document=agreement)
    assert Operation.objects.get(pk=voted.pk).state == "agreement_signed"


def test_the_document_list_tells_who_may_sign_now(agreement, voted, users):
    def flags(username):
        (document,) = selectors.document_list(user=users[username], operation=voted)
        return document.can_prepare_signature, document.can_sign

    assert flags("test-agent") == (True, False)
    assert flags("test-partner") == (False, False)
    services.signing_start(
        actor=users["test-agent"], document=agreement, order=["department", "partner"]
    )
    assert flags("test-agent") == (False, True)
    assert flags("test-partner") == (False, False)
    assert flags("test-elected") == (False, False)
    services.document_sign(actor=users["test-agent"], document=agreement)
    assert flags("test-agent") == (False, False)
    assert flags("test-partner") == (False, True)
    assert selectors.document_list(user=users["test-partner2"], operation=voted) == []


def test_batches_are_the_departments(client_for, voted, users):
    batch = services.batch_start(
        actor=users["test-agent"], kind="agreement", operations=[voted], label="Lot"
    )
    page = f"/documents/lots/{batch.pk}/"
    for role in ["agent", "finance", "elected", "assembly"]:
        assert client_for(role).get(page).status_code == 200
    for role in ["partner", "partner2"]:
        assert client_for(role).get(page).status_code == 403
        assert client_for(role).get(f"{page}archive/").status_code == 403
    client = client_for("agent")
    assert client.get(f"{page}archive/").status_code == 404  # not built yet
    assert client.get(f"/documents/lots/{HUGE}/").status_code == 404
    assert client.get(f"/documents/lots/{HUGE}/archive/").status_code == 404
    with pytest.raises(Http404):
        selectors.batch_get(user=users["test-agent"], pk=10**19)
    before = writes()
    for role in ["finance", "elected", "partner"]:
        with pytest.raises(PermissionDenied):
            services.batch_start(
                actor=users[f"test-{role}"], kind="agreement", operations=[voted], label="Lot"
            )
    assert writes() == before


def test_a_batch_whose_requester_is_gone_is_finished_by_the_system(voted, users):
    from pacte.documents.tasks import generate_batch

    batch = services.batch_start(
        actor=users["test-agent"], kind="sheet", operations=[voted], label="Lot"
    )
    DocumentBatch.objects.filter(pk=batch.pk).update(requested_by=None)
    generate_batch.call(batch.pk)
    document = Document.objects.get(operation=voted, kind="sheet")
    assert document.generated_by is None  # not an administrator picked at random


def test_anonymous_visitors_are_sent_to_the_login_page(client, agreement, voted):
    for url in [
        f"/documents/{voted.pk}/{agreement.pk}/",
        f"/documents/{voted.pk}/{agreement.pk}/verifier/",
        "/documents/lots/1/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    before = writes()
    response = client.post(f"/documents/{voted.pk}/generer/sheet/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert writes() == before
