"""Monitoring pages: the programme dashboard with drill-down, a community's assets and return
per sol, the reports (screen, XLSX, PDF), the map, the plan, manual indicators and surveys.
Thin: parse, call one selector or service, render."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from minka.core.actions import action_page
from minka.core.errors import DomainError
from minka.core.money import Money
from minka.core.scope import restrict
from minka.core.tabular import write_csv, write_xlsx
from minka.geo.models import AdminArea
from minka.monitoring import charts, forms, indicators, selectors, services
from minka.monitoring.models import AssetValuation, CommunitySpending, SurveyRound
from minka.programmes.models import Programme

GROUP_TITLES = {
    "department": "Department",
    "province": "Province",
    "district": "District",
    "community": "Community",
}


# --- helpers ----------------------------------------------------------------------------------


def show(value: Any, unit: str, currency: str) -> str:
    """A figure as the pages show it."""
    if value is None:
        return "—"
    if unit == "money":
        return Money(int(value), currency).format()
    if unit == "percent":
        return f"{value} %"
    if unit == "ratio":
        return f"{value} ×"
    if isinstance(value, int):
        return intcomma(value)
    return str(value)


def _year(request: HttpRequest) -> int | None:
    value = request.GET.get("year", "")
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise Http404
    return int(value)


def _programme(request: HttpRequest) -> tuple[list[Programme], Programme | None]:
    programmes = list(selectors.monitoring_programmes(user=request.user))
    chosen = request.GET.get("programme", "")
    programme = next((p for p in programmes if str(p.pk) == chosen), None)
    if chosen and programme is None:
        raise Http404
    return programmes, programme or (programmes[0] if programmes else None)


def _columns() -> list[tuple[str, Any, str]]:
    cols: list[tuple[str, Any, str]] = []
    ratios = {r.whole: r for r in indicators.RATIOS.values()}
    for definition in indicators.definitions():
        cols.append((definition.code, definition.label, definition.unit))
        ratio = ratios.get(definition.code)
        if ratio is not None:
            cols.append((ratio.code, ratio.label, "percent"))
    return cols


def _money_text(currency: str):
    return lambda minor: Money(int(minor), currency).format()


# --- dashboard --------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """One page: the programme's results, return per sol, charts, and the table of the next
    level down (department → province → district → community) with links to drill into."""
    programmes, programme = _programme(request)
    if programme is None:
        return render(request, "monitoring/dashboard.html", {"programmes": []})
    area = request.GET.get("area", "").strip()
    if area and (not area.isdigit() or len(area) > 6):
        raise Http404
    year = _year(request)
    data = selectors.dashboard(user=request.user, programme=programme, area=area, year=year)
    currency = programme.currency
    columns = _columns()
    totals = data.totals
    headline = [
        {"code": code, "label": label, "value": show(totals.get(code), unit, currency)}
        for code, label, unit in columns
    ]
    child = data.child_group
    rows = []
    for row in data.table.rows:
        result = data.returns_by_child.get(str(row.key))
        if child == "community":
            link = reverse("monitoring-community", args=[row.key]) + f"?programme={programme.pk}"
        else:
            link = f"?programme={programme.pk}&area={row.key}" + (f"&year={year}" if year else "")
        rows.append(
            {
                "label": row.label,
                "link": link,
                "cells": [show(row.values.get(code), unit, currency) for code, _l, unit in columns],
                "return": show(result.ratio if result else None, "ratio", currency),
            }
        )
    money = _money_text(currency)
    top = sorted(data.table.rows, key=lambda r: -int(r.values.get("transferred") or 0))[:15]
    chart_transferred = charts.bar_chart(
        [(r.label, int(r.values.get("transferred") or 0)) for r in top],
        title=_("Money transferred to organizations"),
        value_text=money,
    )
    top_hh = sorted(data.table.rows, key=lambda r: -int(r.values.get("households") or 0))[:15]
    chart_households = charts.bar_chart(
        [(r.label, int(r.values.get("households") or 0)) for r in top_hh],
        title=_("Households reached"),
        color=charts.PALETTE[2],
    )
    years = list(data.by_year.rows)
    chart_years = charts.column_chart(
        [
            (_("Committed"), [int(r.values.get("committed") or 0) for r in years]),
            (_("Transferred"), [int(r.values.get("transferred") or 0) for r in years]),
            (_("Counterpart"), [int(r.values.get("counterpart") or 0) for r in years]),
        ],
        categories=[str(r.key) for r in years],
        title=_("Money by year"),
        value_text=money,
    )
    sex = {r.key: r.values for r in data.by_sex.rows}
    chart_sex = charts.share_bar(
        [
            (_("Women"), int(sex.get("F", {}).get("persons") or 0)),
            (_("Men"), int(sex.get("M", {}).get("persons") or 0)),
        ],
        title=_("Persons reached by sex"),
    )
    chart_youth = charts.share_bar(
        [
            (_("Young women"), int(sex.get("F", {}).get("youth") or 0)),
            (_("Young men"), int(sex.get("M", {}).get("youth") or 0)),
        ],
        title=_("Young persons reached by sex"),
    )
    chart_assets = charts.bar_chart(
        [(c.item, max(0, c.created_minor)) for c in data.returns.components[:12]],
        title=_("Asset value created"),
        value_text=money,
        color=charts.PALETTE[1],
    )
    context = {
        "programmes": programmes,
        "programme": programme,
        "data": data,
        "area": area,
        "year": year,
        "years": selectors.programme_years(programme),
        "headline": headline,
        "columns": columns,
        "rows": rows,
        "child_title": _(GROUP_TITLES[child]),
        "sex": {
            "households_F": show(sex.get("F", {}).get("households"), "number", currency),
            "households_M": show(sex.get("M", {}).get("households"), "number", currency),
            "persons_F": show(sex.get("F", {}).get("persons"), "number", currency),
            "persons_M": show(sex.get("M", {}).get("persons"), "number", currency),
            "youth_F": show(sex.get("F", {}).get("youth"), "number", currency),
            "youth_M": show(sex.get("M", {}).get("youth"), "number", currency),
        },
        "returns": data.returns,
        "return_ratio": show(data.returns.ratio, "ratio", currency),
        "charts": {
            "transferred": mark_safe(chart_transferred),  # noqa: S308 - escaped in charts
            "households": mark_safe(chart_households),  # noqa: S308
            "years": mark_safe(chart_years),  # noqa: S308
            "sex": mark_safe(chart_sex),  # noqa: S308
            "youth": mark_safe(chart_youth),  # noqa: S308
            "assets": mark_safe(chart_assets),  # noqa: S308
        },
        "reports": selectors.REPORTS,
    }
    return render(request, "monitoring/dashboard.html", context)


# --- community --------------------------------------------------------------------------------


def _community_context(request: HttpRequest, pk: int) -> tuple[Any, Programme]:
    community = selectors.get_community_for_user(user=request.user, pk=pk)
    _programmes, programme = _programme(request)
    if programme is None:
        raise Http404
    return community, programme


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    """A community's assets before and after, the project's spending there and its return."""
    community, programme = _community_context(request, pk)
    slice_ = selectors.make_slice(user=request.user, programme=programme, community_id=community.pk)
    result = selectors.return_per_sol(slice_)
    totals = selectors.indicator_totals(slice_)
    currency = programme.currency
    valuations = AssetValuation.objects.filter(programme=programme, community=community).order_by(
        "moment", "item"
    )
    entered = CommunitySpending.objects.filter(programme=programme, community=community).first()
    context = {
        "community": community,
        "programme": programme,
        "valuations": restrict(valuations, request.user),
        "entered": entered,
        "result": result,
        "ratio": show(result.ratio, "ratio", currency),
        "ledger_transferred": totals.get("transferred"),
        "may_record": services.may_record_in(request.user, programme, community),
        "may_set_spending": services.may_monitor(request.user, programme)
        and services.may_record_in(request.user, programme, community),
        "headline": [
            {"label": label, "value": show(totals.get(code), unit, currency)}
            for code, label, unit in _columns()
        ],
        "chart": mark_safe(  # noqa: S308 - escaped in charts
            charts.bar_chart(
                [(c.item, max(0, c.created_minor)) for c in result.components],
                title=_("Asset value created"),
                value_text=_money_text(currency),
                color=charts.PALETTE[1],
            )
        ),
        "district_link": f"{reverse('monitoring-dashboard')}?programme={programme.pk}"
        f"&area={community.district.path}",
    }
    return render(request, "monitoring/community.html", context)


@login_required
def valuation_add(request: HttpRequest, pk: int) -> HttpResponse:
    community, programme = _community_context(request, pk)
    if not services.may_record_in(request.user, programme, community):
        raise Http404
    back = reverse("monitoring-community", args=[community.pk]) + f"?programme={programme.pk}"

    def run(data: dict[str, Any]) -> Any:
        try:
            value = Money.from_decimal(data["unit_value"], programme.currency)
        except ValueError as exc:
            raise DomainError(str(exc), field="unit_value") from exc
        return services.asset_valuation_record(
            user=request.user,
            programme=programme,
            community=community,
            item=data["item"],
            moment=data["moment"],
            quantity=data["quantity"],
            unit=data["unit"],
            unit_value=value,
            valued_on=data["valued_on"],
        )

    return action_page(
        request,
        title=_("Value an asset of %(community)s") % {"community": community.name},
        back=back,
        form=forms.ValuationForm(request.POST or None),
        run=run,
    )


@login_required
def spending_set(request: HttpRequest, pk: int) -> HttpResponse:
    community, programme = _community_context(request, pk)
    if not services.may_monitor(request.user, programme):
        raise Http404
    back = reverse("monitoring-community", args=[community.pk]) + f"?programme={programme.pk}"

    def run(data: dict[str, Any]) -> Any:
        return services.community_spending_set(
            user=request.user,
            programme=programme,
            community=community,
            amount=Money.from_decimal(data["amount"], programme.currency),
            note=data["note"],
        )

    return action_page(
        request,
        title=_("Project spending in %(community)s") % {"community": community.name},
        intro=_(
            "Enter the spending when the ledger does not hold it all; it then replaces the "
            "disbursements to the community's organizations in its return per sol."
        ),
        back=back,
        form=forms.SpendingForm(request.POST or None),
        run=run,
    )


# --- reports ----------------------------------------------------------------------------------


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    programmes, programme = _programme(request)
    return render(
        request,
        "monitoring/reports.html",
        {
            "programmes": programmes,
            "programme": programme,
            "reports": selectors.REPORTS,
            "year": _year(request),
            "years": selectors.programme_years(programme) if programme else [],
        },
    )


def _plain(column: selectors.Column, row: dict[str, Any], currency: str) -> Any:
    value = row.get(column.key)
    if value is None:
        return None
    if column.kind in ("money", "source_money"):
        code = row.get("source_currency" if column.kind == "source_money" else "currency")
        return Money(int(value), code or currency).to_decimal()
    if isinstance(value, (Decimal, int | datetime.date)):
        return value
    return str(value)


def _shown(column: selectors.Column, row: dict[str, Any], currency: str) -> str:
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    if column.kind in ("money", "source_money"):
        code = row.get("source_currency" if column.kind == "source_money" else "currency")
        return Money(int(value), code or currency).format()
    if column.kind == "date" and isinstance(value, datetime.date):
        return value.isoformat()
    return show(value, column.kind, currency)


@login_required
def report_view(request: HttpRequest, programme: int, code: str, fmt: str = "html") -> HttpResponse:
    if fmt not in ("html", "csv", "xlsx", "pdf"):
        raise Http404
    chosen = selectors.get_monitoring_programme(user=request.user, pk=programme)
    year = _year(request)
    result = selectors.report(user=request.user, programme=chosen, code=code, year=year)
    currency = chosen.currency
    name = slugify(f"{chosen.code}-{code}" + (f"-{year}" if year else ""))
    if fmt in ("csv", "xlsx"):
        header = [(c.key, str(c.label)) for c in result.columns]
        plain = [{c.key: _plain(c, row, currency) for c in result.columns} for row in result.rows]
        if fmt == "xlsx":
            body = write_xlsx(plain, header, sheet_title=str(result.title))
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = write_csv(plain, header)
            content_type = "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
    context = {
        "programme": chosen,
        "report": result,
        "year": year,
        "years": selectors.programme_years(chosen),
        "rows": [[_shown(c, row, currency) for c in result.columns] for row in result.rows],
        "numeric": [c.kind not in ("text", "date") for c in result.columns],
        "generated": timezone.localtime(),
        "reports": selectors.REPORTS,
    }
    if fmt == "pdf":
        html = render_to_string("monitoring/pdf/report.html", context, request=request)
        try:
            from weasyprint import HTML
        except (ImportError, OSError):
            return HttpResponse(
                _("PDF output is not available on this server."),
                status=503,
                content_type="text/plain",
            )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    return render(request, "monitoring/report.html", context)


# --- map --------------------------------------------------------------------------------------


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    programmes, programme = _programme(request)
    area = request.GET.get("area", "").strip()
    if area and (not area.isdigit() or len(area) > 6):
        raise Http404
    data = (
        selectors.map_data(user=request.user, programme=programme, area=area)
        if programme
        else {"boundaries": [], "communities": []}
    )
    payload = {
        "boundaries": [{**b, "geometry": json.loads(b["geometry"])} for b in data["boundaries"]],
        "communities": data["communities"],
        "currency": programme.currency if programme else "PEN",
        "dashboard": reverse("monitoring-dashboard")
        + (f"?programme={programme.pk}" if programme else ""),
        "community": reverse("monitoring-community", args=[0])[:-2] if programme else "",
        "programme": programme.pk if programme else None,
    }
    return render(
        request,
        "monitoring/map.html",
        {"programmes": programmes, "programme": programme, "payload": payload, "area": area},
    )


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as leaflet
    except ImportError as exc:  # the map page then shows the table only
        raise Http404 from exc
    return Path(leaflet.BASE_DIR)


LEAFLET_FILES = {
    "leaflet.js": "text/javascript",
    "leaflet.css": "text/css",
    "images/marker-icon.png": "image/png",
    "images/marker-icon-2x.png": "image/png",
    "images/marker-shadow.png": "image/png",
    "images/layers.png": "image/png",
    "images/layers-2x.png": "image/png",
}


@cache_control(max_age=86400 * 30, public=True)
def leaflet_asset(request: HttpRequest, name: str) -> FileResponse:
    """Leaflet's files from the `xstatic-leaflet` package (no CDN, nothing copied into the
    repository); a fixed list, so no other path of the package can be read."""
    if name not in LEAFLET_FILES:
        raise Http404
    path = _leaflet_dir() / name
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type=LEAFLET_FILES[name])


# --- manual indicators ------------------------------------------------------------------------


@login_required
def indicator_reports(request: HttpRequest) -> HttpResponse:
    programmes, programme = _programme(request)
    reports = (
        selectors.report_list(user=request.user, programme=programme).order_by(
            "state", "-year", "indicator__code"
        )
        if programme
        else []
    )
    return render(
        request,
        "monitoring/indicator_reports.html",
        {
            "programmes": programmes,
            "programme": programme,
            "reports": reports,
            "indicators": selectors.indicator_list(user=request.user, programme=programme)
            if programme
            else [],
            "may_submit": programme is not None and services.may_monitor(request.user, programme),
            "may_approve": programme is not None and services.may_approve(request.user, programme),
        },
    )


@login_required
def indicator_report_submit(request: HttpRequest, programme: int) -> HttpResponse:
    chosen = selectors.get_monitoring_programme(user=request.user, pk=programme)
    if not services.may_monitor(request.user, chosen):
        raise Http404
    back = reverse("monitoring-indicator-reports") + f"?programme={chosen.pk}"
    manual = selectors.indicator_list(user=request.user, programme=chosen).filter(computed_from="")
    coverage = list(chosen.coverage_areas.values_list("path", flat=True))
    areas = AdminArea.objects.none()
    for path in coverage:
        areas = areas | AdminArea.objects.filter(path__startswith=path, level__lte=3)
    form = forms.IndicatorReportForm(request.POST or None, indicators=manual, areas=areas)

    def run(data: dict[str, Any]) -> Any:
        return services.indicator_report_submit(
            user=request.user,
            indicator=data["indicator"],
            year=data["year"],
            value=data["value"],
            area=data["area"],
            sex=data["sex"],
            source=data["source"],
        )

    return action_page(request, title=_("Report an indicator value"), back=back, form=form, run=run)


@login_required
def indicator_report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_report_for_user(user=request.user, pk=pk)
    programme = report.indicator.programme
    if not services.may_approve(request.user, programme):
        raise Http404
    back = reverse("monitoring-indicator-reports") + f"?programme={programme.pk}"

    def run(data: dict[str, Any]) -> Any:
        return services.indicator_report_review(
            user=request.user,
            report=report,
            approve=data["decision"] == "approve",
            note=data["note"],
        )

    return action_page(
        request,
        title=_("Review %(indicator)s, %(year)s: %(value)s")
        % {"indicator": report.indicator.name, "year": report.year, "value": report.value},
        back=back,
        form=forms.ReviewForm(request.POST or None),
        run=run,
    )


# --- surveys ----------------------------------------------------------------------------------


@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    programmes, programme = _programme(request)
    before = request.GET.get("before", SurveyRound.BASELINE)
    after = request.GET.get("after", SurveyRound.MIDTERM)
    if before not in SurveyRound.values or after not in SurveyRound.values:
        raise Http404
    context: dict[str, Any] = {"programmes": programmes, "programme": programme}
    if programme is not None:
        context.update(
            surveys=selectors.survey_list(user=request.user, programme=programme),
            counts=selectors.survey_counts(user=request.user, programme=programme),
            measures=selectors.survey_comparison(
                user=request.user, programme=programme, before=before, after=after
            ),
            before=before,
            after=after,
            rounds=SurveyRound.choices,
            may_import=services.may_monitor(request.user, programme),
        )
    return render(request, "monitoring/surveys.html", context)


@login_required
def survey_import(request: HttpRequest, programme: int) -> HttpResponse:
    chosen = selectors.get_monitoring_programme(user=request.user, pk=programme)
    if not services.may_monitor(request.user, chosen):
        raise Http404
    form = forms.SurveyImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.survey_import(
                user=request.user,
                programme=chosen,
                round=form.cleaned_data["round"],
                year=form.cleaned_data["year"],
                data=upload.read(),
                filename=upload.name,
            )
        except DomainError as exc:
            form.add_error("file" if exc.field in (None, "file") else exc.field, str(exc))
        else:
            if result.ok:
                messages.success(
                    request, _("%(count)d households imported.") % {"count": result.rows}
                )
                return redirect(reverse("monitoring-surveys") + f"?programme={chosen.pk}")
            errors = result.errors
    return render(
        request,
        "monitoring/survey_import.html",
        {
            "programme": chosen,
            "form": form,
            "errors": errors,
            "columns": services.SURVEY_COLUMNS,
        },
    )


# --- the annual operating plan ----------------------------------------------------------------


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    programmes, programme = _programme(request)
    return render(
        request,
        "monitoring/plans.html",
        {
            "programmes": programmes,
            "programme": programme,
            "plans": selectors.plan_list(user=request.user, programme=programme).order_by("-year")
            if programme
            else [],
        },
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk)
    if not selectors.monitoring_programmes(user=request.user).filter(pk=plan.programme_id).exists():
        raise Http404
    execution = selectors.plan_execution(user=request.user, plan=plan)
    currency = plan.programme.currency
    rows = [
        {
            "activity": e.activity,
            "component": e.activity.objective.component,
            "objective": e.activity.objective,
            "physical_target": intcomma(e.physical_target),
            "physical_done": intcomma(e.physical_done),
            "physical_percent": show(e.physical_percent, "percent", currency),
            "financial_target": Money(e.financial_target_minor, currency).format(),
            "financial_spent": Money(e.financial_spent_minor, currency).format(),
            "financial_percent": show(e.financial_percent, "percent", currency),
            "by_source": [(name, Money(v, currency).format()) for name, v in e.by_source],
            "manual": e.activity.indicator_id is None,
        }
        for e in execution
    ]
    indicators_ = (
        selectors.indicator_list(user=request.user, programme=plan.programme)
        .filter(objective__component__plan=plan)
        .prefetch_related("targets")
    )
    return render(
        request,
        "monitoring/plan.html",
        {
            "plan": plan,
            "rows": rows,
            "indicators": indicators_,
            "may_approve": services.may_approve(request.user, plan.programme),
            "may_monitor": services.may_monitor(request.user, plan.programme),
        },
    )


@login_required
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk)
    if not services.may_approve(request.user, plan.programme):
        raise Http404
    return action_page(
        request,
        title=_("Approve %(plan)s") % {"plan": plan.title},
        back=reverse("monitoring-plan", args=[plan.pk]),
        form=forms.ApproveForm(request.POST or None),
        run=lambda data: services.plan_approve(
            user=request.user, plan=plan, on=data["approved_on"]
        ),
    )


@login_required
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(user=request.user, pk=pk)
    plan = activity.objective.component.plan
    if not services.may_monitor(request.user, plan.programme) or activity.indicator_id:
        raise Http404
    return action_page(
        request,
        title=_("Progress of %(activity)s") % {"activity": activity},
        back=reverse("monitoring-plan", args=[plan.pk]),
        form=forms.ProgressForm(request.POST or None),
        run=lambda data: services.activity_progress_record(
            user=request.user,
            activity=activity,
            month=data["month"],
            quantity=data["quantity"],
            note=data["note"],
        ),
    )
