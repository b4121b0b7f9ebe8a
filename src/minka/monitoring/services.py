"""Every write of monitoring: asset valuations and community spending (return per sol), manual
indicator values (entered by the M&E officer, approved by the manager), survey imports, the
annual operating plan and its progress, and the boundaries of the map.

Who may write: an administrator; the programme's manager or M&E officer, for the programme's
areas; a local officer records assets and progress in its office's areas. Only the manager (or an
administrator) approves a reported value or a plan, and never a value it reported itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.core.tabular import normalise_header, read_table
from minka.geo.models import AdminArea
from minka.monitoring import geojson, impact, returns
from minka.monitoring.models import (
    Activity,
    ActivityProgress,
    ActivityTarget,
    AssetValuation,
    Boundary,
    CommunitySpending,
    Indicator,
    IndicatorReport,
    IndicatorTarget,
    Moment,
    Objective,
    OperatingPlan,
    PlanComponent,
    PlanState,
    ReportState,
    Survey,
    SurveyGroup,
    SurveyResponse,
    SurveyRound,
    Unit,
    ValuationSource,
)
from minka.programmes.models import FundingSource, Programme
from minka.registry.importers import RowError
from minka.registry.models import Community, Household

# --- who may write ----------------------------------------------------------------------------


def _roles_for(user: Any, programme: Programme) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    roles: set[str] = set(
        user.role_assignments.filter(programme=programme).values_list("role", flat=True)
    )
    if user.is_superuser or Role.ADMIN in user_scope(user).roles:
        roles.add(Role.ADMIN)
    return roles


def may_monitor(user: Any, programme: Programme) -> bool:
    """Record monitoring data for the whole programme: administrator, manager, M&E officer."""
    return bool(_roles_for(user, programme) & {Role.ADMIN, Role.MANAGER, Role.ME_OFFICER})


def may_approve(user: Any, programme: Programme) -> bool:
    return bool(_roles_for(user, programme) & {Role.ADMIN, Role.MANAGER})


def may_record_in(user: Any, programme: Programme, community: Community) -> bool:
    """Record assets of a community: the programme's monitoring staff when the programme covers
    it, or an officer that may change the community (its office's areas)."""
    covered = programme.coverage_areas.filter(
        path__in=[
            community.district.path[:i] for i in range(2, len(community.district.path) + 1, 2)
        ]
    ).exists()
    if not covered:
        return False
    if may_monitor(user, programme) and can(user, "view", community):
        return True
    return Role.OFFICER in _roles_for(user, programme) and can(user, "change", community)


def _refuse() -> DomainError:
    return DomainError(_("You may not record monitoring data here."), code="forbidden")


# --- assets and spending ----------------------------------------------------------------------


@transaction.atomic
def asset_valuation_record(
    *,
    user: Any,
    programme: Programme,
    community: Community,
    item: str,
    quantity: Decimal,
    unit_value: Money,
    valued_on: datetime.date,
    moment: str = Moment.AFTER,
    unit: str = "",
    source: str = ValuationSource.MANUAL,
    reference: str = "",
) -> AssetValuation:
    """Record an asset of a community: total = quantity × unit value (to the minor unit)."""
    if user is not None and not may_record_in(user, programme, community):
        raise _refuse()
    item = item.strip()
    if not item:
        raise DomainError(_("Name the asset."), field="item")
    if moment not in Moment.values:
        raise DomainError(_("Choose before or after."), field="moment")
    if source not in ValuationSource.values:
        raise DomainError(_("Unknown source of the valuation."), field="source")
    if unit_value.currency != programme.currency:
        raise DomainError(
            _("Values are recorded in the programme's currency (%(currency)s).")
            % {"currency": programme.currency},
            field="unit_value",
        )
    try:
        milli = Decimal(quantity) * returns.MILLI
    except (InvalidOperation, TypeError) as exc:
        raise DomainError(_("Not a quantity."), field="quantity") from exc
    if milli != milli.to_integral_value():
        raise DomainError(_("Use at most three decimals for the quantity."), field="quantity")
    if milli < 0 or unit_value.amount_minor < 0:
        raise DomainError(_("Quantities and values cannot be negative."), field="quantity")
    try:
        with transaction.atomic():
            return AssetValuation.objects.create(
                programme=programme,
                community=community,
                item=item[:120],
                unit=unit[:20],
                moment=moment,
                quantity_milli=int(milli),
                unit_value_minor=unit_value.amount_minor,
                total_minor=returns.asset_total(int(milli), unit_value.amount_minor),
                currency=unit_value.currency,
                valued_on=valued_on,
                source=source,
                reference=reference,
                recorded_by=user,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This valuation is already recorded."), field="reference", code="duplicate"
        ) from exc


@transaction.atomic
def asset_valuation_delete(*, user: Any, valuation: AssetValuation) -> None:
    if not may_record_in(user, valuation.programme, valuation.community):
        raise _refuse()
    valuation.delete()


@transaction.atomic
def community_spending_set(
    *, user: Any, programme: Programme, community: Community, amount: Money, note: str = ""
) -> CommunitySpending:
    """Record (or replace) the project's spending in a community, used instead of the ledger's
    disbursements for its return per sol."""
    if user is not None and not (
        may_monitor(user, programme) and may_record_in(user, programme, community)
    ):
        raise _refuse()
    if amount.currency != programme.currency:
        raise DomainError(
            _("Values are recorded in the programme's currency (%(currency)s).")
            % {"currency": programme.currency},
            field="amount",
        )
    if amount.amount_minor < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    spending, _created = CommunitySpending.objects.update_or_create(
        programme=programme,
        community=community,
        defaults={
            "amount_minor": amount.amount_minor,
            "currency": amount.currency,
            "note": note,
            "recorded_by": user,
        },
    )
    return spending


# --- manual indicators ------------------------------------------------------------------------


@transaction.atomic
def indicator_define(
    *,
    user: Any,
    programme: Programme,
    code: str,
    name: str,
    unit: str = Unit.NUMBER,
    computed_from: str = "",
    baseline: int = 0,
    baseline_year: int | None = None,
    targets: dict[int, int] | None = None,
    objective: Objective | None = None,
) -> Indicator:
    from minka.monitoring.indicators import REGISTRY

    if user is not None and not may_monitor(user, programme):
        raise _refuse()
    if computed_from and computed_from not in REGISTRY:
        raise DomainError(_("Unknown computed indicator."), field="computed_from")
    indicator, _created = Indicator.objects.update_or_create(
        programme=programme,
        code=code.strip(),
        defaults={
            "name": name,
            "unit": unit,
            "computed_from": computed_from,
            "baseline": baseline,
            "baseline_year": baseline_year,
            "objective": objective,
        },
    )
    for year, target in (targets or {}).items():
        IndicatorTarget.objects.update_or_create(
            indicator=indicator, year=year, defaults={"target": target}
        )
    return indicator


@transaction.atomic
def indicator_report_submit(
    *,
    user: Any,
    indicator: Indicator,
    year: int,
    value: int,
    area: AdminArea | None = None,
    sex: str = "",
    source: str = "",
) -> IndicatorReport:
    """The M&E officer (or the manager) reports a value of a manual indicator."""
    if not may_monitor(user, indicator.programme):
        raise _refuse()
    if not indicator.is_manual:
        raise DomainError(
            _("This indicator is computed from the data; it is never typed."), field="indicator"
        )
    programme = indicator.programme
    if not programme.starts_on.year <= year <= programme.ends_on.year:
        raise DomainError(_("The year is outside the programme's term."), field="year")
    if sex not in ("", "F", "M"):
        raise DomainError(_("Choose a sex or leave it blank."), field="sex")
    if value < 0:
        raise DomainError(_("The value cannot be negative."), field="value")
    try:
        with transaction.atomic():
            return IndicatorReport.objects.create(
                indicator=indicator,
                year=year,
                area=area,
                sex=sex,
                value=value,
                source=source,
                submitted_by=user,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("A value for this indicator, year, area and sex is already reported."),
            field="year",
            code="duplicate",
        ) from exc


@transaction.atomic
def indicator_report_review(
    *, user: Any, report: IndicatorReport, approve: bool, note: str = ""
) -> IndicatorReport:
    """The manager approves a reported value (it then counts) or returns it with a note."""
    report = IndicatorReport.objects.select_for_update().get(pk=report.pk)
    if not may_approve(user, report.indicator.programme):
        raise DomainError(_("Only the programme manager approves reported values."))
    if report.state != ReportState.SUBMITTED:
        raise DomainError(_("This value has already been reviewed."))
    if report.submitted_by_id == user.pk:
        raise DomainError(_("Whoever reported a value cannot approve it."))
    if not approve and not note.strip():
        raise DomainError(_("Say why the value is returned."), field="note")
    report.state = ReportState.APPROVED if approve else ReportState.REJECTED
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_note = note
    report.save()
    return report


# --- surveys ----------------------------------------------------------------------------------

SURVEY_REQUIRED = ("household", "income", "asset_value")
SURVEY_COLUMNS = (
    "household",
    "group",
    "income",
    "production_kg",
    "asset_value",
    *impact.ASSET_ITEMS,
)
GROUP_WORDS = {
    "": SurveyGroup.PARTICIPANT,
    "participant": SurveyGroup.PARTICIPANT,
    "participante": SurveyGroup.PARTICIPANT,
    "p": SurveyGroup.PARTICIPANT,
    "treatment": SurveyGroup.PARTICIPANT,
    "comparison": SurveyGroup.COMPARISON,
    "comparacion": SurveyGroup.COMPARISON,
    "control": SurveyGroup.COMPARISON,
    "c": SurveyGroup.COMPARISON,
}


@dataclass
class SurveyImport:
    survey: Survey | None
    rows: int
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _money_cell(text: str, currency: str) -> int:
    return Money.from_decimal(text or "0", currency).amount_minor


@transaction.atomic
def survey_import(
    *,
    user: Any,
    programme: Programme,
    round: str,
    year: int,
    data: bytes,
    filename: str,
) -> SurveyImport:
    """Import a household survey round from CSV or XLSX: one row per household (its code), the
    group (participant or comparison), yearly income, production in kg, the value of its
    assets and the count of each asset of the inventory. Every row is checked first; any error
    (with its row and column) and nothing is written. Importing a round again replaces it."""
    if not may_monitor(user, programme):
        raise _refuse()
    if round not in SurveyRound.values:
        raise DomainError(_("Choose the survey round."), field="round")
    table = read_table(data, filename)
    errors: list[RowError] = []
    missing = [c for c in SURVEY_REQUIRED if c not in table.columns]
    if missing:
        for column in missing:
            errors.append(RowError(1, column, _("This column is required.")))
        return SurveyImport(None, len(table.rows), errors)
    codes = {row.get("household").strip() for row in table.rows}
    households = {
        h.code: h
        for h in Household.objects.filter(code__in=codes).select_related("community__district")
    }
    coverage = list(programme.coverage_areas.values_list("path", flat=True))
    currency = programme.currency
    seen: set[str] = set()
    responses: list[SurveyResponse] = []
    header = table.headers
    for row in table.rows:

        def error(column: str, message: str, row_number: int = row.number) -> None:
            errors.append(RowError(row_number, header.get(column, column), message))

        code = row.get("household").strip()
        household = households.get(code)
        if household is None:
            error("household", _("No household with this code."))
        elif not any(household.community.district.path.startswith(p) for p in coverage):
            error("household", _("The household is outside the programme's areas."))
        elif code in seen:
            error("household", _("The household appears twice."))
        seen.add(code)
        group = GROUP_WORDS.get(normalise_header(row.get("group")))
        if group is None:
            error("group", _("Write participant or comparison."))
        values: dict[str, int] = {}
        for column in ("income", "asset_value"):
            try:
                values[column] = _money_cell(row.get(column), currency)
                if values[column] < 0:
                    raise ValueError
            except ValueError:
                error(column, _("Not an amount."))
        assets: dict[str, int] = {}
        for column in ("production_kg", *impact.ASSET_ITEMS):
            text = row.get(column).strip()
            if not text:
                continue
            if not text.isdigit():
                error(column, _("Write a whole number, zero or more."))
                continue
            assets[column] = int(text)
        if household is None or group is None or len(values) < 2:
            continue
        production = assets.pop("production_kg", 0)
        responses.append(
            SurveyResponse(
                household=household,
                group=group,
                income_minor=values["income"],
                production_kg=production,
                asset_value_minor=values["asset_value"],
                asset_index_milli=int(impact.asset_index(assets) * 1000),
                assets=assets,
            )
        )
    if errors:
        return SurveyImport(None, len(table.rows), errors)
    survey, _created = Survey.objects.update_or_create(
        programme=programme,
        round=round,
        defaults={
            "year": year,
            "currency": currency,
            "filename": filename[:200],
            "imported_by": user,
        },
    )
    survey.responses.all().delete()
    for response in responses:
        response.survey = survey
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    return SurveyImport(survey, len(table.rows))


# --- the annual operating plan ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    month: int
    funding_source: FundingSource
    physical: int = 0
    financial: Money | None = None


@transaction.atomic
def plan_create(*, user: Any, programme: Programme, year: int, title: str) -> OperatingPlan:
    if user is not None and not may_monitor(user, programme):
        raise _refuse()
    if not programme.starts_on.year <= year <= programme.ends_on.year:
        raise DomainError(_("The year is outside the programme's term."), field="year")
    if OperatingPlan.objects.filter(programme=programme, year=year).exists():
        raise DomainError(_("The programme already has a plan for this year."), field="year")
    return OperatingPlan.objects.create(programme=programme, year=year, title=title)


def _editable(plan: OperatingPlan) -> None:
    """Refuse changes to an approved plan (its state read under lock, not from memory)."""
    state = (
        OperatingPlan.objects.select_for_update().filter(pk=plan.pk).values_list("state", flat=True)
    )
    if state.first() != PlanState.DRAFT:
        raise DomainError(_("An approved plan can no longer change."))


@transaction.atomic
def plan_component_add(
    *, user: Any, plan: OperatingPlan, code: str, name: str, parent: PlanComponent | None = None
) -> PlanComponent:
    if user is not None and not may_monitor(user, plan.programme):
        raise _refuse()
    _editable(plan)
    if parent is not None and parent.plan_id != plan.pk:
        raise DomainError(_("The component belongs to another plan."), field="parent")
    return PlanComponent.objects.create(plan=plan, parent=parent, code=code, name=name)


@transaction.atomic
def objective_add(*, user: Any, component: PlanComponent, code: str, statement: str) -> Objective:
    if user is not None and not may_monitor(user, component.plan.programme):
        raise _refuse()
    _editable(component.plan)
    return Objective.objects.create(component=component, code=code, statement=statement)


@transaction.atomic
def activity_add(
    *,
    user: Any,
    objective: Objective,
    code: str,
    name: str,
    unit: str,
    targets: Sequence[TargetInput],
    indicator: Indicator | None = None,
    concept: str = "",
) -> Activity:
    """An activity with its monthly physical and financial targets by funding source."""
    plan = objective.component.plan
    programme = plan.programme
    if user is not None and not may_monitor(user, programme):
        raise _refuse()
    _editable(plan)
    if indicator is not None and indicator.programme_id != programme.pk:
        raise DomainError(_("The indicator belongs to another programme."), field="indicator")
    activity = Activity.objects.create(
        objective=objective, code=code, name=name, unit=unit, indicator=indicator, concept=concept
    )
    rows = []
    for target in targets:
        if not 1 <= target.month <= 12:
            raise DomainError(_("Months go from 1 to 12."), field="month")
        if target.funding_source.programme_id != programme.pk:
            raise DomainError(
                _("The funding source belongs to another programme."), field="funding_source"
            )
        financial = target.financial or Money.zero(programme.currency)
        if financial.currency != programme.currency:
            raise DomainError(
                _("Values are recorded in the programme's currency (%(currency)s).")
                % {"currency": programme.currency},
                field="financial",
            )
        if target.physical < 0 or financial.amount_minor < 0:
            raise DomainError(_("Targets cannot be negative."), field="physical")
        rows.append(
            ActivityTarget(
                activity=activity,
                month=target.month,
                funding_source=target.funding_source,
                physical=target.physical,
                financial_minor=financial.amount_minor,
                currency=financial.currency,
            )
        )
    try:
        with transaction.atomic():
            ActivityTarget.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise DomainError(
            _("A month and funding source appear twice."), field="month", code="duplicate"
        ) from exc
    return activity


@transaction.atomic
def plan_approve(*, user: Any, plan: OperatingPlan, on: datetime.date) -> OperatingPlan:
    plan = OperatingPlan.objects.select_for_update().get(pk=plan.pk)
    if not may_approve(user, plan.programme):
        raise DomainError(_("Only the programme manager approves the plan."))
    _editable(plan)
    if not ActivityTarget.objects.filter(activity__objective__component__plan=plan).exists():
        raise DomainError(_("The plan has no activity with targets yet."))
    plan.state = PlanState.APPROVED
    plan.approved_by = user
    plan.approved_on = on
    plan.save()
    return plan


@transaction.atomic
def activity_progress_record(
    *, user: Any, activity: Activity, month: int, quantity: int, note: str = ""
) -> ActivityProgress:
    """Physical progress of a month, for an activity that no indicator measures."""
    programme = activity.objective.component.plan.programme
    if not may_monitor(user, programme):
        raise _refuse()
    if activity.indicator_id is not None:
        raise DomainError(
            _("This activity is measured by its indicator; its progress is not typed."),
            field="quantity",
        )
    if not 1 <= month <= 12:
        raise DomainError(_("Months go from 1 to 12."), field="month")
    if quantity < 0:
        raise DomainError(_("The quantity cannot be negative."), field="quantity")
    progress, _created = ActivityProgress.objects.update_or_create(
        activity=activity,
        month=month,
        defaults={"quantity": quantity, "note": note, "entered_by": user},
    )
    return progress


# --- boundaries -------------------------------------------------------------------------------


@dataclass
class BoundaryLoad:
    created: int
    updated: int
    levels: dict[int, int]


@transaction.atomic
def boundaries_load(*, data: bytes) -> BoundaryLoad:
    """Load department/province/district outlines from a GeoJSON file (replacing those with
    the same level and code), linked to the gazetteer's areas by code."""
    try:
        outlines = geojson.parse(data)
    except geojson.BoundaryError as exc:
        message = _("The file is not usable: %(reason)s.") % {"reason": str(exc)}
        if exc.feature is not None:
            message = _("Feature %(number)d: %(reason)s.") % {
                "number": exc.feature,
                "reason": str(exc),
            }
        raise DomainError(message, field="file") from exc
    areas = dict(
        AdminArea.objects.filter(path__in=[o.code for o in outlines]).values_list("path", "pk")
    )
    existing = {
        (b.level, b.code): b for b in Boundary.objects.filter(code__in=[o.code for o in outlines])
    }
    created = updated = 0
    levels: dict[int, int] = {}
    new: list[Boundary] = []
    for outline in outlines:
        levels[outline.level] = levels.get(outline.level, 0) + 1
        boundary = existing.get((outline.level, outline.code))
        if boundary is None:
            new.append(
                Boundary(
                    level=outline.level,
                    code=outline.code,
                    name=outline.name,
                    area_id=areas.get(outline.code),
                    geometry=outline.geometry,
                )
            )
            created += 1
        else:
            boundary.name = outline.name
            boundary.geometry = outline.geometry
            boundary.area_id = areas.get(outline.code)
            boundary.save()
            updated += 1
    Boundary.objects.bulk_create(new, batch_size=200)
    return BoundaryLoad(created=created, updated=updated, levels=levels)
