"""Pacte's API: OpenAPI 3 under /api/, documented at /api/docs (DESCRIPTION, in French).

Every endpoint reads through the same user-scoped selectors as the pages and writes through the
same services. Authenticate with a personal token (`Authorization: Bearer pacte_…`) or with the
browser session. A token has a scope (read, or read and write) and an expiry date; `TokenAuth`
refuses a revoked or expired token and any write with a read token before the endpoint runs.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from pacte.assembly.apis import router as assembly_router
from pacte.contracts.apis import router as partners_router
from pacte.core.schemas import validation_refusal
from pacte.core.services import ApiTokenRefused, api_token_authenticate
from pacte.finance.apis import router as finance_router
from pacte.operations.apis import router as operations_router
from pacte.territory.apis import router as territory_router

DESCRIPTION = """
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


api = NinjaAPI(
    title="API Pacte",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
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


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    return api.create_response(request, validation_refusal(exc.errors), status=422)


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
