"""The ledger in Django's admin: read-only. Journals are posted and corrected only through the
services (and the database refuses changes to posted rows anyway)."""

from django.contrib import admin

from minka.ledger import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LegInline(admin.TabularInline):
    model = models.Leg
    fields = ["account", "amount_minor", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "programme", "kind", "currency", "commitment", "concept"]
    list_filter = ["kind", "currency", "programme"]
    search_fields = ["name", "key", "commitment"]
    list_select_related = ["programme"]


@admin.register(models.Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ["id", "programme", "kind", "effective_date", "memo", "posted_by", "sealed"]
    list_filter = ["kind", "programme"]
    search_fields = ["memo", "reference", "idempotency_key"]
    date_hierarchy = "effective_date"
    list_select_related = ["programme", "posted_by"]
    inlines = [LegInline]


@admin.register(models.ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["date", "base", "quote", "rate_millionths", "source", "recorded_by"]
    list_filter = ["base", "quote", "source"]
    date_hierarchy = "date"
