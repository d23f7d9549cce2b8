from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers

from . import health, policy
from .forms import ApiTokenForm
from .models import User
from .selectors import api_token_get, api_token_list
from .services import api_token_create, api_token_revoke


class SignedInRequest(HttpRequest):
    """The request of a page whose rule only signed-in users pass (`account.*`): the policy sends
    anonymous visitors to the login page before the view runs."""

    user: User


@policy.page(get="account.read")
def home(request: SignedInRequest) -> HttpResponse:
    if request.user.partner_id is not None:
        return redirect("contracts:partner_detail", pk=request.user.partner_id)
    return render(request, "core/home.html")


def _account_page(request: SignedInRequest, form: ApiTokenForm, **context: object) -> HttpResponse:
    response = render(
        request,
        "core/account.html",
        {
            "tokens": api_token_list(user=request.user),
            "form": form,
            "can_create_token": policy.allows(request.user, "account", "change"),
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


class LoginView(auth_views.LoginView):
    """The login page. The password is checked (a deliberately slow hash) before any write,
    and the session is then written in one short transaction: on SQLite, a transaction holds
    the whole database, and twenty people logging in at once must not queue behind the hashes
    of the others."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        with transaction.atomic():
            return super().form_valid(form)


def _health_response(state: health.Health) -> JsonResponse:
    response = JsonResponse(state.as_dict(), status=200 if state.ok else 503)
    add_never_cache_headers(response)
    return response


@policy.page(get="health.read")
def health_page(request: HttpRequest) -> JsonResponse:
    """Every check, for monitoring: 200 when all are ok, 503 otherwise."""
    return _health_response(health.health())


@policy.page(get="health.read")
def web_health_page(request: HttpRequest) -> JsonResponse:
    """A web process's fitness to serve, for the load balancer: its database answers."""
    return _health_response(health.web_health())
