from django.contrib import admin

from pacte.core.admin import HistoryAdmin

from .models import (
    Contract,
    ContractEvent,
    EngineeringRequest,
    Generation,
    Orientation,
    Pact,
    Partner,
    PriorityStake,
    SteeringCommittee,
    TerritorialForum,
)


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    list_display = ["name", "kind", "siren", "siret", "rna", "territory", "is_demo"]
    list_filter = ["kind", "territory", "is_demo"]
    search_fields = ["name", "siren", "siret", "rna"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["epci"]


class PactInline(admin.StackedInline):
    model = Pact
    extra = 0


class OrientationInline(admin.TabularInline):
    model = Orientation
    extra = 0


@admin.register(Generation)
class GenerationAdmin(HistoryAdmin):
    """Administrators set up a generation: period, framework deliberation, calendar, fund,
    pacts and orientations."""

    list_display = [
        "name",
        "period_start",
        "period_end",
        "framework_deliberation_number",
        "is_history",
    ]
    inlines = [PactInline, OrientationInline]
    fieldsets = [
        (None, {"fields": ["name", "period_start", "period_end", "previous", "is_history"]}),
        (
            "Délibération cadre",
            {"fields": ["framework_deliberation_number", "framework_deliberation_date"]},
        ),
        ("Calendrier", {"fields": ["forum_start", "forum_end", "first_contracts_vote"]}),
        ("Financement", {"fields": ["fund_name", "fund_description"]}),
        (
            "Règles du fonds (règlement départemental)",
            {
                "fields": [
                    "fund_max_rate",
                    "fund_ceiling_amount",
                    "min_project_amount",
                    "early_start_requires_authorisation",
                    "advance_max_percent",
                    "instalments_max_percent",
                    "start_deadline_years",
                    "start_extension_years",
                    "completion_deadline_years",
                    "lapse_warning_days",
                ],
                "description": "Valeurs par défaut et sources : docs/reglages.md.",
            },
        ),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow objects change through Pacte's pages, which keep their history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StakeInline(admin.TabularInline):
    model = PriorityStake
    extra = 0
    fields = ["title", "position"]
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = ContractEvent
    extra = 0
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["partner", "generation", "state", "vote_date"]
    list_filter = ["generation", "state", "partner__kind"]
    search_fields = ["partner__name"]
    list_select_related = ["partner", "generation"]
    inlines = [StakeInline, EventInline]


@admin.register(TerritorialForum)
class TerritorialForumAdmin(ReadOnlyAdmin):
    list_display = ["territory", "generation", "held_on", "place"]


@admin.register(SteeringCommittee)
class SteeringCommitteeAdmin(ReadOnlyAdmin):
    list_display = ["contract", "year", "held_on"]
    list_select_related = ["contract__partner"]


@admin.register(EngineeringRequest)
class EngineeringRequestAdmin(ReadOnlyAdmin):
    list_display = ["subject", "partner", "provider", "state", "requested_on"]
    list_filter = ["provider", "state"]
