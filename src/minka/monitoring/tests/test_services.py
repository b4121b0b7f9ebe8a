"""Writes: asset valuations and the Muñapucro return, spending, manual indicators with approval,
survey imports (all or nothing), the plan, boundaries."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from minka.core.errors import DomainError
from minka.core.money import Money
from minka.monitoring import selectors, services
from minka.monitoring.models import (
    AssetValuation,
    Boundary,
    IndicatorReport,
    ReportState,
    Survey,
    SurveyResponse,
)
from minka.monitoring.tests.conftest import pay_first_tranche

pytestmark = pytest.mark.django_db
D = datetime.date
GEO = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "geo"


def sol(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


def munapucro(world, user="monitor"):
    """The brief's example, entered as data: terraces, corrals and improved houses, and the
    S/ 133,300 the state spent."""
    programme = world.programmes["marenass"]
    community = world.communities["b"]
    community.name = "Muñapucro"
    community.save()
    actor = world.users[user]
    for item, quantity, unit, value in (
        ("Terrazas", "9.2", "ha", "22500"),
        ("Corrales", "70", "unid.", "450"),
        ("Viviendas mejoradas", "1", "global", "185000"),
    ):
        services.asset_valuation_record(
            user=actor,
            programme=programme,
            community=community,
            item=item,
            quantity=Decimal(quantity),
            unit=unit,
            unit_value=sol(value),
            valued_on=D(2025, 6, 30),
        )
    services.community_spending_set(
        user=actor, programme=programme, community=community, amount=sol("133300")
    )
    return community


def test_munapucro_comes_out_at_about_three_soles_per_sol(world):
    community = munapucro(world)
    slice_ = selectors.make_slice(
        user=world.users["manager"],
        programme=world.programmes["marenass"],
        community_id=community.pk,
    )
    result = selectors.return_per_sol(slice_)
    assert result.after_minor == 42_350_000  # S/ 423,500
    assert result.spending_minor == 13_330_000
    assert result.ratio == Decimal("3.18")
    assert {c.item: c.created_minor for c in result.components} == {
        "Terrazas": 20_700_000,
        "Corrales": 3_150_000,
        "Viviendas mejoradas": 18_500_000,
    }
    # The same figure for its district, province, department and the programme.
    for area in ("030201", "0302", "03", ""):
        by_area = selectors.return_per_sol(
            selectors.make_slice(
                user=world.users["manager"], programme=world.programmes["marenass"], area=area
            )
        )
        assert by_area.ratio == Decimal("3.18")
    by_district = selectors.returns_by(
        selectors.make_slice(user=world.users["manager"], programme=world.programmes["marenass"]),
        "district",
    )
    assert by_district["030201"].ratio == Decimal("3.18")


def test_spending_comes_from_the_ledger_when_none_is_entered(funded, make_contract):
    world = funded
    contract = make_contract()
    pay_first_tranche(world, contract)  # S/ 7,000 to organization B of community b
    services.asset_valuation_record(
        user=world.users["officer"],  # the officer of province 0302 records in its area
        programme=world.programmes["marenass"],
        community=world.communities["b"],
        item="Pastos cultivados",
        quantity=Decimal("2"),
        unit="ha",
        unit_value=sol("10500"),
        valued_on=D(2025, 6, 1),
    )
    services.asset_valuation_record(
        user=world.users["monitor"],
        programme=world.programmes["marenass"],
        community=world.communities["b"],
        item="Pastos cultivados",
        moment="before",
        quantity=Decimal("0.5"),
        unit="ha",
        unit_value=sol("10500"),
        valued_on=D(2024, 6, 1),
    )
    result = selectors.return_per_sol(
        selectors.make_slice(user=world.users["manager"], programme=world.programmes["marenass"])
    )
    assert result.spending_minor == 700_000
    assert result.created_minor == 1_575_000
    assert result.ratio == Decimal("2.25")


def test_valuation_refused_outside_the_recorders_area(world):
    with pytest.raises(DomainError):
        services.asset_valuation_record(
            user=world.users["officer"],  # community a is in province 0301, not its office's
            programme=world.programmes["marenass"],
            community=world.communities["a"],
            item="Terrazas",
            quantity=Decimal(1),
            unit_value=sol("100"),
            valued_on=D(2025, 1, 1),
        )
    with pytest.raises(DomainError):
        services.asset_valuation_record(
            user=world.users["monitor"],  # community c is CORREDOR's, not MARENASS's
            programme=world.programmes["marenass"],
            community=world.communities["c"],
            item="Terrazas",
            quantity=Decimal(1),
            unit_value=sol("100"),
            valued_on=D(2025, 1, 1),
        )
    for name in ("treasurer", "juror", "nobody"):
        with pytest.raises(DomainError):
            services.asset_valuation_record(
                user=world.users[name],
                programme=world.programmes["marenass"],
                community=world.communities["b"],
                item="Terrazas",
                quantity=Decimal(1),
                unit_value=sol("100"),
                valued_on=D(2025, 1, 1),
            )
    assert not AssetValuation.objects.exists()


def test_valuation_refuses_bad_quantities(world):
    kwargs = {
        "user": world.users["monitor"],
        "programme": world.programmes["marenass"],
        "community": world.communities["b"],
        "item": "Terrazas",
        "unit_value": sol("100"),
        "valued_on": D(2025, 1, 1),
    }
    with pytest.raises(DomainError) as info:
        services.asset_valuation_record(quantity=Decimal("1.0005"), **kwargs)
    assert info.value.field == "quantity"
    with pytest.raises(DomainError) as info:
        services.asset_valuation_record(quantity=Decimal("-1"), **kwargs)
    assert info.value.field == "quantity"
    with pytest.raises(DomainError) as info:
        services.asset_valuation_record(
            quantity=Decimal(1), **{**kwargs, "unit_value": Money(100, "USD")}
        )
    assert info.value.field == "unit_value"


def test_manual_indicator_entered_by_me_officer_and_approved_by_manager(world):
    programme = world.programmes["marenass"]
    indicator = services.indicator_define(
        user=world.users["monitor"],
        programme=programme,
        code="CH-MAL",
        name="Desnutrición crónica infantil (%)",
        unit="percent",
        baseline=420,
        targets={2026: 300},
    )
    report = services.indicator_report_submit(
        user=world.users["monitor"], indicator=indicator, year=2025, value=380, sex="F"
    )
    assert report.state == ReportState.SUBMITTED
    assert not selectors.approved_reports(user=world.users["manager"], programme=programme).exists()
    with pytest.raises(DomainError):  # the M&E officer does not approve
        services.indicator_report_review(user=world.users["monitor"], report=report, approve=True)
    with pytest.raises(DomainError):  # a duplicate of a live value
        services.indicator_report_submit(
            user=world.users["monitor"], indicator=indicator, year=2025, value=1, sex="F"
        )
    with pytest.raises(DomainError) as info:  # returning needs a reason
        services.indicator_report_review(user=world.users["manager"], report=report, approve=False)
    assert info.value.field == "note"
    services.indicator_report_review(user=world.users["manager"], report=report, approve=True)
    assert list(selectors.approved_reports(user=world.users["manager"], programme=programme)) == [
        report
    ]
    with pytest.raises(DomainError):
        services.indicator_report_review(user=world.users["manager"], report=report, approve=True)


def test_manager_cannot_approve_its_own_report_and_computed_indicators_are_never_typed(world):
    programme = world.programmes["marenass"]
    manual = services.indicator_define(
        user=world.users["manager"], programme=programme, code="M1", name="m"
    )
    report = services.indicator_report_submit(
        user=world.users["manager"], indicator=manual, year=2025, value=3
    )
    with pytest.raises(DomainError):
        services.indicator_report_review(user=world.users["manager"], report=report, approve=True)
    computed = services.indicator_define(
        user=world.users["manager"],
        programme=programme,
        code="C1",
        name="c",
        computed_from="households",
    )
    with pytest.raises(DomainError):
        services.indicator_report_submit(
            user=world.users["monitor"], indicator=computed, year=2025, value=3
        )
    with pytest.raises(DomainError):
        services.indicator_report_submit(
            user=world.users["officer"], indicator=manual, year=2026, value=3
        )
    with pytest.raises(DomainError):
        services.indicator_report_submit(
            user=world.users["monitor"], indicator=manual, year=2040, value=3
        )
    assert IndicatorReport.objects.count() == 1


SURVEY_HEADER = "household;group;income;production_kg;asset_value;radio;cattle\n"


def test_survey_import_computes_the_asset_index_and_diff_in_diff(world):
    programme = world.programmes["marenass"]
    monitor = world.users["monitor"]
    baseline = (
        SURVEY_HEADER + "H-a;participante;1000;200;5000;1;2\nH-b;comparación;1000;100;4000;0;1\n"
    )
    midterm = (
        SURVEY_HEADER + "H-a;participant;1640;400;9000;1;5\nH-b;comparison;1100;120;4200;1;1\n"
    )
    first = services.survey_import(
        user=monitor,
        programme=programme,
        round="baseline",
        year=2024,
        data=baseline.encode(),
        filename="base.csv",
    )
    assert first.ok, first.errors
    services.survey_import(
        user=monitor,
        programme=programme,
        round="midterm",
        year=2026,
        data=midterm.encode(),
        filename="mid.csv",
    )
    response = SurveyResponse.objects.get(survey__round="midterm", household=world.households["a"])
    assert response.asset_index_milli == 4500  # radio 1 + 5 cattle × 0.7
    assert response.income_minor == 164_000
    measures = {
        m.code: m
        for m in selectors.survey_comparison(
            user=world.users["manager"], programme=programme, before="baseline", after="midterm"
        )
    }
    income = measures["income_minor"]
    assert income.participants.difference == Decimal("640.00")
    assert income.participants.percent == Decimal("64.0")
    assert income.did == Decimal("540.00")
    # The officer of province 0302 sees only household b's answers (comparison group).
    officer = {
        m.code: m
        for m in selectors.survey_comparison(
            user=world.users["officer"], programme=programme, before="baseline", after="midterm"
        )
    }
    assert officer["income_minor"].participants.before is None


def test_survey_import_reports_every_error_and_writes_nothing(world):
    programme = world.programmes["marenass"]
    data = (
        SURVEY_HEADER
        + "H-a;participant;1000;x;5000;1;2\n"  # production not a number
        + "H-zzz;participant;1000;1;1;0;0\n"  # unknown household
        + "H-c;participant;1000;1;1;0;0\n"  # Cusco: outside MARENASS
        + "H-b;maybe;-5;1;1;0;0\n"  # bad group and income
        + "H-a;participant;1;1;1;0;0\n"  # twice
    ).encode()
    result = services.survey_import(
        user=world.users["monitor"],
        programme=programme,
        round="baseline",
        year=2024,
        data=data,
        filename="s.csv",
    )
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert {
        (2, "production_kg"),
        (3, "household"),
        (4, "household"),
        (5, "group"),
        (5, "income"),
        (6, "household"),
    } <= found
    assert not Survey.objects.exists() and not SurveyResponse.objects.exists()
    missing = services.survey_import(
        user=world.users["monitor"],
        programme=programme,
        round="baseline",
        year=2024,
        data=b"household;x\nH-a;1\n",
        filename="s.csv",
    )
    assert {e.column for e in missing.errors} == {"income", "asset_value"}
    with pytest.raises(DomainError):
        services.survey_import(
            user=world.users["officer"],
            programme=programme,
            round="baseline",
            year=2024,
            data=data,
            filename="s.csv",
        )


def test_plan_execution_physical_from_indicator_or_progress_and_financial_from_ledger(
    funded, make_contract
):
    world = funded
    programme = world.programmes["marenass"]
    monitor = world.users["monitor"]
    contract = make_contract()
    pay_first_tranche(world, contract)
    from minka.contracts import services as contract_services
    from minka.contracts.tests.conftest import receipts

    spent = contract_services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("5000.00"),
    )
    contract_services.expense_report_review(user=world.users["officer"], report=spent, approve=True)
    plan = services.plan_create(user=monitor, programme=programme, year=2025, title="POA 2025")
    component = services.plan_component_add(
        user=monitor, plan=plan, code="1", name="Recursos naturales"
    )
    sub = services.plan_component_add(
        user=monitor, plan=plan, code="1.1", name="Concursos", parent=component
    )
    objective = services.objective_add(
        user=monitor, component=sub, code="O1", statement="Más familias"
    )
    reached = services.indicator_define(
        user=monitor,
        programme=programme,
        code="HH",
        name="Hogares",
        computed_from="households",
        objective=objective,
        targets={2025: 4},
    )
    source = world.source
    by_indicator = services.activity_add(
        user=monitor,
        objective=objective,
        code="A1",
        name="Contratos",
        unit="hogares",
        indicator=reached,
        concept="ta",
        targets=[services.TargetInput(m, source, 1, sol("2500")) for m in (3, 6, 9, 12)],
    )
    manual = services.activity_add(
        user=monitor,
        objective=objective,
        code="A2",
        name="Talleres",
        unit="talleres",
        targets=[services.TargetInput(5, source, 10, sol("1000"))],
    )
    services.activity_progress_record(user=monitor, activity=manual, month=5, quantity=4)
    with pytest.raises(DomainError):
        services.activity_progress_record(user=monitor, activity=by_indicator, month=5, quantity=4)
    rows = {
        e.activity.code: e for e in selectors.plan_execution(user=world.users["manager"], plan=plan)
    }
    assert rows["A1"].physical_target == 4 and rows["A1"].physical_done == 1
    assert rows["A1"].physical_percent == Decimal("25.0")
    assert rows["A1"].financial_target_minor == 1_000_000
    assert rows["A1"].financial_spent_minor == 500_000  # receipts of concept "ta" in 2025
    assert rows["A1"].financial_percent == Decimal("50.0")
    assert rows["A2"].physical_done == 4 and rows["A2"].financial_spent_minor == 0
    with pytest.raises(DomainError):
        services.plan_approve(user=monitor, plan=plan, on=D(2025, 1, 10))
    services.plan_approve(user=world.users["manager"], plan=plan, on=D(2025, 1, 10))
    with pytest.raises(DomainError):
        services.plan_component_add(user=monitor, plan=plan, code="2", name="late")


@pytest.mark.skipif(not GEO.is_dir(), reason="shared geo data absent")
def test_boundaries_load_from_the_shared_files(world):
    from django.core.management import call_command

    call_command(
        "boundaries",
        "load",
        str(GEO / "peru_departamental_simple.geojson"),
        str(GEO / "peru_provincial_simple.geojson"),
    )
    assert Boundary.objects.filter(level=1).count() == 25
    assert Boundary.objects.filter(level=2).count() > 190
    apurimac = Boundary.objects.get(level=1, code="03")
    assert apurimac.area == world.areas["03"] and apurimac.name == "Apurimac"
    assert Boundary.objects.get(level=2, code="0302").area == world.areas["0302"]
    call_command("boundaries", "load", str(GEO / "peru_departamental_simple.geojson"))
    assert Boundary.objects.filter(level=1).count() == 25  # reloading replaces


def test_boundaries_refuse_a_bad_file(world, tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CommandError):
        call_command("boundaries", "load", str(bad))
