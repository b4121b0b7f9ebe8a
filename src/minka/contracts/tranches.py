"""Pure tranche arithmetic: splits, thresholds and proportional allocation, in minor units."""

from __future__ import annotations


def tranche_amounts(project_total: int, first_percent: int) -> list[int]:
    """The planned tranches of a project share: the first at most `first_percent` % (rounded
    down, so it never exceeds the cap), the second the balance; one tranche at 100 %."""
    if project_total <= 0:
        raise ValueError("a contract's project share is positive")
    if not 1 <= first_percent <= 100:
        raise ValueError("the first tranche is 1-100 % of the project share")
    if first_percent == 100:
        return [project_total]
    first = project_total * first_percent // 100
    return [first, project_total - first] if first > 0 else [project_total]


def reaches(part: int, whole: int, percent: int) -> bool:
    """Whether `part` is at least `percent` % of `whole`, exactly (no rounding)."""
    return part * 100 >= whole * percent


def missing_for(part: int, whole: int, percent: int) -> int:
    """How much more `part` needs to reach `percent` % of `whole` (rounded up to the unit)."""
    needed = -(-whole * percent // 100)
    return max(0, needed - part)


def split_proportionally(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """Share `amount` across keys in proportion to `weights` (largest remainder), so the parts
    add up exactly and no part exceeds its weight when amount ≤ sum of weights."""
    total = sum(weights.values())
    if amount < 0 or total <= 0 or amount > total:
        raise ValueError("the amount must be between 0 and the sum of the weights")
    floors = {key: amount * weight // total for key, weight in weights.items()}
    remainders = sorted(weights, key=lambda key: (-(amount * weights[key] % total), key))
    short = amount - sum(floors.values())
    for key in remainders[:short]:
        floors[key] += 1
    return {key: value for key, value in floors.items() if value}
