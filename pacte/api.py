"""Pacte's API: OpenAPI 3 under /api/, documented at /api/docs (DESCRIPTION, in French).

Every endpoint reads through the same user-scoped selectors as the pages and writes through the
same services. Authenticate with a personal token (`Authorization: Bearer pacte_…`) or with the
browser session. A token has a scope (read, or read and write) and an expiry date; `TokenAuth`
refuses a revoked or expired token and any write with a read token before the endpoint runs.
"""

import functools
import json
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from pacte.assembly.apis import router as assembly_router
from pacte.contracts.apis import router as partners_router
from pacte.core.french import format_money
from pacte.core.middleware import NUL_REFUSED, busy, is_busy_database, too_big
from pacte.core.money import MAX_AMOUNT
from pacte.core.schemas import ERROR_SCHEMAS, error_responses, validation_refusal
from pacte.core.services import ApiTokenRefused, api_token_authenticate
from pacte.finance.apis import router as finance_router
from pacte.operations.apis import router as operations_router
from pacte.territory.apis import router as territory_router

DESCRIPTION = f"""
L'API de Pacte lit et écrit les mêmes données que ses pages, avec les mêmes droits : ceux de
votre rôle (un partenaire ne voit que son organisation).

**Obtenir un jeton.** Sur la page « Mon compte » de Pacte (`/compte/`), donnez un nom au jeton,
choisissez sa portée et sa date d'expiration, puis copiez-le : il n'est affiché qu'une fois.
Un administrateur peut aussi en créer un en ligne de commande :
`manage.py create_api_token <identifiant> --scope read|read_write --days N`.
Envoyez-le dans l'en-tête `Authorization: Bearer pacte_…`.

**Portée.** Un jeton « lecture » ne fait que lire (GET). Pour écrire (POST, PUT, PATCH,
DELETE), il faut un jeton « lecture et écriture » **et** un rôle qui permet cette écriture ;
une écriture avec un jeton « lecture » est refusée (403) et n'écrit rien.

**Expiration.** Un jeton vaut un an par défaut, deux ans au plus, jusqu'à la fin du jour
choisi. Un jeton expiré ou révoqué est refusé (401) ; révoquez-le sur la page « Mon compte ».

Les réponses d'erreur portent un message en français dans `detail` ; une requête mal
formée (422) donne en plus, dans `errors`, chaque champ en cause (`loc`) et pourquoi (`message`).
Un corps qui n'est pas du JSON est refusé (400), une adresse inconnue aussi (404), une méthode
que l'adresse ne sert pas également (405, avec l'en-tête `Allow`). Les identifiants tiennent en
64 bits ; les montants, en euros au centime, en 14 chiffres ({format_money(MAX_AMOUNT)} au plus) ;
les heures s'écrivent HH:MM, heure de Paris.
"""


class TokenAuth(HttpBearer):
    """A personal token: 401 when it is unknown, revoked, expired or its user deactivated; 403
    for a write (any method but GET, HEAD, OPTIONS) with a read token — the endpoint does not
    run."""

    def authenticate(self, request, token):
        try:
            user = api_token_authenticate(raw=token, method=request.method)
        except ApiTokenRefused as exc:
            raise HttpError(401, str(exc)) from exc
        request.user = user
        return user


class BrowserSession(SessionAuth):
    """The signed-in browser's session. Its writes carry the CSRF token, as the pages' forms do;
    a request without a signed-in session is not checked here, and ends as a 401 like any other
    unauthenticated call."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(
                403,
                "Jeton CSRF absent ou invalide : depuis un navigateur, envoyez l'en-tête "
                "X-CSRFToken ; depuis un programme, utilisez un jeton d'API.",
            )
        return request.COOKIES.get(self.param_name)


class BodyUnreadable(Exception):
    """A request body that is not JSON, in French."""


class JsonParser(Parser):
    """Strict JSON: a body that is not UTF-8 JSON, or that holds NaN or Infinity (which JSON
    does not know), is refused with a French 400 before any field is read."""

    def parse_body(self, request: HttpRequest) -> Any:
        def constant(name: str) -> None:
            raise BodyUnreadable(f"{name} n'est pas une valeur JSON")

        try:
            return json.loads(request.body.decode("utf-8"), parse_constant=constant)
        except BodyUnreadable:
            raise
        except UnicodeDecodeError as exc:
            raise BodyUnreadable("le corps n'est pas du texte UTF-8") from exc
        except RecursionError as exc:
            raise BodyUnreadable("le corps imbrique trop de niveaux") from exc
        except ValueError as exc:  # json.JSONDecodeError, or a number of more than 4 300 digits
            raise BodyUnreadable("le corps n'est pas du JSON valide") from exc


def _json_refusal(status: int, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _in_french(view: Any) -> Any:
    """`view`, refusing a NUL character in the address (the query string's is refused before,
    by the middleware) and whose « method not allowed » (405, plain text in English) becomes
    French JSON, with its `Allow` header."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "\x00" in request.path:
            return _json_refusal(400, NUL_REFUSED)
        response: HttpResponse = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",")))
            return _json_refusal(
                405,
                f"Méthode {request.method} non permise sur cette adresse : {allowed} seulement.",
                Allow=response.get("Allow", ""),
            )
        return response

    return wrapped


@csrf_exempt
def unknown_address(request: HttpRequest) -> JsonResponse:
    """Any address under /api/ that names no operation: 404 in French JSON, not a page."""
    if "\x00" in request.path:
        return _json_refusal(400, NUL_REFUSED)
    return _json_refusal(
        404,
        f"Adresse inconnue de l'API : {request.path}. Les opérations sont décrites sur /api/docs.",
    )


class PacteAPI(NinjaAPI):
    """The API, in French to the end: answers for unknown addresses and methods, and the
    description of the refusals every operation may give (`core.schemas.error_responses`)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
        for methods in schema["paths"].values():
            for operation in methods.values():
                refusals = error_responses(has_body="requestBody" in operation)
                for status, response in refusals.items():
                    operation["responses"].setdefault(status, response)
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _in_french(url.callback)
        return [*urls, re_path(r"", unknown_address, name="unknown-address")]


class ApiDocs(Swagger):
    """/api/docs: Swagger UI from django-ninja's static files, served by Pacte — no CDN, the page
    works offline — in a French page whose only scripts are static files (the
    Content-Security-Policy forbids inline ones). No validator badge: it would send the schema to
    an outside service."""

    template = "api/docs.html"


api = PacteAPI(
    parser=JsonParser(),
    title="API Pacte",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
    docs=ApiDocs(settings={"validatorUrl": None}),
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {
            "detail": "Authentification requise : envoyez un jeton d'API valide dans l'en-tête "
            "« Authorization: Bearer pacte_… » (page « Mon compte »)."
        },
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request, exc):
    # ninja wraps what the parser raised: « Cannot parse request body », in English.
    cause = exc.__cause__
    detail = f"Requête illisible : {cause}." if isinstance(cause, BodyUnreadable) else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    return api.create_response(request, validation_refusal(exc.errors), status=422)


@api.exception_handler(OperationalError)
def database_error(request, exc):
    if is_busy_database(exc):
        return busy(request)
    raise exc


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc):
    return too_big(request)


@api.exception_handler(OverflowError)
def id_out_of_range(request, exc):
    # An id beyond 64 bits designates nothing: not found, as any other unknown id.
    return api.create_response(request, {"detail": "Introuvable."}, status=404)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Introuvable."}, status=404)


api.add_router("/territoire/", territory_router)
api.add_router("/", partners_router)
api.add_router("/", operations_router)
api.add_router("/", finance_router)
api.add_router("/", assembly_router)
