"""The public transparency portal: no login, no personal data. Every page and download reads
aggregates through `minka.portal.selectors`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.tabular import write_csv
from minka.portal import iati, maps, selectors
from minka.programmes.models import Programme


def _programme_param(request: HttpRequest) -> Programme | None:
    code = request.GET.get("programme", "").strip()
    return selectors.get_public_programme(code) if code else None


def _map(points: list[selectors.DistrictPoint]) -> tuple[maps.Plot, int]:
    placed = [p for p in points if p.latitude is not None and p.longitude is not None]
    plot = maps.project(
        [
            (p.latitude, p.longitude, f"{p.name} ({p.ubigeo}): {p.communities}", p.communities)
            for p in placed
            if p.latitude is not None and p.longitude is not None
        ]
    )
    return plot, len(points) - len(placed)


def home(request: HttpRequest) -> HttpResponse:
    programmes = selectors.public_programmes()
    districts = selectors.district_table()
    plot, unplaced = _map(districts)
    return render(
        request,
        "portal/home.html",
        {
            "programmes": programmes,
            "funding": selectors.funding_table(),
            "figures": selectors.indicators(),
            "plot": plot,
            "unplaced": unplaced,
            "events": selectors.clar_events()[:10],
            "contests": selectors.contest_results()[:10],
        },
    )


def programme(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.get_public_programme(code)
    districts = selectors.district_table(item)
    plot, unplaced = _map(districts)
    return render(
        request,
        "portal/programme.html",
        {
            "programme": item,
            "publishes_iati": selectors.publisher_of(item) is not None,
            "funding": selectors.funding_table(item),
            "figures": selectors.indicators(item),
            "organizations": selectors.organization_table(item),
            "districts": districts,
            "plot": plot,
            "unplaced": unplaced,
            "events": selectors.clar_events(item),
            "contests": selectors.contest_results(item),
        },
    )


def results(request: HttpRequest) -> HttpResponse:
    item = _programme_param(request)
    return render(
        request,
        "portal/results.html",
        {
            "programme": item,
            "events": selectors.clar_events(item),
            "contests": selectors.contest_results(item),
        },
    )


def organizations(request: HttpRequest) -> HttpResponse:
    item = _programme_param(request)
    return render(
        request,
        "portal/organizations.html",
        {"programme": item, "organizations": selectors.organization_table(item)},
    )


def open_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/open_data.html",
        {
            "tables": [(name, label) for name, (label, _c, _r) in TABLES.items()],
            "programmes": selectors.public_programmes(),
        },
    )


# --- downloads ---------------------------------------------------------------------------------


def _programmes_rows(item: Programme | None) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "institution": p.institution,
            "currency": p.currency,
            "starts_on": p.starts_on.isoformat(),
            "ends_on": p.ends_on.isoformat(),
            "areas": "; ".join(f"{a.name} ({a.code})" for a in p.coverage_areas.all()),
        }
        for p in selectors.public_programmes()
        if item is None or p.pk == item.pk
    ]


def _event_rows(item: Programme | None) -> list[dict[str, Any]]:
    return [
        {
            "programme": e["programme_code"],
            "event": e["name"],
            "date": e["held_on"].isoformat(),
            "place": e["place"],
            "area": e["area_name"],
            "initiatives": e["initiatives"],
            "funded": e["funded_count"],
            "currency": e["currency"],
            "amount_funded": e["funded"],
            "results_page": e["url"],
        }
        for e in selectors.clar_events(item)
    ]


def _contest_rows(item: Programme | None) -> list[dict[str, Any]]:
    return [
        {
            "programme": c["programme_code"],
            "contest": c["name"],
            "date": c["held_on"].isoformat(),
            "results_page": c["url"],
        }
        for c in selectors.contest_results(item)
    ]


Rows = Callable[[Programme | None], list[dict[str, Any]]]

# name -> (label, columns, rows)
TABLES: dict[str, tuple[Any, list[str], Rows]] = {
    "programmes": (
        "Programmes",
        ["code", "name", "institution", "currency", "starts_on", "ends_on", "areas"],
        _programmes_rows,
    ),
    "funding": (
        "Funding by source",
        ["programme", "source", "kind", "currency", "agreed", "allocated"],
        lambda item: [row.as_dict() for row in selectors.funding_table(item)],
    ),
    "organizations": (
        "Contracts and money by organization",
        [
            "programme",
            "organization_code",
            "organization",
            "type",
            "district",
            "ubigeo",
            "province",
            "department",
            "contracts",
            "currency",
            "committed",
            "disbursed",
            "accounted",
            "refunded",
        ],
        lambda item: [row.as_dict() for row in selectors.organization_table(item)],
    ),
    "indicators": (
        "Indicators",
        ["indicator", "value", "unit"],
        lambda item: selectors.indicators(item).rows(),
    ),
    "clar-events": (
        "Decided CLAR events",
        [
            "programme",
            "event",
            "date",
            "place",
            "area",
            "initiatives",
            "funded",
            "currency",
            "amount_funded",
            "results_page",
        ],
        _event_rows,
    ),
    "contests": (
        "Decided contests",
        ["programme", "contest", "date", "results_page"],
        _contest_rows,
    ),
    "districts": (
        "Districts",
        [
            "ubigeo",
            "district",
            "province",
            "department",
            "latitude",
            "longitude",
            "communities",
            "funded_organizations",
        ],
        lambda item: [row.as_dict() for row in selectors.district_table(item)],
    ),
}


def data_file(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if table not in TABLES or fmt not in ("csv", "json"):
        raise Http404
    item = _programme_param(request)
    label, columns, rows_of = TABLES[table]
    rows = rows_of(item)
    suffix = f"-{item.code.lower()}" if item else ""
    filename = f"minka-{table}{suffix}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            write_csv(rows, [(c, c) for c in columns]), content_type="text/csv; charset=utf-8"
        )
    else:
        body = {
            "table": table,
            "title": str(label),
            "programme": item.code if item else None,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "columns": columns,
            "rows": [{c: row.get(c) for c in columns} for row in rows],
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=1, default=str),
            content_type="application/json; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _iati_response(programmes: list[Programme], filename: str) -> HttpResponse:
    try:
        publication = selectors.iati_publication(programmes)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(
        iati.to_bytes(iati.build_activities(publication)),
        content_type="application/xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def iati_file(request: HttpRequest) -> HttpResponse:
    """The IATI activities of every programme that has recorded its IATI publisher."""
    published = [p for p in selectors.public_programmes() if selectors.publisher_of(p)]
    if not published:
        raise Http404(_("No programme publishes IATI data yet."))
    return _iati_response(published, "minka-iati-activities.xml")


def programme_iati_file(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.get_public_programme(code)
    return _iati_response([item], f"{item.code.lower()}-iati-activities.xml")
