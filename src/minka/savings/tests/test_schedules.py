"""Loan schedules, repayments and arrears, exact to the cent, without a database."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.savings.schedules import (
    DECLINING,
    FLAT,
    add_months,
    apply_payment,
    payoff,
    position,
    schedule,
    waterfall,
)

D = datetime.date


def test_flat_schedule():
    rows = schedule(
        principal_minor=100_000,
        monthly_rate_bp=300,
        instalments=4,
        method=FLAT,
        first_due_on=D(2025, 2, 15),
    )
    # interest 1000.00 × 3 % × 4 = 120.00, 30.00 a month; principal 250.00 a month
    assert [(r.principal_minor, r.interest_minor) for r in rows] == [(25_000, 3_000)] * 4
    assert [r.due_on for r in rows] == [
        D(2025, 2, 15),
        D(2025, 3, 15),
        D(2025, 4, 15),
        D(2025, 5, 15),
    ]


def test_declining_schedule_known_values():
    rows = schedule(
        principal_minor=100_000,
        monthly_rate_bp=200,
        instalments=3,
        method=DECLINING,
        first_due_on=D(2025, 1, 31),
    )
    # payment = 1000 × 0.02 / (1 − 1.02^−3) = 346.75
    assert [(r.principal_minor, r.interest_minor) for r in rows] == [
        (32_675, 2_000),
        (33_329, 1_346),
        (33_996, 680),
    ]
    assert [r.due_on for r in rows] == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31)]


def test_add_months_clamps_to_the_month_end():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)


@given(
    principal=st.integers(min_value=1, max_value=50_000_000),
    rate=st.integers(min_value=0, max_value=2000),
    instalments=st.integers(min_value=1, max_value=60),
    method=st.sampled_from([FLAT, DECLINING]),
)
def test_instalments_sum_to_principal_plus_interest_to_the_cent(
    principal, rate, instalments, method
):
    rows = schedule(
        principal_minor=principal,
        monthly_rate_bp=rate,
        instalments=instalments,
        method=method,
        first_due_on=D(2025, 1, 10),
    )
    assert len(rows) == instalments
    assert sum(r.principal_minor for r in rows) == principal
    interest = sum(r.interest_minor for r in rows)
    assert sum(r.total_minor for r in rows) == principal + interest
    assert all(r.principal_minor >= 0 and r.interest_minor >= 0 for r in rows)
    if method == FLAT:
        assert abs(interest - principal * rate * instalments / 10_000) <= 0.5


@given(
    principal=st.integers(min_value=100, max_value=5_000_000),
    rate=st.integers(min_value=0, max_value=1000),
    instalments=st.integers(min_value=1, max_value=24),
    method=st.sampled_from([FLAT, DECLINING]),
    cuts=st.lists(st.integers(min_value=1, max_value=10**9), max_size=8),
)
def test_payments_in_any_pieces_split_the_same_as_one(principal, rate, instalments, method, cuts):
    rows = schedule(
        principal_minor=principal,
        monthly_rate_bp=rate,
        instalments=instalments,
        method=method,
        first_due_on=D(2025, 1, 10),
    )
    total = sum(r.total_minor for r in rows)
    paid = 0
    principal_paid = interest_paid = 0
    for cut in cuts:
        amount = min(cut, total - paid)
        if amount <= 0:
            break
        split = apply_payment(rows, paid, amount)
        assert split.principal_minor + split.interest_minor == amount
        principal_paid += split.principal_minor
        interest_paid += split.interest_minor
        paid += amount
    whole = waterfall(rows, paid)
    assert (principal_paid, interest_paid) == (whole.principal_minor, whole.interest_minor)


def _loan():
    return schedule(
        principal_minor=60_000,
        monthly_rate_bp=250,
        instalments=6,
        method=FLAT,
        first_due_on=D(2025, 2, 1),
    )  # 100.00 principal + 15.00 interest a month


def test_partial_and_late_payments_make_arrears():
    rows = _loan()
    on = D(2025, 4, 15)  # three instalments due: 345.00
    pos = position(rows, 11_500, on)  # only the first paid
    assert pos.due_to_date_minor == 34_500
    assert pos.arrears_minor == 23_000
    assert pos.days_late == (on - D(2025, 3, 1)).days == 45
    assert pos.principal_outstanding_minor == 50_000
    partial = position(rows, 12_000, on)  # 5.00 on the second: still late since 1 March
    assert partial.days_late == 45
    assert partial.principal_outstanding_minor == 50_000  # 5.00 went to interest first


def test_payment_ahead_of_schedule_leaves_no_arrears():
    rows = _loan()
    pos = position(rows, 46_000, D(2025, 3, 10))  # four instalments paid after two fell due
    assert (pos.arrears_minor, pos.days_late, pos.instalments_paid) == (0, 0, 4)


def test_overpayment_is_refused():
    rows = _loan()
    with pytest.raises(ValueError):
        apply_payment(rows, 60_000, 9_001)


def test_early_settlement_waives_interest_of_later_periods():
    rows = _loan()
    settle = payoff(rows, 11_500, D(2025, 2, 20))
    # 500.00 principal owed; interest of instalment 2 (the current period) only
    assert (settle.principal_minor, settle.interest_minor) == (50_000, 1_500)
