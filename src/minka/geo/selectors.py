"""Reads of the gazetteer (reference data) and of territories (scoped)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from minka.core.scope import Action, restrict, user_scope
from minka.core.selectors import get_for_user, param
from minka.geo.models import AdminArea, Territory


def area_list(*, user: Any, params: Any = None) -> QuerySet[AdminArea]:
    queryset = restrict(AdminArea.objects.select_related("parent"), user)
    query = param(params, "q")
    if query.isdigit():
        queryset = queryset.filter(Q(code__startswith=query) | Q(reniec_code__startswith=query))
    elif query:
        queryset = queryset.filter(name__icontains=query)
    level = param(params, "level")
    if level in ("1", "2", "3"):
        queryset = queryset.filter(level=int(level))
    parent = param(params, "area")
    if parent.isdigit():
        queryset = queryset.filter(path__startswith=parent)
    return queryset


def get_area_for_user(*, user: Any, pk: Any, action: Action = "view") -> AdminArea:
    return get_for_user(
        AdminArea.objects.select_related("parent__parent"), user=user, pk=pk, action=action
    )


def area_filter_choices(user: Any) -> list[tuple[str, str]]:
    """Departments and provinces the user works in, for list filters."""
    scope = user_scope(user).view
    queryset = AdminArea.objects.filter(level__lte=2)
    if not scope.everything:
        paths = scope.area_paths
        if not paths:
            return []
        condition = Q()
        for path in paths:
            # the area itself and what lies below it, plus its ancestors for context
            condition |= Q(path__startswith=path) | Q(
                path__in=[path[:i] for i in range(2, len(path), 2)]
            )
        queryset = queryset.filter(condition)
    return [
        (a.path, ("— " if a.level == 2 else "") + a.name)
        for a in queryset.only("path", "name", "level")
    ]


def territory_list(*, user: Any, params: Any = None) -> QuerySet[Territory]:
    queryset = restrict(
        Territory.objects.select_related("area", "programme")
        .annotate(community_count=Count("communities"))
        .order_by("name"),
        user,
    )
    query = param(params, "q")
    if query:
        queryset = queryset.filter(name__icontains=query)
    return queryset


def get_territory_for_user(*, user: Any, pk: Any, action: Action = "view") -> Territory:
    return get_for_user(
        Territory.objects.select_related("area", "programme"), user=user, pk=pk, action=action
    )
