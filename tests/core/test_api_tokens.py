"""API tokens: a scope (read, or read and write), an expiry date, the last use, revocation; the
« Mon compte » page, the command, and what the API answers for each."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import timezone

from pacte.core.french import format_date
from pacte.core.models import ApiToken
from pacte.core.services import api_token_create, api_token_revoke
from pacte.operations.models import Message
from tests.operations.conftest import GOOD_EXPENSES, GOOD_RESOURCES, make_operation, signed_contract

pytestmark = pytest.mark.django_db

READ, READ_WRITE = ApiToken.Scope.READ, ApiToken.Scope.READ_WRITE


def today():
    return timezone.localdate()


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_for(users, role, scope=READ, **kwargs):
    return api_token_create(user=users[f"test-{role}"], name="essai", scope=scope, **kwargs)


@pytest.fixture
def draft(generation, users):
    """A draft operation of CA de Lens-Liévin (test-partner's organisation), no files."""
    contract = signed_contract(generation, "246200364", users["test-agent"])
    return make_operation(contract, users["test-partner"], complete=False)


def message_count(operation):
    return Message.objects.filter(operation=operation).count()


# --- « Mon compte » --------------------------------------------------------------------------


def test_account_page_creates_a_read_token_valid_one_year_by_default(client_for, users):
    client = client_for("agent")
    page = client.get("/compte/").content.decode()
    default = today() + datetime.timedelta(days=365)
    assert f'value="{default.isoformat()}"' in page and format_date(default) in page
    response = client.post(
        "/compte/jetons/",
        {"name": "Tableur", "scope": "read", "expires_on": default.isoformat()},
        follow=True,
    )
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=users["test-agent"], name="Tableur")
    assert token.scope == READ
    assert timezone.localtime(token.expires_at).date() == default
    assert "no-store" in response["Cache-Control"]


def test_account_page_creates_a_read_write_token_with_a_shorter_expiry(client_for, users):
    soon = today() + datetime.timedelta(days=30)
    response = client_for("partner").post(
        "/compte/jetons/",
        {"name": "Logiciel", "scope": "read_write", "expires_on": soon.isoformat()},
        follow=True,
    )
    assert response.status_code == 200 and response.context["new_token"]
    token = ApiToken.objects.get(user=users["test-partner"], name="Logiciel")
    assert token.scope == READ_WRITE
    assert timezone.localtime(token.expires_at).date() == soon
    assert token.expires_at > timezone.now()


def test_account_page_accepts_up_to_two_years_and_refuses_more_or_the_past(client_for, users):
    client = client_for("agent")
    latest = today() + datetime.timedelta(days=730)
    client.post(
        "/compte/jetons/", {"name": "Long", "scope": "read", "expires_on": latest.isoformat()}
    )
    assert ApiToken.objects.filter(user=users["test-agent"], name="Long").exists()
    too_late = client.post(
        "/compte/jetons/",
        {"name": "Trop long", "scope": "read", "expires_on": (latest + datetime.timedelta(1))},
    )
    assert "au plus deux ans" in too_late.content.decode()
    past = client.post(
        "/compte/jetons/",
        {"name": "Passé", "scope": "read", "expires_on": today() - datetime.timedelta(1)},
    )
    assert "ne peut pas être dans le passé" in past.content.decode()
    unknown_scope = client.post(
        "/compte/jetons/", {"name": "Admin", "scope": "admin", "expires_on": latest}
    )
    assert "lecture et écriture" in unknown_scope.content.decode()
    assert not ApiToken.objects.filter(name__in=["Trop long", "Passé", "Admin"]).exists()
    assert "new_token" not in too_late.context


def test_account_page_shows_scope_expiry_last_use_and_state(client_for, users):
    agent = users["test-agent"]
    reader, _ = api_token_create(user=agent, name="Lecteur", scope=READ)
    writer, _ = api_token_create(
        user=agent, name="Écrivain", scope=READ_WRITE, expires_on=today() + datetime.timedelta(9)
    )
    old, _ = api_token_create(user=agent, name="Ancien", scope=READ)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    ApiToken.objects.filter(pk=reader.pk).update(last_used_at=timezone.now())
    revoked, _ = api_token_create(user=agent, name="Révoqué", scope=READ)
    api_token_revoke(token=revoked, actor=agent)
    theirs, _ = api_token_create(user=users["test-finance"], name="Celui des finances")

    response = client_for("agent").get("/compte/")
    page = response.content.decode()
    rows = {row.split("</th>")[0]: row for row in page.split('<th scope="row">')[1:]}
    assert "lecture" in rows["Lecteur"] and format_date(today()) in rows["Lecteur"]
    assert "jamais" not in rows["Lecteur"]
    assert "lecture et écriture" in rows["Écrivain"]
    assert format_date(today() + datetime.timedelta(9)) in rows["Écrivain"]
    assert "jamais" in rows["Écrivain"]
    assert "(expiré)" in rows["Ancien"] and "(expiré)" not in rows["Écrivain"]
    assert "révoqué le" in rows["Révoqué"] and "Révoquer" not in rows["Révoqué"]
    assert "Celui des finances" not in page and theirs.prefix not in page
    assert writer.prefix in page


def test_account_page_needs_a_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]
    assert client.post("/compte/jetons/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.filter(name="x").exists()


def test_owner_revokes_its_token_and_nobody_else_can(client_for, users):
    token, _ = token_for(users, "partner")
    other = client_for("partner2").post(f"/compte/jetons/{token.pk}/revoquer/")
    assert other.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client_for("partner").post(f"/compte/jetons/{token.pk}/revoquer/", follow=True)
    assert "est révoqué" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_account_pages_answer_only_their_methods(client_for, users):
    client = client_for("agent")
    assert client.get("/compte/jetons/").status_code == 405
    token, _ = token_for(users, "agent")
    assert client.get(f"/compte/jetons/{token.pk}/revoquer/").status_code == 405


# --- The services ----------------------------------------------------------------------------


def test_only_an_administrator_creates_or_revokes_someone_elses_token(users):
    finance = users["test-finance"]
    with pytest.raises(PermissionDenied):
        api_token_create(user=finance, name="intrus", actor=users["test-agent"])
    token, _ = api_token_create(user=finance, name="par l'admin", actor=users["test-admin"])
    with pytest.raises(Http404):
        api_token_revoke(token=token, actor=users["test-agent"])
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_token_revoke(token=token, actor=users["test-admin"]).revoked_at is not None


def test_a_deactivated_user_gets_no_token(make_user):
    from django.core.exceptions import ValidationError

    user = make_user(username="parti", is_active=False)
    with pytest.raises(ValidationError):
        api_token_create(user=user, name="x")


# --- The API ---------------------------------------------------------------------------------


def test_read_token_reads(client, users, draft):
    _, raw = token_for(users, "partner")
    response = client.get(f"/api/operations/{draft.pk}", **bearer(raw))
    assert response.status_code == 200 and response.json()["title"] == draft.title


def test_read_token_cannot_post_and_nothing_is_written(client, users, draft):
    _, raw = token_for(users, "partner", READ)
    before = message_count(draft)
    response = client.post(
        f"/api/operations/{draft.pk}/messages",
        {"body": "Bonjour"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    assert "ne permet que la lecture" in response.json()["detail"]
    assert "lecture et écriture" in response.json()["detail"]
    assert message_count(draft) == before


def test_read_token_cannot_put_and_nothing_is_written(client, users, draft):
    _, raw = token_for(users, "partner", READ)
    response = client.put(
        f"/api/operations/{draft.pk}/financement",
        {"expenses": GOOD_EXPENSES, "resources": GOOD_RESOURCES},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403 and "lecture" in response.json()["detail"]
    draft.refresh_from_db()
    assert not draft.expenses.exists() and not draft.resources.exists()


def test_read_write_token_writes_within_the_role(client, users, draft):
    _, raw = token_for(users, "partner", READ_WRITE)
    before = message_count(draft)
    response = client.post(
        f"/api/operations/{draft.pk}/messages",
        {"body": "Bonjour"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201, response.content
    assert message_count(draft) == before + 1


def test_read_write_token_still_goes_through_the_services_checks(client, users, draft):
    # Another partner's operation: its read-write token does not make it theirs.
    _, raw = token_for(users, "partner2", READ_WRITE)
    before = message_count(draft)
    response = client.post(
        f"/api/operations/{draft.pk}/messages",
        {"body": "Intrus"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 404
    # A role that may not write messages: refused by the policy, not by the token.
    _, raw = token_for(users, "finance", READ_WRITE)
    response = client.post(
        "/api/operations",
        {"contract_id": draft.contract_id, "title": "Intrus", "category": "other"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    assert "lecture" not in response.json()["detail"]
    assert message_count(draft) == before
    assert not draft.contract.operations.filter(title="Intrus").exists()


def test_expired_token_is_refused_with_401(client, users):
    token, raw = token_for(users, "agent")
    assert client.get("/api/territoire/cantons", **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/api/territoire/cantons", **bearer(raw))
    assert response.status_code == 401 and "a expiré le" in response.json()["detail"]


def test_token_valid_until_the_end_of_its_last_day(users):
    token, _ = token_for(users, "agent", expires_on=today())
    assert not token.is_expired
    assert timezone.localtime(token.expires_at).date() == today()


def test_revoked_token_is_refused_with_401(client, users):
    token, raw = token_for(users, "agent", READ_WRITE)
    api_token_revoke(token=token, actor=users["test-agent"])
    response = client.get("/api/territoire/cantons", **bearer(raw))
    assert response.status_code == 401 and "révoqué" in response.json()["detail"]


def test_unknown_token_is_refused_in_french(client):
    response = client.get("/api/territoire/cantons", **bearer("pacte_inconnu"))
    assert response.status_code == 401 and "inconnu" in response.json()["detail"]


def test_token_of_a_deactivated_user_is_refused(client, users):
    agent = users["test-agent"]
    _, raw = token_for(users, "agent", READ_WRITE)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get("/api/territoire/cantons", **bearer(raw))
    assert response.status_code == 401 and "désactivé" in response.json()["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(client, users):
    token, raw = token_for(users, "agent")
    assert token.last_used_at is None
    client.get("/api/territoire/cantons", **bearer(raw))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=10)
    client.get("/api/territoire/cantons", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    client.get("/api/territoire/cantons", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at > long_ago + datetime.timedelta(minutes=4)


def test_api_description_explains_tokens(client):
    description = client.get("/api/openapi.json").json()["info"]["description"]
    for words in ["Mon compte", "« lecture »", "« lecture et écriture »", "deux ans", "401"]:
        assert words in description
    assert "create_api_token" in description and "--scope" in description


# --- The command -----------------------------------------------------------------------------


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_command_creates_a_read_token_for_a_year_by_default(users):
    raw, err = run_command("test-agent")
    token = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert token.user == users["test-agent"] and token.scope == READ
    assert timezone.localtime(token.expires_at).date() == today() + datetime.timedelta(365)
    assert "lecture" in err


def test_command_takes_scope_and_days(users):
    raw, _ = run_command("test-partner", "--scope", "read_write", "--days", "30", "--name", "ERP")
    token = ApiToken.objects.get(digest=ApiToken.hash(raw))
    assert token.scope == READ_WRITE and token.name == "ERP"
    assert timezone.localtime(token.expires_at).date() == today() + datetime.timedelta(30)


def test_command_refuses_more_than_two_years_or_an_unknown_scope(users):
    with pytest.raises(CommandError, match="deux ans"):
        run_command("test-agent", "--days", "731")
    with pytest.raises(CommandError):
        run_command("test-agent", "--scope", "admin")
    assert not ApiToken.objects.filter(user=users["test-agent"]).exists()
