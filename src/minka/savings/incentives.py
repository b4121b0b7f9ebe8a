"""Savings incentives, month by month: pure functions over integer minor units.

CORREDOR's rules, configurable per programme (`IncentiveRule`):

- **Opening**: the opening deposit is matched (100 % by default) up to a cap, once per account.
- **Growth**: a share (25 % by default) of the growth of the balance, paid monthly. Growth is
  measured against the account's *peak*: the highest balance already rewarded. A saver who
  withdraws and re-deposits the same money earns nothing twice.
- **Matched withdrawals**: a withdrawal for an approved purpose (children's education, health,
  business investment) with evidence is matched at a share, up to a cap per withdrawal, and
  lowers the peak by the amount withdrawn, so rebuilding those savings is rewarded again. Any
  other withdrawal leaves the peak where it was.
- Incentives are paid into the saver's account; they are not her own savings, so the peak rises
  by what is paid and next month's growth does not reward the incentive itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal


def share(amount_minor: int, percent: Decimal | int) -> int:
    """`percent` % of an amount, rounded half-even to the minor unit."""
    value = Decimal(amount_minor) * Decimal(percent) / 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def capped(amount_minor: int, cap_minor: int | None) -> int:
    """`amount` limited to `cap` (None or a negative cap: no limit)."""
    if cap_minor is None or cap_minor < 0:
        return amount_minor
    return min(amount_minor, cap_minor)


@dataclass(frozen=True)
class Rule:
    """A programme's incentive parameters. Caps are per saver; None means no cap."""

    opening_match_percent: Decimal = Decimal(100)
    opening_cap_minor: int | None = 10_000
    growth_percent: Decimal = Decimal(25)
    growth_cap_minor: int | None = None  # per saver and month
    withdrawal_match_percent: Decimal = Decimal(25)
    withdrawal_cap_minor: int | None = 20_000  # per withdrawal


@dataclass(frozen=True)
class SaverState:
    """What earlier months left behind: whether the opening match was paid, and the peak."""

    opening_paid: bool = False
    peak_minor: int = 0


@dataclass(frozen=True)
class SaverMonth:
    """One saver's month: the opening deposit (if the account is open by the month's end), the
    balance at the month's end, and the approved withdrawals (with evidence) of the month."""

    closing_balance_minor: int
    opening_deposit_minor: int = 0
    approved_withdrawals_minor: Sequence[int] = ()


@dataclass(frozen=True)
class MonthIncentive:
    opening_minor: int
    growth_base_minor: int
    growth_minor: int
    withdrawal_minor: int
    peak_after_minor: int

    @property
    def total_minor(self) -> int:
        return self.opening_minor + self.growth_minor + self.withdrawal_minor

    @property
    def state_after(self) -> SaverState:
        return SaverState(opening_paid=True, peak_minor=self.peak_after_minor)


def month_incentive(rule: Rule, state: SaverState, month: SaverMonth) -> MonthIncentive:
    """The incentives of one saver for one month, and the peak the next month starts from."""
    if month.closing_balance_minor < 0 or month.opening_deposit_minor < 0:
        raise ValueError("balances and deposits are never negative")
    if any(amount <= 0 for amount in month.approved_withdrawals_minor):
        raise ValueError("withdrawals are positive amounts")
    peak = state.peak_minor
    opening = 0
    if not state.opening_paid:
        opening = capped(
            share(month.opening_deposit_minor, rule.opening_match_percent), rule.opening_cap_minor
        )
        # The opening deposit is the starting point: only what is saved beyond it is growth.
        peak = max(peak, month.opening_deposit_minor)
    withdrawn = sum(month.approved_withdrawals_minor)
    withdrawal = sum(
        capped(share(amount, rule.withdrawal_match_percent), rule.withdrawal_cap_minor)
        for amount in month.approved_withdrawals_minor
    )
    peak = max(0, peak - withdrawn)
    base = max(0, month.closing_balance_minor - peak)
    growth = capped(share(base, rule.growth_percent), rule.growth_cap_minor)
    peak = max(peak, month.closing_balance_minor) + opening + growth + withdrawal
    return MonthIncentive(
        opening_minor=opening,
        growth_base_minor=base,
        growth_minor=growth,
        withdrawal_minor=withdrawal,
        peak_after_minor=peak,
    )


def run_months(
    rule: Rule, months: Sequence[SaverMonth], state: SaverState | None = None
) -> list[MonthIncentive]:
    """Several consecutive months of one saver, each starting from the state the last left."""
    results: list[MonthIncentive] = []
    current = state or SaverState()
    for month in months:
        result = month_incentive(rule, current, month)
        results.append(result)
        current = result.state_after
    return results
