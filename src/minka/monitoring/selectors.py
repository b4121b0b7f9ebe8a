"""Every user-triggered read of monitoring: the programme dashboard, drill-down by territory,
return per sol, the reports, the plan with its execution, manual indicators and surveys.

Who reads what: the programme must be in the user's scope (`restrict`), and the figures are
bounded by the areas the user may see: a manager or M&E officer the programme's areas, a local
officer its office's areas, an auditor or administrator everything. Other roles (jurors,
organizations' representatives, providers) and anonymous visitors get a 404. Indicator maths
runs in SQL (`minka.monitoring.indicators`); the arithmetic on the aggregated rows lives in the
pure modules `returns` and `impact`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.core.scope import restrict, user_scope
from minka.core.selectors import get_for_user
from minka.geo.models import AdminArea
from minka.monitoring import impact, indicators, returns
from minka.monitoring.indicators import Definition, Slice
from minka.monitoring.models import (
    Activity,
    ActivityProgress,
    AssetValuation,
    Boundary,
    CommunitySpending,
    Indicator,
    IndicatorReport,
    Moment,
    OperatingPlan,
    ReportState,
    Survey,
    SurveyGroup,
    SurveyResponse,
)
from minka.monitoring.returns import ReturnPerSol
from minka.programmes.models import Programme
from minka.registry.models import Community

CHILD_GROUP = {0: "department", 2: "province", 4: "district", 6: "community"}


# --- access -----------------------------------------------------------------------------------


def monitoring_programmes(*, user: Any) -> QuerySet[Programme]:
    """Programmes whose results the user reads: in its scope and with areas it may see."""
    if not user_scope(user).view.everything and not user_scope(user).view.area_paths:
        return Programme.objects.none()
    return restrict(Programme.objects.all(), user).order_by("code")


def get_monitoring_programme(*, user: Any, pk: Any) -> Programme:
    try:
        return monitoring_programmes(user=user).get(pk=pk)
    except (Programme.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def reader_paths(*, user: Any) -> tuple[str, ...] | None:
    """The area prefixes the user's figures are bounded by (None: everything)."""
    grants = user_scope(user).view
    if grants.everything:
        return None
    if not grants.area_paths:
        raise Http404
    return tuple(sorted(grants.area_paths))


def make_slice(
    *,
    user: Any,
    programme: Programme,
    area: str = "",
    year: int | None = None,
    community_id: int | None = None,
) -> Slice:
    if area and not AdminArea.objects.filter(path=area).exists():
        raise Http404
    return Slice(
        programme=programme,
        paths=reader_paths(user=user),
        area=area,
        year=year,
        community_id=community_id,
    )


def get_community_for_user(*, user: Any, pk: Any) -> Community:
    return get_for_user(Community.objects.select_related("district"), user=user, pk=pk)


def programme_years(programme: Programme) -> list[int]:
    return list(range(programme.starts_on.year, programme.ends_on.year + 1))


# --- indicators -------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    key: Hashable
    label: str
    values: dict[str, int | Decimal | None]
    link: str = ""  # drill-down parameter (an area path) or a community id


@dataclass
class IndicatorTable:
    group: str
    definitions: list[Definition]
    ratios: list[indicators.RatioDefinition]
    rows: list[IndicatorRow]
    totals: dict[str, int | Decimal | None]

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.definitions]


def _with_ratios(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for ratio in indicators.RATIOS.values():
        out[ratio.code] = returns.percent(
            int(values.get(ratio.part) or 0), int(values.get(ratio.whole) or 0)
        )
    return out


def key_labels(group: str, keys: Iterable[Hashable]) -> dict[Hashable, str]:
    keys = list[Any](keys)
    if group in indicators.PREFIX_LENGTH:
        return dict(AdminArea.objects.filter(path__in=keys).values_list("path", "name"))
    if group == "community":
        return dict(Community.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group == "sex":
        return {"F": _("Women"), "M": _("Men")}
    return {key: str(key) for key in keys}


def indicator_table(slice_: Slice, group: str) -> IndicatorTable:
    """Every registered indicator by `group` (one SQL aggregate each); totals are the sums of
    the rows where every row belongs to exactly one key (territory, community, year), and their
    own aggregate for sex and for the ratios."""
    defs = indicators.definitions()
    by_code = {d.code: indicators.compute(d, slice_, group) for d in defs}
    keys: set[Hashable] = set()
    for values in by_code.values():
        keys |= set(values)
    labels = key_labels(group, keys)
    rows = [
        IndicatorRow(
            key=key,
            label=labels.get(key, str(key)),
            values=_with_ratios({code: values.get(key, 0) for code, values in by_code.items()}),
            link=str(key),
        )
        for key in keys
    ]
    rows.sort(key=lambda r: (str(r.label), str(r.key)))
    if group == "year":
        rows.sort(key=lambda r: int(r.key))  # type: ignore[call-overload]
    totals = {code: sum(values.values()) for code, values in by_code.items()}
    return IndicatorTable(
        group=group,
        definitions=defs,
        ratios=sorted(indicators.RATIOS.values(), key=lambda r: r.order),
        rows=rows,
        totals=_with_ratios(totals),
    )


def indicator_totals(slice_: Slice) -> dict[str, Any]:
    values = {d.code: indicators.compute(d, slice_)[""] for d in indicators.definitions()}
    return _with_ratios(values)


# --- return per sol ---------------------------------------------------------------------------


def _valuations(slice_: Slice) -> QuerySet[AssetValuation]:
    queryset = AssetValuation.objects.filter(
        programme=slice_.programme, currency=slice_.programme.currency
    )
    if slice_.paths is not None:
        condition = Q(pk__in=[])
        for path in slice_.paths:
            condition |= Q(community__district__path__startswith=path)
        queryset = queryset.filter(condition)
    if slice_.area:
        queryset = queryset.filter(community__district__path__startswith=slice_.area)
    if slice_.community_id is not None:
        queryset = queryset.filter(community_id=slice_.community_id)
    if slice_.year is not None:
        queryset = queryset.filter(valued_on__year__lte=slice_.year)
    return queryset


def _moment_total(moment: str) -> Any:
    return Coalesce(
        Sum(Case(When(moment=moment, then=F("total_minor")), default=Value(0))),
        Value(0),
        output_field=BigIntegerField(),
    )


def community_spending(slice_: Slice, community_ids: Iterable[int]) -> dict[int, int]:
    """Project spending per community: the recorded figure where one is entered, otherwise the
    disbursements to the community's organizations in the ledger (up to the year measured)."""
    ids = list(community_ids)
    whole = Slice(
        programme=slice_.programme,
        paths=slice_.paths,
        area=slice_.area,
        year=None,
        community_id=slice_.community_id,
    )
    ledger = indicators.compute(indicators.REGISTRY["transferred"], whole, "community")
    if slice_.year is not None:
        definition = indicators.REGISTRY["transferred"]
        rows = (
            indicators.filtered(definition, whole)
            .filter(journal__effective_date__year__lte=slice_.year)
            .values(cid=F(definition.community))
            .annotate(v=Sum("amount_minor"))
        )
        ledger = {row["cid"]: int(row["v"] or 0) for row in rows}
    entered = dict(
        CommunitySpending.objects.filter(
            programme=slice_.programme, community_id__in=ids, currency=slice_.programme.currency
        ).values_list("community_id", "amount_minor")
    )
    return {cid: int(entered.get(cid, ledger.get(cid, 0))) for cid in ids}


def community_assets(slice_: Slice) -> list[returns.CommunityAssets]:
    rows = list(
        _valuations(slice_)
        .values("community_id", path=F("community__district__path"))
        .annotate(before=_moment_total(Moment.BEFORE), after=_moment_total(Moment.AFTER))
        .order_by()
    )
    spending = community_spending(slice_, [row["community_id"] for row in rows])
    return [
        returns.CommunityAssets(
            community_id=row["community_id"],
            area_path=row["path"],
            before_minor=int(row["before"]),
            after_minor=int(row["after"]),
            spending_minor=spending.get(row["community_id"], 0),
        )
        for row in rows
    ]


def return_per_sol(slice_: Slice) -> returns.ReturnPerSol:
    """The return over the communities with a valuation, with its components by asset."""
    items = (
        _valuations(slice_)
        .values("item")
        .annotate(before=_moment_total(Moment.BEFORE), after=_moment_total(Moment.AFTER))
        .order_by()
    )
    communities = community_assets(slice_)
    return returns.return_per_sol(
        (returns.Component(r["item"], int(r["before"]), int(r["after"])) for r in items),
        sum(c.spending_minor for c in communities),
        communities=len(communities),
    )


def returns_by(slice_: Slice, group: str) -> dict[str, returns.ReturnPerSol]:
    length = indicators.PREFIX_LENGTH.get(group)
    return returns.fold_returns(community_assets(slice_), length)


# --- the dashboard ----------------------------------------------------------------------------


@dataclass
class Crumb:
    path: str
    name: str


@dataclass
class Dashboard:
    programme: Programme
    slice: Slice
    area: AdminArea | None
    breadcrumbs: list[Crumb]
    child_group: str
    table: IndicatorTable
    by_year: IndicatorTable
    by_sex: IndicatorTable
    returns: ReturnPerSol
    returns_by_child: dict[str, ReturnPerSol]
    manual: list[IndicatorReport] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        return self.table.totals


def dashboard(
    *, user: Any, programme: Programme, area: str = "", year: int | None = None
) -> Dashboard:
    slice_ = make_slice(user=user, programme=programme, area=area, year=year)
    area_obj = AdminArea.objects.filter(path=area).first() if area else None
    crumbs = [
        Crumb(a.path, a.name)
        for a in AdminArea.objects.filter(
            path__in=[area[:i] for i in range(2, len(area) + 1, 2)]
        ).order_by("path")
    ]
    child = CHILD_GROUP.get(len(area), "community")
    table = indicator_table(slice_, child)
    by_year = indicator_table(Slice(programme=programme, paths=slice_.paths, area=area), "year")
    by_sex = indicator_table(slice_, "sex")
    manual = list(
        approved_reports(user=user, programme=programme, year=year).select_related(
            "indicator", "area"
        )[:50]
    )
    return Dashboard(
        programme=programme,
        slice=slice_,
        area=area_obj,
        breadcrumbs=crumbs,
        child_group=child,
        table=table,
        by_year=by_year,
        by_sex=by_sex,
        returns=return_per_sol(slice_),
        returns_by_child=returns_by(slice_, child),
        manual=manual,
    )


# --- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = "number"  # "text", "number", "money", "percent", "ratio", "date"


@dataclass
class Report:
    code: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]]
    currency: str = "PEN"


REPORTS: dict[str, Any] = {
    "district": _l("By district"),
    "state": _l("Contracts by state"),
    "budget": _l("Budget execution"),
    "contributions": _l("Contributions by source"),
    "participants": _l("Participants"),
    "contracts": _l("Contracts"),
    "liquidations": _l("Liquidations"),
}


def report(*, user: Any, programme: Programme, code: str, year: int | None = None) -> Report:
    builders = {
        "district": _report_district,
        "state": _report_state,
        "budget": _report_budget,
        "contributions": _report_contributions,
        "participants": _report_participants,
        "contracts": _report_contracts,
        "liquidations": _report_liquidations,
    }
    if code not in builders:
        raise Http404
    slice_ = make_slice(user=user, programme=programme, year=year)
    result: Report = builders[code](user, slice_)
    result.code = code
    result.title = REPORTS[code]
    result.currency = programme.currency
    return result


def _report_district(user: Any, slice_: Slice) -> Report:
    table = indicator_table(slice_, "district")
    per_district = returns_by(slice_, "district")
    labels = {d.code: d.label for d in table.definitions}
    columns = [Column("ubigeo", _l("UBIGEO"), "text"), Column("district", _l("District"), "text")]
    for code in table.codes:
        unit = indicators.REGISTRY[code].unit
        columns.append(Column(code, labels[code], "money" if unit == "money" else "number"))
    columns += [
        Column("women_share", _l("Women's organizations, %"), "percent"),
        Column("disbursement_execution", _l("Disbursement execution, %"), "percent"),
        Column("assets_created", _l("Asset value created"), "money"),
        Column("return_per_sol", _l("Return per sol"), "ratio"),
    ]
    rows = []
    for row in table.rows:
        result = per_district.get(str(row.key))
        rows.append(
            {
                "ubigeo": row.key,
                "district": row.label,
                **row.values,
                "assets_created": result.created_minor if result else None,
                "return_per_sol": result.ratio if result else None,
            }
        )
    return Report("", "", columns, rows)


def _contracts(user: Any, slice_: Slice) -> QuerySet:
    from minka.contracts.models import Contract

    queryset = restrict(Contract.objects.filter(programme=slice_.programme), user)
    if slice_.paths is not None:
        condition = Q(pk__in=[])
        for path in slice_.paths:
            condition |= Q(organization__district__path__startswith=path)
        queryset = queryset.filter(condition)
    if slice_.year is not None:
        queryset = queryset.filter(
            Q(signed_on__year=slice_.year) | Q(signed_on__isnull=True, created_at__year=slice_.year)
        )
    return queryset


def _project_sum() -> Any:
    return Coalesce(Sum("lines__project_minor"), Value(0), output_field=BigIntegerField())


def _report_state(user: Any, slice_: Slice) -> Report:
    from minka.contracts.models import ContractState

    rows_db = {
        row["state"]: row
        for row in _contracts(user, slice_)
        .values("state")
        .annotate(n=Count("pk", distinct=True), project=_project_sum())
        .order_by()
    }
    labels = dict(ContractState.choices)
    rows = [
        {
            "state": str(labels[state]),
            "contracts": rows_db[state]["n"],
            "project": rows_db[state]["project"],
        }
        for state in ContractState.values
        if state in rows_db
    ]
    columns = [
        Column("state", _l("State"), "text"),
        Column("contracts", _l("Contracts")),
        Column("project", _l("Project share"), "money"),
    ]
    return Report("", "", columns, rows)


def _report_budget(user: Any, slice_: Slice) -> Report:
    from minka.ledger.selectors import money_summary

    summary = money_summary(user=user, programme=slice_.programme, dimensions=["source"])
    columns_in, rows_in = summary.table("source")
    columns = [
        Column(
            c.key,
            c.label,
            {"money": "money", "source_money": "source_money", "percent": "percent"}.get(
                c.kind, "text"
            ),
        )
        for c in columns_in
    ]
    return Report("", "", columns, rows_in)


def _report_contributions(user: Any, slice_: Slice) -> Report:
    from minka.contracts.models import ContractLine, CounterpartDeposit, DepositKind

    contracts = _contracts(user, slice_).filter(state__in=indicators.ACTIVE_CONTRACT_STATES)
    agreed = ContractLine.objects.filter(contract__in=contracts).aggregate(
        project=Coalesce(Sum("project_minor"), Value(0), output_field=BigIntegerField()),
        organization=Coalesce(Sum("organization_minor"), Value(0), output_field=BigIntegerField()),
        other=Coalesce(Sum("other_minor"), Value(0), output_field=BigIntegerField()),
    )
    deposited = dict(
        CounterpartDeposit.objects.filter(contract__in=contracts)
        .values("kind")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("kind", "total")
    )
    total = sum(agreed.values())
    rows = [
        {
            "source": _("Programme"),
            "agreed": agreed["project"],
            "share": returns.percent(agreed["project"], total),
            "deposited": None,
        },
        {
            "source": _("Organizations"),
            "agreed": agreed["organization"],
            "share": returns.percent(agreed["organization"], total),
            "deposited": sum(int(v or 0) for v in deposited.values()),
        },
        {
            "source": _("Other co-financiers"),
            "agreed": agreed["other"],
            "share": returns.percent(agreed["other"], total),
            "deposited": None,
        },
    ]
    for kind, label in DepositKind.choices:
        rows.append(
            {
                "source": "  · " + str(label),
                "agreed": None,
                "share": None,
                "deposited": int(deposited.get(kind) or 0),
            }
        )
    columns = [
        Column("source", _l("Source"), "text"),
        Column("agreed", _l("Agreed in contracts"), "money"),
        Column("share", _l("% of the total"), "percent"),
        Column("deposited", _l("Counterpart recorded"), "money"),
    ]
    return Report("", "", columns, rows)


def _report_participants(user: Any, slice_: Slice) -> Report:
    table = indicator_table(slice_, "district")
    persons = indicators.REGISTRY["persons"]
    youth = indicators.REGISTRY["youth"]
    split: dict[str, dict[str, int]] = defaultdict(dict)
    for definition in (persons, youth):
        rows_db = (
            indicators.filtered(definition, slice_)
            .values(path=F("district__path"), s=F("sex"))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows_db:
            split[row["path"]][f"{definition.code}_{row['s']}"] = row["n"]
    rows = []
    for row in table.rows:
        counts = split.get(str(row.key), {})
        rows.append(
            {
                "ubigeo": row.key,
                "district": row.label,
                "households": row.values.get("households"),
                "women": counts.get("persons_F", 0),
                "men": counts.get("persons_M", 0),
                "youth_women": counts.get("youth_F", 0),
                "youth_men": counts.get("youth_M", 0),
                "organizations": row.values.get("organizations"),
                "women_organizations": row.values.get("women_organizations"),
            }
        )
    columns = [
        Column("ubigeo", _l("UBIGEO"), "text"),
        Column("district", _l("District"), "text"),
        Column("households", _l("Households")),
        Column("women", _l("Women")),
        Column("men", _l("Men")),
        Column("youth_women", _l("Young women (15-29)")),
        Column("youth_men", _l("Young men (15-29)")),
        Column("organizations", _l("Organizations")),
        Column("women_organizations", _l("Women's organizations")),
    ]
    return Report("", "", columns, rows)


def _report_contracts(user: Any, slice_: Slice) -> Report:
    from minka.ledger.models import Leg

    contracts = list(
        _contracts(user, slice_)
        .select_related("organization__district")
        .annotate(project=_project_sum())
        .order_by("code")
    )
    refs = [f"contract:{c.pk}" for c in contracts]
    disbursed = dict(
        Leg.objects.filter(account__kind="held", account__commitment__in=refs)
        .filter(
            Q(journal__kind="disbursement")
            | Q(journal__kind="reversal", journal__reverses__kind="disbursement")
        )
        .values("account__commitment")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("account__commitment", "total")
    )
    rows = [
        {
            "code": c.code,
            "organization": c.organization.name,
            "district": c.organization.district.name,
            "instrument": c.get_instrument_display(),
            "state": c.get_state_display(),
            "signed_on": c.signed_on,
            "project": c.project,
            "disbursed": int(disbursed.get(c.commitment_ref) or 0),
        }
        for c in contracts
    ]
    columns = [
        Column("code", _l("Contract"), "text"),
        Column("organization", _l("Organization"), "text"),
        Column("district", _l("District"), "text"),
        Column("instrument", _l("Instrument"), "text"),
        Column("state", _l("State"), "text"),
        Column("signed_on", _l("Signed on"), "date"),
        Column("project", _l("Project share"), "money"),
        Column("disbursed", _l("Disbursed"), "money"),
    ]
    return Report("", "", columns, rows)


def _report_liquidations(user: Any, slice_: Slice) -> Report:
    from minka.contracts.models import Liquidation

    contracts = _contracts(user, Slice(programme=slice_.programme, paths=slice_.paths))
    queryset = Liquidation.objects.filter(contract__in=contracts).select_related(
        "contract__organization"
    )
    if slice_.year is not None:
        queryset = queryset.filter(liquidated_on__year=slice_.year)
    rows = [
        {
            "code": liq.contract.code,
            "organization": liq.contract.organization.name,
            "liquidated_on": liq.liquidated_on,
            "rating": liq.get_rating_display(),
            "favourable": _("Yes") if liq.favourable else _("No"),
            "refund": liq.refund_minor,
        }
        for liq in queryset.order_by("liquidated_on", "contract__code")
    ]
    columns = [
        Column("code", _l("Contract"), "text"),
        Column("organization", _l("Organization"), "text"),
        Column("liquidated_on", _l("Liquidated on"), "date"),
        Column("rating", _l("Rating"), "text"),
        Column("favourable", _l("Favourable"), "text"),
        Column("refund", _l("Refund"), "money"),
    ]
    return Report("", "", columns, rows)


# --- manual indicators ------------------------------------------------------------------------


def indicator_list(*, user: Any, programme: Programme) -> QuerySet[Indicator]:
    return restrict(Indicator.objects.filter(programme=programme), user).order_by("code")


def get_indicator_for_user(*, user: Any, pk: Any, action: Any = "view") -> Indicator:
    return get_for_user(
        Indicator.objects.select_related("programme"), user=user, pk=pk, action=action
    )


def report_list(*, user: Any, programme: Programme) -> QuerySet[IndicatorReport]:
    return restrict(
        IndicatorReport.objects.filter(indicator__programme=programme), user
    ).select_related("indicator", "area", "submitted_by", "reviewed_by")


def get_report_for_user(*, user: Any, pk: Any) -> IndicatorReport:
    return get_for_user(
        IndicatorReport.objects.select_related("indicator__programme"), user=user, pk=pk
    )


def approved_reports(
    *, user: Any, programme: Programme, year: int | None = None
) -> QuerySet[IndicatorReport]:
    queryset = report_list(user=user, programme=programme).filter(state=ReportState.APPROVED)
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.order_by("indicator__code", "year", "area__path", "sex")


# --- the annual operating plan ----------------------------------------------------------------


def plan_list(*, user: Any, programme: Programme) -> QuerySet[OperatingPlan]:
    return restrict(OperatingPlan.objects.filter(programme=programme), user)


def get_plan_for_user(*, user: Any, pk: Any, action: Any = "view") -> OperatingPlan:
    return get_for_user(
        OperatingPlan.objects.select_related("programme"), user=user, pk=pk, action=action
    )


@dataclass
class ActivityExecution:
    activity: Activity
    physical_target: int
    physical_done: int
    financial_target_minor: int
    financial_spent_minor: int
    by_source: list[tuple[str, int]]

    @property
    def physical_percent(self) -> Decimal | None:
        return returns.percent(self.physical_done, self.physical_target)

    @property
    def financial_percent(self) -> Decimal | None:
        return returns.percent(self.financial_spent_minor, self.financial_target_minor)


def plan_execution(*, user: Any, plan: OperatingPlan) -> list[ActivityExecution]:
    """Each activity's targets for the year against what was done: physical from its indicator
    (computed or approved manual values for the year) or entered progress; financial from the
    ledger's accounted spending of its budget concept in the year."""
    from minka.ledger.models import Leg

    activities = list(
        restrict(Activity.objects.filter(objective__component__plan=plan), user)
        .select_related("indicator", "objective__component")
        .order_by("objective__component__code", "objective__code", "code")
    )
    targets: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    sources: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        plan_targets(plan)
        .values("activity_id", "funding_source__name")
        .annotate(p=Sum("physical"), f=Sum("financial_minor"))
        .order_by()
    ):
        targets[row["activity_id"]][0] += int(row["p"] or 0)
        targets[row["activity_id"]][1] += int(row["f"] or 0)
        sources[row["activity_id"]][row["funding_source__name"]] = int(row["f"] or 0)
    progress = dict(
        ActivityProgress.objects.filter(activity__in=activities)
        .values("activity_id")
        .annotate(total=Sum("quantity"))
        .order_by()
        .values_list("activity_id", "total")
    )
    concepts = {a.concept for a in activities if a.concept}
    spent = dict(
        Leg.objects.filter(
            journal__programme=plan.programme,
            account__kind="spent",
            account__concept__in=concepts,
            currency=plan.programme.currency,
            journal__effective_date__year=plan.year,
        )
        .filter(
            Q(journal__kind="spending")
            | Q(journal__kind="reversal", journal__reverses__kind="spending")
        )
        .values("account__concept")
        .annotate(total=Sum("amount_minor"))
        .order_by()
        .values_list("account__concept", "total")
    )
    slice_ = make_slice(user=user, programme=plan.programme, year=plan.year)
    indicator_values: dict[int, int] = {}
    for activity in activities:
        indicator = activity.indicator
        if indicator is None or indicator.pk in indicator_values:
            continue
        if indicator.computed_from in indicators.REGISTRY:
            value = indicators.compute(indicators.REGISTRY[indicator.computed_from], slice_)[""]
        else:
            value = int(
                IndicatorReport.objects.filter(
                    indicator=indicator, year=plan.year, state=ReportState.APPROVED
                ).aggregate(v=Coalesce(Sum("value"), Value(0), output_field=BigIntegerField()))["v"]
            )
        indicator_values[indicator.pk] = value
    return [
        ActivityExecution(
            activity=a,
            physical_target=targets[a.pk][0],
            physical_done=(
                indicator_values[a.indicator_id]
                if a.indicator_id is not None
                else int(progress.get(a.pk) or 0)
            ),
            financial_target_minor=targets[a.pk][1],
            financial_spent_minor=int(spent.get(a.concept) or 0) if a.concept else 0,
            by_source=sorted(sources[a.pk].items()),
        )
        for a in activities
    ]


def get_activity_for_user(*, user: Any, pk: Any) -> Activity:
    return get_for_user(
        Activity.objects.select_related("objective__component__plan__programme", "indicator"),
        user=user,
        pk=pk,
    )


def plan_targets(plan: OperatingPlan) -> QuerySet:
    from minka.monitoring.models import ActivityTarget

    return ActivityTarget.objects.filter(activity__objective__component__plan=plan)


# --- surveys ----------------------------------------------------------------------------------


def survey_list(*, user: Any, programme: Programme) -> QuerySet[Survey]:
    return restrict(Survey.objects.filter(programme=programme), user)


@dataclass
class SurveyMeasure:
    code: str
    label: Any
    participants: impact.Change
    comparison: impact.Change

    @property
    def did(self) -> Decimal | None:
        return impact.diff_in_diff(self.participants, self.comparison)


MEASURES = (
    ("income_minor", _l("Yearly income (S/)"), Decimal("0.01")),
    ("asset_value_minor", _l("Value of assets (S/)"), Decimal("0.01")),
    ("asset_index_milli", _l("Asset index"), Decimal("0.001")),
    ("production_kg", _l("Production (kg)"), Decimal(1)),
)


def survey_comparison(
    *, user: Any, programme: Programme, before: str, after: str
) -> list[SurveyMeasure]:
    """Means of each measure by round and group (SQL sums and counts over the households the
    user may see), the before/after change and, where a comparison group was surveyed, the
    difference-in-differences."""
    responses = restrict(
        SurveyResponse.objects.filter(
            survey__programme=programme, survey__round__in=[before, after]
        ),
        user,
    )
    sums: dict[tuple[str, str], dict[str, Any]] = {
        (row["survey__round"], row["group"]): dict(row)
        for row in responses.values("survey__round", "group")
        .annotate(
            n=Count("pk"),
            **{code: Sum(code) for code, _label, _scale in MEASURES},
        )
        .order_by()
    }

    def mean(round_: str, group: str, code: str, scale: Decimal) -> Decimal | None:
        row = sums.get((round_, group))
        if not row:
            return None
        value = impact.mean(int(row[code] or 0), row["n"], places="0.001")
        return None if value is None else (value * scale).quantize(Decimal("0.01"))

    result = []
    for code, label, scale in MEASURES:
        result.append(
            SurveyMeasure(
                code=code,
                label=label,
                participants=impact.Change(
                    mean(before, SurveyGroup.PARTICIPANT, code, scale),
                    mean(after, SurveyGroup.PARTICIPANT, code, scale),
                ),
                comparison=impact.Change(
                    mean(before, SurveyGroup.COMPARISON, code, scale),
                    mean(after, SurveyGroup.COMPARISON, code, scale),
                ),
            )
        )
    return result


def survey_counts(*, user: Any, programme: Programme) -> dict[tuple[str, str], int]:
    responses = restrict(SurveyResponse.objects.filter(survey__programme=programme), user)
    return {
        (row["survey__round"], row["group"]): row["n"]
        for row in responses.values("survey__round", "group").annotate(n=Count("pk")).order_by()
    }


# --- map --------------------------------------------------------------------------------------


def map_data(*, user: Any, programme: Programme, area: str = "") -> dict[str, Any]:
    """Boundaries (departments, and the provinces of the area drilled into, or of the
    programme's departments) and the communities with coordinates, each with the money
    transferred to it."""
    slice_ = make_slice(user=user, programme=programme, area=area)
    transferred = indicators.compute(indicators.REGISTRY["transferred"], slice_, "community")
    households = indicators.compute(indicators.REGISTRY["households"], slice_, "community")
    communities = restrict(Community.objects.filter(latitude__isnull=False), user)
    if slice_.paths is not None:
        condition = Q(pk__in=[])
        for path in slice_.paths:
            condition |= Q(district__path__startswith=path)
        communities = communities.filter(condition)
    coverage = list(programme.coverage_areas.values_list("path", flat=True))
    cover_q = Q(pk__in=[])
    for path in coverage:
        cover_q |= Q(district__path__startswith=path)
    communities = communities.filter(cover_q)
    if area:
        communities = communities.filter(district__path__startswith=area)
    points = [
        {
            "id": c["pk"],
            "name": c["name"],
            "lat": c["latitude"],
            "lng": c["longitude"],
            "district": c["district__path"],
            "transferred": transferred.get(c["pk"], 0),
            "households": households.get(c["pk"], 0),
        }
        for c in communities.values("pk", "name", "latitude", "longitude", "district__path")[:5000]
    ]
    departments = {p[:2] for p in coverage} | ({area[:2]} if area else set())
    province_q = Q(level=2, code__startswith=area[:4]) if len(area) >= 2 else Q(pk__in=[])
    if not area:
        for dep in departments:
            province_q |= Q(level=2, code__startswith=dep)
    outlines = Boundary.objects.filter(Q(level=1) | province_q).values(
        "level", "code", "name", "geometry"
    )
    return {"boundaries": list(outlines), "communities": points, "area": area}
