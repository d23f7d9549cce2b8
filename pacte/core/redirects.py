"""Redirections to a URL the user supplied (a form's `next`): only to a page of this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL of the request's POST (or GET) data when it is a path of this site,
    else `default`: a link from elsewhere cannot send the user to another site after a form."""
    raw = request.POST.get("next") or request.GET.get("next") or ""
    return safe_url(request, raw, default)


def safe_url(request: HttpRequest, url: str | None, default: str) -> str:
    """`url` when it is a path of this site (absolute URLs, even to this host, are refused)."""
    url = (url or "").strip()
    if (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return default
