from django.contrib import admin

from pacte.core import settings_history
from pacte.core.admin import HistoryAdmin
from pacte.core.french import format_money

from .models import APRevision, PaymentCredit, ProgrammeAuthorisation


class RevisionInline(admin.TabularInline):
    """The AP's votes: never changed once written."""

    model = APRevision
    extra = 0
    fields = ["number", "amount", "deliberation_number", "voted_on", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CreditInline(admin.TabularInline):
    model = PaymentCredit
    extra = 0
    fields = ["year", "amount", "deliberation_number"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgrammeAuthorisation)
class ProgrammeAuthorisationAdmin(HistoryAdmin):
    """The AP's name is set here. Its amount changes by a revision that the assembly votes, and
    its payment credits year by year, on the fund's pages (/finances/ap/…), which check them
    against what is committed and paid: both are recorded in the history of settings too."""

    list_display = ["label", "generation", "current_amount"]
    list_select_related = ["generation"]
    fields = ["generation", "label", "current_amount"]
    readonly_fields = ["generation", "current_amount"]
    inlines = [RevisionInline, CreditInline]

    @admin.display(description="montant en vigueur")
    def current_amount(self, obj):
        return format_money(obj.amount)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The payment credits, set on the fund's pages, are found in the history under their own name.
settings_history.track(PaymentCredit)
