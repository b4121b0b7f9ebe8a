"""The incentive rules month by month, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.savings.incentives import (
    Rule,
    SaverMonth,
    SaverState,
    capped,
    month_incentive,
    run_months,
    share,
)

CORREDOR = Rule()  # 100 % opening match up to S/ 100, 25 % growth, 25 % withdrawals up to S/ 200


def test_opening_deposit_is_matched_one_to_one_up_to_the_cap():
    first = month_incentive(CORREDOR, SaverState(), SaverMonth(8_000, opening_deposit_minor=8_000))
    assert (first.opening_minor, first.growth_minor) == (8_000, 0)
    big = month_incentive(CORREDOR, SaverState(), SaverMonth(50_000, opening_deposit_minor=50_000))
    assert big.opening_minor == 10_000  # the cap
    assert big.growth_minor == 0  # the opening deposit is not growth


def test_a_year_of_months_growth_withdrawal_and_recovery():
    months = [
        SaverMonth(10_000, opening_deposit_minor=10_000),  # opens with S/ 100
        SaverMonth(30_000, opening_deposit_minor=10_000),  # + S/ 100 matched, so peak 200+...
        SaverMonth(40_000, opening_deposit_minor=10_000),
        SaverMonth(40_000, opening_deposit_minor=10_000),  # no growth, nothing
        # withdraws S/ 150 for school with evidence: matched 25 %, peak lowered by 150
        SaverMonth(25_000, opening_deposit_minor=10_000, approved_withdrawals_minor=(15_000,)),
        SaverMonth(20_000, opening_deposit_minor=10_000),  # an unapproved withdrawal: nothing
        SaverMonth(45_000, opening_deposit_minor=10_000),  # rebuilds: only beyond the peak
    ]
    results = run_months(CORREDOR, months)
    got = [(r.opening_minor, r.growth_minor, r.withdrawal_minor) for r in results]
    # month 1: opening 100; peak = 100 + 100 (the match will be paid into the account) = 200
    # month 2: balance 300 includes the S/ 100 match; growth over 200 = 100 → 25
    # month 3: peak 300 + 25 = 325; growth 400 − 325 = 75 → 18.75
    # month 4: peak 400 + 18.75 = 418.75; 400 is below: nothing
    # month 5: peak 418.75 − 150 = 268.75; 250 is below; withdrawal match 37.50
    # month 6: peak 268.75 + 37.50 = 306.25; nothing
    # month 7: growth 450 − 306.25 = 143.75 → 35.94 (half-even of 3593.75)
    assert got == [
        (10_000, 0, 0),
        (0, 2_500, 0),
        (0, 1_875, 0),
        (0, 0, 0),
        (0, 0, 3_750),
        (0, 0, 0),
        (0, 3_594, 0),
    ]
    assert results[-1].growth_base_minor == 14_375
    assert results[-1].peak_after_minor == 45_000 + 3_594


def test_withdrawal_match_is_capped_per_withdrawal():
    state = SaverState(opening_paid=True, peak_minor=200_000)
    result = month_incentive(
        CORREDOR, state, SaverMonth(0, approved_withdrawals_minor=(100_000, 40_000))
    )
    assert result.withdrawal_minor == 20_000 + 10_000


def test_growth_cap_and_configurable_rule():
    rule = Rule(
        opening_match_percent=Decimal(50),
        opening_cap_minor=None,
        growth_percent=Decimal(10),
        growth_cap_minor=500,
    )
    opened = month_incentive(rule, SaverState(), SaverMonth(40_000, opening_deposit_minor=30_000))
    assert opened.opening_minor == 15_000
    assert opened.growth_minor == 500  # 10 % of 100.00 = 10.00, capped at 5.00


def test_rounding_is_half_even_to_the_cent():
    assert share(10, 25) == 2  # 2.5 → 2
    assert share(30, 25) == 8  # 7.5 → 8
    assert capped(500, None) == 500


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        month_incentive(CORREDOR, SaverState(), SaverMonth(-1))
    with pytest.raises(ValueError):
        month_incentive(CORREDOR, SaverState(), SaverMonth(10, approved_withdrawals_minor=(0,)))


@given(
    st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=24),
    st.integers(min_value=1, max_value=1_000_000),
)
def test_never_negative_and_withdrawing_and_redepositing_earns_nothing_twice(balances, opening):
    months = [SaverMonth(b, opening_deposit_minor=opening) for b in balances]
    results = run_months(CORREDOR, months)
    assert all(r.total_minor >= 0 for r in results)
    # Growth paid in all never exceeds 25 % of the highest balance reached, plus rounding.
    growth = sum(r.growth_minor for r in results)
    assert growth <= share(max(balances), 25) + len(balances)
