"""The administration of local accounts: unlock a login, reset a second factor (a lost
telephone), follow the invitations. Each action goes through its service (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from pacte.core.errors import error_texts

from . import services
from .models import Invitation, LoginThrottle, SecondFactor

if TYPE_CHECKING:
    _ThrottleAdmin = admin.ModelAdmin[LoginThrottle]
    _SecondFactorAdmin = admin.ModelAdmin[SecondFactor]
    _InvitationAdmin = admin.ModelAdmin[Invitation]
else:
    _ThrottleAdmin = _SecondFactorAdmin = _InvitationAdmin = admin.ModelAdmin


def _admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The administration's own login page would skip the throttling and the second factor:
    it sends visitors to Pacte's login page instead, and refuses (403) someone logged in whom
    the policy keeps out (Pacte's login page would send them back here)."""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(reverse("admin:index"))
        raise PermissionDenied("Votre rôle ne permet pas d'entrer dans l'administration de Pacte.")
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("login")
    )


# The default site, its login replaced in place (as core.admin restricts who enters).
admin.site.login = _admin_login  # type: ignore[method-assign,assignment]


def _run(request: HttpRequest, done: str, action, items) -> None:
    count = 0
    for item in items:
        try:
            action(item)
        except ValidationError as exc:
            for text in error_texts(exc):
                messages.error(request, text)
        else:
            count += 1
    if count:
        messages.success(request, done.format(count=count))


@admin.register(LoginThrottle)
class LoginThrottleAdmin(_ThrottleAdmin):
    list_display = ["scope", "key", "failures", "lockouts", "locked_until", "last_failure_at"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = [f.name for f in LoginThrottle._meta.fields]
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False  # unlocking is the action below, audited

    @admin.action(description="Débloquer la connexion (oublier les échecs)")
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        _run(
            request,
            "{count} blocage(s) levé(s).",
            lambda row: services.throttle_unlock(actor=request.user, throttle=row),
            queryset,
        )


@admin.register(SecondFactor)
class SecondFactorAdmin(_SecondFactorAdmin):
    list_display = ["user", "confirmed_at", "last_used_at"]
    search_fields = ["user__username", "user__last_name", "user__email"]
    fields = ["user", "confirmed_at", "last_used_at"]
    readonly_fields = fields
    actions = ["reset"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecondFactor | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SecondFactor | None = None) -> bool:
        return False  # a reset is the action below, audited

    @admin.action(
        description="Réinitialiser le second facteur (nouvelle clé à la prochaine connexion)"
    )
    def reset(self, request: HttpRequest, queryset: QuerySet[SecondFactor]) -> None:
        _run(
            request,
            "{count} second(s) facteur(s) réinitialisé(s) : une nouvelle clé sera demandée à la "
            "prochaine connexion.",
            lambda factor: services.second_factor_reset(actor=request.user, user=factor.user),
            queryset.select_related("user"),
        )

    def get_actions(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        # Deleting is not offered: a reset is the audited action above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Invitation)
class InvitationAdmin(_InvitationAdmin):
    list_display = ["user", "partner", "invited_by", "created_at", "expires_at", "accepted_at"]
    search_fields = ["user__username", "user__email", "partner__name"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False  # an invitation is replaced by sending it again (audited), not deleted
