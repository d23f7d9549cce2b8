from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import policy
from .models import ApiToken, AuditEvent, User
from .roles import Role


def _admin_has_permission(request) -> bool:
    """Only active users who administer Pacte (policy: user.change) enter the admin."""
    user = request.user
    return bool(user.is_authenticated and user.is_staff and policy.allows(user, "user", "change"))


admin.site.has_permission = _admin_has_permission


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "role", "partner", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["partner"]
    fieldsets = BaseUserAdmin.fieldsets + (("Rôle dans Pacte", {"fields": ("role", "partner")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Rôle dans Pacte", {"fields": ("role", "partner", "email", "first_name", "last_name")}),
    )

    def save_model(self, request, obj, form, change):
        # Administrators manage Pacte; the Django admin is theirs alone.
        obj.is_staff = obj.role == Role.ADMIN
        obj.is_superuser = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "object_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False
