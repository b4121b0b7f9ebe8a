"""Generic list, detail, edit and export pages driven by an `Entity` description."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.history import history_rows
from minka.core.scope import can, may_create
from minka.core.services import record_save
from minka.core.tabular import write_csv, write_xlsx
from minka.core.ui import Column, Entity, resolve

RELATED_LIMIT = 200  # rows shown per related table on a detail page


def _cells(obj: Any, columns: Sequence[Column]) -> list[tuple[Column, Any]]:
    return [
        (column, column.text if column.text is not None else resolve(obj, column.key))
        for column in columns
    ]


def entity_list(request: HttpRequest, entity: Entity) -> HttpResponse:
    queryset = entity.list_selector(user=request.user, params=request.GET)
    paginator = Paginator(queryset, per_page=25)
    page = paginator.get_page(request.GET.get("page"))
    filters = [(f, f.choices(request.user), request.GET.get(f.name, "")) for f in entity.filters]
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {
        "entity": entity,
        "page": page,
        "rows": [
            (reverse(f"{entity.slug}-detail", args=[obj.pk]), _cells(obj, entity.columns))
            for obj in page.object_list
        ],
        "filters": filters,
        "query": request.GET.get("q", ""),
        "querystring": query_without_page.urlencode(),
        "can_create": entity.form_class is not None and may_create(request.user, entity.model),
    }
    template = (
        "core/entity_rows.html"
        if request.htmx and not request.htmx.boosted
        else "core/entity_list.html"
    )
    return render(request, template, context)


def entity_detail(request: HttpRequest, entity: Entity, pk: int) -> HttpResponse:
    obj = entity.get_selector(user=request.user, pk=pk)
    related = []
    for rel in entity.related:
        rows = list(rel.rows(obj, request.user)[:RELATED_LIMIT])
        related.append(
            (
                rel,
                [
                    (
                        _row_url(rel.url_name or (rel.entity and f"{rel.entity}-detail"), row),
                        _cells(row, rel.columns),
                    )
                    for row in rows
                ],
            )
        )
    context = {
        "entity": entity,
        "object": obj,
        "fields": _cells(obj, entity.detail_fields),
        "related": related,
        "history": history_rows(obj),
        "can_change": (may_change := can(request.user, "change", obj)),
        "can_edit": entity.form_class is not None and may_change,
    }
    return render(request, "core/entity_detail.html", context)


def entity_edit(request: HttpRequest, entity: Entity, pk: int | None = None) -> HttpResponse:
    if entity.form_class is None:
        raise Http404
    instance = entity.get_selector(user=request.user, pk=pk, action="change") if pk else None
    if instance is None and not may_create(request.user, entity.model):
        raise Http404
    form = entity.form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = record_save(user=request.user, form=form)
        except DomainError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse(f"{entity.slug}-detail", args=[saved.pk]))
    return render(
        request, "core/entity_form.html", {"entity": entity, "form": form, "object": instance}
    )


def entity_export(request: HttpRequest, entity: Entity, fmt: str) -> HttpResponse:
    columns = list(entity.export_columns or entity.columns)
    queryset = entity.list_selector(user=request.user, params=request.GET)
    name = slugify(str(entity.title)) or entity.slug
    if entity.exporter is not None:
        body = entity.exporter(queryset, fmt)
    else:
        header = [(c.key, str(c.label)) for c in columns]
        rows = (
            {c.key: _plain(resolve(obj, c.key)) for c in columns}
            for obj in queryset.iterator(chunk_size=2000)
        )
        writer = write_xlsx if fmt == "xlsx" else None
        body = (
            writer(rows, header, sheet_title=str(entity.title)[:31])
            if writer
            else write_csv(rows, header)
        )
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def entity_urls(entity: Entity) -> list:
    """URL patterns for an entity: list, create, detail, edit, export."""
    slug = entity.slug
    protect = login_required
    return [
        path(f"{slug}/", protect(lambda r: entity_list(r, entity)), name=f"{slug}-list"),
        path(f"{slug}/new/", protect(lambda r: entity_edit(r, entity)), name=f"{slug}-create"),
        path(
            f"{slug}/<int:pk>/",
            protect(lambda r, pk: entity_detail(r, entity, pk)),
            name=f"{slug}-detail",
        ),
        path(
            f"{slug}/<int:pk>/edit/",
            protect(lambda r, pk: entity_edit(r, entity, pk)),
            name=f"{slug}-edit",
        ),
        path(
            f"{slug}/export.<str:fmt>",
            protect(
                lambda r, fmt: entity_export(r, entity, fmt) if fmt in ("csv", "xlsx") else _404()
            ),
            name=f"{slug}-export",
        ),
    ]


def _row_url(url_name: str | None, row: Any) -> str | None:
    return reverse(url_name, args=[row.pk]) if url_name else None


def _plain(value: Any) -> Any:
    """Spreadsheet-friendly value: numbers, dates and text stay; records become their label."""
    if value is None or isinstance(value, (int, float, str, date)):
        return value
    return str(value)


def _404() -> HttpResponse:
    raise Http404
