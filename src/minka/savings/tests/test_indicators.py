"""Fund indicators, without a database."""

from __future__ import annotations

from decimal import Decimal

from minka.savings.indicators import (
    LoanAtRisk,
    average,
    capitalization,
    fund_cash,
    fund_value,
    portfolio_at_risk,
    repayment_rate,
)


def test_capitalization_is_growth_over_the_seed():
    value = fund_value(
        seed_minor=1_000_000, interest_minor=450_000, income_minor=60_000, expense_minor=10_000
    )
    assert value == 1_500_000
    assert capitalization(value_minor=value, seed_minor=1_000_000) == Decimal("50.0")
    assert capitalization(value_minor=900_000, seed_minor=1_000_000) == Decimal("-10.0")
    assert capitalization(value_minor=0, seed_minor=0) is None


def test_cash_plus_outstanding_principal_is_the_value():
    seed, disbursed, principal, interest = 1_000_000, 800_000, 300_000, 90_000
    cash = fund_cash(seed_minor=seed, disbursed_minor=disbursed, repaid_minor=principal + interest)
    assert cash + (disbursed - principal) == fund_value(seed_minor=seed, interest_minor=interest)


def test_par30_counts_loans_more_than_30_days_late():
    loans = [LoanAtRisk(50_000, 0), LoanAtRisk(30_000, 31), LoanAtRisk(20_000, 30)]
    assert portfolio_at_risk(loans) == Decimal("30.0")
    assert portfolio_at_risk([]) is None


def test_repayment_rate_ignores_payments_ahead_of_schedule():
    assert repayment_rate(paid_minor=90, due_minor=100) == Decimal("90.0")
    assert repayment_rate(paid_minor=150, due_minor=100) == Decimal("100.0")
    assert average(1_000, 3) == 333
    assert average(5, 0) == 0
