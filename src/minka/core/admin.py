from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from minka.core.models import ApiToken, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["programme", "local_office", "organization", "provider"]


@admin.register(User)
class MinkaUserAdmin(UserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "programme", "local_office", "organization", "provider"]
    list_filter = ["role", "programme"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user", "programme", "local_office", "organization", "provider"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    search_fields = ["user__username", "name"]
