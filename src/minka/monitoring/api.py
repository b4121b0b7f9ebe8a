"""Read endpoints of monitoring: the registered indicators, their values by territory, year or
sex for a programme, the return per sol with its components, and the reports as rows. Through
the same scoped selectors as the pages; figures are bounded by the caller's areas."""

from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from minka.monitoring import indicators, selectors

router = Router(tags=["monitoring"])


class DefinitionOut(Schema):
    code: str
    label: str
    unit: str
    description: str
    groups: list[str]


class ValueRow(Schema):
    key: str
    label: str
    values: dict[str, int | Decimal | None]


class IndicatorsOut(Schema):
    programme_id: int
    currency: str
    group: str
    area: str
    year: int | None
    totals: dict[str, int | Decimal | None]
    rows: list[ValueRow]


class IndicatorFilters(Schema):
    group: str = "department"
    area: str = ""
    year: int | None = None


class ComponentOut(Schema):
    item: str
    before_minor: int
    after_minor: int
    created_minor: int


class ReturnOut(Schema):
    programme_id: int
    currency: str
    area: str
    communities: int
    spending_minor: int
    created_minor: int
    ratio: Decimal | None
    components: list[ComponentOut]


class ReportOut(Schema):
    code: str
    title: str
    currency: str
    columns: list[dict[str, str]]
    rows: list[dict]


@router.get("/monitoring/indicators", response=list[DefinitionOut])
def indicator_definitions(request: HttpRequest):
    return [
        {
            "code": d.code,
            "label": str(d.label),
            "unit": d.unit,
            "description": str(d.description),
            "groups": [g for g in indicators.GROUPS if g == "total" or d.supports(g)],
        }
        for d in indicators.definitions()
    ]


@router.get("/monitoring/programmes/{programme_id}/indicators", response=IndicatorsOut)
def indicator_values(request: HttpRequest, programme_id: int, filters: Query[IndicatorFilters]):
    if filters.group not in indicators.GROUPS or filters.group == "total":
        raise Http404
    programme = selectors.get_monitoring_programme(user=request.user, pk=programme_id)
    slice_ = selectors.make_slice(
        user=request.user, programme=programme, area=filters.area, year=filters.year
    )
    table = selectors.indicator_table(slice_, filters.group)
    return {
        "programme_id": programme.pk,
        "currency": programme.currency,
        "group": filters.group,
        "area": filters.area,
        "year": filters.year,
        "totals": table.totals,
        "rows": [
            {"key": str(row.key), "label": str(row.label), "values": row.values}
            for row in table.rows
        ],
    }


@router.get("/monitoring/programmes/{programme_id}/return-per-sol", response=ReturnOut)
def return_per_sol(
    request: HttpRequest, programme_id: int, area: str = "", community: int | None = None
):
    programme = selectors.get_monitoring_programme(user=request.user, pk=programme_id)
    if community is not None:
        selectors.get_community_for_user(user=request.user, pk=community)
    slice_ = selectors.make_slice(
        user=request.user, programme=programme, area=area, community_id=community
    )
    result = selectors.return_per_sol(slice_)
    return {
        "programme_id": programme.pk,
        "currency": programme.currency,
        "area": area,
        "communities": result.communities,
        "spending_minor": result.spending_minor,
        "created_minor": result.created_minor,
        "ratio": result.ratio,
        "components": [
            {
                "item": c.item,
                "before_minor": c.before_minor,
                "after_minor": c.after_minor,
                "created_minor": c.created_minor,
            }
            for c in result.components
        ],
    }


@router.get("/monitoring/programmes/{programme_id}/reports/{code}", response=ReportOut)
def report(request: HttpRequest, programme_id: int, code: str, year: int | None = None):
    programme = selectors.get_monitoring_programme(user=request.user, pk=programme_id)
    result = selectors.report(user=request.user, programme=programme, code=code, year=year)
    return {
        "code": result.code,
        "title": str(result.title),
        "currency": result.currency,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in result.columns],
        "rows": [
            {k: (v if isinstance(v, int | Decimal | None) else str(v)) for k, v in row.items()}
            for row in result.rows
        ],
    }
