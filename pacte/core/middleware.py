"""Requests refused before any view runs, the same way for pages and the API."""

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string

from .french import format_mebibytes
from .media import object_storage_errors
from .schemas import CONTROL

NUL_REFUSED = (
    "L'adresse contient un caractère nul (%00), qu'aucune page ni aucun champ de Pacte "
    "n'accepte : retirez-le et recommencez."
)


def refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A 4xx answer in French: JSON `{"detail": …}` under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if not hasattr(request, "user"):  # refused before the authentication middleware
        request.user = AnonymousUser()
    html = render_to_string("400.html", {"message": message}, request=request)
    return HttpResponse(html, status=status)


class RefuseNulMiddleware:
    """A NUL character in the query string designates nothing and PostgreSQL refuses it in any
    text: 400 before the view, rather than a server error in the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        query = unquote_to_bytes(request.META.get("QUERY_STRING", ""))
        if b"\x00" in query or "\x00" in request.path:
            return refusal(request, 400, NUL_REFUSED)
        if request.method == "POST" and _is_form(request):
            try:
                fields = list(request.POST.lists())
            except RequestDataTooBig:
                return too_big(request)
            except SuspiciousOperation:
                raise  # too many fields…: Django's own 400
            except Exception:  # noqa: BLE001 — a body no parser reads
                return refusal(
                    request, 400, "Le formulaire envoyé est illisible. Rien n'a été enregistré."
                )
            for name, values in fields:
                for value in (name, *values):
                    found = CONTROL.search(value)
                    if found:
                        return refusal(
                            request,
                            400,
                            f"Le formulaire envoyé contient un caractère de contrôle "
                            f"(U+{ord(found.group()):04X}), qu'aucun champ de Pacte n'accepte : "
                            "retirez-le et recommencez. Rien n'a été enregistré.",
                        )
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    kind = str(request.META.get("CONTENT_TYPE", ""))
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class BodyLimitMiddleware:
    """A request body is refused (413) from its declared length, before a byte of it is read:
    files (multipart) up to PACTE_MAX_UPLOAD_BYTES — above the largest file Pacte accepts —,
    forms and JSON up to DATA_UPLOAD_MAX_MEMORY_SIZE. The reverse proxy has the same limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refusal(request, 400, "La longueur annoncée de la requête est illisible.")
        files = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.PACTE_MAX_UPLOAD_BYTES if files else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            what = "Le fichier envoyé" if files else "La requête"
            return refusal(
                request,
                413,
                f"{what} pèse {format_mebibytes(length)} Mio : "
                f"{format_mebibytes(limit)} Mio au plus. Rien n'a été enregistré.",
            )
        return self.get_response(request)


BUSY = (
    "La base de données est occupée par une longue écriture (un import de l'historique, un "
    "lot de documents) : rien n'a été enregistré. Réessayez dans un instant."
)
TOO_BIG = (
    "La requête est trop volumineuse : ses champs dépassent {limit} Mio. Rien n'a été enregistré."
)


def is_busy_database(exc: BaseException) -> bool:
    """SQLite's « database is locked »: another connection held the write lock longer than
    the busy timeout."""
    from django.db import OperationalError

    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def busy(request: HttpRequest) -> HttpResponse:
    response = refusal(request, 503, BUSY)
    response["Retry-After"] = "10"
    return response


STORAGE_UNREACHABLE = (
    "Le stockage des documents ne répond pas ou refuse l'accès : le fichier n'a pu être ni lu "
    "ni enregistré (une écriture en cours a été annulée). Réessayez dans quelques minutes ; si "
    "cela dure, signalez-le à l'administrateur."
)


def storage_unreachable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The object storage failed (pacte.core.media): 503, and the cause in the logs."""
    logging.getLogger(__name__).error("Stockage des documents en échec : %s", exc, exc_info=exc)
    response = refusal(request, 503, STORAGE_UNREACHABLE)
    response["Retry-After"] = "60"
    return response


def too_big(request: HttpRequest) -> HttpResponse:
    limit = format_mebibytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return refusal(request, 413, TOO_BIG.format(limit=limit))


class ExceptionsMiddleware:
    """What the database or the request's size refuse is answered in French, not with a server
    error: a database busy beyond its timeout (503, to retry, nothing written since the write's
    transaction rolled back), form fields beyond their limit (413), an object storage that
    does not answer (503, likewise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        from django.core.exceptions import RequestDataTooBig

        if is_busy_database(exc):
            return busy(request)
        if isinstance(exc, RequestDataTooBig):
            return too_big(request)
        if isinstance(exc, object_storage_errors()):
            return storage_unreachable(request, exc)
        return None


def content_security_policy(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], …}` written as a header value: `default-src 'self'; …`."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Every response carries the Content-Security-Policy declared once in settings.PACTE_CSP:
    Pacte's own scripts, styles and images only, no inline script or style, no eval, no framing.
    Pages, refusals, files, the API and its documentation, the administration and the static
    files served by WhiteNoise alike (it stands before WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.PACTE_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
