"""Requests refused before any view runs, the same way for pages and the API."""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string

NUL_REFUSED = (
    "L'adresse contient un caractère nul (%00), qu'aucun champ de Pacte n'accepte : "
    "retirez-le et recommencez."
)


def refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A 4xx answer in French: JSON `{"detail": …}` under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    html = render_to_string("400.html", {"message": message}, request=request)
    return HttpResponse(html, status=status)


class RefuseNulMiddleware:
    """A NUL character in the query string designates nothing and PostgreSQL refuses it in any
    text: 400 before the view, rather than a server error in the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return refusal(request, 400, NUL_REFUSED)
        return self.get_response(request)
