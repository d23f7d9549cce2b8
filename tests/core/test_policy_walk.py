"""The access policy, walked: every URL pattern of the resolver and every operation of the
OpenAPI schema (discovered, not listed by hand) is requested by every role — and by an anonymous
visitor — on partner A's objects, on partner B's, on A's unsubmitted draft, on ids that do not
exist and on ids beyond 64 bits, with each method it serves. The answer must be the one the
declared policy gives (`pacte.core.policy.decide`):

- allowed: a read answers 200 (or a redirect that is not the login page); a write reaches its
  form or service (anything but 401/403/404/405 and never 5xx);
- refused: 403 with a French message (401 on the API, the login page for a visitor), or 404
  when the object is another partner's or a draft that is not theirs — and the database saw
  no INSERT, UPDATE or DELETE (sessions and the API token's last use aside);
- unknown or huge ids: 404 (or the refusal above).

A URL or API operation that declares no policy makes the walk fail, and so does a route whose
objects the world below cannot provide: add them to `SLOTS` and to tests/core/policy_world.py.
Each request runs in a savepoint rolled back after it, so that the world stays the same.
"""

import json
import re

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from pacte.core import policy

from . import policy_world

ROLES = ["anonymous", "admin", "agent", "assembly", "finance", "elected", "partner"]
MISSING_ID, HUGE_ID = "987654321098", "98765432109876543210987"
# API documentation served by django-ninja itself: public, read-only.
NINJA_PAGES = {"openapi-json", "openapi-view", "api-root"}
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b[^;]*?\b(INTO|FROM|UPDATE)?\s*\"?(\w+)", re.I)
WRITABLE_WHEN_REFUSED = {"django_session", "core_apitoken", "core_user"}  # session, last use

# What each URL keyword names, by the route before it ("*" for an earlier keyword): the world's
# key, or a list of values (then every value is tried), or a callable(world) of values.
SLOTS = {
    ("compte/jetons", "pk"): "account",
    ("notifications", "pk"): "notification",
    ("territoire/intercommunalites", "siren"): "epci_siren",
    ("territoire/communes", "insee_code"): "commune_code",
    ("operations", "pk"): "operation",
    ("operations/*/pieces", "attachment_pk"): "attachment",
    ("operations/*/etapes", "name"): lambda w: list(policy.workflow_for("operation").transitions),
    ("operations/engagements", "pk"): "reciprocal_commitment",
    ("operations/*/annotations", "annotation_pk"): "annotation",
    ("operations/avis", "pk"): "opinion",
    ("operations/*/financement", None): None,
    ("finances/ap", "pk"): "authorisation",
    ("finances/engagements", "pk"): "commitment",
    ("finances/paiements", "pk"): "payment",
    ("finances/operations", "operation_pk"): "paid_operation",
    ("documents/lots", "batch_pk"): "batch",
    ("documents", "pk"): "operation",
    ("documents/*/generer", "kind"): ["sheet", "agreement", "agreement_docx"],
    ("documents/*", "document_pk"): "document",
    ("deliberations", "number"): "deliberation_number",
    ("seances", "pk"): "sitting",
    ("seances/*/pouvoirs", "proxy_pk"): "proxy",
    ("seances/*/pouvoirs-en-ligne", "online_pk"): "online_proxy",
    ("elu/seances", "pk"): "sitting",
    ("seances/*/proces-verbal", "step"): lambda w: list(policy.workflow_for("sitting").transitions),
    ("proces-verbaux", "pk"): "sitting",
    ("convocation", "token"): lambda w: [w["A"]["convocation_token"], "jeton-inconnu"],
    ("elu/calendrier", "key"): lambda w: [w["A"]["calendar_key"]],
    ("rapports", "pk"): "report",
    ("actes", "pk"): "deliberation",
    ("actes/*", "which"): ["deliberation", "rapport", "publiee"],
    ("pilotage/historique", "pk"): "history_import",
    ("pilotage/bilans", "pk"): "bilan",
    ("pilotage", "kind"): ["direction", "instruction", "finances", "elus"],
    ("partenaires", "pk"): "partner",
    ("contrats", "pk"): "contract",
    ("contrats/*/etapes", "name"): lambda w: list(policy.workflow_for("contract").transitions),
    ("comites", "pk"): "committee",
    ("comites/*/actions", "action_pk"): "committee_action",
    ("assises", "pk"): "forum",
    ("ingenierie", "pk"): "engineering",
    ("generations", "pk"): "generation",
    # Links received by e-mail: an unknown one answers a French page saying so.
    ("mot-de-passe/nouveau", "uidb64"): ["MQ", "OTg3NjU0MzIxMDk4NzY1NDMyMTA5ODc2NTQzMjE"],
    ("mot-de-passe/nouveau/*", "token"): ["set-password", "jeton-inconnu"],
    ("invitation", "token"): ["jeton-inconnu"],
    # API paths
    ("api/territoire/intercommunalites", "siren"): "epci_siren",
    ("api/territoire/communes", "insee_code"): "commune_code",
    ("api/partenaires", "partner_id"): "partner",
    ("api/contrats", "contract_id"): "contract",
    ("api/contrats/*/etapes", "name"): lambda w: list(policy.workflow_for("contract").transitions),
    ("api/assises", "forum_id"): "forum",
    ("api/comites", "committee_id"): "committee",
    ("api/operations", "operation_id"): "operation",
    ("api/operations/*/pieces", "attachment_id"): "attachment",
    ("api/operations/*/etapes", "name"): lambda w: list(
        policy.workflow_for("operation").transitions
    ),
    ("api/paiements", "payment_id"): "payment",
    ("api/seances", "pk"): "sitting",
    ("api/rapports", "pk"): "report",
}
# The world's object that a rule of each kind is decided on (default: the kind's own key).
DECIDED_ON = {"dashboard": None, "opendata": None, "session": None, "referential": None}
# The OpenID Connect login's pages answer what an identity provider sends: requested bare — no
# provider configured in the tests' settings, no `code` nor `state` — they refuse in French with
# a 404 or a 400 (their own tests drive them with a real provider: tests/oidc/).
BARE_REFUSAL = re.compile(r"^GET /connexion/oidc/")
STRING_SLOTS = {"epci_siren", "commune_code", "deliberation_number"}


# --- Discovery ---------------------------------------------------------------------------


def web_patterns():
    found = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if ns == "admin" or str(entry.pattern).startswith("api/"):
                    continue
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                found.append((prefix + str(entry.pattern), entry))

    walk(get_resolver(), "", None)
    return found


def api_operations():
    from pacte.api import api

    by_id = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                by_id[api.get_openapi_operation_id(operation)] = operation
    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            found.append((path, method.upper(), spec, by_id[spec["operationId"]], schema))
    return found


WEB = web_patterns()
API = api_operations()


def test_every_page_and_api_operation_declares_its_policy():
    missing = []
    for route, entry in WEB:
        if entry.name in NINJA_PAGES:
            continue
        declared = getattr(entry.callback, "policy", None)
        if not isinstance(declared, policy.PagePolicy) or not declared.methods:
            missing.append(f"page /{route} ({entry.lookup_str})")
            continue
        for spec in declared.methods.values():
            if spec.action.startswith("<"):
                continue
            if (spec.kind, spec.action) not in policy.POLICY:
                missing.append(f"page /{route}: no rule {spec.kind}.{spec.action}")
    for path, method, _, operation, _ in API:
        declared = getattr(operation.view_func, "policy", None)
        if not isinstance(declared, policy.Declared):
            missing.append(f"API {method} {path}")
        elif (
            not declared.action.startswith("<")
            and (
                declared.kind,
                declared.action,
            )
            not in policy.POLICY
        ):
            missing.append(f"API {method} {path}: no rule {declared.kind}.{declared.action}")
    assert not missing, "Sans règle déclarée :\n" + "\n".join(missing)


# --- The world ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from pacte.core.models import User

            users = {u.username: u for u in User.objects.filter(username__startswith="test-")}
            yield {"users": users, **policy_world.build(users)}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _keywords(route: str):
    """[(prefix, keyword)] of a route written `a/<conv:x>/b/<y>` or `a/{x}/b`."""
    out = []
    for match in re.finditer(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", route):
        before = route[: match.start()].strip("/")
        before = re.sub(r"<[^>]+>|\{[^}]+\}", "*", before)
        out.append((before, match.group(1) or match.group(2)))
    return out


def _values(world_objects, world, prefix, keyword, variant, choices):
    if keyword in choices:
        return sorted(choices[keyword])
    slot = SLOTS.get((prefix, keyword))
    if slot is None:
        raise LookupError(f"Le monde ne sait pas remplir « {keyword} » après « {prefix} »")
    if callable(slot):
        return slot(world)
    if isinstance(slot, list):
        return slot
    if variant == "missing":
        return ["000000000" if slot in STRING_SLOTS else MISSING_ID]
    if variant == "huge":
        return ["000000000" if slot in STRING_SLOTS else HUGE_ID]
    value = world_objects[slot]
    return [value if isinstance(value, str) else value.pk]


def _instances(route, world, variant, choices):
    """[(url, kwargs)] for a route in a variant; [] when the variant means nothing for it."""
    keywords = _keywords(route)
    if variant in {"missing", "huge"} and not any(
        not isinstance(SLOTS.get(k), list | type(None)) and not callable(SLOTS.get(k))
        for k in keywords
    ):
        return []
    objects = world["A" if variant in {"A", "missing", "huge"} else variant]
    combos = [({}, route)]
    for prefix, keyword in keywords:
        values = _values(objects, world, prefix, keyword, variant, choices)
        combos = [
            (
                {**kwargs, keyword: value},
                re.sub(rf"<(?:\w+:)?{keyword}>|\{{{keyword}\}}", str(value), url, count=1),
            )
            for kwargs, url in combos
            for value in values
        ]
    return [("/" + url.lstrip("/"), kwargs) for kwargs, url in combos]


def _variants(route, declared_kinds):
    keywords = _keywords(route)
    if not keywords:
        return ["none"]
    if all(isinstance(SLOTS.get(k), list) or callable(SLOTS.get(k)) for k in keywords):
        return ["A"]  # only names from a list (dashboards…): no object to own
    variants = ["A", "B", "missing", "huge"]
    if any(policy.KINDS[k].draft_path is not None for k in declared_kinds) and any(
        SLOTS.get(k) in {"operation", "attachment"} for k in keywords
    ):
        variants.append("A_draft")
    return variants


def _decided_on(world, variant, kind):
    if kind in DECIDED_ON or variant in {"none", "missing", "huge"}:
        return None
    return world["A" if variant == "A" else variant].get(kind)


# --- Requests ----------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _request(client, method, url, **extra):
    """The response, and the tables written, in a savepoint rolled back afterwards."""
    holder = {}
    with CaptureQueriesContext(connection) as captured:
        try:
            with transaction.atomic():
                holder["response"] = client.generic(method, url, **extra)
                raise _Rollback
        except _Rollback:
            pass
    written = set()
    for query in captured.captured_queries:
        match = WRITE.match(query["sql"])
        if match:
            table = re.search(r"(?:INTO|FROM|UPDATE)\s+\"?(\w+)", query["sql"], re.I)
            name = table.group(1) if table else "?"
            if name not in WRITABLE_WHEN_REFUSED:
                written.add(name)
    return holder["response"], written


def _clients(world):
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(world["users"][f"test-{role}"])
        clients[role] = client
    return clients


def _user(world, role):
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if role == "anonymous" else world["users"][f"test-{role}"]


def _check(
    problems, *, what, role, verdict, method, response, written, api, missing, huge, unseen=False
):
    """`unseen`: the user may not even read the object; the API, which leaves the decision to
    the services, then answers 404 — as for an id that does not exist — rather than 403."""
    status = response.status_code
    if status == 503 and " /sante/" in what:
        status = 200  # the health checks say the service is at fault (no worker in the walk)
    if status >= 500:
        problems.append(f"{what} {role}: erreur serveur {status}")
        return
    if huge and status == 404:  # not even a URL of this site: nothing to decide
        verdict = "hide"
    if missing and verdict != "deny":
        verdict = "hide"
    if verdict == "allow":
        if method in {"GET", "HEAD"}:
            redirected_to_login = status == 302 and "/connexion/" in response.get("Location", "")
            bare_refusal = status in {400, 404} and BARE_REFUSAL.match(what)
            if (status not in {200, 302, 304} or redirected_to_login) and not bare_refusal:
                problems.append(f"{what} {role}: lecture permise, réponse {status}")
        elif status in {401, 403, 405} or (status == 404 and not (api and "[none]" in what)):
            # A body built from the schema names example ids (1…) that may not exist: 404 then.
            problems.append(f"{what} {role}: écriture permise, réponse {status}")
        return
    if verdict == "deny":
        if role == "anonymous":
            ok = (
                status == 401
                if api
                else (status == 302 and "/connexion/" in response.get("Location", ""))
            )
        else:
            # The API looks up what the request names (in its path or its body) before the
            # service decides: what does not exist, or what the user may not even read, is not
            # found (404) — a refusal all the same, that reveals nothing and writes nothing.
            ok = status == 403 or (api and status == 404)
    else:
        ok = status == 404 or (role == "anonymous" and status in {302, 401})
    if not ok:
        problems.append(f"{what} {role}: attendu {verdict}, réponse {status}")
    if written:
        problems.append(f"{what} {role}: refusé mais écrit dans {sorted(written)}")
    if status == 403 and api and not response.json().get("detail"):
        problems.append(f"{what} {role}: 403 sans message")


WEB_IDS = [f"{route or '/'}" for route, entry in WEB if entry.name not in NINJA_PAGES]


def _walk(world, route, specs, choices, *, first_url, api, body=dict):
    """Request `route` for each variant of the world, each method of `specs` ({method: declared
    spec}) and each role; the problems found, in French."""
    problems = []
    clients = _clients(world)
    for variant in _variants(route, {spec.kind for spec in specs.values()}):
        instances = (
            [(first_url, {})] if variant == "none" else _instances(route, world, variant, choices)
        )
        for url, kwargs in instances:
            for method, spec in sorted(specs.items()):
                action = spec.resolve(kwargs)
                if (spec.kind, action) not in policy.POLICY:
                    continue  # an unknown transition name: the URL answers 404
                obj = _decided_on(world, variant, spec.kind)
                for role in ROLES:
                    user = _user(world, role)
                    unseen = (
                        api
                        and (spec.kind, "read") in policy.POLICY
                        and not policy.allows(user, spec.kind, "read", obj)
                    )
                    response, written = _request(clients[role], method, url, **body())
                    _check(
                        problems,
                        what=f"{method} {url} [{variant}]",
                        role=role,
                        verdict=policy.decide(user, spec.kind, action, obj),
                        method=method,
                        response=response,
                        written=written,
                        api=api,
                        missing=variant in {"missing", "huge"},
                        huge=variant == "huge",
                        unseen=unseen,
                    )
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("route", WEB_IDS)
def test_page_answers_as_the_policy_declares(world, route):
    entry = next(e for r, e in WEB if (r or "/") == route)
    declared = entry.callback.policy
    specs = {m: spec for m, spec in declared.methods.items() if m != "HEAD"}
    problems = _walk(world, route, specs, declared.choices, first_url="/" + route, api=False)
    assert not problems, "\n".join(problems)


# --- API ---------------------------------------------------------------------------------


def _example(schema, root, name=""):
    """A minimal valid value for a JSON schema (required members only)."""
    if "$ref" in schema:
        return _example(root["components"]["schemas"][schema["$ref"].split("/")[-1]], root, name)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if s.get("type") != "null"]
            return _example(options[0], root, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            key: _example(sub, root, key)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return "1.00"
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-03-02"
    if schema.get("format") == "date-time":
        return "2026-03-02T10:00:00+01:00"
    if schema.get("format") == "time" or schema.get("pattern", "").startswith("^([01][0-9]"):
        return "10:00"
    if schema.get("format") == "binary":
        return policy_world.upload()
    if name == "kind":
        return policy_world.ATTACHMENT_KIND
    return "Texte d'essai"


def _body(spec, root):
    content = spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        value = _example(content["application/json"]["schema"], root)
        return {"data": json.dumps(value), "content_type": "application/json"}
    if "multipart/form-data" in content:
        from django.test.client import encode_multipart

        fields = _example(content["multipart/form-data"]["schema"], root)
        boundary = "limite-pacte"
        return {
            "data": encode_multipart(boundary, fields),
            "content_type": f"multipart/form-data; boundary={boundary}",
        }
    return {}


API_IDS = [f"{method} {path}" for path, method, *_ in API]


@pytest.mark.django_db
@pytest.mark.parametrize("operation_id", API_IDS)
def test_api_answers_as_the_policy_declares(world, operation_id):
    path, method, spec, operation, root = next(
        entry for entry in API if f"{entry[1]} {entry[0]}" == operation_id
    )
    declared = operation.view_func.policy
    problems = _walk(
        world,
        path,
        {method: declared},
        declared.choices,
        first_url=path,
        api=True,
        body=lambda: _body(spec, root),
    )
    assert not problems, "\n".join(problems)
