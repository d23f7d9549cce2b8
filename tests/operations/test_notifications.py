"""Each step of an operation notifies whom it concerns — in their list and by mail, with a
subject naming the operation, the question or decision quoted and an absolute link — and
« Suivre ce dossier » adds a user of the Département to those told."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from pacte.core.french import format_money
from pacte.core.models import Notification, OutgoingMail, User
from pacte.core.roles import Role
from pacte.operations import services
from pacte.operations.models import Follow
from tests.finance.conftest import open_fund, voted_operation

from .conftest import make_operation

pytestmark = pytest.mark.django_db
SITE = "https://pacte.exemple.fr"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.PACTE_SITE_URL = SITE


def _mail(kind, to=None):
    """The one mail of `kind` queued (for `to`): each recipient gets his own."""
    sent = OutgoingMail.objects.filter(kind=kind)
    [one] = [m for m in sent if to is None or m.recipients == [to]]
    return one


def _told(kind):
    rows = Notification.objects.filter(kind=kind)
    return sorted(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def fund(generation, users):
    return open_fund(generation, users["test-finance"])


@pytest.fixture
def other_agent(db):
    return User.objects.create(username="agent-bis", role=Role.AGENT, email="bis@exemple.fr")


def test_a_deposit_tells_every_agent_while_nobody_instructs_it(lens_contract, users, other_agent):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    # The agents (not the administrator, not the partner who filed it).
    assert _told("operation_submitted") == ["agent-bis", "test-agent"]
    # Each agent his own mail: neither learns the other's address.
    assert sorted(
        m.recipients for m in OutgoingMail.objects.filter(kind="operation_submitted")
    ) == [
        ["bis@exemple.fr"],
        ["test-agent@exemple.fr"],
    ]
    sent = _mail("operation_submitted", "test-agent@exemple.fr")
    assert sent.subject == f"[Pacte] {operation.reference} — Opération déposée"
    assert f"{SITE}/operations/{operation.pk}/" in sent.body
    assert "Communauté d'agglomération de Lens - Liévin a déposé" in sent.body
    assert "prenez-la en charge" in sent.body
    row = Notification.objects.get(recipient=other_agent)
    assert (row.reference, row.url, row.read_at) == (
        operation.reference,
        f"/operations/{operation.pk}/",
        None,
    )


def test_the_question_goes_to_the_partner_and_the_answer_to_the_instructor(
    lens_contract, users, other_agent
):
    agent, partner = users["test-agent"], users["test-partner"]
    operation = make_operation(lens_contract, partner)
    services.operation_submit(actor=partner, operation=operation)
    services.operation_take_charge(actor=agent, operation=operation)
    services.operation_request_changes(
        actor=agent, operation=operation, reason="Joignez la délibération du conseil."
    )
    assert _told("information_request") == ["test-partner"]
    sent = _mail("information_request")
    assert sent.subject == f"[Pacte] {operation.reference} — Demande de compléments"
    assert "Joignez la délibération du conseil." in sent.body
    assert f"{SITE}/operations/{operation.pk}/#demande" in sent.body
    assert Notification.objects.get(kind="information_request").text == (
        "Joignez la délibération du conseil."
    )
    services.operation_answer(actor=partner, operation=operation, body="La voici, jointe.")
    # The instructor only (another agent is not told once the file has its instructor), and
    # one notification for the answer (not another for its message).
    assert _told("answer_received") == ["test-agent"]
    assert not Notification.objects.filter(kind="message").exists()
    sent = _mail("answer_received")
    assert sent.subject == f"[Pacte] {operation.reference} — Réponse du partenaire"
    assert "La voici, jointe." in sent.body


def test_a_message_tells_the_other_side_and_the_followers(lens_contract, users, other_agent):
    agent, partner = users["test-agent"], users["test-partner"]
    operation = make_operation(lens_contract, partner)
    services.operation_submit(actor=partner, operation=operation)
    services.operation_take_charge(actor=agent, operation=operation)
    services.operation_follow(actor=users["test-finance"], operation=operation)
    services.message_post(actor=partner, operation=operation, body="Le chantier avance.")
    assert _told("message") == ["test-agent", "test-finance"]
    services.message_post(actor=agent, operation=operation, body="Merci.")
    assert _told("message") == ["test-agent", "test-finance", "test-partner"]
    partner_mail = OutgoingMail.objects.filter(kind="message").order_by("pk").last()
    assert partner_mail.recipients == ["test-partner@exemple.fr"]
    assert "Merci." in partner_mail.body


def test_an_account_moved_to_a_partner_is_no_longer_told_of_the_files_it_followed(
    lens_contract, users, other_agent
):
    """An agent who instructed and followed files, whose account is then given to a partner
    (its role and organisation changed on the administration), hears no more of them: another
    partner's messages, decisions and payments are not his to read."""
    partner = users["test-partner"]
    operation = make_operation(lens_contract, partner)
    services.operation_submit(actor=partner, operation=operation)
    services.operation_take_charge(actor=other_agent, operation=operation)
    services.operation_follow(actor=users["test-agent"], operation=operation)
    partner2 = users["test-partner2"]
    for moved in (other_agent, users["test-agent"]):
        moved.role, moved.partner_id = Role.PARTNER, partner2.partner_id
        moved.save(update_fields=["role", "partner"])
    services.message_post(actor=partner, operation=operation, body="Le devis secret.")
    assert _told("message") == []
    assert not OutgoingMail.objects.filter(kind="message").exists()


def test_the_vote_tells_the_partner_and_the_instructor_the_decision(lens_contract, users, fund):
    operation, _ = voted_operation(lens_contract, users, sign=False, amount="135000.00")
    assert _told("operation_decided") == ["test-agent", "test-partner"]
    sent = _mail("operation_decided", "test-partner@exemple.fr")
    assert sent.subject == f"[Pacte] {operation.reference} — Subvention votée"
    amount = format_money(Decimal("135000.00"))
    assert f"Une subvention de {amount} est votée le 25/03/2024" in sent.body
    assert "délibération n° 2024-310" in sent.body
    assert f"{SITE}/operations/{operation.pk}/" in sent.body


def test_following_a_file(lens_contract, users, client_for):
    partner = users["test-partner"]
    operation = make_operation(lens_contract, partner)
    services.operation_submit(actor=partner, operation=operation)
    client = client_for("assembly")
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Suivre ce dossier</button>" in page
    assert client.post(f"/operations/{operation.pk}/suivre/").status_code == 302
    assert client.post(f"/operations/{operation.pk}/suivre/").status_code == 302  # no twice
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert f"Vous suiviez déjà le dossier {operation.reference}." in page
    assert Follow.objects.filter(operation=operation).count() == 1
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Vous suivez ce dossier" in page and "Ne plus suivre ce dossier" in page
    # The follower is told of the Département's side of the file.
    services.message_post(actor=partner, operation=operation, body="Une question.")
    assert "test-assembly" in _told("message")
    assert client.post(f"/operations/{operation.pk}/ne-plus-suivre/").status_code == 302
    assert not Follow.objects.exists()
    services.message_post(actor=partner, operation=operation, body="Une autre.")
    assert _told("message").count("test-assembly") == 1


def test_a_partner_or_an_elected_member_does_not_follow(lens_contract, users, client_for):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    for role in ("partner", "elected"):
        client = client_for(role)
        page = client.get(f"/operations/{operation.pk}/").content.decode()
        assert "Suivre ce dossier" not in page
        response = client.post(f"/operations/{operation.pk}/suivre/")
        assert response.status_code == 403
        assert "Votre rôle ne permet pas de suivre un dossier" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.operation_follow(actor=users["test-partner"], operation=operation)
    assert not Follow.objects.exists()
    # Another's operation, or one that does not exist: not found.
    client = client_for("agent")
    assert client.post("/operations/987654321098/suivre/").status_code == 404


def test_a_draft_is_followed_by_no_one(lens_contract, users, client_for):
    draft = make_operation(lens_contract, users["test-partner"])
    assert client_for("agent").post(f"/operations/{draft.pk}/suivre/").status_code == 404
    assert not Follow.objects.exists()


def test_the_notifications_list_links_to_the_operation(lens_contract, users, client_for):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    page = client_for("agent").get("/notifications/").content.decode()
    assert f'<a href="/operations/{operation.pk}/">Opération déposée</a>' in page
    assert operation.reference in page and "Non lue" in page


def test_amounts_are_decimal_in_the_quoted_decision(lens_contract, users, fund):
    operation, commitment = voted_operation(lens_contract, users, amount="250000.50")
    assert commitment.amount == Decimal("250000.50")
    row = Notification.objects.get(kind="operation_decided", recipient=users["test-partner"])
    assert row.text.startswith("Une subvention de 250\u202f000,50\xa0€")
