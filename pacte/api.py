"""Pacte's API: OpenAPI 3 under /api/, documented at /api/docs.

Every endpoint reads through the same user-scoped selectors as the pages. Authenticate with a
personal token (`Authorization: Bearer pacte_…`, created on the « Mon compte » page or with
`manage.py create_api_token`) or with the browser session.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from pacte.assembly.apis import router as assembly_router
from pacte.contracts.apis import router as partners_router
from pacte.core.services import api_token_authenticate
from pacte.finance.apis import router as finance_router
from pacte.operations.apis import router as operations_router
from pacte.territory.apis import router as territory_router


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="API Pacte",
    version="1",
    description=__doc__,
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


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
