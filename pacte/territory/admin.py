from django.contrib import admin

from pacte.core.admin import HistoryAdmin

from .models import Canton, Commune, Councillor, Department, Epci, PoliticalGroup, Territory


class ReferentialAdmin(HistoryAdmin):
    """Imported from official data: read in the admin, corrected at the source."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(ReferentialAdmin):
    list_display = ["code", "name", "population", "commune_count"]
    readonly_fields = ["code", "name", "population", "commune_count", "ref_latitude"]
    exclude = ["svg_path", "svg_viewbox"]


@admin.register(Territory)
class TerritoryAdmin(HistoryAdmin):
    list_display = ["name", "house_name", "department", "is_demo"]
    list_filter = ["department", "is_demo"]
    search_fields = ["name", "house_name"]


@admin.register(Epci)
class EpciAdmin(ReferentialAdmin):
    list_display = ["name", "kind", "siren", "population", "commune_count", "territory"]
    list_filter = ["kind", "territory"]
    search_fields = ["name", "siren"]
    readonly_fields = [
        "siren",
        "name",
        "kind",
        "population",
        "commune_count",
        "commune_count_total",
    ]
    fields = readonly_fields + ["territory"]


@admin.register(Canton)
class CantonAdmin(ReferentialAdmin):
    list_display = ["code", "name", "department"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "name", "department", "composition"]


@admin.register(Commune)
class CommuneAdmin(ReferentialAdmin):
    list_display = ["insee_code", "name", "population", "epci"]
    search_fields = ["name", "insee_code"]
    list_select_related = ["epci"]
    readonly_fields = [
        "insee_code",
        "name",
        "population",
        "department",
        "epci",
        "cantons",
        "longitude",
        "latitude",
    ]
    exclude = ["svg_path"]


@admin.register(PoliticalGroup)
class PoliticalGroupAdmin(HistoryAdmin):
    list_display = ["name", "position", "department"]
    ordering = ["position"]


@admin.register(Councillor)
class CouncillorAdmin(HistoryAdmin):
    list_display = [
        "last_name",
        "first_name",
        "canton",
        "function",
        "political_group",
        "group_is_fictitious",
        "in_office",
    ]
    list_filter = ["function", "political_group", "in_office"]
    list_select_related = ["canton", "political_group"]
    search_fields = ["last_name", "first_name"]
    readonly_fields = [
        "canton",
        "last_name",
        "first_name",
        "civility",
        "birth_date",
        "mandate_start",
        "function",
        "function_rank",
        "in_office",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
