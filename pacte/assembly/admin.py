from django.contrib import admin

from pacte.core.admin import HistoryAdmin

from .models import Attendance, Proxy, Sitting, ThematicCommission


@admin.register(ThematicCommission)
class ThematicCommissionAdmin(HistoryAdmin):
    list_display = ["number", "name", "report_name"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["position", "civility", "name", "status", "councillor"]
    raw_id_fields = ["councillor"]


@admin.register(Sitting)
class SittingAdmin(HistoryAdmin):
    list_display = ["held_on", "body", "president", "place"]
    inlines = [AttendanceInline]


@admin.register(Proxy)
class ProxyAdmin(HistoryAdmin):
    list_display = ["sitting", "giver", "holder", "is_demo"]
    list_select_related = ["sitting", "giver", "holder"]
