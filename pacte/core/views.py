from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers

from . import fragments, health, policy, settings_history
from .forms import ApiTokenForm, SettingsHistoryFilterForm
from .models import AuditEvent, User
from .selectors import api_token_get, api_token_list, settings_history_list
from .services import api_token_create, api_token_revoke


class SignedInRequest(HttpRequest):
    """The request of a page whose rule only signed-in users pass (`account.*`): the policy sends
    anonymous visitors to the login page before the view runs."""

    user: User


@policy.page(get="account.read")
def home(request: SignedInRequest) -> HttpResponse:
    """What waits for the user (« À traiter », from pacte.pilotage), then where to go."""
    return render(request, "core/home.html", fragments.collect("home", user=request.user))


def _account_page(request: SignedInRequest, form: ApiTokenForm, **context: object) -> HttpResponse:
    response = render(
        request,
        "core/account.html",
        {
            "tokens": api_token_list(user=request.user),
            "form": form,
            "can_create_token": policy.allows(request.user, "account", "change"),
            # The password and the second factor (pacte.accounts).
            **fragments.collect("account", user=request.user),
            **context,
        },
    )
    # The page may show a new token's secret: no cache keeps it.
    add_never_cache_headers(response)
    return response


# A new token's secret waits in the session for the one page that shows it.
NEW_TOKEN_KEY = "pacte_new_token"


@policy.page(get="account.read")
def account(request: SignedInRequest) -> HttpResponse:
    shown = request.session.pop(NEW_TOKEN_KEY, None)
    context: dict[str, object] = {}
    if shown:
        token = next((t for t in api_token_list(user=request.user) if t.pk == shown["pk"]), None)
        if token is not None:
            context = {"new_token": shown["raw"], "new_token_obj": token}
    return _account_page(request, ApiTokenForm(), **context)


@policy.page(post="account.change")
def token_create(request: SignedInRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Shown once by the account page: reloading it neither shows the secret again nor
            # creates another token.
            request.session[NEW_TOKEN_KEY] = {"pk": token.pk, "raw": raw}
            return redirect("account")
    return _account_page(request, form)


@policy.page(post="account.change")
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = api_token_get(user=request.user, pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Le jeton « {token.name} » est révoqué.")
    return redirect("account")


def _health_response(request: HttpRequest, state: health.Health) -> JsonResponse:
    """200 when every check is ok, 503 otherwise; the checks' details (queue, disk, worker) only
    for the internal network or a request bearing the health token, the status for others."""
    body = state.as_dict() if health.may_see_details(request) else state.summary()
    response = JsonResponse(body, status=200 if state.ok else 503)
    add_never_cache_headers(response)
    return response


@policy.page(get="health.read")
def health_page(request: HttpRequest) -> JsonResponse:
    """Every check, for monitoring."""
    return _health_response(request, health.health())


@policy.page(get="health.read")
def web_health_page(request: HttpRequest) -> JsonResponse:
    """A web process's fitness to serve, for the load balancer: its database answers."""
    return _health_response(request, health.web_health())


SETTINGS_HISTORY_PER_PAGE = 50


@policy.page(get="audit.read")
def settings_history_page(request: SignedInRequest) -> HttpResponse:
    """The history of settings: what the administration changed, by whom, when, the old and new
    values; filtered by kind of object and by days, fifty a page. A filter that cannot be read
    answers 400 with its French message."""
    form = SettingsHistoryFilterForm(request.GET, types=settings_history.tracked_types())
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {}
    events = settings_history_list(
        user=request.user,
        object_type=filters.get("type") or "",
        object_id=filters.get("identifiant") or "",
        since=filters.get("du"),
        until=filters.get("au"),
    )
    page = Paginator(events if valid else events.none(), SETTINGS_HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    lines = [
        {
            "row": row,
            "when": settings_history.format_datetime(row.at),
            "text": settings_history.describe_what(row),
            "admin_url": _admin_history_url(row),
        }
        for row in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "lines": lines,
        "filtered": any(filters.values()),
    }
    return render(request, "core/settings_history.html", context, status=200 if valid else 400)


def _admin_history_url(row: AuditEvent) -> str:
    """The object's history in the administration ("" once it is deleted)."""
    if row.action == "admin.delete":
        return ""
    app_label, _, model_name = row.object_type.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_history", args=[row.object_id])
    except NoReverseMatch:
        return ""


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose CSRF check failed (an expired page, cookies refused): said in French, on
    Pacte's own page (Django's default one is in English and styled inline)."""
    return render(
        request,
        "403.html",
        {
            "exception": "Ce formulaire a expiré ou n'a pas pu être vérifié : rechargez la page, "
            "puis envoyez-le à nouveau. Si cela se reproduit, vérifiez que votre navigateur "
            "accepte les cookies de ce site."
        },
        status=403,
    )


DATABASE_DOWN = (
    "La base de données de Pacte ne répond pas pour le moment : rien n'a été enregistré. "
    "Réessayez dans un instant."
)
UNEXPECTED = (
    "Pacte a rencontré une erreur imprévue : rien n'a été enregistré. L'équipe d'exploitation en "
    "est avertie ; réessayez dans un instant."
)


def server_error(request: HttpRequest) -> HttpResponse:
    """What an error no view could answer gets (Django's `handler500`): a database that does
    not answer is a 503 to retry, anything else a 500 — in French, as JSON under /api/, on a
    page that needs neither the database nor a signed-in user."""
    import sys

    from django.db import DatabaseError
    from django.template import loader

    error = sys.exc_info()[1]
    down = isinstance(error, DatabaseError)
    status, message = (503, DATABASE_DOWN) if down else (500, UNEXPECTED)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        title = "Service momentanément indisponible" if down else "Erreur du serveur"
        page = loader.get_template("500.html").render({"title": title, "message": message})
        response = HttpResponse(page, status=status)
    if down:
        response["Retry-After"] = "30"
    return response
