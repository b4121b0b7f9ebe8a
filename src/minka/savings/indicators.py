"""Indicators of savings groups and business funds: pure functions over plain numbers.

Ratios are returned as `Decimal` percentages rounded half-even to one decimal (for display and
comparison); the inputs are integer minor units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` (None when the whole is zero)."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_EVEN)


def fund_value(
    *,
    seed_minor: int,
    interest_minor: int,
    income_minor: int = 0,
    expense_minor: int = 0,
    written_off_minor: int = 0,
) -> int:
    """What the fund is worth: its cash plus the principal its members still owe, which equals
    the seed capital received plus interest and other income, less expenses and write-offs."""
    return seed_minor + interest_minor + income_minor - expense_minor - written_off_minor


def fund_cash(
    *,
    seed_minor: int,
    disbursed_minor: int,
    repaid_minor: int,
    income_minor: int = 0,
    expense_minor: int = 0,
) -> int:
    """Money the fund has to lend: what came in less what went out."""
    return seed_minor + repaid_minor + income_minor - disbursed_minor - expense_minor


def capitalization(*, value_minor: int, seed_minor: int) -> Decimal | None:
    """(current fund value − seed capital) / seed capital, as a percentage."""
    return percent(value_minor - seed_minor, seed_minor)


@dataclass(frozen=True)
class LoanAtRisk:
    principal_outstanding_minor: int
    days_late: int


def portfolio_at_risk(loans: Iterable[LoanAtRisk], days: int = 30) -> Decimal | None:
    """PAR`days`: the outstanding principal of loans with a payment more than `days` days late,
    over all outstanding principal."""
    total = at_risk = 0
    for loan in loans:
        total += loan.principal_outstanding_minor
        if loan.days_late > days:
            at_risk += loan.principal_outstanding_minor
    return percent(at_risk, total)


def repayment_rate(*, paid_minor: int, due_minor: int) -> Decimal | None:
    """What was repaid of what has fallen due (payments ahead of schedule do not count)."""
    return percent(min(paid_minor, due_minor), due_minor)


def average(total_minor: int, count: int) -> int:
    """Average in minor units, rounded half-even (0 for no items)."""
    if count == 0:
        return 0
    return int((Decimal(total_minor) / count).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
