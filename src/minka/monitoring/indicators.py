"""The registry of computed indicators: each is a SQL aggregate over the operational data,
never typed twice.

A definition names a base queryset (the rows that count, for a programme), the lookups that
place a row in a territory, a community, a year and (where it has one) a sex, and the aggregate
(`Count` or `Sum`). `compute(definition, slice_, group)` runs one grouped query and answers
{key: value}: the key is an area path prefix (department "03", province "0302", district
"030201"), a community id, a year, a sex ("F"/"M") or "" for the total.

Another app adds its own indicators at start-up (in its AppConfig.ready):

    from minka.monitoring.indicators import Definition, register
    register(Definition(code="savers", label=_("Women saving"), base=..., area="...", ...))

Paths are UBIGEO prefixes, two characters per level.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils.translation import gettext_lazy as _

GROUPS = ("total", "department", "province", "district", "community", "year", "sex")
PREFIX_LENGTH = {"department": 2, "province": 4, "district": 6}
# Contracts that bind money: signed and later, until liquidated (cancelled and rejected ones,
# proposals and approvals not yet signed do not count).
ACTIVE_CONTRACT_STATES = (
    "signed",
    "tranche1_paid",
    "tranche2_requested",
    "tranche2_approved",
    "tranche2_paid",
    "liquidated",
)
YOUTH_AGES = (15, 29)


@dataclass(frozen=True)
class Slice:
    """What is being measured: a programme, the area prefixes the reader may see (None: all),
    the area drilled into ("" for the whole programme), a year (None: all years) and a
    community."""

    programme: Any
    paths: tuple[str, ...] | None = None
    area: str = ""
    year: int | None = None
    community_id: int | None = None

    @property
    def reference_date(self) -> datetime.date:
        """The date ages are computed at: the end of the year measured, or today."""
        if self.year is not None:
            return datetime.date(self.year, 12, 31)
        return datetime.date.today()


@dataclass(frozen=True)
class Definition:
    code: str
    label: Any
    base: Callable[[Slice], QuerySet]
    area: str  # lookup to the AdminArea path of the district
    community: str  # lookup to the community id
    year: str | None  # lookup to the date that places a row in a year
    measure: Callable[[Slice], Any]  # aggregate expression
    unit: str = "number"  # "number" or "money" (minor units of the programme's currency)
    sex: str | None = None  # lookup to a sex code
    description: Any = ""
    order: int = 100
    groups: frozenset[str] = field(default_factory=lambda: frozenset(GROUPS))

    def supports(self, group: str) -> bool:
        return group in self.groups and (group != "sex" or self.sex is not None)


REGISTRY: dict[str, Definition] = {}


def register(definition: Definition) -> Definition:
    REGISTRY[definition.code] = definition
    return definition


def definitions() -> list[Definition]:
    return sorted(REGISTRY.values(), key=lambda d: (d.order, d.code))


@dataclass(frozen=True)
class RatioDefinition:
    """An indicator that is the share of one registered indicator in another (percent)."""

    code: str
    label: Any
    part: str
    whole: str
    order: int = 100


RATIOS: dict[str, RatioDefinition] = {}


def register_ratio(definition: RatioDefinition) -> RatioDefinition:
    RATIOS[definition.code] = definition
    return definition


# --- computing --------------------------------------------------------------------------------


def _paths_q(lookup: str, paths: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition


def _key(definition: Definition, group: str) -> Any:
    if group in PREFIX_LENGTH:
        return Substr(F(definition.area), 1, PREFIX_LENGTH[group])
    if group == "community":
        return F(definition.community)
    if group == "year" and definition.year:
        return ExtractYear(definition.year)
    if group == "sex" and definition.sex:
        return F(definition.sex)
    return Value("")


def filtered(definition: Definition, slice_: Slice) -> QuerySet:
    queryset = definition.base(slice_)
    if slice_.paths is not None:
        queryset = queryset.filter(_paths_q(definition.area, slice_.paths))
    if slice_.area:
        queryset = queryset.filter(**{f"{definition.area}__startswith": slice_.area})
    if slice_.community_id is not None:
        queryset = queryset.filter(**{definition.community: slice_.community_id})
    if slice_.year is not None and definition.year:
        queryset = queryset.filter(**{f"{definition.year}__year": slice_.year})
    return queryset


def compute(definition: Definition, slice_: Slice, group: str = "total") -> dict[Hashable, int]:
    """One grouped SQL aggregate: {key: value}. Unsupported groups give {}."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    if group != "total" and not definition.supports(group):
        return {}
    queryset = filtered(definition, slice_).order_by()
    measure = definition.measure(slice_)
    if group == "total":
        value = queryset.aggregate(value=measure)["value"]
        return {"": int(value or 0)}
    rows = queryset.annotate(key=_key(definition, group)).values("key").annotate(value=measure)
    result: dict[Hashable, int] = {}
    for row in rows:
        if row["key"] is None or row["key"] == "":
            continue
        result[row["key"]] = result.get(row["key"], 0) + int(row["value"] or 0)
    return result


# --- the indicators computed from contracts, the ledger, the CLAR and the registry ------------


def _model(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label)


def _active_contracts(slice_: Slice) -> QuerySet:
    return _model("contracts.Contract").objects.filter(
        programme=slice_.programme, state__in=ACTIVE_CONTRACT_STATES
    )


def reached_organizations(slice_: Slice) -> QuerySet:
    """Ids of organizations that sign an active contract of the programme (in the year, when a
    year is measured)."""
    contracts = _active_contracts(slice_)
    if slice_.year is not None:
        contracts = contracts.filter(signed_on__year=slice_.year)
    return (
        _model("contracts.ContractParty")
        .objects.filter(contract__in=contracts)
        .values("organization_id")
    )


def _members(slice_: Slice) -> QuerySet:
    return (
        _model("registry.Membership")
        .objects.filter(organization_id__in=reached_organizations(slice_))
        .values("person_id")
    )


def _households(slice_: Slice) -> QuerySet:
    person = _model("registry.Person")
    head_sex = (
        person.objects.filter(household=OuterRef("pk"), relationship="head")
        .order_by()
        .values("sex")
    )
    households = person.objects.filter(pk__in=_members(slice_), household__isnull=False).values(
        "household_id"
    )
    return (
        _model("registry.Household")
        .objects.filter(pk__in=households)
        .annotate(head_sex=Subquery(head_sex[:1]))
    )


def _persons(slice_: Slice) -> QuerySet:
    return _model("registry.Person").objects.filter(pk__in=_members(slice_))


def _youth(slice_: Slice) -> QuerySet:
    low, high = YOUTH_AGES
    ref = slice_.reference_date
    born_after = _years_before(ref, high + 1)  # exclusive: 30th birthday not reached
    born_by = _years_before(ref, low)
    return _persons(slice_).filter(birth_date__gt=born_after, birth_date__lte=born_by)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _organizations(slice_: Slice) -> QuerySet:
    return _model("registry.Organization").objects.filter(pk__in=reached_organizations(slice_))


def _communities(slice_: Slice) -> QuerySet:
    communities = _organizations(slice_).filter(community__isnull=False).values("community_id")
    return _model("registry.Community").objects.filter(pk__in=communities)


def _journal_kind(*kinds: str) -> Q:
    """Legs of journals of `kinds`, and of the reversals of such journals (which net them)."""
    return Q(journal__kind__in=kinds) | Q(
        journal__kind="reversal", journal__reverses__kind__in=kinds
    )


def _legs(slice_: Slice, account_kind: str, *journal_kinds: str) -> QuerySet:
    return (
        _model("ledger.Leg")
        .objects.filter(
            journal__programme=slice_.programme,
            account__kind=account_kind,
            currency=slice_.programme.currency,
            account__organization__isnull=False,
        )
        .filter(_journal_kind(*journal_kinds))
    )


def _sum_legs(_slice: Slice) -> Any:
    return Coalesce(Sum("amount_minor"), Value(0), output_field=BigIntegerField())


def _negated_sum_legs(_slice: Slice) -> Any:
    """Credits as positive amounts (money leaving an account)."""
    return Coalesce(-Sum("amount_minor"), Value(0), output_field=BigIntegerField())


def _count(_slice: Slice) -> Any:
    return Count("pk")


def _ta_lines(slice_: Slice) -> QuerySet:
    return _model("contracts.ContractLine").objects.filter(
        contract__in=_active_contracts(slice_),
        concept="ta",
        contract__currency=slice_.programme.currency,
    )


def _line_total(_slice: Slice) -> Any:
    return Coalesce(
        Sum(F("project_minor") + F("organization_minor") + F("other_minor")),
        Value(0),
        output_field=BigIntegerField(),
    )


register(
    Definition(
        code="households",
        label=_("Households reached"),
        description=_("Households with a member in an organization that signed a contract."),
        base=_households,
        area="community__district__path",
        community="community_id",
        year=None,
        sex="head_sex",
        measure=_count,
        order=10,
    )
)
register(
    Definition(
        code="persons",
        label=_("Persons reached"),
        description=_("Members of the organizations that signed a contract."),
        base=_persons,
        area="district__path",
        community="household__community_id",
        year=None,
        sex="sex",
        measure=_count,
        order=20,
    )
)
register(
    Definition(
        code="youth",
        label=_("Young persons reached (15-29)"),
        base=_youth,
        area="district__path",
        community="household__community_id",
        year=None,
        sex="sex",
        measure=_count,
        order=25,
    )
)
register(
    Definition(
        code="organizations",
        label=_("Organizations"),
        description=_("Organizations that signed a contract."),
        base=_organizations,
        area="district__path",
        community="community_id",
        year=None,
        measure=_count,
        order=30,
    )
)
register(
    Definition(
        code="women_organizations",
        label=_("Women's organizations"),
        base=lambda s: _organizations(s).filter(kind="women"),
        area="district__path",
        community="community_id",
        year=None,
        measure=_count,
        order=31,
    )
)
register(
    Definition(
        code="communities",
        label=_("Communities"),
        base=_communities,
        area="district__path",
        community="pk",
        year=None,
        measure=_count,
        order=40,
    )
)
register(
    Definition(
        code="transferred",
        label=_("Money transferred to organizations"),
        description=_("Disbursements received by the organizations (ledger), net of reversals."),
        base=lambda s: _legs(s, "held", "disbursement"),
        area="account__organization__district__path",
        community="account__organization__community_id",
        year="journal__effective_date",
        measure=_sum_legs,
        unit="money",
        order=50,
    )
)
register(
    Definition(
        code="committed",
        label=_("Committed to organizations"),
        base=lambda s: _legs(s, "committed", "commitment", "decommitment"),
        area="account__organization__district__path",
        community="account__organization__community_id",
        year="journal__effective_date",
        measure=_sum_legs,
        unit="money",
        order=51,
    )
)
register(
    Definition(
        code="counterpart",
        label=_("Counterpart mobilised"),
        description=_("Organizations' own contributions in cash, kind or labour (ledger)."),
        base=lambda s: _legs(s, "counterpart", "counterpart"),
        area="account__organization__district__path",
        community="account__organization__community_id",
        year="journal__effective_date",
        measure=_sum_legs,
        unit="money",
        order=60,
    )
)
register(
    Definition(
        code="initiatives_funded",
        label=_("Initiatives funded"),
        base=lambda s: _model("clar.Initiative").objects.filter(
            call__programme=s.programme, state="funded"
        ),
        area="organization__district__path",
        community="organization__community_id",
        year="call__closes_on",
        measure=_count,
        order=70,
    )
)
register(
    Definition(
        code="contracts",
        label=_("Contracts signed"),
        base=_active_contracts,
        area="organization__district__path",
        community="organization__community_id",
        year="signed_on",
        measure=_count,
        order=80,
    )
)
register(
    Definition(
        code="technical_assistance",
        label=_("Technical assistance contracted"),
        description=_("Value of the technical-assistance lines of signed contracts."),
        base=_ta_lines,
        area="contract__organization__district__path",
        community="contract__organization__community_id",
        year="contract__signed_on",
        measure=_line_total,
        unit="money",
        order=90,
    )
)
register_ratio(
    RatioDefinition(
        code="women_share",
        label=_("Women's organizations, % of organizations"),
        part="women_organizations",
        whole="organizations",
        order=32,
    )
)
register(
    Definition(
        code="disbursed_against_commitments",
        label=_("Disbursed against those commitments"),
        description=_(
            "What left the commitments to organizations as disbursements; the same population "
            "as “committed”, so their ratio is the execution (prizes and incentives committed "
            "as a whole batch are in “transferred” only)."
        ),
        base=lambda s: _legs(s, "committed", "disbursement"),
        area="account__organization__district__path",
        community="account__organization__community_id",
        year="journal__effective_date",
        measure=_negated_sum_legs,
        unit="money",
        order=52,
    )
)
register_ratio(
    RatioDefinition(
        code="disbursement_execution",
        label=_("Disbursement execution, % of committed"),
        part="disbursed_against_commitments",
        whole="committed",
        order=53,
    )
)
