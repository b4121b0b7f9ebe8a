"""Loan schedules and repayments of a women's business fund: pure functions, exact to the cent.

Interest is a monthly rate in basis points (300 = 3 % a month), as groups quote it.

- **Flat**: interest = principal × rate × instalments, spread evenly; principal spread evenly.
- **Declining balance**: equal instalments (French amortisation); each month's interest is the
  rate on the principal still owed, rounded half-even; the last instalment takes the remainder.

In both, Σ principal = the principal and Σ instalments = principal + Σ interest, to the cent.

Repayments are applied in one fixed order ("waterfall"): interest of instalment 1, principal of
instalment 1, interest of instalment 2, ... so the effect of any set of repayments depends only
on their cumulative total. Partial, late and early payments need no special case; settling a
loan early waives the interest of periods not yet started.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

FLAT = "flat"
DECLINING = "declining"


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: datetime.date
    principal_minor: int
    interest_minor: int

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _even_split(total: int, parts: int) -> list[int]:
    """`total` in `parts` integers differing by at most one, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def schedule(
    *,
    principal_minor: int,
    monthly_rate_bp: int,
    instalments: int,
    method: str,
    first_due_on: datetime.date,
) -> list[Instalment]:
    """The loan's instalments, one a month from `first_due_on`."""
    if principal_minor <= 0:
        raise ValueError("the principal is positive")
    if instalments < 1:
        raise ValueError("a loan has at least one instalment")
    if monthly_rate_bp < 0:
        raise ValueError("the rate is not negative")
    rate = Decimal(monthly_rate_bp) / Decimal(10_000)
    dates = [add_months(first_due_on, k) for k in range(instalments)]
    if method == FLAT:
        interest_total = _round(Decimal(principal_minor) * rate * instalments)
        principals = _even_split(principal_minor, instalments)
        # Remainders go last for principal and first for interest, keeping instalments level.
        principals.reverse()
        interests = _even_split(interest_total, instalments)
        return [
            Instalment(k + 1, dates[k], principals[k], interests[k]) for k in range(instalments)
        ]
    if method != DECLINING:
        raise ValueError(f"unknown interest method {method!r}")
    if monthly_rate_bp == 0:
        principals = _even_split(principal_minor, instalments)
        principals.reverse()
        return [Instalment(k + 1, dates[k], principals[k], 0) for k in range(instalments)]
    payment = _round(
        Decimal(principal_minor) * rate / (1 - (1 + rate) ** -instalments),
    )
    rows: list[Instalment] = []
    owed = principal_minor
    for k in range(instalments):
        interest = _round(Decimal(owed) * rate)
        principal = owed if k == instalments - 1 else min(owed, max(0, payment - interest))
        rows.append(Instalment(k + 1, dates[k], principal, interest))
        owed -= principal
    return rows


@dataclass(frozen=True)
class Split:
    principal_minor: int
    interest_minor: int


def waterfall(rows: Sequence[Instalment], paid_minor: int) -> Split:
    """How a cumulative amount paid divides into interest and principal, in schedule order."""
    remaining = paid_minor
    principal = interest = 0
    for row in rows:
        if remaining <= 0:
            break
        take = min(remaining, row.interest_minor)
        interest += take
        remaining -= take
        take = min(remaining, row.principal_minor)
        principal += take
        remaining -= take
    return Split(principal, interest)


def apply_payment(rows: Sequence[Instalment], paid_before_minor: int, amount_minor: int) -> Split:
    """The interest and principal that a payment of `amount` covers after `paid_before`."""
    total = sum(row.total_minor for row in rows)
    if amount_minor <= 0:
        raise ValueError("a payment is positive")
    if paid_before_minor + amount_minor > total:
        raise ValueError("the payment exceeds what is owed")
    after = waterfall(rows, paid_before_minor + amount_minor)
    before = waterfall(rows, paid_before_minor)
    return Split(
        after.principal_minor - before.principal_minor,
        after.interest_minor - before.interest_minor,
    )


@dataclass(frozen=True)
class Position:
    """A loan on a date: what is owed, what is late, and for how long."""

    principal_outstanding_minor: int
    due_to_date_minor: int
    paid_minor: int
    arrears_minor: int
    days_late: int
    instalments_paid: int

    @property
    def in_arrears(self) -> bool:
        return self.arrears_minor > 0


def position(rows: Sequence[Instalment], paid_minor: int, on: datetime.date) -> Position:
    """The loan's position on `on`, given the cumulative amount repaid."""
    principal = sum(row.principal_minor for row in rows)
    split = waterfall(rows, paid_minor)
    due = 0
    cumulative = 0
    oldest_unpaid: datetime.date | None = None
    fully_paid = 0
    for row in rows:
        cumulative += row.total_minor
        if paid_minor >= cumulative:
            fully_paid += 1
        elif oldest_unpaid is None:
            oldest_unpaid = row.due_on
        if row.due_on <= on:
            due += row.total_minor
    arrears = max(0, due - paid_minor)
    days = (on - oldest_unpaid).days if arrears and oldest_unpaid is not None else 0
    return Position(
        principal_outstanding_minor=principal - split.principal_minor,
        due_to_date_minor=due,
        paid_minor=paid_minor,
        arrears_minor=arrears,
        days_late=max(0, days),
        instalments_paid=fully_paid,
    )


def payoff(rows: Sequence[Instalment], paid_minor: int, on: datetime.date) -> Split:
    """What settles the loan on `on`: all principal still owed, plus the unpaid interest of the
    instalments already due and of the current period; later interest is waived."""
    principal_total = sum(row.principal_minor for row in rows)
    split = waterfall(rows, paid_minor)
    interest_owed = 0
    current_counted = False
    for row in rows:
        if row.due_on <= on:
            interest_owed += row.interest_minor
        elif not current_counted:
            interest_owed += row.interest_minor
            current_counted = True
    return Split(
        principal_total - split.principal_minor, max(0, interest_owed - split.interest_minor)
    )
