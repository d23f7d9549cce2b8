from django.contrib import admin

from pacte.core.admin import HistoryAdmin

from .models import Signatory


@admin.register(Signatory)
class SignatoryAdmin(HistoryAdmin):
    list_display = [
        "name",
        "quality",
        "side",
        "is_president",
        "partner",
        "delegation",
        "max_amount",
        "starts_on",
        "ends_on",
        "revoked_at",
    ]
    list_filter = ["side", "is_president"]
    search_fields = ["name", "quality", "delegation", "user__username"]
    autocomplete_fields = ["partner"]
    raw_id_fields = ["user"]
