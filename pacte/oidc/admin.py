from django.contrib import admin

from pacte.core.admin import HistoryAdmin

from .models import OidcIdentity


@admin.register(OidcIdentity)
class OidcIdentityAdmin(HistoryAdmin):
    """The links between Pacte users and their identity providers. Deleting one unlinks the
    account: the person's next login through that provider creates a new account, or is
    refused if its e-mail is taken."""

    list_display = ["user", "provider", "subject", "last_login_at", "last_siret"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__email", "subject", "last_siret"]
    readonly_fields = [
        "user",
        "provider",
        "issuer",
        "subject",
        "created_at",
        "last_login_at",
        "last_siret",
        "last_groups",
    ]

    def has_add_permission(self, request, obj=None):
        return False
