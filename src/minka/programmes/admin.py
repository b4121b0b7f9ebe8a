from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minka.programmes.models import FundingSource, LocalOffice, Programme


class FundingSourceInline(admin.TabularInline):
    model = FundingSource
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "starts_on", "ends_on"]
    search_fields = ["code", "name"]
    filter_horizontal = ["coverage_areas"]
    inlines = [FundingSourceInline]


@admin.register(LocalOffice)
class LocalOfficeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "programme", "town", "head"]
    list_filter = ["programme"]
    search_fields = ["name", "town"]
    filter_horizontal = ["areas"]
