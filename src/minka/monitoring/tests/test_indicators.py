"""Indicators computed from contracts and the ledger, by territory, year and sex, bounded by the
reader's areas."""

import datetime

import pytest
from django.http import Http404

from minka.monitoring import indicators, selectors
from minka.monitoring.indicators import Slice
from minka.monitoring.tests.conftest import pay_first_tranche

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(funded, make_contract):
    contract = make_contract()
    pay_first_tranche(funded, contract)
    return contract


def totals(user, programme, **kw):
    return selectors.indicator_totals(selectors.make_slice(user=user, programme=programme, **kw))


def test_indicators_count_what_a_signed_and_paid_contract_reaches(funded, paid):
    world = funded
    values = totals(world.users["manager"], world.programmes["marenass"])
    assert values["contracts"] == 1
    assert values["organizations"] == 1
    assert values["women_organizations"] == 1
    assert str(values["women_share"]) == "100.0"
    assert values["communities"] == 1
    assert values["households"] == 1  # head_b is the member; her household is reached
    assert values["persons"] == 1
    assert values["youth"] == 0  # born in 1980
    assert values["transferred"] == 700_000  # 70 % of S/ 10,000
    assert values["committed"] == 1_000_000
    assert str(values["disbursement_execution"]) == "70.0"
    assert values["counterpart"] == 200_000
    assert values["technical_assistance"] == 1_400_000  # project 10,000 + organization 4,000


def test_unsigned_contracts_reach_nobody(funded, make_contract):
    make_contract(state="approved")
    values = totals(funded.users["manager"], funded.programmes["marenass"])
    assert values["contracts"] == values["households"] == values["transferred"] == 0
    assert values["disbursement_execution"] is None


def test_disaggregation_by_territory_year_and_sex(funded, paid):
    world = funded
    slice_ = selectors.make_slice(
        user=world.users["manager"], programme=world.programmes["marenass"]
    )
    transferred = indicators.REGISTRY["transferred"]
    assert indicators.compute(transferred, slice_, "department") == {"03": 700_000}
    assert indicators.compute(transferred, slice_, "province") == {"0302": 700_000}
    assert indicators.compute(transferred, slice_, "district") == {"030201": 700_000}
    community = world.communities["b"].pk
    assert indicators.compute(transferred, slice_, "community") == {community: 700_000}
    assert indicators.compute(transferred, slice_, "year") == {2025: 700_000}
    assert indicators.compute(indicators.REGISTRY["persons"], slice_, "sex") == {"F": 1}
    assert indicators.compute(indicators.REGISTRY["households"], slice_, "sex") == {"F": 1}
    # Organizations have no sex: the grouping is not offered rather than made up.
    assert indicators.compute(indicators.REGISTRY["organizations"], slice_, "sex") == {}
    assert (
        totals(world.users["manager"], world.programmes["marenass"], year=2024)["transferred"] == 0
    )
    assert (
        totals(world.users["manager"], world.programmes["marenass"], area="0301")["transferred"]
        == 0
    )


def test_youth_is_fifteen_to_twenty_nine_at_the_end_of_the_year(funded, paid):
    world = funded
    head = world.persons["head_b"]
    head.birth_date = datetime.date(2000, 6, 1)  # 25 at the end of 2025
    head.save()
    assert totals(world.users["manager"], world.programmes["marenass"], year=2025)["youth"] == 1
    head.birth_date = datetime.date(1995, 12, 31)  # 30 on 31 December 2025
    head.save()
    assert totals(world.users["manager"], world.programmes["marenass"], year=2025)["youth"] == 0


def test_officer_sees_only_its_office_areas(funded, paid):
    world = funded
    officer_slice = selectors.make_slice(
        user=world.users["officer"], programme=world.programmes["marenass"]
    )
    assert officer_slice.paths == ("0302",)
    assert selectors.indicator_totals(officer_slice)["transferred"] == 700_000
    # Money moved in province 0301 is outside the officer's office.
    slice_0301 = Slice(programme=world.programmes["marenass"], paths=("0301",))
    assert selectors.indicator_totals(slice_0301)["transferred"] == 0


@pytest.mark.parametrize("username", ["treasurer", "provider", "juror", "nobody"])
def test_other_roles_read_no_results(world, username):
    user = world.users[username]
    assert not selectors.monitoring_programmes(user=user).exists()
    with pytest.raises(Http404):
        selectors.get_monitoring_programme(user=user, pk=world.programmes["marenass"].pk)


def test_anonymous_reads_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.monitoring_programmes(user=AnonymousUser()).exists()


def test_indicator_table_rows_sum_to_totals(funded, paid):
    world = funded
    slice_ = selectors.make_slice(user=world.users["admin"], programme=world.programmes["marenass"])
    table = selectors.indicator_table(slice_, "district")
    assert table.totals["transferred"] == sum(r.values["transferred"] for r in table.rows)
    assert [r.label for r in table.rows] == ["Andahuaylas"]


def test_an_app_can_register_its_own_indicator(funded, paid):
    from minka.registry.models import Household

    definition = indicators.Definition(
        code="test_households_registered",
        label="Households registered",
        base=lambda s: Household.objects.all(),
        area="community__district__path",
        community="community_id",
        year=None,
        measure=lambda s: indicators.Count("pk"),
    )
    indicators.register(definition)
    try:
        slice_ = selectors.make_slice(
            user=funded.users["manager"], programme=funded.programmes["marenass"]
        )
        table = selectors.indicator_table(slice_, "province")
        assert table.totals["test_households_registered"] == 2  # a and b, not Cusco's c
    finally:
        indicators.REGISTRY.pop("test_households_registered")
