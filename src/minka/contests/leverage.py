"""Pure contest metrics: participation, assets created, leverage and adoption.

- **Participation rate** = participants / eligible population, in percent (2 decimals).
- **Assets created** = Σ (value after − value before) over participants and activities; a
  participant without an "after" record has created nothing yet in that activity, and one
  without a "before" record started from zero.
- **Leverage** = asset value created / prize money (2 decimals): how many soles of assets the
  families built per sol of prizes. No prize money → no leverage (None).
- **Adoption** of an activity across successive contests: the share of the eligible population
  that has taken it up (created assets in it) in this contest or an earlier one.

No Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from minka.clar.scoring import quantize

_HUNDRED = Decimal(100)


def participation_rate(participants: int, eligible: int) -> Decimal | None:
    """Participants over the eligible population, in percent; None when nobody was eligible."""
    if participants < 0 or eligible < 0:
        raise ValueError("Counts cannot be negative")
    if eligible == 0:
        return None
    return quantize(Decimal(participants) * _HUNDRED / Decimal(eligible))


def asset_created(before_minor: int | None, after_minor: int | None) -> int:
    """What one participant created in one activity: after − before (0 without an after)."""
    if after_minor is None:
        return 0
    return after_minor - (before_minor or 0)


def assets_created(pairs: Iterable[tuple[int | None, int | None]]) -> int:
    return sum(asset_created(before, after) for before, after in pairs)


def leverage(created_minor: int, prize_minor: int) -> Decimal | None:
    """Asset value created per unit of prize money, 2 decimals; None when no prize was paid."""
    if prize_minor < 0:
        raise ValueError("Prize money cannot be negative")
    if prize_minor == 0:
        return None
    return quantize(Decimal(created_minor) / Decimal(prize_minor))


@dataclass(frozen=True, slots=True)
class AdoptionPoint:
    contest: str
    adopters: int  # new and earlier adopters together
    new: int
    share: Decimal | None  # percent of the eligible population


def adoption(contests: Sequence[tuple[str, Iterable[int]]], eligible: int) -> list[AdoptionPoint]:
    """Cumulative adoption over successive contests (given in order): each item is the contest's
    label and the ids of the participants (households or communities) that created assets in
    the activity in it."""
    seen: set[int] = set()
    points = []
    for label, adopters in contests:
        before = len(seen)
        seen |= set(adopters)
        points.append(
            AdoptionPoint(
                contest=label,
                adopters=len(seen),
                new=len(seen) - before,
                share=participation_rate(len(seen), eligible) if eligible else None,
            )
        )
    return points


def by_sex(rows: Iterable[tuple[str, int]]) -> Mapping[str, int]:
    """Sum amounts (or counts) by sex of the head of household: keys "F", "M" and "other"
    (unknown, or an organization)."""
    totals = {"F": 0, "M": 0, "other": 0}
    for sex, amount in rows:
        totals[sex if sex in ("F", "M") else "other"] += amount
    return totals
