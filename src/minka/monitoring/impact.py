"""Survey arithmetic: the asset index, group means, before/after change and the
difference-in-differences estimate. Pure functions over plain values, no database.

The asset ownership index (IFAD RIMS) weighs each item a household owns: durable goods and
livestock count by their weight, and each item's count is capped so one large herd does not
swamp the index. Weights are configurable by passing another mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

# item -> (weight, cap on the count). Livestock weights follow tropical livestock units.
ASSET_WEIGHTS: dict[str, tuple[Decimal, int]] = {
    "radio": (Decimal("1"), 1),
    "television": (Decimal("2"), 1),
    "mobile_phone": (Decimal("1"), 3),
    "bicycle": (Decimal("2"), 2),
    "motorcycle": (Decimal("5"), 1),
    "improved_stove": (Decimal("2"), 1),
    "solar_panel": (Decimal("3"), 1),
    "cattle": (Decimal("0.7"), 20),
    "sheep": (Decimal("0.1"), 60),
    "alpacas": (Decimal("0.1"), 80),
    "guinea_pigs": (Decimal("0.01"), 200),
}
ASSET_ITEMS = tuple(ASSET_WEIGHTS)


def asset_index(
    counts: Mapping[str, int], weights: Mapping[str, tuple[Decimal, int]] = ASSET_WEIGHTS
) -> Decimal:
    """Σ weight × min(count, cap) over the known items, three decimals. Unknown items are
    ignored; negative counts are refused."""
    total = Decimal(0)
    for item, count in counts.items():
        if count < 0:
            raise ValueError(f"negative count for {item}")
        if item in weights:
            weight, cap = weights[item]
            total += weight * min(count, cap)
    return total.quantize(Decimal("0.001"), ROUND_HALF_EVEN)


def mean(total: int | Decimal, count: int, places: str = "0.01") -> Decimal | None:
    if count <= 0:
        return None
    return (Decimal(total) / count).quantize(Decimal(places), ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Change:
    before: Decimal | None
    after: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        if self.difference is None or not self.before:
            return None
        return (self.difference * 100 / self.before).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def diff_in_diff(participants: Change, comparison: Change) -> Decimal | None:
    """(participants after − before) − (comparison after − before): the change attributable to
    the programme when both groups would otherwise have moved alike. None without both."""
    if participants.difference is None or comparison.difference is None:
        return None
    return participants.difference - comparison.difference
