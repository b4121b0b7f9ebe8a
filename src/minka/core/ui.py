"""A small declarative description of a record type for the generic list/detail/edit pages.

Each app describes its entities once (columns, filters, related tables, form, selectors) and
`minka.core.views_entity` renders them, so every list gets the same search, filters, pagination,
export and history without repeating view code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.forms import ModelForm


@dataclass(frozen=True)
class Column:
    key: str  # dotted attribute path, or a "get_x_display" method name
    label: Any
    link: bool = False  # render as a link to the row's page
    text: Any = None  # fixed text shown instead of the value (e.g. an action's name)


@dataclass(frozen=True)
class Filter:
    name: str  # query-string parameter
    label: Any
    choices: Callable[[Any], Sequence[tuple[str, Any]]]  # (user) -> options


@dataclass(frozen=True)
class Related:
    label: Any
    rows: Callable[[Any, Any], QuerySet]  # (object, user) -> scoped rows
    columns: Sequence[Column]
    entity: str | None = None  # slug of the rows' entity, for links to their detail pages
    url_name: str | None = None  # or a named URL taking the row's pk (e.g. an action)


@dataclass(frozen=True)
class Action:
    """A button on a record's page, shown to users who may change the record."""

    label: Any
    url_name: str  # reversed with the record's pk


@dataclass(frozen=True)
class Entity:
    slug: str
    model: type[Model]
    title: Any
    list_selector: Callable[..., QuerySet]  # (*, user, params) -> QuerySet
    get_selector: Callable[..., Model]  # (*, user, pk, action) -> object or Http404
    columns: Sequence[Column]
    detail_fields: Sequence[Column]
    filters: Sequence[Filter] = ()
    related: Sequence[Related] = ()
    form_class: type[ModelForm] | None = None
    actions: Sequence[Action] = ()
    search_help: Any = ""
    export_columns: Sequence[Column] = field(default_factory=tuple)
    # (queryset, "csv" | "xlsx") -> file bytes; replaces the column export, e.g. to write the
    # import layout so an exported list imports back unchanged.
    exporter: Callable[[QuerySet, str], bytes] | None = None


REGISTRY: dict[str, Entity] = {}


def register(entity: Entity) -> Entity:
    REGISTRY[entity.slug] = entity
    return entity


def resolve(obj: Any, key: str) -> Any:
    """Follow a dotted path; call methods such as get_sex_display."""
    value = obj
    for part in key.split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, Model) and not hasattr(value, "all"):
            value = value()
    return value
