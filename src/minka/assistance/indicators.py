"""Pure calculations of the assistance market and the training cascade: no database.

Ratios are Decimals rounded half-even to one decimal (percentages) or to the minor unit
(money per household); an empty denominator gives None, never a division error or a made-up 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum

# --- load rule -------------------------------------------------------------------------------


class Load(Enum):
    OK = "ok"
    WARNING = "warning"  # above the usual number of households: allowed, with a warning
    REFUSED = "refused"  # above the hard cap


def load_status(*, current: int, adding: int, usual: int, cap: int) -> Load:
    """How a yachachiq's load stands if `adding` households join its `current` ones."""
    if usual < 1 or cap < usual:
        raise ValueError("limits must satisfy 1 <= usual <= cap")
    if current < 0 or adding < 0:
        raise ValueError("counts cannot be negative")
    after = current + adding
    if after > cap:
        return Load.REFUSED
    if after > usual:
        return Load.WARNING
    return Load.OK


# --- ratios ----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100, one decimal; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def ratio(part: int, whole: int, places: str = "0.01") -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_EVEN)


def per_unit(amount_minor: int, count: int) -> int | None:
    """Money per unit (e.g. per household assisted), in minor units rounded half-even."""
    if count <= 0:
        return None
    return int((Decimal(amount_minor) / Decimal(count)).quantize(Decimal(1), ROUND_HALF_EVEN))


# --- market ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hire:
    """One technical-assistance contract, reduced to what the market indicators need."""

    organization_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    grant_minor: int
    own_minor: int
    other_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.grant_minor + self.own_minor + self.other_minor

    @property
    def grant_funded(self) -> bool:
        return self.grant_minor > 0


@dataclass(frozen=True)
class Market:
    contracts: int
    value_minor: int
    grant_minor: int
    own_minor: int
    other_minor: int
    own_share: Decimal | None
    grant_clients: int  # organizations that hired with grant money
    rehiring: int  # of those, how many hired again with their own money after the grant
    rehiring_share: Decimal | None  # FEAS: about one in three


def repeat_hirers(hires: Iterable[Hire]) -> tuple[set[int], set[int]]:
    """(organizations that hired with grant money, those of them that later hired with their
    own money only, starting after their last grant-funded service ended)."""
    last_grant_end: dict[int, datetime.date] = {}
    own_only: dict[int, list[datetime.date]] = {}
    for hire in hires:
        if hire.grant_funded:
            previous = last_grant_end.get(hire.organization_id)
            if previous is None or hire.ends_on > previous:
                last_grant_end[hire.organization_id] = hire.ends_on
        elif hire.own_minor > 0:
            own_only.setdefault(hire.organization_id, []).append(hire.starts_on)
    rehiring = {
        org
        for org, end in last_grant_end.items()
        if any(start > end for start in own_only.get(org, ()))
    }
    return set(last_grant_end), rehiring


def market(hires: Sequence[Hire]) -> Market:
    grant = sum(h.grant_minor for h in hires)
    own = sum(h.own_minor for h in hires)
    other = sum(h.other_minor for h in hires)
    value = grant + own + other
    clients, rehiring = repeat_hirers(hires)
    return Market(
        contracts=len(hires),
        value_minor=value,
        grant_minor=grant,
        own_minor=own,
        other_minor=other,
        own_share=percent(own, value),
        grant_clients=len(clients),
        rehiring=len(rehiring),
        rehiring_share=percent(len(rehiring), len(clients)),
    )


# --- reputation ------------------------------------------------------------------------------

CRITERIA = ("quality", "punctuality", "relevance", "communication")
# A provider with few ratings is pulled towards the middle of the scale, so one glowing rating
# does not outrank a long good record.
PRIOR_MEAN = Decimal(3)
PRIOR_WEIGHT = 3


@dataclass(frozen=True)
class RatingRow:
    organization_id: int
    quality: int
    punctuality: int
    relevance: int
    communication: int
    would_hire_again: bool = True

    @property
    def score(self) -> Decimal:
        return rating_score(self.quality, self.punctuality, self.relevance, self.communication)


def rating_score(*scores: int) -> Decimal:
    """Mean of the criteria (each 1-5), two decimals."""
    if not scores or any(s < 1 or s > 5 for s in scores):
        raise ValueError("each criterion is scored from 1 to 5")
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Reputation:
    ratings: int
    organizations: int  # distinct organizations that rated
    mean: Decimal | None  # plain mean of the ratings' scores
    weighted: Decimal  # mean pulled towards the prior by PRIOR_WEIGHT ratings
    by_criterion: Mapping[str, Decimal | None] = field(default_factory=dict)
    would_hire_again: Decimal | None = None  # % of ratings


def reputation(rows: Sequence[RatingRow]) -> Reputation:
    n = len(rows)
    totals = {c: sum(getattr(r, c) for r in rows) for c in CRITERIA}
    score_sum = sum((r.score for r in rows), Decimal(0))
    weighted = ((PRIOR_MEAN * PRIOR_WEIGHT + score_sum) / (PRIOR_WEIGHT + n)).quantize(
        Decimal("0.01"), ROUND_HALF_EVEN
    )
    return Reputation(
        ratings=n,
        organizations=len({r.organization_id for r in rows}),
        mean=(score_sum / n).quantize(Decimal("0.01"), ROUND_HALF_EVEN) if n else None,
        weighted=weighted,
        by_criterion={c: ratio(totals[c], n) for c in CRITERIA},
        would_hire_again=percent(sum(1 for r in rows if r.would_hire_again), n),
    )


# --- supply per territory --------------------------------------------------------------------


def providers_per_area(
    area_paths: Iterable[str], served: Iterable[tuple[int, str]]
) -> dict[str, int]:
    """For each area path, how many distinct providers serve it: a provider serving a path
    serves everything under it (a department covers its provinces and districts)."""
    by_path: dict[str, set[int]] = {}
    for provider_id, path in served:
        by_path.setdefault(path, set()).add(provider_id)
    result: dict[str, int] = {}
    for area in area_paths:
        providers: set[int] = set()
        for cut in range(1, len(area) + 1):
            providers |= by_path.get(area[:cut], set())
        result[area] = len(providers)
    return result


# --- cascade ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One line of the cascade report (a territory, a sex of the head of household, a total)."""

    key: str
    label: str
    planned: int  # households in yachachiq plans
    assisted: int  # households visited at least once
    visits: int
    adopting: int  # households with at least one practice adopted
    adoptions: int  # practices adopted
    cost_minor: int = 0

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.assisted, self.planned)

    @property
    def visits_per_household(self) -> Decimal | None:
        return ratio(self.visits, self.assisted, "0.1")

    @property
    def adoption_rate(self) -> Decimal | None:
        return percent(self.adopting, self.assisted)

    @property
    def cost_per_household(self) -> int | None:
        return per_unit(self.cost_minor, self.assisted)


def total_row(rows: Sequence[CoverageRow], label: str) -> CoverageRow:
    return CoverageRow(
        key="total",
        label=label,
        planned=sum(r.planned for r in rows),
        assisted=sum(r.assisted for r in rows),
        visits=sum(r.visits for r in rows),
        adopting=sum(r.adopting for r in rows),
        adoptions=sum(r.adoptions for r in rows),
        cost_minor=sum(r.cost_minor for r in rows),
    )


def allocate_by_share(
    costs: Mapping[str, int], split: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    """Attribute each territory's cost to groups (e.g. sex of the head of household) in
    proportion to the households assisted in that territory, exactly: the group parts of a
    territory add up to its cost (largest remainder). A territory where nobody was assisted
    attributes nothing."""
    result: dict[str, int] = {}
    for area, cost in costs.items():
        groups = {g: n for g, n in split.get(area, {}).items() if n > 0}
        whole = sum(groups.values())
        if not whole or not cost:
            continue
        shares = {g: divmod(cost * n, whole) for g, n in groups.items()}
        parts = {g: q for g, (q, _r) in shares.items()}
        left = cost - sum(parts.values())
        for g in sorted(groups, key=lambda g: (-shares[g][1], g))[:left]:
            parts[g] += 1
        for g, amount in parts.items():
            result[g] = result.get(g, 0) + amount
    return result
