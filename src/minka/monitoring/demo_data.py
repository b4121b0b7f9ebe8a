"""Demo monitoring data for MARENASS: the annual operating plan with its indicators and
activities, a few manually reported indicators (some approved), baseline and mid-term household
surveys of a sample of households (participants and a comparison group), and asset valuations
of the communities that received money, Muñapucro among them with the brief's figures.

The plan and the reported indicators go through the services; surveys and valuations are
bulk-inserted, as a migration from a previous system would load them. Deterministic for a seed
(`random.Random(f"{seed}:monitoring")`)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Q

from minka.core.models import User
from minka.core.money import Money
from minka.monitoring import impact, indicators, returns, services
from minka.monitoring.models import (
    AssetValuation,
    Moment,
    Survey,
    SurveyGroup,
    SurveyResponse,
    SurveyRound,
    ValuationSource,
)
from minka.programmes.models import Programme
from minka.registry.models import Community, Household

SAMPLE = {"small": 120, "marenass": 900, "highlands": 1500}
VALUED = {"small": 8, "marenass": 60, "highlands": 100}
# item, unit, unit value in soles, quantity range (after), share already there before
ASSETS = [
    ("Terrazas de formación lenta", "ha", 22_500, (1, 12), 0.1),
    ("Corrales", "unid.", 450, (10, 90), 0.2),
    ("Viviendas mejoradas", "unid.", 3_700, (5, 50), 0.1),
    ("Pastos cultivados", "ha", 4_800, (2, 30), 0.15),
    ("Riego por aspersión", "ha", 9_000, (1, 10), 0.0),
    ("Zanjas de infiltración", "m", 12, (500, 6000), 0.1),
    ("Cocinas mejoradas", "unid.", 350, (10, 80), 0.05),
]
MUNAPUCRO = [
    ("Terrazas", "ha", Decimal("9.2"), 22_500),
    ("Corrales", "unid.", Decimal("70"), 450),
    ("Viviendas mejoradas", "global", Decimal("1"), 185_000),
]


def _within(lookup: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition


def _pen(soles: int | Decimal, currency: str) -> Money:
    return Money.from_decimal(Decimal(soles), currency)


def _plan(programme: Programme, monitor: User, manager: User, year: int) -> None:
    source = programme.funding_sources.order_by("pk").first()
    if source is None:
        return
    currency = programme.currency
    plan = services.plan_create(
        user=monitor, programme=programme, year=year, title=f"POA {year} {programme.code}"
    )
    c1 = services.plan_component_add(
        user=monitor, plan=plan, code="1", name="Manejo de recursos naturales"
    )
    c11 = services.plan_component_add(
        user=monitor, plan=plan, code="1.1", name="Concursos Pacha Mama Raymi", parent=c1
    )
    c2 = services.plan_component_add(
        user=monitor, plan=plan, code="2", name="Fortalecimiento de mercados"
    )
    c21 = services.plan_component_add(
        user=monitor,
        plan=plan,
        code="2.1",
        name="Planes de negocio y asistencia técnica",
        parent=c2,
    )
    o1 = services.objective_add(
        user=monitor, component=c11, code="O1", statement="Familias mejoran sus activos naturales"
    )
    o2 = services.objective_add(
        user=monitor, component=c21, code="O2", statement="Organizaciones contratan asistencia"
    )
    households = services.indicator_define(
        user=monitor,
        programme=programme,
        code="IND-HOG",
        name="Hogares alcanzados",
        computed_from="households",
        objective=o1,
        baseline=0,
        baseline_year=year - 1,
        targets={year: 9_000, year + 1: 20_000},
    )
    contracts = services.indicator_define(
        user=monitor,
        programme=programme,
        code="IND-CON",
        name="Contratos firmados",
        computed_from="contracts",
        objective=o2,
        targets={year: 80, year + 1: 150},
    )
    services.indicator_define(
        user=monitor,
        programme=programme,
        code="IND-DCI",
        name="Desnutrición crónica infantil (% en décimas)",
        unit="percent",
        objective=o1,
        baseline=410,
        baseline_year=year - 2,
        targets={year: 380, year + 2: 300},
    )
    services.indicator_define(
        user=monitor,
        programme=programme,
        code="IND-MAP",
        name="Mapas parlantes elaborados",
        objective=o1,
        targets={year: 120},
    )

    def monthly(physical: int, soles: int, months: range) -> list[services.TargetInput]:
        return [services.TargetInput(m, source, physical, _pen(soles, currency)) for m in months]

    services.activity_add(
        user=monitor,
        objective=o1,
        code="A1.1",
        name="Transferencias a comunidades para concursos",
        unit="hogares",
        indicator=households,
        concept="prizes",
        targets=monthly(750, 90_000, range(1, 13)),
    )
    talleres = services.activity_add(
        user=monitor,
        objective=o1,
        code="A1.2",
        name="Talleres de mapas parlantes",
        unit="talleres",
        targets=monthly(10, 6_000, range(3, 11)),
    )
    services.activity_add(
        user=monitor,
        objective=o2,
        code="A2.1",
        name="Contratos de asistencia técnica",
        unit="contratos",
        indicator=contracts,
        concept="ta",
        targets=monthly(8, 120_000, range(2, 12)),
    )
    for month, done in ((3, 8), (4, 11), (5, 9), (6, 12)):
        services.activity_progress_record(
            user=monitor, activity=talleres, month=month, quantity=done
        )
    services.plan_approve(user=manager, plan=plan, on=datetime.date(year, 1, 15))


def _reported(programme: Programme, monitor: User, manager: User, year: int) -> None:
    dci = programme.indicators.get(code="IND-DCI")
    maps = programme.indicators.get(code="IND-MAP")
    first = services.indicator_report_submit(
        user=monitor, indicator=dci, year=year, value=392, source="ENDES, muestra del proyecto"
    )
    services.indicator_report_review(user=manager, report=first, approve=True)
    second = services.indicator_report_submit(
        user=monitor, indicator=maps, year=year, value=87, source="Actas de concursos"
    )
    services.indicator_report_review(user=manager, report=second, approve=True)
    # One value waits for the manager.
    services.indicator_report_submit(
        user=monitor, indicator=maps, year=year, value=14, sex="F", source="Actas"
    )


def _surveys(
    programme: Programme, monitor: User, rng: random.Random, size: int, years: tuple[int, int]
) -> int:
    coverage = list(programme.coverage_areas.values_list("path", flat=True))
    slice_ = indicators.Slice(programme=programme)
    reached_ids = set(
        indicators.compute(indicators.REGISTRY["households"], slice_, "community").keys()
    )
    households = list(
        Household.objects.filter(_within("community__district__path", coverage))
        .order_by("pk")
        .values_list("pk", "community_id")[: size * 20]
    )
    rng.shuffle(households)
    participants = [h for h, c in households if c in reached_ids][: size * 2 // 3]
    comparison = [h for h, c in households if c not in reached_ids][: size - len(participants)]
    if len(participants) < size * 2 // 3:
        participants += [h for h, _c in households if h not in participants][
            : size * 2 // 3 - len(participants)
        ]
    currency = programme.currency
    rows = 0
    for round_, year, growth in (
        (SurveyRound.BASELINE, years[0], 1.0),
        (SurveyRound.MIDTERM, years[1], 1.0),
    ):
        survey = Survey.objects.create(
            programme=programme,
            round=round_,
            year=year,
            currency=currency,
            filename=f"encuesta-{round_}-{year}.xlsx",
            imported_by=monitor,
        )
        local = random.Random(f"{rng.random()}")
        responses = []
        for group, members in (
            (SurveyGroup.PARTICIPANT, participants),
            (SurveyGroup.COMPARISON, comparison),
        ):
            lift = 1.0
            if round_ == SurveyRound.MIDTERM:
                lift = 1.55 if group == SurveyGroup.PARTICIPANT else 1.12
            for household_id in members:
                base = random.Random(household_id)  # the same household, the same starting point
                counts = {
                    "radio": base.randint(0, 1),
                    "mobile_phone": base.randint(0, 2),
                    "cattle": int(base.randint(0, 6) * lift),
                    "sheep": int(base.randint(0, 30) * lift),
                    "guinea_pigs": int(base.randint(5, 60) * lift),
                    "improved_stove": 1 if local.random() < 0.2 * lift * growth else 0,
                }
                income = int(base.randint(1_800, 4_500) * lift * local.uniform(0.9, 1.1))
                responses.append(
                    SurveyResponse(
                        survey=survey,
                        household_id=household_id,
                        group=group,
                        income_minor=income * 100,
                        production_kg=int(base.randint(300, 1_500) * lift),
                        asset_value_minor=int(base.randint(2_000, 9_000) * lift) * 100,
                        asset_index_milli=int(impact.asset_index(counts) * 1000),
                        assets=counts,
                    )
                )
        SurveyResponse.objects.bulk_create(responses, batch_size=500)
        rows += len(responses)
    return rows


def _valuations(
    programme: Programme, monitor: User, rng: random.Random, count: int, year: int
) -> int:
    currency = programme.currency
    slice_ = indicators.Slice(programme=programme)
    transferred = indicators.compute(indicators.REGISTRY["transferred"], slice_, "community")
    coverage = list(programme.coverage_areas.values_list("path", flat=True))
    covered = Community.objects.filter(_within("district__path", coverage)).order_by("pk")
    munapucro = covered.filter(name="Muñapucro").first() or covered.first()
    if munapucro is None:
        return 0
    chosen: list[int] = sorted(int(cid) for cid in transferred if cid != munapucro.pk)  # type: ignore[call-overload]
    rng.shuffle(chosen)
    chosen = chosen[: count - 1]
    rows: list[AssetValuation] = []
    valued_on = datetime.date(year, 6, 30)
    for name, unit, amount, value in MUNAPUCRO:
        milli = int(amount * returns.MILLI)
        rows.append(
            AssetValuation(
                programme=programme,
                community=munapucro,
                item=name,
                unit=unit,
                moment=Moment.AFTER,
                quantity_milli=milli,
                unit_value_minor=value * 100,
                total_minor=returns.asset_total(milli, value * 100),
                currency=currency,
                valued_on=valued_on,
                source=ValuationSource.MANUAL,
                recorded_by=monitor,
            )
        )
    for community_id in chosen:
        spent = int(transferred[community_id])
        # Between 2 and 5 soles of assets per sol spent, spread over 2-4 items.
        target = int(spent * rng.uniform(2.0, 5.0))
        items = rng.sample(ASSETS, rng.randint(2, 4))
        for index, (name, unit, soles, (_low, high), before_share) in enumerate(items):
            share = (
                target // len(items)
                if index < len(items) - 1
                else target - (target // len(items)) * (len(items) - 1)
            )
            unit_minor = soles * 100
            milli = max(1000, min(high * 1000, round(share * 1000 / unit_minor)))
            for moment, part in ((Moment.BEFORE, before_share), (Moment.AFTER, 1 + before_share)):
                if part <= 0:
                    continue
                quantity = int(milli * part)
                rows.append(
                    AssetValuation(
                        programme=programme,
                        community_id=community_id,
                        item=name,
                        unit=unit,
                        moment=moment,
                        quantity_milli=quantity,
                        unit_value_minor=unit_minor,
                        total_minor=returns.asset_total(quantity, unit_minor),
                        currency=currency,
                        valued_on=valued_on
                        if moment == Moment.AFTER
                        else datetime.date(year - 2, 6, 30),
                        source=ValuationSource.CONTEST,
                        recorded_by=monitor,
                    )
                )
    AssetValuation.objects.bulk_create(rows, batch_size=500)
    services.community_spending_set(
        user=None,
        programme=programme,
        community=munapucro,
        amount=_pen(133_300, currency),
        note="Gasto del Estado 1998-2002 (ejemplo de Muñapucro)",
    )
    return len(rows)


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    programme = Programme.objects.filter(code="MARENASS").first()
    if programme is None:
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "monitor"])}
    manager, monitor = users.get("manager"), users.get("monitor")
    if manager is None or monitor is None:
        return 0
    rng = random.Random(f"{seed}:monitoring")
    year = min(max(2025, programme.starts_on.year + 1), programme.ends_on.year)
    _plan(programme, monitor, manager, year)
    _reported(programme, monitor, manager, year)
    baseline = max(programme.starts_on.year, year - 2)
    answers = _surveys(programme, monitor, rng, SAMPLE.get(scale, 120), (baseline, year))
    valued = _valuations(programme, monitor, rng, VALUED.get(scale, 8), year)
    log(f"monitoring: POA {year}, {answers} survey answers, {valued} asset valuations")
    return answers + valued
