"""Reads of programmes, funding sources and local offices, scoped by `restrict`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Sum

from minka.core.money import Money
from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param
from minka.programmes.models import FundingSource, LocalOffice, Programme


def programme_list(*, user: Any, params: Any = None) -> QuerySet[Programme]:
    queryset = restrict(Programme.objects.all(), user)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(name__icontains=query) | queryset.filter(code__istartswith=query)
    return queryset


def get_programme_for_user(*, user: Any, pk: Any, action: Action = "view") -> Programme:
    return get_for_user(Programme.objects.all(), user=user, pk=pk, action=action)


def funding_sources_of(*, user: Any, programme: Programme) -> QuerySet[FundingSource]:
    return restrict(FundingSource.objects.filter(programme=programme), user)


def funding_totals(*, user: Any, programme: Programme) -> list[Money]:
    """Funding per currency; USD and PEN are never added together without a recorded rate."""
    rows = (
        funding_sources_of(user=user, programme=programme)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("currency")
    )
    return [Money(int(r["total"]), r["currency"]) for r in rows]


def local_office_list(*, user: Any, params: Any = None) -> QuerySet[LocalOffice]:
    queryset = restrict(LocalOffice.objects.select_related("programme", "head"), user)
    programme = param(params, "programme")
    if programme.isdigit():
        queryset = queryset.filter(programme_id=programme)
    return queryset


def get_local_office_for_user(*, user: Any, pk: Any, action: Action = "view") -> LocalOffice:
    return get_for_user(
        LocalOffice.objects.select_related("programme", "head"), user=user, pk=pk, action=action
    )


def offices_of(*, user: Any, programme: Programme) -> QuerySet[LocalOffice]:
    return restrict(LocalOffice.objects.filter(programme=programme), user).prefetch_related("areas")
