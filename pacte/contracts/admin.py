from django.contrib import admin

from .models import Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siren", "siret", "rna", "territory", "is_demo"]
    list_filter = ["kind", "territory", "is_demo"]
    search_fields = ["name", "siren", "siret", "rna"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["epci"]
