"""Pages of local accounts: login (password, then the second factor for those who need one),
password change and reset, invitations of partners' users."""

import io

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache

from pacte.contracts.selectors import partner_get
from pacte.core import fragments, policy
from pacte.core.errors import error_texts
from pacte.core.french import format_date
from pacte.core.ids import valid_id
from pacte.core.models import User

from . import conf, selectors, services, sessions
from .forms import (
    AccountPasswordChangeForm,
    CodeForm,
    EnrolForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .models import LoginThrottle
from .services import second_factor as totp
from .services import throttle

# --- Login ----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The login page: username and password, checked (a deliberately slow hash) before any
    write; then the session opens in one short transaction (`sessions.complete_login`) — on
    SQLite a transaction holds the whole database, and twenty people logging in at once must not
    queue behind the hashes of the others — or the second factor is asked.

    Other login methods (OpenID Connect) add their button through the `login` fragments slot:
    `@fragments.provide("login", "oidc")` returning {"label": …, "url": …}."""

    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        methods = fragments.collect("login", request=self.request).values()
        context["other_login_methods"] = [m for m in methods if m]
        context["session_expired"] = sessions.expired_message(
            self.request.session.pop(sessions.EXPIRED, None)
        )
        return context

    def form_valid(self, form):
        user = form.get_user()
        return sessions.begin_login(
            self.request,
            user,
            backend=getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
            redirect_to=self.get_success_url(),
        )


# --- Second factor --------------------------------------------------------------------------

SECOND_STEP_EXPIRED = (
    "Votre connexion n'est plus en cours (elle attend le code 10 minutes au plus) : "
    "reprenez-la depuis le début."
)


def _no_pending(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    response = render(
        request, "accounts/second_factor_expired.html", {"message": SECOND_STEP_EXPIRED}
    )
    add_never_cache_headers(response)
    return response


def _second_factor_lock(user: User):
    return throttle.lock_of(LoginThrottle.Scope.SECOND_FACTOR, user.pk)


@policy.page(get="session.login", post="session.login", atomic=False)
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code of the user's application, or a recovery code."""
    user = sessions.pending_user(request)
    if user is None:
        return _no_pending(request)
    if not selectors.has_second_factor(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lock = _second_factor_lock(user)
        if lock is not None:
            form.add_error(None, lock.message)
        else:
            used = totp.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if used is not None:
                throttle.success(scope=LoginThrottle.Scope.SECOND_FACTOR, key=user.pk)
                response = sessions.complete_pending(request, user)
                if used == "recovery":
                    left = totp.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"Vous vous êtes connecté avec un code de secours : il vous en reste "
                        f"{left}. Renouvelez-les depuis « Mon compte » s'il en reste peu.",
                    )
                return response
            lock = throttle.failure(scope=LoginThrottle.Scope.SECOND_FACTOR, key=user.pk)
            form.add_error("code", totp.WRONG_CODE)
            if lock is not None:
                form.add_error(None, lock.message)
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "pending": user},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


ENROL_SECRET = "pacte_enrol_secret"


@policy.page(get="session.login", post="session.login", atomic=False)
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """At the first login of a user who needs a second factor: a new key, shown as a QR code
    and as text, confirmed by a first code; then the recovery codes, shown once."""
    user = sessions.pending_user(request)
    if user is None:
        return _no_pending(request)
    if selectors.has_second_factor(user):
        return redirect("accounts:second_factor")
    secret = request.session.get(ENROL_SECRET)
    if not isinstance(secret, str) or not secret:
        secret = request.session[ENROL_SECRET] = totp.new_secret()
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lock = _second_factor_lock(user)
        if lock is not None:
            form.add_error(None, lock.message)
        else:
            try:
                _, codes = services.second_factor_enrol(
                    actor=user, user=user, secret=secret, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                lock = throttle.failure(scope=LoginThrottle.Scope.SECOND_FACTOR, key=user.pk)
                form.add_error(None, exc)
                if lock is not None:
                    form.add_error(None, lock.message)
            else:
                request.session.pop(ENROL_SECRET, None)
                response = sessions.complete_pending(
                    request, user, then=reverse("accounts:recovery_codes")
                )
                request.session[sessions.NEW_RECOVERY_CODES] = codes
                return response
    context = {
        "form": form,
        "pending": user,
        "key": totp.grouped(secret),
        "issuer": conf.totp_issuer(),
    }
    return render(
        request,
        "accounts/enrol.html",
        context,
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


@policy.page(get="session.login")
@never_cache
def enrol_qr_code(request: HttpRequest) -> HttpResponse:
    """The QR code of the key being enrolled, as an SVG file (no inline script or style)."""
    user = sessions.pending_user(request)
    secret = request.session.get(ENROL_SECRET)
    if user is None or not isinstance(secret, str) or not secret:
        return redirect("accounts:enrol")
    qr = segno.make(totp.provisioning_uri(user, secret), error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=5, border=4, title="Clé du second facteur de Pacte")
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@policy.page(get="account.read")
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once, right after they are made."""
    codes = request.session.pop(sessions.NEW_RECOVERY_CODES, None)
    after = request.session.pop(sessions.AFTER_CODES, None) or reverse("home")
    if not codes:
        return redirect("account")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "after": after})


@policy.page(post="account.password")
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.recovery_codes_renew(actor=request.user, user=request.user)
    except ValidationError as exc:
        for text in error_texts(exc):
            messages.error(request, text)
        return redirect("account")
    request.session[sessions.NEW_RECOVERY_CODES] = codes
    request.session[sessions.AFTER_CODES] = reverse("account")
    return redirect("accounts:recovery_codes")


# --- Passwords ------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = AccountPasswordChangeForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        user = self.request.user
        services.password_change(
            actor=user,
            user=user,
            current_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
        # This session stays open; the user's other sessions end (they carry the old hash).
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "Votre mot de passe est changé.")
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        hours = int(conf.reset_validity().total_seconds() // 3600)
        return {**super().get_context_data(**kwargs), "hours": hours}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's: the link's token is moved to the session, then checked (valid 24 h, and once:
    it is signed with the password it replaces). An unknown, used or expired link gets a French
    page saying so."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def get_context_data(self, **kwargs):
        hours = int(conf.reset_validity().total_seconds() // 3600)
        return {**super().get_context_data(**kwargs), "hours": hours}

    def get_user(self, uidb64):
        # An id beyond the database's range designates no one: it is not asked to the database
        # (PostgreSQL would refuse it with an error).
        try:
            uid = urlsafe_base64_decode(uidb64).decode()
        except (TypeError, ValueError, UnicodeDecodeError):
            return None
        if valid_id(uid) is None:
            return None
        return super().get_user(uidb64)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Invitations ----------------------------------------------------------------------------


@policy.page(post="partner.invite")
def partner_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent invites a partner's staff member (the form of the partner's page), or sends an
    invitation again (`renvoyer`: the invited user's id)."""
    partner = partner_get(user=request.user, pk=pk)
    back = reverse("contracts:partner_detail", args=[partner.pk]) + "#utilisateurs"
    if "renvoyer" in request.POST:
        invited = next(
            (
                a.user
                for a in selectors.partner_accounts(user=request.user, partner=partner)
                if a.user.pk == valid_id(request.POST["renvoyer"])
            ),
            None,
        )
        if invited is None:
            messages.error(request, "Cette personne n'est pas un utilisateur de ce partenaire.")
            return redirect(back)
        try:
            invitation = services.invitation_resend(
                actor=request.user, partner=partner, user=invited
            )
        except ValidationError as exc:
            for text in error_texts(exc):
                messages.error(request, text)
        else:
            messages.success(request, _sent(invitation))
        return redirect(back)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user, partner=partner, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _sent(invitation))
            return redirect(back)
    return render(
        request,
        "accounts/invitation_form.html",
        {"partner": partner, "form": form, "invitation_days": conf.invitation_validity().days},
        status=400,
    )


def _sent(invitation) -> str:
    return (
        f"Invitation envoyée à {invitation.user.get_full_name()} ({invitation.user.email}) : "
        f"le lien vaut jusqu'au {format_date(invitation.expires_at.date())}, une fois."
    )


@policy.page(get="session.invitation", post="session.invitation", atomic=False)
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person chooses a password, and is logged in."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        response = render(
            request,
            "accounts/invitation_invalid.html",
            {"message": services.invitations.INVALID_LINK},
        )
        add_never_cache_headers(response)
        return response
    form = NewPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                raw=token, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            for text in error_texts(exc):
                form.add_error(None, text)
        else:
            messages.success(request, f"Bienvenue dans Pacte, {user.get_full_name()}.")
            return sessions.begin_login(
                request,
                user,
                backend="django.contrib.auth.backends.ModelBackend",
                redirect_to=reverse("home"),
            )
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )
