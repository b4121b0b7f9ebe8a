"""Return per sol and the arithmetic of indicators: pure functions over plain integers.

Return per sol = Σ(asset value after − asset value before) / project spending, for a community,
a territory or a programme. Money is integer minor units of one currency; ratios are Decimals
rounded half-even; an empty denominator gives None, never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

MILLI = 1000


def asset_total(quantity_milli: int, unit_value_minor: int) -> int:
    """quantity × unit value, in minor units rounded half-even (quantity in thousandths:
    9.2 ha is 9200)."""
    if quantity_milli < 0 or unit_value_minor < 0:
        raise ValueError("quantities and values cannot be negative")
    exact = Decimal(quantity_milli) * Decimal(unit_value_minor) / MILLI
    return int(exact.quantize(Decimal(1), ROUND_HALF_EVEN))


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100 with one decimal; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def ratio(part: int, whole: int, places: str = "0.01") -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Component:
    """One asset item's value before and after, summed over whatever is being measured."""

    item: str
    before_minor: int = 0
    after_minor: int = 0

    @property
    def created_minor(self) -> int:
        return self.after_minor - self.before_minor


@dataclass(frozen=True)
class ReturnPerSol:
    spending_minor: int
    components: tuple[Component, ...] = field(default_factory=tuple)
    communities: int = 0

    @property
    def before_minor(self) -> int:
        return sum(c.before_minor for c in self.components)

    @property
    def after_minor(self) -> int:
        return sum(c.after_minor for c in self.components)

    @property
    def created_minor(self) -> int:
        return self.after_minor - self.before_minor

    @property
    def ratio(self) -> Decimal | None:
        """Soles of assets created per sol the project spent (two decimals)."""
        return ratio(self.created_minor, self.spending_minor)


def return_per_sol(
    components: Iterable[Component], spending_minor: int, communities: int = 0
) -> ReturnPerSol:
    """Merge components of the same item and compute the return on `spending_minor`."""
    if spending_minor < 0:
        raise ValueError("spending cannot be negative")
    merged: dict[str, list[int]] = {}
    for component in components:
        values = merged.setdefault(component.item, [0, 0])
        values[0] += component.before_minor
        values[1] += component.after_minor
    ordered = sorted(
        (Component(item, before, after) for item, (before, after) in merged.items()),
        key=lambda c: (-c.created_minor, c.item),
    )
    return ReturnPerSol(
        spending_minor=spending_minor, components=tuple(ordered), communities=communities
    )


@dataclass(frozen=True)
class CommunityAssets:
    """Aggregated figures of one community: its key in a grouping (area path prefix), the asset
    value created and the spending that counts for it."""

    community_id: int
    area_path: str
    before_minor: int
    after_minor: int
    spending_minor: int


def fold_returns(
    rows: Iterable[CommunityAssets], key_length: int | None
) -> dict[str, ReturnPerSol]:
    """Return per sol by area prefix of `key_length` characters (None: by community id), over
    the communities that have at least one valuation."""
    created: dict[str, list[int]] = {}
    for row in rows:
        key = str(row.community_id) if key_length is None else row.area_path[:key_length]
        totals = created.setdefault(key, [0, 0, 0, 0])
        totals[0] += row.before_minor
        totals[1] += row.after_minor
        totals[2] += row.spending_minor
        totals[3] += 1
    return {
        key: ReturnPerSol(
            spending_minor=spending,
            components=(Component("", before, after),),
            communities=count,
        )
        for key, (before, after, spending, count) in created.items()
    }


def sum_values(values: Mapping[Hashable, int]) -> int:
    return sum(values.values())
