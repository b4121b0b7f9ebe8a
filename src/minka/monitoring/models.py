"""Monitoring and evaluation: the annual operating plan (POA) with its results framework,
manually reported indicators, household surveys, community asset valuations (for the return
per sol) and the administrative boundaries drawn on the programme map.

Indicators that the operational data already hold (households reached, money transferred, ...)
are not stored here: `minka.monitoring.indicators` computes them with SQL aggregates. Values are
integers: money in minor units of the programme's currency, quantities in thousandths where a
fraction is meaningful (9.2 ha is 9200), percentages in tenths.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec

# --- boundaries -------------------------------------------------------------------------------


class Boundary(models.Model):
    """The outline of a department or province (GeoJSON geometry, WGS84), loaded from a file by
    `minka boundaries load`, so the map needs no internet tiles."""

    level = models.PositiveSmallIntegerField(
        _("level"), choices=[(1, _("Department")), (2, _("Province")), (3, _("District"))]
    )
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=120)
    area = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="boundaries",
        verbose_name=_("administrative area"),
    )
    geometry = models.TextField(_("geometry (GeoJSON)"))

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="boundary_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# --- annual operating plan (POA) --------------------------------------------------------------


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class OperatingPlan(models.Model):
    """A programme's annual operating plan (POA): components, objectives with indicators and
    activities with monthly physical and financial targets by funding source."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="operating_plans",
        verbose_name=_("programme"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("annual operating plan")
        verbose_name_plural = _("annual operating plans")
        ordering = ["programme_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="plan_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanComponent(models.Model):
    """A component of the plan, or a sub-component when it has a parent."""

    plan = models.ForeignKey(
        OperatingPlan, on_delete=models.CASCADE, related_name="components", verbose_name=_("plan")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("component"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)

    scope = ScopeSpec(programme="plan__programme_id")

    class Meta:
        verbose_name = _("plan component")
        verbose_name_plural = _("plan components")
        ordering = ["plan_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plancomponent_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Objective(models.Model):
    """What a (sub-)component aims at, measured by its indicators."""

    component = models.ForeignKey(
        PlanComponent,
        on_delete=models.CASCADE,
        related_name="objectives",
        verbose_name=_("component"),
    )
    code = models.CharField(_("code"), max_length=20)
    statement = models.CharField(_("objective"), max_length=300)

    scope = ScopeSpec(programme="component__plan__programme_id")

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["component_id", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"


class Unit(models.TextChoices):
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money (minor units)")
    PERCENT = "percent", _("Percent (tenths)")


class Indicator(models.Model):
    """An indicator of the results framework. A computed one names the code of a registered
    definition (`minka.monitoring.indicators`) and is never typed; a manual one is reported by
    the M&E officer and approved by the manager."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("programme"),
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("objective"),
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.NUMBER)
    computed_from = models.CharField(
        _("computed from"),
        max_length=40,
        blank=True,
        help_text=_("Code of a computed indicator; blank for a manually reported one."),
    )
    baseline = models.BigIntegerField(_("baseline"), default=0)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["programme_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicator_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_manual(self) -> bool:
        return not self.computed_from


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.BigIntegerField(_("target"))

    scope = ScopeSpec(programme="indicator__programme_id")

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["indicator_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="target_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.target}"


class Activity(models.Model):
    """An activity of the plan. Its physical execution comes from `indicator` when it names
    one, otherwise from progress entered by month; its financial execution is the ledger's
    accounted spending of budget concept `concept` in the plan's year."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="activities", verbose_name=_("objective")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("physical unit"), max_length=30)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("measured by indicator"),
    )
    concept = models.CharField(_("budget concept"), max_length=12, blank=True)

    scope = ScopeSpec(programme="objective__component__plan__programme_id")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["objective_id", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ActivityTarget(models.Model):
    """What an activity plans to do (physical) and spend (financial) in one month, by source."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="targets", verbose_name=_("activity")
    )
    month = models.PositiveSmallIntegerField(_("month"))
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        related_name="activity_targets",
        verbose_name=_("funding source"),
    )
    physical = models.BigIntegerField(_("physical target"), default=0)
    financial_minor = models.BigIntegerField(_("financial target"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)

    scope = ScopeSpec(programme="activity__objective__component__plan__programme_id")

    class Meta:
        verbose_name = _("activity target")
        verbose_name_plural = _("activity targets")
        ordering = ["activity_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "month", "funding_source"], name="activitytarget_unique"
            ),
            models.CheckConstraint(
                name="activitytarget_month_range", condition=Q(month__gte=1, month__lte=12)
            ),
            models.CheckConstraint(
                name="activitytarget_non_negative",
                condition=Q(physical__gte=0, financial_minor__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.code} {self.month:02d}"


class ActivityProgress(models.Model):
    """Physical progress of an activity in a month, entered where no indicator measures it."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="progress", verbose_name=_("activity")
    )
    month = models.PositiveSmallIntegerField(_("month"))
    quantity = models.BigIntegerField(_("quantity done"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    note = models.CharField(_("note"), max_length=250, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="activity__objective__component__plan__programme_id")

    class Meta:
        verbose_name = _("activity progress")
        verbose_name_plural = _("activity progress")
        ordering = ["activity_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "month"], name="progress_one_per_month"),
            models.CheckConstraint(
                name="progress_month_range", condition=Q(month__gte=1, month__lte=12)
            ),
            models.CheckConstraint(name="progress_non_negative", condition=Q(quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.activity.code} {self.month:02d}: {self.quantity}"


# --- manually reported indicators -------------------------------------------------------------


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Returned")


class IndicatorReport(models.Model):
    """A value of a manual indicator for a year (optionally an area and a sex), entered by the
    M&E officer; it counts once the programme manager approves it."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="reports", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    sex = models.CharField(
        _("sex"), max_length=1, blank=True, choices=[("F", _("Female")), ("M", _("Male"))]
    )
    value = models.BigIntegerField(_("value"))
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    source = models.CharField(_("source of verification"), max_length=250, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="indicator__programme_id")

    class Meta:
        verbose_name = _("indicator report")
        verbose_name_plural = _("indicator reports")
        ordering = ["-year", "indicator_id", "id"]
        constraints = [
            # A value without an area counts as area 0, so two "whole programme" values clash.
            models.UniqueConstraint(
                models.F("indicator"),
                models.F("year"),
                Coalesce("area", models.Value(0)),
                models.F("sex"),
                condition=~Q(state="rejected"),
                name="indicatorreport_one_live",
                violation_error_message=_(
                    "A value for this indicator, year, area and sex is already reported."
                ),
            ),
            models.CheckConstraint(
                name="indicatorreport_four_eyes",
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=models.F("submitted_by")),
                violation_error_message=_("Whoever reported a value cannot approve it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


# --- household surveys ------------------------------------------------------------------------


class SurveyRound(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    MIDTERM = "midterm", _("Mid-term")
    COMPLETION = "completion", _("Completion")


class SurveyGroup(models.TextChoices):
    PARTICIPANT = "participant", _("Participants")
    COMPARISON = "comparison", _("Comparison group")


class Survey(models.Model):
    """A household outcome survey of a programme (RIMS: baseline, mid-term, completion)."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("programme"),
    )
    round = models.CharField(_("round"), max_length=10, choices=SurveyRound.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    filename = models.CharField(_("file"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("household survey")
        verbose_name_plural = _("household surveys")
        ordering = ["programme_id", "year", "round"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "round"], name="survey_one_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.get_round_display()} {self.year}"


class SurveyResponse(models.Model):
    """One household's answers: income, production, the asset inventory with its value, and
    the asset index computed from the inventory at import."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("household"),
    )
    group = models.CharField(
        _("group"), max_length=12, choices=SurveyGroup.choices, default=SurveyGroup.PARTICIPANT
    )
    income_minor = models.BigIntegerField(_("yearly income"))
    production_kg = models.BigIntegerField(_("production (kg)"), default=0)
    asset_value_minor = models.BigIntegerField(_("value of assets"))
    asset_index_milli = models.IntegerField(_("asset index (thousandths)"))
    assets = models.JSONField(_("asset inventory"), default=dict)

    scope = ScopeSpec(area="household__community__district__path")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["survey_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "household"], name="response_unique"),
            models.CheckConstraint(
                name="response_non_negative",
                condition=Q(income_minor__gte=0, production_kg__gte=0, asset_value_minor__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.household}"


# --- assets and return per sol ----------------------------------------------------------------


class Moment(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class ValuationSource(models.TextChoices):
    MANUAL = "manual", _("Entered")
    CONTEST = "contest", _("Contest (before/after)")
    SURVEY = "survey", _("Survey")


class AssetValuation(models.Model):
    """An asset of a community valued before or after the programme's support: item, quantity,
    unit value, total (quantity × unit value). The return per sol is Σ(after − before) divided
    by the project's spending in the community. Other instruments (contests' before/after
    assets) feed it with `source` set."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="asset_valuations",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        related_name="asset_valuations",
        verbose_name=_("community"),
    )
    item = models.CharField(_("asset"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    moment = models.CharField(
        _("moment"), max_length=6, choices=Moment.choices, default=Moment.AFTER
    )
    quantity_milli = models.BigIntegerField(_("quantity (thousandths)"))
    unit_value_minor = models.BigIntegerField(_("unit value"))
    total_minor = models.BigIntegerField(_("total value"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    valued_on = models.DateField(_("valued on"))
    source = models.CharField(
        _("source"), max_length=10, choices=ValuationSource.choices, default=ValuationSource.MANUAL
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="community__district__path")

    class Meta:
        verbose_name = _("asset valuation")
        verbose_name_plural = _("asset valuations")
        ordering = ["community_id", "moment", "item"]
        indexes = [
            models.Index(fields=["programme", "community"], name="valuation_prog_comm_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="valuation_non_negative",
                condition=Q(quantity_milli__gte=0, unit_value_minor__gte=0, total_minor__gte=0),
            ),
            models.UniqueConstraint(
                fields=["programme", "source", "reference"],
                condition=~Q(reference=""),
                name="valuation_unique_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.item}"

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def quantity(self) -> Decimal:
        value = Decimal(self.quantity_milli).scaleb(-3)
        return (
            value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
        )


class CommunitySpending(models.Model):
    """The project's spending in a community, entered where the ledger does not hold it (money
    spent before Minka, or through channels other than contracts). When present it replaces
    the ledger's disbursements for the return per sol of that community."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="community_spending",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        related_name="programme_spending",
        verbose_name=_("community"),
    )
    amount_minor = models.BigIntegerField(_("amount spent"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    note = models.CharField(_("note"), max_length=250, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="community__district__path")

    class Meta:
        verbose_name = _("project spending in a community")
        verbose_name_plural = _("project spending in communities")
        ordering = ["programme_id", "community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "community"], name="communityspending_unique"
            ),
            models.CheckConstraint(
                name="communityspending_non_negative", condition=Q(amount_minor__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community}: {Money(self.amount_minor, self.currency).format()}"
