"""The access policy's decisions, its table in the documentation, and its partner scoping."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pacte.core import policy
from pacte.operations.models import Operation
from tests.operations.conftest import make_operation, signed_contract

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def lens(generation, users):
    return signed_contract(generation, "246200364", users["test-agent"])


@pytest.fixture
def arras(generation, users):
    return signed_contract(generation, "200033579", users["test-agent"])


def test_the_documentation_shows_the_policy_as_the_code_declares_it():
    text = DOCS.read_text()
    shown = re.search(r"<!-- politique:début -->\n(.*)<!-- politique:fin -->", text, re.S)
    assert shown, "docs/architecture.md a perdu ses marqueurs de la politique"
    assert shown.group(1) == policy.markdown(), (
        "La politique a changé : recopier `manage.py policy_table` dans docs/architecture.md"
    )


def test_every_rule_names_known_capabilities_and_every_kind_its_rules():
    for (kind, action), rule in policy.POLICY.items():
        assert kind in policy.KINDS, kind
        assert rule.capabilities and all(c in policy.CAPABILITIES for c in rule.capabilities)
        assert rule.description[:1].islower(), (kind, action)
    assert {kind for kind, _ in policy.POLICY} == set(policy.KINDS)


def test_a_partner_acts_on_its_own_objects_only(users, lens, arras):
    lens = make_operation(lens, users["test-partner"])
    arras = make_operation(arras, users["test-partner2"])
    partner = users["test-partner"]
    assert policy.decide(partner, "financing", "change", lens) == "allow"
    assert policy.decide(partner, "financing", "change", arras) == "hide"
    with pytest.raises(Http404):
        policy.require(partner, "financing", "change", arras)
    # The parent of an object about to be created decides as the object would.
    assert policy.decide(partner, "attachment", "create", lens) == "allow"
    assert policy.decide(partner, "attachment", "create", arras) == "hide"
    assert policy.decide(partner, "payment", "create", lens) == "allow"
    for role in ["elected", "finance", "assembly"]:
        with pytest.raises(PermissionDenied, match="Votre rôle ne permet pas"):
            policy.require(users[f"test-{role}"], "financing", "change", lens)
    policy.require(None, "financing", "change", arras)  # the system


def test_a_draft_is_seen_by_its_partner_and_author_only(users, lens):
    draft = make_operation(lens, users["test-partner"])
    assert draft.state == Operation.State.DRAFT
    everyone = Operation.objects.filter(pk=draft.pk)
    assert policy.scope(users["test-partner"], "operation", everyone).exists()
    for name in ["test-agent", "test-elected", "test-admin", "test-partner2"]:
        assert not policy.scope(users[name], "operation", everyone).exists(), name
        assert policy.decide(users[name], "operation", "read", draft) == "hide", name
    attachments = draft.attachments.all()
    assert not policy.scope(users["test-agent"], "attachment", attachments).exists()
    assert policy.scope(users["test-partner"], "attachment", attachments).count() == 2


def test_scope_refuses_a_role_that_may_not_read_the_kind_and_a_visitor(users):
    with pytest.raises(PermissionDenied):
        policy.scope(users["test-partner"], "sitting", Operation.objects.none())
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        policy.scope(AnonymousUser(), "operation", Operation.objects.all())
    assert policy.decide(AnonymousUser(), "deliberation", "read") == "allow"
    assert policy.decide(AnonymousUser(), "operation", "read") == "deny"


def test_an_inactive_user_may_do_nothing(users, lens):
    agent = users["test-agent"]
    agent.is_active = False
    operation = make_operation(lens, users["test-partner"])
    assert policy.decide(agent, "financing", "change", operation) == "deny"


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "finance", "elected", "partner"])
def test_only_who_administers_enters_the_admin(client_for, role):
    response = client_for(role).get("/admin/core/user/")
    if role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
