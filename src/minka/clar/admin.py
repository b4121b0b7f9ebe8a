"""Administrators define programme rubrics (new versions of the criteria sets) here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minka.clar.models import Call, ClarEvent, Envelope, Initiative, Rubric, RubricCriterion


class CriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 1


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "instrument", "stage", "version", "weight", "active"]
    list_filter = ["instrument", "stage", "active", "programme"]
    inlines = [CriterionInline]


class EnvelopeInline(admin.TabularInline):
    model = Envelope
    extra = 0
    raw_id_fields = ["area"]


@admin.register(Call)
class CallAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "programme", "opens_on", "closes_on"]
    inlines = [EnvelopeInline]


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "organization", "instrument", "state"]
    list_filter = ["state", "instrument"]
    search_fields = ["code", "title"]
    raw_id_fields = ["organization", "pit", "call"]


@admin.register(ClarEvent)
class ClarEventAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "held_on", "state"]
    raw_id_fields = ["area"]
