from django.contrib import admin

from pacte.contracts.admin import ReadOnlyAdmin

from .models import Attachment, Operation, OperationEvent, ReciprocalCommitment


class EventInline(admin.TabularInline):
    model = OperationEvent
    extra = 0
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields
    can_delete = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["kind", "version", "original_name", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Operation)
class OperationAdmin(ReadOnlyAdmin):
    """Operations change through Pacte's pages, which keep their history."""

    list_display = ["reference", "title", "state", "category", "assigned_to"]
    list_filter = ["state", "category"]
    search_fields = ["reference", "title", "contract__partner__name"]
    list_select_related = ["assigned_to"]
    inlines = [AttachmentInline, EventInline]


@admin.register(ReciprocalCommitment)
class ReciprocalCommitmentAdmin(ReadOnlyAdmin):
    list_display = ["description", "kind", "contract", "state"]
    list_filter = ["kind", "state"]
    list_select_related = ["contract__partner", "contract__generation"]
