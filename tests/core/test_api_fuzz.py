"""The API, fuzzed from its own description (schemathesis, on the OpenAPI schema of
`pacte.api.api`), as an administrator and as a partner, on the policy walk's world:

- every field of every request body, every query parameter and every path parameter receives,
  one at a time in an otherwise valid request naming real objects, what users and programs
  really send: numbers beyond 64 bits, NaN and 1E+30 as amounts, NUL characters and lone
  surrogates in texts, texts longer than any column, impossible dates;
- then schemathesis generates inputs from the schema, valid ones and ones that break it, some
  aimed at the world's objects, some spoiled with the same values or with bodies that are not
  JSON.

Each answer must be no server error (5xx), and a status, a content type and a body that the
operation documents. Bounded and reproducible: a fixed list of values, a fixed number of
generated examples drawn from a fixed seed (`derandomize`); each request runs in a savepoint
rolled back after it, so that the world stays the same and nothing leaks out of the test.
"""

import datetime
import json
import re
import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import override_settings
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pacte.api import api
from pacte.assembly import services as assembly_services
from pacte.contracts.models import EngineeringRequest
from pacte.core import policy
from pacte.core.services import api_token_create
from pacte.finance import services as finance_services
from pacte.finance.models import PaymentRequest
from pacte.operations.models import Attachment, Operation

from . import policy_world

EXAMPLES = 25  # generated examples per operation and role
ROLES = ["admin", "partner"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=SchemathesisConfig())
    # The tokens are ours: no generated Authorization header or session cookie.
    schema.config.generation.update(with_security_parameters=False)
    return schema


SCHEMA = _schema()
RAW = SCHEMA.raw_schema
OPERATIONS = [
    (path, method.upper()) for path, methods in RAW["paths"].items() for method in methods
]
OPERATION_IDS = [f"{method} {path}" for path, method in OPERATIONS]


def test_every_operation_documents_its_refusals():
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            missing = {"400", "401", "403", "404", "422"} - set(responses)
            assert not missing, f"{method.upper()} {path} ne documente pas {sorted(missing)}"
            assert responses["422"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/InvalidRequest"
            }
            assert responses["404"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Refusal"
            }


@pytest.mark.django_db
def test_times_are_sent_as_they_are_declared(users):
    sitting = assembly_services.sitting_create(
        actor=users["test-assembly"],
        body="standing_committee",
        held_on=datetime.date(2024, 3, 25),
        place="Arras",
        president="M. Jean-Claude LEROY",
        secretary="M. Bruno COUSEIN",
        opened_at=datetime.time(10, 5),
    )
    _, raw = api_token_create(user=users["test-admin"], name="heures", scope="read")
    operation = SCHEMA["/api/seances/{pk}"]["GET"]
    case = operation.Case(path_parameters={"pk": sitting.pk})
    response = _send(_Application(), case, {"Authorization": f"Bearer {raw}"})
    assert response.json()["opened_at"] == "10:05"
    declared = _resolved(RAW["components"]["schemas"]["SittingDetailOut"])["properties"]
    assert re.fullmatch(declared["opened_at"]["anyOf"][0]["pattern"], "10:05")


# --- What users and programs really send -------------------------------------------------

HUGE_INTEGERS = [2**63, 2**64 + 1, -(2**63) - 1, 10**20, -1, 0]
BAD_NUMBERS = [
    "1E+30",
    1e30,
    "NaN",
    "sNaN",
    "-Infinity",
    "1e999999999",
    "0.001",
    10**13,
    "10000000000000",
    -1e-30,
]
BAD_TEXTS = ["a\x00b", "a\ud800b", "\udfff", "é" * 1000, "", " "]
BAD_DATES = ["2024-02-30", "0000-01-01", "99999-01-01", "25:61"]
# By the type a field declares (a field that declares several gets each list).
BAD_VALUES = {
    "integer": HUGE_INTEGERS + ["99999999999999999999"],
    "number": BAD_NUMBERS,
    "string": BAD_TEXTS + BAD_NUMBERS[:1] + ["99999999999999999999"],
    "date": BAD_DATES,
    "time": ["25:61", "10:00:00+99:00"],
    "boolean": ["peut-être", 2],
    "array": [[None] * 1000, "pas une liste"],
    "object": ["pas un objet"],
}
# In a query string or a path: text only, and no lone surrogate (which no URL can carry).
BAD_QUERY = [
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "NaN",
    "1E+30",
    "1e999999999",
    "a\x00b",
    "é" * 1000,
    "",
    "2024-02-30",
]
BAD_PATH = ["99999999999999999999", "9223372036854775808", "-1", "0", "abc", "é" * 300, "a\x00b"]
# Bodies that are not what the operation reads: not JSON, NaN, nested without end, wrong type.
BAD_BODIES = [
    b"{",
    b"not json",
    b'{"amount": NaN}',
    b"[" * 5000,
    b"\xff\xfe",
    b"null",
    b"[]",
    b'"texte"',
    b'{"a": "\\ud800"}',
]


# --- The world: real objects to aim at ---------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The policy walk's world, and an API token for each role, in a transaction rolled back
    at the end of the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from pacte.core.models import User

            users = {u.username: u for u in User.objects.filter(username__startswith="test-")}
            built = policy_world.build(users)
            # B's payment request checked, so that a mandate can be recorded on it.
            finance_services.payment_check(actor=users["test-agent"], payment=built["B"]["payment"])
            tokens = {}
            for role in ROLES:
                _, raw = api_token_create(
                    user=users[f"test-{role}"], name="fuzz", scope="read_write"
                )
                tokens[role] = raw
            yield {**built, "tokens": tokens}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _pks(world, key, variants=("A", "B", "A_draft")):
    """The ids of the world's objects `key`, in the order of `variants` (the first is the one
    a valid request names)."""
    values = [world[variant][key] for variant in variants]
    return list(dict.fromkeys(value if isinstance(value, str) else value.pk for value in values))


def _choices(choices):
    return [choice.value for choice in choices]


# What a path parameter or a body member names, by its name (and the path, for `pk`, `name`,
# `kind`): real values of the world. The first is the one a valid request names: A's draft
# (its plan may change), B's payment (checked, to be paid).
AIMS = {
    "partner_id": lambda w, path: _pks(w, "partner", ("A", "B")),
    "contract_id": lambda w, path: _pks(w, "contract", ("A", "B")),
    "forum_id": lambda w, path: _pks(w, "forum", ("A",)),
    "committee_id": lambda w, path: _pks(w, "committee", ("A", "B")),
    "operation_id": lambda w, path: (
        _pks(w, "paid_operation", ("A", "B")) + _pks(w, "operation")
        if path == "/api/paiements"
        else _pks(w, "operation", ("A", "A_draft", "B")) + _pks(w, "paid_operation", ("A", "B"))
        if "/pieces" in path
        else _pks(w, "operation", ("A_draft", "A", "B")) + _pks(w, "paid_operation", ("A", "B"))
    ),
    "attachment_id": lambda w, path: _pks(w, "attachment", ("A", "B")),
    "payment_id": lambda w, path: _pks(w, "payment", ("B", "A")),
    "siren": lambda w, path: _pks(w, "epci_siren", ("A",)),
    "insee_code": lambda w, path: _pks(w, "commune_code", ("A",)),
    "stake_ids": lambda w, path: _pks(w, "stake", ("A", "B")),
    "evidence_ids": lambda w, path: _pks(w, "attachment", ("A", "B")),
    "pact_ids": lambda w, path: [p.pk for p in w["A"]["generation"].pacts.order_by("pk")],
    "orientation_ids": lambda w, path: [
        o.pk for o in w["A"]["generation"].orientations.order_by("pk")
    ],
    "pk": lambda w, path: _pks(w, "report" if path.startswith("/api/rapports") else "sitting"),
    "name": lambda w, path: sorted(
        policy.workflow_for("contract" if "/contrats/" in path else "operation").transitions,
        key=lambda name: (name != "submit", name),  # A's draft may be submitted
    ),
    "kind": lambda w, path: (
        _choices(PaymentRequest.Kind) if path == "/api/paiements" else _choices(Attachment.Kind)
    ),
    "category": lambda w, path: _choices(Operation.Category),
    "provider": lambda w, path: _choices(EngineeringRequest.Provider),
}


def _aimed(world, path, name):
    return AIMS[name](world, path) if name in AIMS else []


# --- A valid request, to spoil one field at a time ----------------------------------------


def _resolved(schema):
    while "$ref" in schema:
        schema = RAW["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _kinds(schema):
    """The JSON types a (resolved) schema declares, formats counted as types."""
    schema = _resolved(schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    kinds = []
    for option in map(_resolved, options):
        if option.get("format") in {"date", "time"}:
            kinds.append(option["format"])
        elif option.get("type") not in {None, "null"}:
            kinds.append(option["type"])
        elif "enum" in option:
            kinds.append("string")
        elif "properties" in option:
            kinds.append("object")
    return kinds


def _valid(schema, world, path, name="", *, full):
    """A valid value for `schema`: its required members only, or all of them (`full`); a list
    of one item."""
    schema = _resolved(schema)
    aimed = _aimed(world, path, name)
    if aimed:
        return [aimed[0]] if name.endswith("_ids") else aimed[0]
    options = [_resolved(o) for o in schema.get("anyOf", [schema])]
    schema = next((o for o in options if o.get("type") != "null"), options[0])
    if "enum" in schema:
        return schema["enum"][0]
    kinds = _kinds(schema)
    kind = kinds[0] if kinds else "string"
    if kind == "object":
        return {
            key: _valid(sub, world, path, key, full=full)
            for key, sub in schema.get("properties", {}).items()
            if full or key in schema.get("required", [])
        }
    if kind == "array":
        item = _valid(schema.get("items", {}), world, path, full=full)
        return [item]
    return {
        "integer": 1,
        "number": "100.00",
        "boolean": False,
        "date": "2024-03-01",
        "time": "10:00",
    }.get(kind, "Texte d'essai")


def _leaves(value, schema, where=()):
    """(where, schema) of every member of a valid value, at every depth."""
    schema = _resolved(schema)
    yield where, schema
    options = [_resolved(o) for o in schema.get("anyOf", [schema])]
    inner = next((o for o in options if "properties" in o or "items" in o), {})
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, inner.get("properties", {}).get(key, {}), (*where, key))
    elif isinstance(value, list) and value:
        yield from _leaves(value[0], inner.get("items", {}), (*where, 0))


def _replace(value, where, new):
    if not where:
        return new
    head, *rest = where
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


def _spoiled_requests(path, method, world):
    """(what, path parameters, query, body) of valid requests each spoiled in one place."""
    spec = RAW["paths"][path][method.lower()]
    parameters = spec.get("parameters", [])
    path_parameters = {
        p["name"]: _valid(p["schema"], world, path, p["name"], full=False)
        for p in parameters
        if p["in"] == "path"
    }
    content = spec.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    body = NOT_SET if body_schema is None else _valid(body_schema, world, path, full=False)
    if body_schema is not None:
        full = _valid(body_schema, world, path, full=True)
        for where, schema in _leaves(full, body_schema):
            if not where:
                continue
            for kind in _kinds(schema):
                for bad in BAD_VALUES.get(kind, []):
                    # The required members, and the member in question with its own members.
                    spoiled = {**body, where[0]: full[where[0]]}
                    yield (
                        f"body {where}={bad!r:.40}",
                        path_parameters,
                        {},
                        _replace(spoiled, where, bad),
                    )
        for raw in BAD_BODIES:
            yield f"corps {raw[:20]!r}", path_parameters, {}, raw
    for parameter in parameters:
        name = parameter["name"]
        if parameter["in"] == "query":
            for bad in BAD_QUERY:
                yield f"query {name}={bad!r:.40}", path_parameters, {name: bad}, body
        elif parameter["in"] == "path":
            for bad in BAD_PATH:
                yield f"path {name}={bad!r:.40}", {**path_parameters, name: bad}, {}, body
    yield "valide", path_parameters, {}, body


# --- The application, called as a WSGI server would --------------------------------------


class _Application:
    """Django behind Django's test handler (which keeps the test's connection open between
    requests), as a WSGI application; the tracebacks of the server errors it met."""

    def __init__(self):
        self.handler = ClientHandler(enforce_csrf_checks=True)
        self.errors = []

    def __call__(self, environ, start_response):
        # Uncompressed answers: the schema's checks read the body as it is sent (a client that
        # asks for gzip gets it, and decompresses it itself).
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        response = self.handler(environ)
        headers = list(response.items())
        headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        if response.streaming:
            return [b"".join(response.streaming_content)]
        return [response.content]

    def record(self, sender, request=None, **kwargs):
        self.errors.append(traceback.format_exc())


class _Rollback(Exception):
    pass


def _send(application, case, headers, what="", **raw):
    """Send `case`, check the answer, roll back whatever it wrote."""
    with transaction.atomic():
        got_request_exception.connect(application.record)
        try:
            response = case.call(app=application, headers=headers, **raw)
        finally:
            got_request_exception.disconnect(application.record)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:
            exc.add_note(f"Requête : {what}")
            if application.errors:
                exc.add_note(application.errors[-1])
            raise
        finally:
            transaction.set_rollback(True)
    return response


def _headers(world, role, **more):
    return {"Authorization": f"Bearer {world['tokens'][role]}", **more}


# --- One field at a time -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_each_field_refuses_what_it_cannot_hold(world, role, path, method):
    operation = SCHEMA[path][method]
    application = _Application()
    failures = []
    # Only its partner sees A's draft: the others aim at A's objects instead.
    seen = world if role == "partner" else {**world, "A_draft": world["A"]}
    for what, path_parameters, query, body in _spoiled_requests(path, method, seen):
        raw = {}
        headers = _headers(world, role)
        if isinstance(body, bytes):
            raw = {"data": body}
            headers["Content-Type"] = "application/json"
            body = NOT_SET
        case = operation.Case(path_parameters=path_parameters, query=query, body=body)
        try:
            _send(application, case, headers, what, **raw)
        except Exception as exc:
            failures.append(exc)
    if failures:
        raise ExceptionGroup(f"{len(failures)} requêtes mal reçues", failures)


# --- Generated from the schema ------------------------------------------------------------


def _strategy(operation):
    """Valid inputs, and — when the operation reads any — inputs that break its schema."""
    modes = [GenerationMode.POSITIVE]
    if operation.definition.raw.get("parameters") or "requestBody" in operation.definition.raw:
        modes.append(GenerationMode.NEGATIVE)
    return st.one_of(*(operation.as_strategy(mode) for mode in modes))


def _aim(data, world, path, container):
    """`container` (path parameters or a body) whose members that name an object name real
    ones of the world."""
    aimed = dict(container)
    for name in container:
        if name in AIMS:
            value = data.draw(st.sampled_from(AIMS[name](world, path)), label=name)
            aimed[name] = [value] if name.endswith("_ids") else value
    return aimed


def _scalars(value, where=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _scalars(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _scalars(item, (*where, index))
    else:
        yield where


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_generated_inputs_are_answered_as_documented(world, role, path, method):
    operation = SCHEMA[path][method]
    application = _Application()
    cases = _strategy(operation)
    spoils = ["none", "none", "leaf", "query", "body"]
    bad_values = [value for values in BAD_VALUES.values() for value in values]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        case = data.draw(cases, label="case")
        # Half of the cases name real objects, to reach the services behind the lookups.
        if data.draw(st.booleans(), label="aimed"):
            if case.path_parameters:
                case.path_parameters = _aim(data, world, path, case.path_parameters)
            if isinstance(case.body, dict):
                case.body = _aim(data, world, path, case.body)
        json_body = case.media_type == "application/json"
        headers = _headers(world, role)
        raw = {}
        spoil = data.draw(st.sampled_from(spoils), label="spoil")
        if spoil == "leaf" and json_body and isinstance(case.body, dict | list):
            places = list(_scalars(case.body))
            if places:
                where = data.draw(st.sampled_from(places), label="where")
                bad = data.draw(st.sampled_from(bad_values), label="value")
                # Sent as written (schemathesis would check a lone surrogate against the schema).
                raw = {"data": json.dumps(_replace(case.body, list(where), bad)).encode()}
        elif spoil == "query" and case.query:
            name = data.draw(st.sampled_from(sorted(case.query)), label="query")
            case.query = {**case.query, name: data.draw(st.sampled_from(BAD_QUERY), label="value")}
        elif spoil == "body" and json_body:
            raw = {"data": data.draw(st.sampled_from(BAD_BODIES), label="raw body")}
            headers["Content-Type"] = "application/json"
        _send(application, case, headers, **raw)

    run()
