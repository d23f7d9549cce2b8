"""The access policy on operations: who may write what (pages, API and services give the same
answer), a partner's drafts kept private, redirections kept on the site, bad input refused."""

import ast
import pathlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory

from pacte.core.models import AuditEvent
from pacte.core.redirects import safe_next
from pacte.core.services import api_token_create
from pacte.operations import selectors, services
from pacte.operations.models import Attachment, Expense, Message, Operation

from .conftest import GOOD_EXPENSES, GOOD_RESOURCES, PDF, make_operation, pdf

pytestmark = pytest.mark.django_db

READ_ONLY = ["assembly", "finance", "elected"]
INTERNAL = ["admin", "agent", *READ_ONLY]
HUGE = 2**70


def headers(users, role):
    _, raw = api_token_create(user=users[f"test-{role}"], name="politique")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def at_state(contract, users, state, title=None):
    """Lens' operation taken by the services to `state`."""
    partner, agent = users["test-partner"], users["test-agent"]
    operation = make_operation(contract, partner, title=title or f"Opération {state}")
    if state != "draft":
        services.operation_submit(actor=partner, operation=operation)
    if state in {"in_review", "awaiting_partner"}:
        services.operation_take_charge(actor=agent, operation=operation)
    if state == "awaiting_partner":
        services.operation_request_changes(actor=agent, operation=operation, reason="Précisez.")
    operation.refresh_from_db()
    assert operation.state == state
    return operation


def plan_post(label="Plan remplacé"):
    return {
        "depenses-TOTAL_FORMS": "1",
        "depenses-INITIAL_FORMS": "0",
        "depenses-MIN_NUM_FORMS": "0",
        "depenses-MAX_NUM_FORMS": "30",
        "depenses-0-label": label,
        "depenses-0-amount_excl_tax": "1000,00",
        "depenses-0-amount_incl_tax": "1200,00",
        "ressources-TOTAL_FORMS": "1",
        "ressources-INITIAL_FORMS": "0",
        "ressources-MIN_NUM_FORMS": "0",
        "ressources-MAX_NUM_FORMS": "30",
        "ressources-0-funder": "self",
        "ressources-0-amount": "1000",
        "ressources-0-status": "obtained",
    }


def plan_of(operation):
    return sorted(Expense.objects.filter(operation=operation).values_list("label", flat=True))


# --- The financing plan: only the partner and the Département's instructors change it ---------


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "awaiting_partner"])
@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_cannot_replace_a_financing_plan(client, users, lens_contract, state, role):
    operation = at_state(lens_contract, users, state)
    auth = headers(users, role)  # the token's creation is audited: before counting
    before, audits = plan_of(operation), AuditEvent.objects.count()
    client.force_login(users[f"test-{role}"])
    url = f"/operations/{operation.pk}/financement/"
    assert client.get(url).status_code == 403
    assert client.post(url, plan_post()).status_code == 403
    response = client.put(
        f"/api/operations/{operation.pk}/financement",
        {"expenses": GOOD_EXPENSES[:1], "resources": GOOD_RESOURCES[:1]},
        content_type="application/json",
        **auth,
    )
    # The API leaves the decision to the service; a draft the role cannot see is not found.
    assert response.status_code == (404 if state == "draft" else 403), response.content
    with pytest.raises(PermissionDenied):
        services.financing_plan_set(
            actor=users[f"test-{role}"], operation=operation, expenses=[], resources=[]
        )
    assert plan_of(operation) == before
    assert AuditEvent.objects.count() == audits


def test_the_partner_and_the_agent_still_change_the_plan(client_for, users, lens_contract):
    draft = at_state(lens_contract, users, "draft")
    assert client_for("partner").post(f"/operations/{draft.pk}/financement/", plan_post())
    assert plan_of(draft) == ["Plan remplacé"]
    submitted = at_state(lens_contract, users, "submitted")
    client_for("agent").post(f"/operations/{submitted.pk}/financement/", plan_post("Agent"))
    assert plan_of(submitted) == ["Agent"]


# --- Creating operations and attachments: the services refuse, whatever the door -------------


def operation_payload(contract, **extra):
    return {
        "contract_id": contract.pk,
        "title": "Projet intrus",
        "category": "services",
        "stake_ids": [contract.stakes.first().pk],
        "commune_codes": ["62510"],
    } | extra


@pytest.mark.parametrize("role", ["agent", "admin", *READ_ONLY])
def test_only_the_partner_creates_an_operation_through_the_api(client, users, lens_contract, role):
    auth = headers(users, role)
    audits = AuditEvent.objects.count()
    response = client.post(
        "/api/operations",
        operation_payload(lens_contract),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403, response.content
    with pytest.raises(PermissionDenied):
        services.operation_create(
            actor=users[f"test-{role}"], contract=lens_contract, title="Intrus", category="other"
        )
    assert not Operation.objects.exists()
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_cannot_attach_a_file(client, users, lens_contract, settings, role):
    operation = at_state(lens_contract, users, "submitted")
    auth = headers(users, role)
    count, audits = Attachment.objects.count(), AuditEvent.objects.count()
    files_before = sorted(p.name for p in pathlib.Path(settings.MEDIA_ROOT).rglob("*"))
    response = client.post(
        f"/api/operations/{operation.pk}/pieces",
        {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", PDF)},
        **auth,
    )
    assert response.status_code == 403, response.content
    client.force_login(users[f"test-{role}"])
    response = client.post(
        f"/operations/{operation.pk}/pieces/",
        {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=users[f"test-{role}"], operation=operation, kind="plan", upload=pdf()
        )
    assert Attachment.objects.count() == count
    assert AuditEvent.objects.count() == audits
    assert sorted(p.name for p in pathlib.Path(settings.MEDIA_ROOT).rglob("*")) == files_before


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_cannot_write_messages_or_commitments(client, users, lens_contract, role):
    operation = at_state(lens_contract, users, "submitted")
    response = client.post(
        f"/api/operations/{operation.pk}/messages",
        {"body": "Bonjour"},
        content_type="application/json",
        **headers(users, role),
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.message_post(actor=users[f"test-{role}"], operation=operation, body="Bonjour")
    with pytest.raises(PermissionDenied):
        services.commitment_add(
            actor=users[f"test-{role}"],
            contract=lens_contract,
            kind="insertion",
            description="Heures d'insertion",
        )
    assert not Message.objects.filter(body="Bonjour").exists()


# --- The creation page is the partner's -----------------------------------------------------


@pytest.mark.parametrize("role", INTERNAL)
def test_creation_page_is_refused_to_the_departement(client_for, lens_contract, role):
    client = client_for(role)
    assert client.get("/operations/nouvelle/").status_code == 403
    assert client.get(f"/operations/nouvelle/?contrat={lens_contract.pk}").status_code == 403
    response = client.post(
        "/operations/nouvelle/",
        {"contrat": lens_contract.pk, "title": "Intrus", "category": "other"},
    )
    assert response.status_code == 403
    assert not Operation.objects.exists()
    assert "Nouvelle opération" not in client.get("/operations/").content.decode()


def test_creation_page_for_the_partner(client_for, lens_contract, arras_contract):
    client = client_for("partner")
    assert "Nouvelle opération" in client.get("/operations/").content.decode()
    response = client.get("/operations/nouvelle/")
    assert response.status_code == 200 and response.context["contract"] == lens_contract
    # Another partner's contract, an unknown or absurd id: not found, nothing written.
    for contract in [arras_contract.pk, 999999, HUGE, "abc"]:
        assert client.get(f"/operations/nouvelle/?contrat={contract}").status_code == 404
        response = client.post(
            "/operations/nouvelle/", {"contrat": contract, "title": "Intrus", "category": "other"}
        )
        assert response.status_code == 404
    assert not Operation.objects.exists()


# --- Drafts are their partner's alone until submitted ---------------------------------------


@pytest.fixture
def private(lens_contract, users):
    """A draft, and an operation withdrawn before it was ever submitted; a submitted one."""
    draft = at_state(lens_contract, users, "draft", title="Brouillon secret")
    withdrawn = at_state(lens_contract, users, "draft", title="Retiré avant dépôt")
    services.operation_withdraw(actor=users["test-partner"], operation=withdrawn, reason="Non.")
    submitted = at_state(lens_contract, users, "submitted", title="Déposée et visible")
    return {"draft": draft, "withdrawn": withdrawn, "submitted": submitted}


def urls(operation):
    attachment = operation.attachments.first()
    return [
        f"/operations/{operation.pk}/",
        f"/operations/{operation.pk}/historique/",
        f"/operations/{operation.pk}/pieces/{attachment.pk}/",
    ]


@pytest.mark.parametrize("role", INTERNAL)
def test_drafts_are_invisible_to_the_departement(client, users, private, role):
    client.force_login(users[f"test-{role}"])
    auth = headers(users, role)
    hidden = [private["draft"], private["withdrawn"]]
    listing = client.get("/operations/?generation=")
    shown = {o.pk for o in listing.context["page"]}
    assert shown == {private["submitted"].pk}
    counts = dict((v, n) for v, _, n in listing.context["counts"])
    assert counts["draft"] == 0 and counts["withdrawn"] == 0 and counts["submitted"] == 1
    for fmt in ["csv", "xlsx"]:
        exported = client.get(f"/operations/?generation=&format={fmt}")
        assert exported.status_code == 200
    csv = client.get("/operations/?generation=&format=csv").content.decode("utf-8-sig")
    assert "Déposée et visible" in csv
    assert "Brouillon secret" not in csv and "Retiré avant dépôt" not in csv
    api_ids = [o["id"] for o in client.get("/api/operations", **auth).json()["items"]]
    assert api_ids == [private["submitted"].pk]
    for operation in hidden:
        for url in urls(operation):
            assert client.get(url).status_code == 404, url
        assert client.get(f"/api/operations/{operation.pk}", **auth).status_code == 404
        attachment = operation.attachments.first()
        url = f"/api/operations/{operation.pk}/pieces/{attachment.pk}"
        assert client.get(url, **auth).status_code == 404
    for url in urls(private["submitted"]):
        assert client.get(url).status_code == 200, url


def test_drafts_are_seen_by_their_partner_and_by_no_other(client, users, private, make_user):
    from pacte.core.roles import Role

    partner = users["test-partner"].partner
    colleague = make_user(username="collegue", role=Role.PARTNER, partner=partner)
    for user in [users["test-partner"], colleague]:
        client.force_login(user)
        listing = {o.pk for o in client.get("/operations/?generation=").context["page"]}
        assert listing == {o.pk for o in private.values()}
        for operation in private.values():
            for url in urls(operation):
                assert client.get(url).status_code == 200, url
    client.force_login(users["test-partner2"])
    assert not client.get("/operations/?generation=").context["page"].object_list
    for operation in private.values():
        for url in urls(operation):
            assert client.get(url).status_code == 404, url


def test_draft_becomes_visible_once_submitted(client_for, users, lens_contract):
    operation = at_state(lens_contract, users, "draft")
    client = client_for("finance")
    assert client.get(f"/operations/{operation.pk}/").status_code == 404
    services.operation_submit(actor=users["test-partner"], operation=operation)
    assert client.get(f"/operations/{operation.pk}/").status_code == 200
    # Withdrawn after its submission, it stays on the Département's record.
    services.operation_withdraw(actor=users["test-partner"], operation=operation, reason="Non.")
    assert client.get(f"/operations/{operation.pk}/").status_code == 200


def test_agents_cannot_act_on_a_draft(client_for, users, lens_contract):
    operation = at_state(lens_contract, users, "draft")
    agent = users["test-agent"]
    client = client_for("agent")
    assert client.post(f"/operations/{operation.pk}/messages/", {"body": "x"}).status_code == 404
    assert client.post(f"/operations/{operation.pk}/financement/", plan_post()).status_code == 404
    exported = client.post(
        "/operations/lot/", {"action": "export", "ids": [operation.pk]}, follow=True
    )
    # No empty file: the refusal is said.
    assert exported.redirect_chain == [("/operations/", 302)]
    page = exported.content.decode()
    assert operation.reference not in page
    assert "Aucune des opérations cochées n&#x27;est accessible à votre compte" in page
    with pytest.raises(Http404):
        services.message_post(actor=agent, operation=operation, body="x")
    assert not operation.messages.exists()


# --- Redirections stay on the site -------------------------------------------------------


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_batch_never_redirects_to_another_site(client_for, users, lens_contract, next_url):
    operation = at_state(lens_contract, users, "submitted")
    client = client_for("agent")
    for data in [
        {"action": "take_charge", "ids": [operation.pk], "next": next_url},
        {"action": "take_charge", "next": next_url},  # invalid: nothing ticked
        {"action": "assign", "ids": [operation.pk], "next": next_url},  # refused: no assignee
    ]:
        response = client.post("/operations/lot/", data)
        assert response.status_code == 302
        assert response["Location"] == "/operations/", (data, response["Location"])


def test_batch_goes_back_to_the_list_it_came_from(client_for, users, lens_contract):
    operation = at_state(lens_contract, users, "submitted")
    back = "/operations/?etat=submitted&tri=titre"
    response = client_for("agent").post(
        "/operations/lot/", {"action": "take_charge", "ids": [operation.pk], "next": back}
    )
    assert response["Location"] == back
    operation.refresh_from_db()
    assert operation.state == "in_review"


def test_safe_next():
    factory = RequestFactory()
    for raw, expected in [
        ("/operations/?page=2", "/operations/?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("http://testserver/operations/", "/"),
        ("", "/"),
    ]:
        assert safe_next(factory.post("/x/", {"next": raw}), "/") == expected, raw


# --- Roles are read through capabilities only ------------------------------------------------


def test_no_role_is_checked_in_the_operations_code():
    root = pathlib.Path(selectors.__file__).parent
    for name in ["views.py", "apis.py", "selectors.py", "services.py"]:
        source = (root / name).read_text()
        tree = ast.parse(source)
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert "Role" not in imported, name
        assert "role_required" not in imported and "login_required" not in imported, name
        assert ".role ==" not in source and ".role in" not in source, name
        assert "_check_partner_owns" not in source and "def _scope" not in source, name


def test_assignable_agents_are_the_instructors(users):
    agents = set(selectors.assignable_agents(user=users["test-agent"]))
    assert agents == {users["test-agent"], users["test-admin"]}
    assert not selectors.assignable_agents(user=users["test-partner"]).exists()
    assert not selectors.assignable_agents(user=users["test-elected"]).exists()


# --- Bad input: a clear 4xx, nothing written, nothing revealed ---------------------------------


def test_api_refuses_foreign_unknown_and_absurd_ids(client, users, lens_contract, arras_contract):
    partner = headers(users, "partner")
    for payload, status in [
        (operation_payload(lens_contract, contract_id=arras_contract.pk), 404),
        (operation_payload(lens_contract, contract_id=999999), 404),
        (operation_payload(lens_contract, contract_id=HUGE), 422),
        (operation_payload(lens_contract, stake_ids=[arras_contract.stakes.first().pk]), 422),
        (operation_payload(lens_contract, stake_ids=[HUGE]), 422),
        (operation_payload(lens_contract, commune_codes=["62041"]), 422),  # Arras, not Lens'
        (operation_payload(lens_contract, commune_codes=["99999"]), 422),
    ]:
        response = client.post(
            "/api/operations", payload, content_type="application/json", **partner
        )
        assert response.status_code == status, (payload, response.content)
        assert "Arras" not in response.content.decode()
    assert not Operation.objects.exists()


def test_ids_of_the_wrong_operation_or_out_of_range(client, client_for, users, lens_contract):
    first = at_state(lens_contract, users, "submitted", title="Première")
    second = at_state(lens_contract, users, "submitted", title="Seconde")
    other_attachment = second.attachments.first()
    auth = headers(users, "agent")
    client = client_for("agent")
    assert client.get(f"/operations/{first.pk}/pieces/{other_attachment.pk}/").status_code == 404
    url = f"/api/operations/{first.pk}/pieces/{other_attachment.pk}"
    assert client.get(url, **auth).status_code == 404
    for url in [
        f"/api/operations/{HUGE}",
        f"/api/operations/{2**63}",
        f"/api/operations/{first.pk}/pieces/{2**63}",
        f"/api/operations/{2**63}/pieces/{other_attachment.pk}",
    ]:
        assert client.get(url, **auth).status_code == 404, url
    response = client.put(
        f"/api/operations/{2**63}/financement",
        {"expenses": [], "resources": []},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 404
    assert client.get(f"/operations/{HUGE}/").status_code == 404
    assert client.get(f"/operations/?partenaire={HUGE}&instructeur={HUGE}").status_code == 200
    assert client.get(f"/api/operations?partenaire={2**63}", **auth).status_code == 200
    before = AuditEvent.objects.count()
    response = client.post("/operations/lot/", {"action": "take_charge", "ids": [HUGE, 2**63]})
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_absurd_amounts_are_refused(client, users, lens_contract):
    operation = at_state(lens_contract, users, "draft")
    before = plan_of(operation)
    for amount in ["1e30", "NaN", "Infinity", "10000000000000.00"]:
        expenses = [{"label": "Travaux", "amount_excl_tax": amount, "amount_incl_tax": amount}]
        response = client.put(
            f"/api/operations/{operation.pk}/financement",
            {"expenses": expenses, "resources": []},
            content_type="application/json",
            **headers(users, "partner"),
        )
        assert response.status_code == 422, (amount, response.content)
    assert plan_of(operation) == before


def test_another_partners_operation_is_not_found_on_writes(client, users, arras_contract):
    other = make_operation(arras_contract, users["test-partner2"], title="Projet d'Arras")
    auth = headers(users, "partner")
    for method, url, body in [
        ("put", f"/api/operations/{other.pk}/financement", {"expenses": [], "resources": []}),
        ("post", f"/api/operations/{other.pk}/messages", {"body": "x"}),
        ("post", f"/api/operations/{other.pk}/etapes/submit", {}),
    ]:
        response = getattr(client, method)(url, body, content_type="application/json", **auth)
        assert response.status_code == 404, url
        assert "Arras" not in response.content.decode()
    response = client.post(
        f"/api/operations/{other.pk}/pieces",
        {"kind": "plan", "file": SimpleUploadedFile("plan.pdf", PDF)},
        **auth,
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == "draft" and not other.messages.exists()
    assert other.attachments.count() == 2


def test_commitment_evidence_of_another_operation_is_refused(client_for, users, lens_contract):
    first = at_state(lens_contract, users, "submitted", title="Première")
    second = at_state(lens_contract, users, "submitted", title="Seconde")
    commitment = services.commitment_add(
        actor=users["test-agent"],
        contract=lens_contract,
        operation=first,
        kind="insertion",
        description="Heures d'insertion",
    )
    response = client_for("partner").post(
        f"/operations/engagements/{commitment.pk}/",
        {
            "action": "report",
            "achieved": "10",
            "evidence": [second.attachments.first().pk, HUGE],
        },
    )
    assert response.status_code == 200  # the form again, with its error
    commitment.refresh_from_db()
    assert commitment.state == "planned" and not commitment.evidence.exists()


def test_pages_refuse_absurd_ids_in_forms(client_for, users, lens_contract, arras_contract):
    client = client_for("partner")
    for stakes in [[HUGE], [arras_contract.stakes.first().pk]]:
        response = client.post(
            "/operations/nouvelle/",
            {"title": "Intrus", "category": "other", "stakes": stakes, "communes": [HUGE]},
        )
        assert response.status_code == 400 and response.context["form"].errors
    assert not Operation.objects.exists()
    operation = at_state(lens_contract, users, "submitted")
    agent = client_for("agent")
    response = agent.post(
        "/operations/lot/", {"action": "assign", "ids": [operation.pk], "assignee": HUGE}
    )
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.assigned_to is None
