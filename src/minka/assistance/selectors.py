"""Reads of the assistance market and the cascade, scoped through `restrict`.

The directory of providers and each provider's public record (how many contracts, for how
much, how the clients rated it) are market information every signed-in user reads: profiles
are reference rows, and the record is made of aggregates and ratings, never of personal data.
Everything else (contracts, payments, visits) is filtered to the user's scope.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.utils.translation import gettext as _

from minka.assistance import indicators
from minka.assistance.models import (
    CascadeAssignment,
    HouseholdVisit,
    PracticeAdoption,
    ProviderCoverage,
    ProviderProfile,
    ProviderRating,
    ServiceConfirmation,
    ServiceContract,
    ServicePayment,
    ServiceState,
    TrainingEvent,
)
from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param
from minka.geo.models import AdminArea
from minka.registry.models import Community, Person, Provider, ProviderKind, Sex

MARKET_KINDS = (ProviderKind.TECHNICIAN, ProviderKind.FIRM, ProviderKind.YACHAQ)
CASCADE_KINDS = (ProviderKind.YACHAQ, ProviderKind.YACHACHIQ, ProviderKind.ANIMATOR)


def _area_prefixes(path: str) -> list[str]:
    return [path[:i] for i in range(2, len(path) + 1, 2)]


# --- directory -------------------------------------------------------------------------------


def provider_directory(*, user: Any, params: Any = None) -> QuerySet[ProviderProfile]:
    """Profiles for the market directory: search by name, skill or profession; filter by kind
    and by the territory served (an area, or any area containing it)."""
    ratings = ProviderRating.objects.filter(provider=OuterRef("provider_id"))
    queryset = restrict(
        ProviderProfile.objects.select_related("provider__district").annotate(
            rating_count=Coalesce(
                Subquery(
                    ratings.values("provider_id").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            rating_mean=Subquery(
                ratings.values("provider_id")
                .annotate(
                    m=Avg(
                        (F("quality") + F("punctuality") + F("relevance") + F("communication"))
                        / 4.0
                    )
                )
                .values("m")[:1]
            ),
        ),
        user,
    ).order_by("provider__name", "pk")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(provider__name__icontains=query)
            | Q(provider__skills__icontains=query)
            | Q(provider__profession__icontains=query)
            | Q(summary__icontains=query)
        )
    kind = param(params, "kind")
    if kind:
        queryset = queryset.filter(provider__kind=kind)
    area = param(params, "area")
    if area.isdigit():
        served = ProviderCoverage.objects.filter(
            Q(area__path__startswith=area) | Q(area__path__in=_area_prefixes(area))
        ).values("provider_id")
        queryset = queryset.filter(
            Q(provider_id__in=served) | Q(provider__district__path__startswith=area)
        )
    if param(params, "available") == "1":
        queryset = queryset.filter(available=True)
    return queryset


def get_profile(*, user: Any, provider_pk: Any) -> ProviderProfile:
    """A provider's public profile (404 when it has none or the user is not signed in)."""
    profile = (
        restrict(ProviderProfile.objects.select_related("provider__district"), user)
        .filter(provider_id=int(provider_pk) if str(provider_pk).isdigit() else 0)
        .first()
    )
    if profile is None:
        raise Http404
    return profile


def provider_record(*, provider: Provider) -> dict[str, Any]:
    """The provider's public record across organizations: contracts, value, clients and
    reputation (aggregates and ratings only)."""
    contracts = ServiceContract.objects.filter(provider=provider).exclude(
        state=ServiceState.CANCELLED
    )
    totals = contracts.aggregate(
        count=Count("pk"),
        completed=Count("pk", filter=Q(state=ServiceState.COMPLETED)),
        organizations=Count("organization", distinct=True),
        value=Sum(F("grant_minor") + F("own_minor") + F("other_minor")),
        days=Sum("days"),
        men=Sum("men_assisted"),
        women=Sum("women_assisted"),
    )
    rows = list(
        ProviderRating.objects.filter(provider=provider)
        .select_related("organization")
        .order_by("-rated_on", "-id")
    )
    reputation = indicators.reputation(
        [
            indicators.RatingRow(
                r.organization_id,
                r.quality,
                r.punctuality,
                r.relevance,
                r.communication,
                r.would_hire_again,
            )
            for r in rows
        ]
    )
    return {
        "totals": {k: int(v or 0) for k, v in totals.items()},
        "reputation": reputation,
        "comments": [r for r in rows if r.comment][:10],
        "coverage": list(ProviderCoverage.objects.filter(provider=provider).select_related("area")),
    }


# --- contracts and their steps ---------------------------------------------------------------


def service_contract_list(*, user: Any, params: Any = None) -> QuerySet[ServiceContract]:
    queryset = restrict(
        ServiceContract.objects.select_related("organization", "provider", "programme"), user
    ).order_by("-starts_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(code__icontains=query)
            | Q(topic__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(provider__name__icontains=query)
        )
    state = param(params, "state")
    if state:
        queryset = queryset.filter(state=state)
    funding = param(params, "funding")
    if funding == "grant":
        queryset = queryset.filter(grant_minor__gt=0)
    elif funding == "own":
        queryset = queryset.filter(grant_minor=0)
    area = param(params, "area")
    if area.isdigit():
        queryset = queryset.filter(organization__district__path__startswith=area)
    for name in ("provider", "organization", "programme", "grant_contract"):
        value = param(params, name)
        if value.isdigit():
            queryset = queryset.filter(**{f"{name}_id": value})
    return queryset


def get_service_contract_for_user(
    *, user: Any, pk: Any, action: Action = "view"
) -> ServiceContract:
    return get_for_user(
        ServiceContract.objects.select_related(
            "organization__district", "provider", "programme", "grant_contract"
        ),
        user=user,
        pk=pk,
        action=action,
    )


def confirmation_list(*, user: Any, params: Any = None) -> QuerySet[ServiceConfirmation]:
    queryset = restrict(
        ServiceConfirmation.objects.select_related(
            "contract__organization", "contract__provider", "signed_by", "payment"
        ),
        user,
    ).order_by("-confirmed_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(contract__code__icontains=query) | Q(contract__organization__name__icontains=query)
        )
    state = param(params, "state")
    if state == "unpaid":
        queryset = queryset.filter(payment__isnull=True)
    elif state == "paid":
        queryset = queryset.filter(payment__isnull=False)
    return queryset


def get_confirmation_for_user(
    *, user: Any, pk: Any, action: Action = "view"
) -> ServiceConfirmation:
    return get_for_user(
        ServiceConfirmation.objects.select_related(
            "contract__organization", "contract__provider", "signed_by"
        ),
        user=user,
        pk=pk,
        action=action,
    )


def payment_list(*, user: Any, params: Any = None) -> QuerySet[ServicePayment]:
    queryset = restrict(
        ServicePayment.objects.select_related("contract__organization", "contract__provider"),
        user,
    ).order_by("-paid_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(contract__code__icontains=query) | Q(receipt__icontains=query))
    return queryset


def get_payment_for_user(*, user: Any, pk: Any, action: Action = "view") -> ServicePayment:
    return get_for_user(
        ServicePayment.objects.select_related("contract", "confirmation"),
        user=user,
        pk=pk,
        action=action,
    )


def rating_list(*, user: Any, params: Any = None) -> QuerySet[ProviderRating]:
    queryset = restrict(
        ProviderRating.objects.select_related("provider", "organization", "contract"), user
    ).order_by("-rated_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(provider__name__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(comment__icontains=query)
        )
    provider = param(params, "provider")
    if provider.isdigit():
        queryset = queryset.filter(provider_id=provider)
    return queryset


def get_rating_for_user(*, user: Any, pk: Any, action: Action = "view") -> ProviderRating:
    return get_for_user(
        ProviderRating.objects.select_related("provider", "organization", "contract"),
        user=user,
        pk=pk,
        action=action,
    )


# --- cascade records -------------------------------------------------------------------------


def event_list(*, user: Any, params: Any = None) -> QuerySet[TrainingEvent]:
    queryset = restrict(
        TrainingEvent.objects.select_related("trainer", "district", "programme").annotate(
            attendees=Count("attendance")
        ),
        user,
    ).order_by("-held_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(topic__icontains=query)
            | Q(place__icontains=query)
            | Q(trainer__name__icontains=query)
        )
    area = param(params, "area")
    if area.isdigit():
        queryset = queryset.filter(district__path__startswith=area)
    return queryset


def get_event_for_user(*, user: Any, pk: Any, action: Action = "view") -> TrainingEvent:
    return get_for_user(
        TrainingEvent.objects.select_related("trainer", "district", "programme"),
        user=user,
        pk=pk,
        action=action,
    )


def visit_list(*, user: Any, params: Any = None) -> QuerySet[HouseholdVisit]:
    queryset = restrict(
        HouseholdVisit.objects.select_related("yachachiq", "household__community"), user
    ).order_by("-visited_on", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(household__code__icontains=query)
            | Q(yachachiq__name__icontains=query)
            | Q(household__community__name__icontains=query)
        )
    practice = param(params, "practice")
    if practice:
        queryset = queryset.filter(practice=practice)
    area = param(params, "area")
    if area.isdigit():
        queryset = queryset.filter(household__community__district__path__startswith=area)
    yachachiq = param(params, "yachachiq")
    if yachachiq.isdigit():
        queryset = queryset.filter(yachachiq_id=int(yachachiq))
    return queryset


def get_visit_for_user(*, user: Any, pk: Any, action: Action = "view") -> HouseholdVisit:
    return get_for_user(
        HouseholdVisit.objects.select_related("yachachiq", "household__community", "programme"),
        user=user,
        pk=pk,
        action=action,
    )


def adoption_list(*, user: Any, params: Any = None) -> QuerySet[PracticeAdoption]:
    queryset = restrict(
        PracticeAdoption.objects.select_related("household__community", "visit"), user
    ).order_by("-verified_on", "-id")
    practice = param(params, "practice")
    if practice:
        queryset = queryset.filter(practice=practice)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(household__code__icontains=query)
    return queryset


def get_adoption_for_user(*, user: Any, pk: Any, action: Action = "view") -> PracticeAdoption:
    return get_for_user(
        PracticeAdoption.objects.select_related("household__community", "visit"),
        user=user,
        pk=pk,
        action=action,
    )


def plan_of(
    *, user: Any, yachachiq: Provider, programme: Any = None
) -> QuerySet[CascadeAssignment]:
    queryset = restrict(
        CascadeAssignment.objects.filter(yachachiq=yachachiq, ended_on__isnull=True)
        .select_related("household__community", "programme")
        .annotate(
            visits=Count(
                "household__cascade_visits",
                filter=Q(household__cascade_visits__yachachiq=yachachiq),
            )
        ),
        user,
    ).order_by("household__code")
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset


def yachachiq_loads(*, user: Any, programme: Any) -> list[dict[str, Any]]:
    """Each yachachiq's current load against the programme's limits, heaviest first."""
    from minka.assistance.services import load_limits

    usual, cap = load_limits(programme)
    rows = (
        restrict(CascadeAssignment.objects.filter(programme=programme, ended_on__isnull=True), user)
        .values("yachachiq_id", "yachachiq__name", "yachachiq__code")
        .annotate(load=Count("pk"))
        .order_by("-load", "yachachiq__name")
    )
    result = []
    for row in rows[:500]:
        status = indicators.load_status(current=row["load"], adding=0, usual=usual, cap=cap)
        result.append({**row, "status": status.value})
    return result


# --- indicators ------------------------------------------------------------------------------


def _covered(programme: Any) -> Q:
    condition = Q(pk__in=[])
    for path in programme.coverage_areas.values_list("path", flat=True):
        condition |= Q(district__path__startswith=path)
    return condition


def market_indicators(*, user: Any, programme: Any) -> dict[str, Any]:
    """Value contracted, own-money share, repeat hiring with own money after the grant,
    provider reputation across organizations and supply per territory, within the user's
    scope."""
    every = restrict(
        ServiceContract.objects.filter(programme=programme).exclude(state=ServiceState.CANCELLED),
        user,
    )
    # The headline figures are the market's: technicians, firms and yachaq hired by the
    # organizations. Yachachiq and animators' stipends are the cascade's cost (by_kind shows all).
    contracts = every.filter(provider__kind__in=MARKET_KINDS)
    hires = [
        indicators.Hire(*row)
        for row in contracts.values_list(
            "organization_id", "starts_on", "ends_on", "grant_minor", "own_minor", "other_minor"
        )
    ]
    market = indicators.market(hires)
    paid = restrict(
        ServicePayment.objects.filter(
            contract__programme=programme, contract__provider__kind__in=MARKET_KINDS
        ),
        user,
    ).aggregate(grant=Sum("grant_minor"), own=Sum("own_minor"), other=Sum("other_minor"))
    assisted = contracts.aggregate(men=Sum("men_assisted"), women=Sum("women_assisted"))
    by_kind: list[dict[str, Any]] = [
        dict(row)
        for row in every.values("provider__kind")
        .annotate(
            count=Count("pk"),
            value=Sum(F("grant_minor") + F("own_minor") + F("other_minor")),
            own=Sum("own_minor"),
        )
        .order_by("provider__kind")
    ]
    kind_labels = dict(ProviderKind.choices)
    for row in by_kind:
        row["label"] = kind_labels.get(row["provider__kind"], row["provider__kind"])
    by_selection = list(every.values("selection").annotate(count=Count("pk")).order_by("-count"))
    # Reputation across organizations: every rating in scope, grouped by provider.
    by_provider: dict[int, list[indicators.RatingRow]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    rating_rows: Any = restrict(
        ProviderRating.objects.filter(contract__programme=programme), user
    ).values_list(
        "provider_id",
        "provider__name",
        "provider__kind",
        "organization_id",
        "quality",
        "punctuality",
        "relevance",
        "communication",
        "would_hire_again",
    )
    for row in rating_rows:
        provider_id, name, kind, *scores = row
        names[provider_id] = (name, str(kind_labels.get(kind, kind)))
        by_provider[provider_id].append(indicators.RatingRow(*scores))
    reputations = sorted(
        (
            (provider_id, names[provider_id], indicators.reputation(rows))
            for provider_id, rows in by_provider.items()
        ),
        key=lambda item: (-item[2].weighted, -item[2].ratings, item[1][0]),
    )
    return {
        "market": market,
        "currency": programme.currency,
        "paid": {k: int(v or 0) for k, v in paid.items()},
        "assisted": {k: int(v or 0) for k, v in assisted.items()},
        "by_kind": by_kind,
        "by_selection": [
            {**row, "label": _selection_label(row["selection"])} for row in by_selection
        ],
        "reputations": reputations[:15],
        "reputations_low": [r for r in reversed(reputations) if r[2].ratings >= 2][:5],
        "supply": supply_per_territory(user=user, programme=programme),
    }


def _selection_label(value: str) -> str:
    from minka.assistance.models import SelectionMethod

    return str(SelectionMethod(value).label) if value in SelectionMethod.values else value


def supply_per_territory(*, user: Any, programme: Any) -> dict[str, Any]:
    """Districts with communities in the user's scope and how many market providers
    (technicians, firms, yachaq) serve each; those that none serves are the gaps."""
    districts = list(
        restrict(Community.objects.filter(_covered(programme)), user)
        .values_list("district__path", "district__name")
        .distinct()
        .order_by("district__path")
    )
    served = list(
        ProviderCoverage.objects.filter(provider__kind__in=MARKET_KINDS).values_list(
            "provider_id", "area__path"
        )
    ) + list(Provider.objects.filter(kind__in=MARKET_KINDS).values_list("pk", "district__path"))
    counts = indicators.providers_per_area([p for p, _n in districts], served)
    rows = [{"path": p, "name": n, "providers": counts[p]} for p, n in districts]
    return {
        "districts": len(rows),
        "gaps": [r for r in rows if r["providers"] == 0],
        "thinnest": sorted(rows, key=lambda r: (r["providers"], r["path"]))[:10],
    }


def _head_sex() -> Subquery:
    return Subquery(
        Person.objects.filter(household=OuterRef("household_id"), relationship="head").values(
            "sex"
        )[:1]
    )


def cascade_report(*, user: Any, programme: Any, level: int = 2) -> dict[str, Any]:
    """Coverage (households assisted / households in yachachiq plans), visits per household,
    practices adopted and cost per household assisted, by territory (province or district)
    and by the sex of the head of household. A handful of grouped SQL queries."""
    cut = 2 * max(1, min(level, 3))

    def grouped(queryset: QuerySet, path: str, **aggregates: Any) -> dict[tuple[str, str], dict]:
        rows = (
            queryset.annotate(area=Substr(path, 1, cut), head_sex=_head_sex())
            .values("area", "head_sex")
            .annotate(**aggregates)
            .order_by()
        )
        return {(r["area"], r["head_sex"] or ""): r for r in rows}

    house_path = "household__community__district__path"
    planned = grouped(
        restrict(
            CascadeAssignment.objects.filter(programme=programme, ended_on__isnull=True), user
        ),
        house_path,
        n=Count("household_id", distinct=True),
    )
    visits = grouped(
        restrict(HouseholdVisit.objects.filter(programme=programme), user),
        house_path,
        households=Count("household_id", distinct=True),
        visits=Count("pk"),
    )
    adoptions = grouped(
        restrict(PracticeAdoption.objects.filter(programme=programme), user),
        house_path,
        households=Count("household_id", distinct=True),
        adoptions=Count("pk"),
    )
    costs: dict[str, int] = defaultdict(int)
    for row in (
        restrict(
            ServicePayment.objects.filter(
                contract__programme=programme, contract__provider__kind__in=CASCADE_KINDS
            ),
            user,
        )
        .annotate(area=Substr("contract__organization__district__path", 1, cut))
        .values("area")
        .annotate(total=Sum(F("grant_minor") + F("own_minor") + F("other_minor")))
        .order_by()
    ):
        costs[row["area"]] += int(row["total"] or 0)
    for row in (
        restrict(TrainingEvent.objects.filter(programme=programme), user)
        .annotate(area=Substr("district__path", 1, cut))
        .values("area")
        .annotate(total=Sum("cost_minor"))
        .order_by()
    ):
        costs[row["area"]] += int(row["total"] or 0)

    keys = set(planned) | set(visits) | set(adoptions)
    areas = sorted({area for area, _sex in keys} | set(costs))
    area_names = dict(AdminArea.objects.filter(path__in=areas).values_list("path", "name"))

    def cell(table: dict, key: tuple[str, str], name: str) -> int:
        row = table.get(key)
        return int(row[name]) if row else 0

    sexes = [Sex.FEMALE.value, Sex.MALE.value, ""]
    sex_labels = {Sex.FEMALE.value: _("Women"), Sex.MALE.value: _("Men"), "": _("Not recorded")}
    by_area: list[indicators.CoverageRow] = []
    assisted_split: dict[str, dict[str, int]] = {}
    for area in areas:
        split = {s: cell(visits, (area, s), "households") for s in sexes}
        assisted_split[area] = split
        by_area.append(
            indicators.CoverageRow(
                key=area,
                label=area_names.get(area, area),
                planned=sum(cell(planned, (area, s), "n") for s in sexes),
                assisted=sum(split.values()),
                visits=sum(cell(visits, (area, s), "visits") for s in sexes),
                adopting=sum(cell(adoptions, (area, s), "households") for s in sexes),
                adoptions=sum(cell(adoptions, (area, s), "adoptions") for s in sexes),
                cost_minor=costs.get(area, 0),
            )
        )
    sex_cost = indicators.allocate_by_share(costs, assisted_split)
    by_sex = [
        indicators.CoverageRow(
            key=sex or "-",
            label=str(sex_labels[sex]),
            planned=sum(cell(planned, (a, sex), "n") for a in areas),
            assisted=sum(cell(visits, (a, sex), "households") for a in areas),
            visits=sum(cell(visits, (a, sex), "visits") for a in areas),
            adopting=sum(cell(adoptions, (a, sex), "households") for a in areas),
            adoptions=sum(cell(adoptions, (a, sex), "adoptions") for a in areas),
            cost_minor=sex_cost.get(sex, 0),
        )
        for sex in sexes
    ]
    by_sex = [row for row in by_sex if row.planned or row.assisted]
    return {
        "level": cut // 2,
        "by_area": by_area,
        "by_sex": by_sex,
        "total": indicators.total_row(by_area, str(_("Total"))),
        "currency": programme.currency,
    }
