"""Permission matrix: every role against every operation-related object, through the pages,
the API and file downloads. Lens' operation belongs to test-partner; test-partner2 is Arras.
The operation is submitted: a draft is its partner's alone (see test_policy)."""

import pytest

from pacte.core.services import api_token_create
from pacte.operations import services

from .conftest import make_operation

pytestmark = pytest.mark.django_db

ROLES = ["admin", "agent", "assembly", "finance", "elected", "partner", "partner2"]
# What each role may read (True) on Lens' operation; partner2 gets 404 everywhere.
READ = {role: role != "partner2" for role in ROLES}
# The financing plan's page is a form: only those who may change the plan open it.
PLAN = {"assembly": 403, "finance": 403, "elected": 403, "partner2": 404}


@pytest.fixture
def objects(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    services.operation_submit(actor=users["test-partner"], operation=operation)
    services.message_post(actor=users["test-partner"], operation=operation, body="Bonjour")
    commitment = services.commitment_add(
        actor=users["test-agent"],
        contract=lens_contract,
        operation=operation,
        kind="placements",
        description="Accueillir des stagiaires de 3e",
        target="4",
        unit="élèves",
    )
    return {
        "operation": operation,
        "attachment": operation.attachments.first(),
        "commitment": commitment,
    }


def page_urls(o):
    op, att, com = o["operation"], o["attachment"], o["commitment"]
    return {
        "operation": f"/operations/{op.pk}/",
        "history": f"/operations/{op.pk}/historique/",
        "plan": f"/operations/{op.pk}/financement/",
        "attachment": f"/operations/{op.pk}/pieces/{att.pk}/",
        "commitment": f"/operations/engagements/{com.pk}/",
    }


def api_urls(o):
    op, att = o["operation"], o["attachment"]
    return {
        "operation": f"/api/operations/{op.pk}",
        "attachment": f"/api/operations/{op.pk}/pieces/{att.pk}",
    }


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_downloads_matrix(client_for, objects, role):
    client = client_for(role)
    for name, url in page_urls(objects).items():
        status = client.get(url).status_code
        expected = PLAN.get(role, 200) if name == "plan" else 200 if READ[role] else 404
        assert status == expected, (role, name, status)


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(client, users, objects, role):
    _, raw = api_token_create(user=users[f"test-{role}"], name="matrice")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for name, url in api_urls(objects).items():
        status = client.get(url, **headers).status_code
        assert status == (200 if READ[role] else 404), (role, name, status)
    listing = client.get("/api/operations", **headers).json()
    ids = [o["id"] for o in listing["items"]]
    assert (objects["operation"].pk in ids) == READ[role]


@pytest.mark.parametrize("role", ["assembly", "finance", "elected", "partner2"])
def test_writes_refused_to_roles_without_the_right(client_for, objects, role):
    client = client_for(role)
    op = objects["operation"]
    expected = 404 if role == "partner2" else 403
    assert client.post(f"/operations/{op.pk}/messages/", {"body": "x"}).status_code in (
        expected,
        302,
    )
    assert not op.messages.filter(body="x").exists()
    response = client.post(f"/operations/{op.pk}/etapes/withdraw/", {"reason": "x"})
    assert response.status_code in (expected, 302)
    op.refresh_from_db()
    assert op.state == "submitted"
    assert client.post(f"/operations/{op.pk}/fiche/", {}).status_code in (403, 404)


def test_partner_cannot_see_another_partners_operation_in_lists_or_exports(
    client_for, objects, arras_contract, users
):
    other = make_operation(arras_contract, users["test-partner2"], title="Projet d'Arras")
    client = client_for("partner")
    listing = client.get("/operations/").context["page"].object_list
    assert [o.pk for o in listing] == [objects["operation"].pk]
    exported = client.get("/operations/?format=csv").content.decode("utf-8-sig")
    assert "Véloroute du canal" in exported and "Projet d'Arras" not in exported
    assert client.get(f"/operations/{other.pk}/").status_code == 404
    assert (
        client.get(f"/operations/{other.pk}/pieces/{other.attachments.first().pk}/").status_code
        == 404
    )
