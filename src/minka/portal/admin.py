from django.contrib import admin

from minka.portal.models import IatiPublisher


@admin.register(IatiPublisher)
class IatiPublisherAdmin(admin.ModelAdmin):
    list_display = ["programme", "organisation_ref", "organisation_type", "organisation_name"]
    search_fields = ["programme__code", "organisation_ref", "organisation_name"]
