from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minka.geo.models import AdminArea, Territory


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "reniec_code", "poverty_rate"]
    list_filter = ["level", "country"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Territory)
class TerritoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "programme", "area"]
    list_filter = ["kind", "programme"]
    search_fields = ["code", "name"]
    raw_id_fields = ["area"]
