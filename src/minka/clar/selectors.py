"""Reads of the CLAR, scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from minka.clar.models import Call, ClarEvent, Initiative, Juror
from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param


def call_list(*, user: Any, params: Any = None) -> QuerySet[Call]:
    queryset = restrict(
        Call.objects.select_related("programme").annotate(initiative_count=Count("initiatives")),
        user,
    )
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return queryset.order_by("-opens_on", "code")


def get_call_for_user(*, user: Any, pk: Any, action: Action = "view") -> Call:
    return get_for_user(
        Call.objects.select_related("programme", "funding_source"), user=user, pk=pk, action=action
    )


def initiative_list(*, user: Any, params: Any = None) -> QuerySet[Initiative]:
    queryset = restrict(
        Initiative.objects.select_related("organization__district", "call"), user
    ).order_by("call_id", "code")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(code__icontains=query)
            | Q(title__icontains=query)
            | Q(organization__name__icontains=query)
        )
    for name in ("state", "instrument"):
        value = param(params, name)
        if value:
            queryset = queryset.filter(**{name: value})
    call = param(params, "call")
    if call.isdigit():
        queryset = queryset.filter(call_id=call)
    return queryset


def get_initiative_for_user(*, user: Any, pk: Any, action: Action = "view") -> Initiative:
    return get_for_user(
        Initiative.objects.select_related("organization__district", "call__programme"),
        user=user,
        pk=pk,
        action=action,
    )


def event_list(*, user: Any, params: Any = None) -> QuerySet[ClarEvent]:
    juror_events = (
        Juror.objects.filter(user_id=user.pk).values_list("event_id", flat=True)
        if getattr(user, "is_authenticated", False)
        else []
    )
    queryset = restrict(
        ClarEvent.objects.select_related("programme", "area"), user
    ) | ClarEvent.objects.filter(pk__in=juror_events)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(place__icontains=query))
    return queryset.distinct().order_by("-held_on", "-id")


def get_event_for_user(*, user: Any, pk: Any, action: Action = "view") -> ClarEvent:
    """Staff by scope; a juror also reads the events whose jury it sits on."""
    queryset = ClarEvent.objects.select_related("programme", "area", "call")
    user_id = getattr(user, "pk", None)
    if action == "view" and user_id and Juror.objects.filter(event_id=pk, user_id=user_id).exists():
        return queryset.get(pk=pk)
    return get_for_user(queryset, user=user, pk=pk, action=action)
