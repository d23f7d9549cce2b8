"""Pages of the OpenID Connect login: its start (a GET link from the login page, so that the
Content-Security-Policy's `form-action` never meets the provider's address), the provider's
return, and the logout that also ends the provider's session."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from pacte.accounts import sessions
from pacte.core import policy
from pacte.core.errors import error_texts

from . import conf, protocol, services
from .conf import Provider

logger = logging.getLogger(__name__)

FLOWS = "pacte_oidc_flows"  # the logins under way in this session, by state
LOGGED_IN_WITH = "pacte_oidc_login"  # the provider and ID token of this session's login
FLOW_SECONDS = 600
MAX_FLOWS = 5

NOT_CONFIGURED = "Cette installation de Pacte ne propose pas cette connexion."
STATE_MISMATCH = (
    "Cette réponse du fournisseur d’identité ne correspond à aucune connexion en cours dans ce "
    "navigateur : la connexion a peut-être expiré (10 minutes), déjà abouti, ou été commencée "
    "dans un autre navigateur. Recommencez depuis la page de connexion de Pacte."
)
NO_CODE = (
    "La réponse du fournisseur d’identité est incomplète (il manque le code de connexion) : "
    "recommencez depuis la page de connexion de Pacte."
)
CANCELLED = (
    "La connexion a été annulée ou refusée chez {name} : vous n’êtes pas connecté à Pacte. "
    "Vous pouvez recommencer depuis la page de connexion."
)
PROVIDER_ERROR = (
    "{name} n’a pas pu vous authentifier (code « {error} ») : vous n’êtes pas connecté à Pacte. "
    "Recommencez ; si cela se reproduit, prévenez l’administrateur de Pacte."
)


def _refusal(
    request: HttpRequest, provider: Provider | None, message: str, *, status: int
) -> HttpResponse:
    response = render(
        request,
        "oidc/refused.html",
        {"message": message, "provider": provider},
        status=status,
    )
    add_never_cache_headers(response)
    return response


def _provider_or_404(request: HttpRequest, slug: str) -> Provider | HttpResponse:
    provider = conf.by_slug(slug)
    if provider is None:
        return _refusal(request, None, NOT_CONFIGURED, status=404)
    return provider


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


def _redirect_uri(request: HttpRequest, provider: Provider) -> str:
    return request.build_absolute_uri(reverse("oidc:callback", args=[provider.slug]))


@policy.page(get="session.login", choices={"provider": conf.SLUGS.values()})
@never_cache
def start(request: HttpRequest, provider: str) -> HttpResponse:
    """Sends the browser to the provider, with a new state, nonce and PKCE verifier kept in the
    session for the provider's return."""
    found = _provider_or_404(request, provider)
    if isinstance(found, HttpResponse):
        return found
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)
    redirect_uri = _redirect_uri(request, found)
    try:
        url = protocol.authorization_url(
            found, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier
        )
    except protocol.OidcError as exc:
        logger.warning("OpenID Connect %s: %s", found.key, exc.reason)
        return _refusal(request, found, exc.message, status=exc.status)
    now = time.time()
    flows = {
        key: flow
        for key, flow in (request.session.get(FLOWS) or {}).items()
        if isinstance(flow, dict) and now - flow.get("at", 0) < FLOW_SECONDS
    }
    flows[state] = {
        "provider": found.key,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": _safe_next(request, request.GET.get("next")),
        "at": now,
    }
    # The most recent logins under way only (several tabs), not an unbounded session.
    request.session[FLOWS] = dict(sorted(flows.items(), key=lambda kv: kv[1]["at"])[-MAX_FLOWS:])
    return redirect(url)


def _take_flow(request: HttpRequest, state: str) -> dict[str, Any] | None:
    flows = request.session.get(FLOWS) or {}
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS] = flows
    if not isinstance(flow, dict) or time.time() - flow.get("at", 0) > FLOW_SECONDS:
        return None
    return flow


@policy.page(get="session.login", choices={"provider": conf.SLUGS.values()}, atomic=False)
@never_cache
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider's return: the state checked against the session (once), the code exchanged
    for tokens, the ID token verified, the claims mapped to a Pacte user; then the session opens
    (or Pacte's second factor is asked, as after a password)."""
    found = _provider_or_404(request, provider)
    if isinstance(found, HttpResponse):
        return found
    params = request.GET
    flow = _take_flow(request, params.get("state", ""))
    if params.get("error"):
        error = params["error"][:60]
        template = CANCELLED if error == "access_denied" else PROVIDER_ERROR
        message = template.format(name=found.name, error=error)
        return _refusal(request, found, message[0].upper() + message[1:], status=400)
    if flow is None or flow.get("provider") != found.key:
        return _refusal(request, found, STATE_MISMATCH, status=400)
    code = params.get("code", "")
    if not code:
        return _refusal(request, found, NO_CODE, status=400)
    try:
        tokens = protocol.exchange_code(
            found, code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"]
        )
        claims = protocol.verify_id_token(found, tokens["id_token"], nonce=flow["nonce"])
        info = protocol.userinfo(
            found, str(tokens.get("access_token", "")), subject=str(claims["sub"])
        )
        issuer = protocol.metadata(found)["issuer"]
    except protocol.OidcError as exc:
        logger.warning("OpenID Connect %s refused: %s", found.key, exc.reason)
        return _refusal(request, found, exc.message, status=exc.status)
    merged = {**info, **{k: v for k, v in claims.items() if k not in info or k == "sub"}}
    try:
        user = services.oidc_login(provider=found, issuer=issuer, claims=merged)
    except ValidationError as exc:
        logger.info("OpenID Connect %s: login refused (%s)", found.key, exc.code)
        return _refusal(request, found, " ".join(error_texts(exc)), status=403)
    backend = "django.contrib.auth.backends.ModelBackend"
    if conf.trust_provider_second_factor():
        response = sessions.complete_login(request, user, backend=backend, redirect_to=flow["next"])
    else:
        response = sessions.begin_login(request, user, backend=backend, redirect_to=flow["next"])
    request.session[LOGGED_IN_WITH] = {"provider": found.key, "id_token": tokens["id_token"]}
    return response


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a login through a provider that publishes its end of session
    endpoint, the provider's session ends too. The browser is sent there by a page that says
    it (a `Refresh` of 0 s, and a link), not by a redirect of the logout form: a form's
    redirect to another site would meet the Content-Security-Policy's `form-action`."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        logged_in_with = request.session.get(LOGGED_IN_WITH)
        response = super().post(request, *args, **kwargs)
        if not isinstance(logged_in_with, dict):
            return response
        provider = conf.providers().get(str(logged_in_with.get("provider")))
        if provider is None:
            return response
        url = protocol.logout_url(
            provider,
            id_token=str(logged_in_with.get("id_token", "")),
            post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
            state=secrets.token_urlsafe(16),
        )
        if url is None:
            return response
        page = render(request, "oidc/logged_out.html", {"provider": provider, "url": url})
        page["Refresh"] = f"0; url={url}"
        add_never_cache_headers(page)
        return page
