from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minka.registry import models


class BoardInline(admin.TabularInline):
    model = models.BoardPosition
    extra = 0
    raw_id_fields = ["person"]


@admin.register(models.Community)
class CommunityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "district", "altitude_m"]
    search_fields = ["code", "name"]
    raw_id_fields = ["district"]
    filter_horizontal = ["territories"]


@admin.register(models.Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "community"]
    search_fields = ["code"]
    raw_id_fields = ["community"]


@admin.register(models.Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["dni", "first_names", "paternal_surname", "maternal_surname", "sex"]
    search_fields = ["dni", "paternal_surname", "first_names"]
    list_filter = ["sex"]
    raw_id_fields = ["household", "district"]


@admin.register(models.Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "district", "ruc"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "ruc"]
    raw_id_fields = ["community", "district"]
    inlines = [BoardInline]


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "person", "joined_on", "left_on"]
    raw_id_fields = ["organization", "person"]


@admin.register(models.Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "district"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "ruc"]
    raw_id_fields = ["person", "district"]


@admin.register(models.FinancialInstitution)
class FinancialInstitutionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "sbs_regulated"]
    list_filter = ["kind", "sbs_regulated"]
    search_fields = ["name", "short_name"]


@admin.register(models.BankAccount)
class BankAccountAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "institution", "number", "status"]
    list_filter = ["status", "institution"]
    search_fields = ["number", "organization__name"]
    raw_id_fields = ["organization", "verified_by"]
