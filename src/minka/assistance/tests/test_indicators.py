"""The pure maths of the market and the cascade, without a database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.assistance import indicators as ind

D = datetime.date


@pytest.mark.parametrize(
    ("current", "adding", "expected"),
    [
        (0, 40, ind.Load.OK),
        (39, 1, ind.Load.OK),
        (40, 1, ind.Load.WARNING),
        (59, 1, ind.Load.WARNING),
        (60, 1, ind.Load.REFUSED),
        (0, 61, ind.Load.REFUSED),
    ],
)
def test_load_rule(current, adding, expected):
    assert ind.load_status(current=current, adding=adding, usual=40, cap=60) is expected


@given(
    current=st.integers(0, 500),
    adding=st.integers(0, 500),
    usual=st.integers(1, 100),
    extra=st.integers(0, 100),
)
def test_load_rule_properties(current, adding, usual, extra):
    cap = usual + extra
    status = ind.load_status(current=current, adding=adding, usual=usual, cap=cap)
    assert (status is ind.Load.REFUSED) == (current + adding > cap)
    assert (status is ind.Load.OK) == (current + adding <= usual)


def test_load_limits_must_be_ordered():
    with pytest.raises(ValueError):
        ind.load_status(current=0, adding=1, usual=40, cap=39)


def test_market_value_own_share_and_repeat_hiring():
    hires = [
        # organization 1: grant-funded, then hires again with its own money after → repeats
        ind.Hire(1, D(2024, 1, 1), D(2024, 6, 30), 80_000, 20_000),
        ind.Hire(1, D(2025, 2, 1), D(2025, 3, 1), 0, 50_000),
        # organization 2: grant-funded; its own-money hire was during the grant → no
        ind.Hire(2, D(2024, 1, 1), D(2024, 12, 31), 60_000, 0),
        ind.Hire(2, D(2024, 6, 1), D(2024, 7, 1), 0, 10_000),
        # organization 3: grant-funded only
        ind.Hire(3, D(2024, 1, 1), D(2024, 3, 1), 30_000, 0, 10_000),
        # organization 4: only own money, never had the grant: not in the denominator
        ind.Hire(4, D(2025, 1, 1), D(2025, 2, 1), 0, 40_000),
    ]
    market = ind.market(hires)
    assert market.value_minor == 300_000
    assert (market.grant_minor, market.own_minor, market.other_minor) == (170_000, 120_000, 10_000)
    assert market.own_share == Decimal("40.0")
    assert (market.grant_clients, market.rehiring) == (3, 1)
    assert market.rehiring_share == Decimal("33.3")


def test_empty_market_has_no_ratios():
    market = ind.market([])
    assert market.own_share is None and market.rehiring_share is None


def test_reputation_across_organizations():
    rows = [
        ind.RatingRow(1, 5, 5, 5, 5, True),
        ind.RatingRow(2, 4, 4, 3, 5, True),
        ind.RatingRow(2, 2, 3, 2, 3, False),
    ]
    rep = ind.reputation(rows)
    assert rep.ratings == 3 and rep.organizations == 2
    assert rep.mean == Decimal("3.83")  # (5 + 4 + 2.5) / 3
    assert rep.weighted == Decimal("3.42")  # (3×3 + 11.5) / 6
    assert rep.by_criterion["quality"] == Decimal("3.67")
    assert rep.would_hire_again == Decimal("66.7")


def test_one_glowing_rating_does_not_outrank_a_long_good_record():
    single = ind.reputation([ind.RatingRow(1, 5, 5, 5, 5)])
    steady = ind.reputation([ind.RatingRow(i, 4, 5, 4, 5) for i in range(10)])
    assert steady.weighted > single.weighted


def test_rating_score_refuses_out_of_range():
    with pytest.raises(ValueError):
        ind.rating_score(0, 3)


def test_providers_per_area_counts_coverage_of_containing_areas():
    served = [(1, "03"), (2, "0302"), (3, "030201"), (3, "0302"), (4, "08")]
    counts = ind.providers_per_area(["030201", "030202", "030101", "050101"], served)
    assert counts == {"030201": 3, "030202": 3, "030101": 1, "050101": 0}


def test_coverage_row_ratios():
    row = ind.CoverageRow(
        "03",
        "Apurímac",
        planned=80,
        assisted=60,
        visits=150,
        adopting=15,
        adoptions=20,
        cost_minor=1_200_000,
    )
    assert row.coverage == Decimal("75.0")
    assert row.visits_per_household == Decimal("2.5")
    assert row.adoption_rate == Decimal("25.0")
    assert row.cost_per_household == 20_000
    empty = ind.CoverageRow("x", "x", 0, 0, 0, 0, 0)
    assert empty.coverage is None and empty.cost_per_household is None


@given(
    costs=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 10**9)),
    women=st.integers(0, 500),
    men=st.integers(0, 500),
)
def test_cost_allocation_by_sex_is_exact(costs, women, men):
    split = {area: {"F": women, "M": men} for area in costs}
    parts = ind.allocate_by_share(costs, split)
    expected = sum(costs.values()) if women + men else 0
    assert sum(parts.values()) == expected
    if women == men and women:
        assert abs(parts.get("F", 0) - parts.get("M", 0)) <= len(costs)


def test_per_unit_rounds_half_even():
    assert ind.per_unit(5, 2) == 2
    assert ind.per_unit(7, 2) == 4
    assert ind.percent(1, 3) == Decimal("33.3")
