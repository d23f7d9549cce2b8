from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from . import policy
from .models import ApiToken, AuditEvent, OutgoingMail, User, WorkerProcess

if TYPE_CHECKING:  # the admin classes take no type arguments when the program runs
    _UserAdmin = BaseUserAdmin[User]
    _AuditEventAdmin = admin.ModelAdmin[AuditEvent]
    _ApiTokenAdmin = admin.ModelAdmin[ApiToken]
    _OutgoingMailAdmin = admin.ModelAdmin[OutgoingMail]
    _WorkerProcessAdmin = admin.ModelAdmin[WorkerProcess]
else:
    _UserAdmin = BaseUserAdmin
    _AuditEventAdmin = _ApiTokenAdmin = _OutgoingMailAdmin = _WorkerProcessAdmin = admin.ModelAdmin


def _admin_has_permission(request: HttpRequest) -> bool:
    """Only active users who administer Pacte (policy: user.change) enter the admin."""
    user = request.user
    return bool(user.is_authenticated and user.is_staff and policy.allows(user, "user", "change"))


# The default site, restricted in place (a method replaced on the instance).
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]


@admin.register(User)
class UserAdmin(_UserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "role", "partner", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["partner"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # Django's own, never None
        ("Rôle dans Pacte", {"fields": ("role", "partner")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Rôle dans Pacte", {"fields": ("role", "partner", "email", "first_name", "last_name")}),
    )

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool
    ) -> None:
        # Those who administer Pacte (the policy's capability) have the Django admin, alone.
        administers = obj.role in policy.ADMINISTER.roles
        obj.is_staff = obj.is_superuser = administers
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditEventAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "object_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(_ApiTokenAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    # A token's scope and validity are chosen by its owner; the administrator may only revoke.
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(_OutgoingMailAdmin):
    """What was sent, what waits for the mail server and why (pacte.core.mail): read only."""

    list_display = ["created_at", "kind", "reference", "subject", "attempts", "status"]
    list_filter = ["kind"]
    search_fields = ["reference", "subject"]
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutgoingMail | None = None) -> bool:
        return False


@admin.register(WorkerProcess)
class WorkerProcessAdmin(_WorkerProcessAdmin):
    """The background workers and their last sign of life (pacte.core.worker): read only."""

    list_display = ["hostname", "pid", "worker_id", "started_at", "seen_at"]
    readonly_fields = [f.name for f in WorkerProcess._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkerProcess | None = None) -> bool:
        return False
