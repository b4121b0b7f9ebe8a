"""Pure contest rules: jury size, scores, the published ranking and its tie-break, prize tiers.

- **Jury**: at most 3 jurors, 4 in territory contests (rule).
- **Score** of a participant in an activity = mean of the jurors' sheet totals × the contest's
  factor, quantized once to 2 decimals (half to even). Each sheet total comes from
  `minka.clar.scoring.sheet_total` over the activity's criteria.
- **Ranking** (per activity; per activity and category in final contests): highest score first;
  ties are broken by the published rule `TIE_BREAK_RULE`: the larger value of assets created in
  that activity (after − before) first — the evidence of what the family invested — then the
  earlier enrolment (lower participant number). Ranks are strict: 1, 2, 3, …
- **Prizes**: the first `winners` places (never more than there are tiers) get the tier of their
  rank; one prize per participant per activity. Every participant gets the flat participation
  incentive when there is one.

No Django, no database: services pass plain values in and store what comes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from minka.clar.scoring import ScoringError, quantize

MAX_JURORS = 3
MAX_JURORS_TERRITORY = 4
MAX_FAMILY_ACTIVITIES = 3
MAX_FAMILY_CONTEST_NUMBER = 5

# Codes of the published tie-break, in order; views show them as translated sentences.
TIE_BREAK_RULE: tuple[str, ...] = ("score", "assets_created", "enrolment")


def max_jurors(theme: str) -> int:
    """How many jurors a contest may have: 3, or 4 for a territory contest (rule)."""
    return MAX_JURORS_TERRITORY if theme == "territory" else MAX_JURORS


def contest_score(juror_totals: Sequence[Decimal | int], factor: Decimal | int = 1) -> Decimal:
    """Mean of the jurors' totals × factor, quantized to 2 decimals; no sheet → ScoringError."""
    if not juror_totals:
        raise ScoringError("A participant needs at least one sheet to be scored", code="no_sheets")
    factor_value = Decimal(factor)
    if factor_value <= 0:
        raise ScoringError("The factor must be positive", code="bad_factor", value=factor_value)
    total = sum((Decimal(value) for value in juror_totals), Decimal(0))
    return quantize(total / len(juror_totals) * factor_value)


@dataclass(frozen=True, slots=True)
class Entry:
    """One participant in one ranking: its score (None when not scored), the value of the assets
    it created in the activity (minor units) and its enrolment number."""

    id: int
    score: Decimal | None
    created_minor: int = 0
    number: int = 0
    category: str = ""


def rank_key(entry: Entry) -> tuple[Decimal, int, int, int]:
    """Sort key of the published ranking (see `TIE_BREAK_RULE`)."""
    assert entry.score is not None
    return (-entry.score, -entry.created_minor, entry.number, entry.id)


def rank(entries: Iterable[Entry]) -> list[Entry]:
    """Scored entries in the published order; unscored entries are left out."""
    scored = [entry for entry in entries if entry.score is not None]
    if len({entry.id for entry in scored}) != len(scored):
        raise ScoringError("Two entries share an id", code="duplicate_entry")
    return sorted(scored, key=rank_key)


@dataclass(frozen=True, slots=True)
class Award:
    id: int
    rank: int
    prize_minor: int  # 0 when the rank wins nothing


def award(
    entries: Iterable[Entry], tiers: Sequence[int], winners: int, *, by_category: bool = False
) -> list[Award]:
    """Rank the entries (within each category when `by_category`) and give the first `winners`
    places the prize of their tier. Returns every scored entry with its rank."""
    if any(amount <= 0 for amount in tiers):
        raise ScoringError("Prize tiers must be positive", code="bad_tier")
    if winners < 0:
        raise ScoringError("The number of winners cannot be negative", code="bad_winners")
    paid_places = min(winners, len(tiers))
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.category if by_category else "", []).append(entry)
    awards: list[Award] = []
    for key in sorted(groups):
        for position, entry in enumerate(rank(groups[key]), start=1):
            prize = tiers[position - 1] if position <= paid_places else 0
            awards.append(Award(id=entry.id, rank=position, prize_minor=prize))
    return awards


def prize_total(
    awards: Iterable[Award], *, participants: int, incentive_minor: int
) -> tuple[int, int]:
    """(ranked prizes, participation incentives) in minor units."""
    ranked = sum(a.prize_minor for a in awards)
    return ranked, participants * incentive_minor


def tiers_fit(
    tiers: Sequence[int],
    *,
    winners: int,
    activities: int,
    categories: int = 1,
    pool_minor: int,
) -> bool:
    """Whether the pool can pay every ranked prize the settings could award (incentives are
    checked at the results, when the participants are known)."""
    paid = sum(list(tiers)[: min(winners, len(tiers))])
    return paid * max(activities, 1) * max(categories, 1) <= pool_minor
