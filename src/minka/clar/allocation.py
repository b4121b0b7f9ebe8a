"""Pure CLAR ranking and allocation of a budget envelope, with a stated reason for every initiative.

**Ranking.** Initiatives are ranked by final score, highest first. Ties are broken by the
published rule `TIE_BREAK_RULE`, in this order:

1. the initiative requesting the smaller amount first (so more initiatives are funded);
2. then the one submitted earlier (lower submission sequence number);
3. then the lower tie key (a code published before the CLAR, e.g. a number drawn by lot in
   public; empty for all when unused, so it changes nothing);
4. then the lower identifier.

**The rule (`allocate_by_rule`).** Only approved initiatives that are not disqualified are
eligible. They are funded in rank order until the envelope is spent. An initiative that does not
fit in what remains of the envelope is *skipped and the next ones are tried* ("skip and
continue"): a smaller initiative further down may still fit, so no money is left unused while
some eligible initiative could take it. District caps (number of funded initiatives and/or funded
amount per district) apply throughout; an initiative that would break its district's cap is
skipped the same way.

Quotas come first: before the general pass, the women-led initiatives are funded in rank order
until the women-led funded amount reaches its minimum share of the envelope (as far as such
initiatives exist and fit), then the same for youth initiatives (counting youth initiatives
already funded under the women's quota); then the general pass funds the rest in rank order. The
target is `ceil(share × envelope)` in minor units. When a quota cannot be reached,
`Allocation.quota_infeasible` is set.

**The optimiser (`allocate_optimal`).** A 0/1 knapsack solved with HiGHS: maximise the total
score of the funded eligible initiatives under the envelope and the district caps, with the
funded amount of women-led (youth) initiatives at least their share of the envelope. When the
quotas cannot all be met, it first finds the smallest total shortfall (in minor units, women's
and youth's added) and then maximises the score with no more shortfall than that, and sets
`quota_infeasible`. Equal-score alternatives resolve towards the ranking: each initiative's
objective carries a preference below a hundredth of a point in total, larger for better ranks
(exactly the ranking's order up to 20 eligible initiatives, the top of the ranking beyond).
The rule's selection is handed to the solver as its starting solution whenever it satisfies the
constraints, so the optimiser never returns less than the rule. A time limit (10 s by default)
bounds the solve; `Allocation.optimal` says whether optimality was proven.

Money is integer minor units; scores are `Decimal` (2 decimals, from `minka.clar.scoring`). No
Django, no database.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Any

TIE_BREAK_RULE: tuple[str, ...] = (
    "Higher final score first.",
    "On equal scores, the initiative requesting the smaller amount first "
    "(so that more initiatives are funded).",
    "Then the initiative submitted earlier (lower submission number).",
    "Then the lower tie key published before the CLAR (for example a number drawn by lot in "
    "public), when one is used.",
    "Then the lower identifier.",
)

DEFAULT_TIME_LIMIT_S = 10.0

_ZERO = Decimal(0)


class AllocationError(ValueError):
    """Inputs that cannot be allocated (duplicate ids, negative amounts, bad quotas...)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """An initiative as the allocation sees it.

    `score` is the final score (2 decimals), `amount_minor` the amount requested from the
    envelope, `approved`/`disqualified` come from scoring; `district` is needed only when a
    district cap is used; `submitted_seq` and `tie_key` feed the published tie-break.
    """

    id: int
    score: Decimal
    amount_minor: int
    approved: bool
    disqualified: bool = False
    women_led: bool = False
    youth: bool = False
    district: str = ""
    submitted_seq: int = 0
    tie_key: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise AllocationError(f"Initiative {self.id}: the amount is an integer (minor units)")
        if self.amount_minor < 0:
            raise AllocationError(f"Initiative {self.id}: the amount cannot be negative")
        if not isinstance(self.score, Decimal) or not self.score.is_finite() or self.score < 0:
            raise AllocationError(f"Initiative {self.id}: the score is a non-negative Decimal")

    @property
    def eligible(self) -> bool:
        """Approved and not disqualified: the only initiatives that can be funded."""
        return self.approved and not self.disqualified


def rank_key(candidate: Candidate) -> tuple[Decimal, int, int, str, int]:
    """The sort key of the published ranking (see `TIE_BREAK_RULE`)."""
    return (
        -candidate.score,
        candidate.amount_minor,
        candidate.submitted_seq,
        candidate.tie_key,
        candidate.id,
    )


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """All candidates in the published order: score desc, then `TIE_BREAK_RULE`."""
    ranked = sorted(candidates, key=rank_key)
    if len({candidate.id for candidate in ranked}) != len(ranked):
        raise AllocationError("Two candidates share an id")
    return ranked


@dataclass(frozen=True, slots=True)
class Quotas:
    """Optional rules a programme adds to the allocation.

    `min_women_share` / `min_youth_share`: share of the envelope (0-1) reserved for women-led /
    youth initiatives. `max_per_district`: most funded initiatives per district;
    `max_amount_per_district_minor`: most funded amount per district.
    """

    min_women_share: Decimal | None = None
    min_youth_share: Decimal | None = None
    max_per_district: int | None = None
    max_amount_per_district_minor: int | None = None

    def __post_init__(self) -> None:
        for name in ("min_women_share", "min_youth_share"):
            share = getattr(self, name)
            if share is not None and (
                not isinstance(share, Decimal) or not share.is_finite() or not 0 <= share <= 1
            ):
                raise AllocationError(f"{name} is a Decimal between 0 and 1")
        for name in ("max_per_district", "max_amount_per_district_minor"):
            cap = getattr(self, name)
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
                raise AllocationError(f"{name} is a non-negative integer")

    @property
    def has_district_caps(self) -> bool:
        return self.max_per_district is not None or self.max_amount_per_district_minor is not None


def share_target_minor(share: Decimal | None, envelope_minor: int) -> int | None:
    """The minimum funded amount a share of the envelope means: ceil(share × envelope)."""
    if share is None:
        return None
    return int((share * envelope_minor).to_integral_value(rounding=ROUND_CEILING))


class ReasonCode(StrEnum):
    """Why an initiative was or was not funded (a stable code the UI translates)."""

    FUNDED = "funded"
    FUNDED_QUOTA_WOMEN = "funded_quota_women"
    FUNDED_QUOTA_YOUTH = "funded_quota_youth"
    NOT_APPROVED = "not_approved"
    DISQUALIFIED = "disqualified"
    ENVELOPE_EXHAUSTED = "envelope_exhausted"
    DISTRICT_CAP = "district_cap"
    NOT_SELECTED_BY_OPTIMISER = "not_selected_by_optimiser"


FUNDED_CODES = frozenset(
    {ReasonCode.FUNDED, ReasonCode.FUNDED_QUOTA_WOMEN, ReasonCode.FUNDED_QUOTA_YOUTH}
)


@dataclass(frozen=True, slots=True)
class Reason:
    """The stated reason for one initiative, with what a sentence about it needs.

    - `rank`: 1-based position in the published ranking of all candidates;
    - `remaining_minor`: rule — the envelope left when the initiative was considered (before
      funding it); optimiser — the envelope left by the final selection; `None` for initiatives
      never considered (not approved, disqualified);
    - `district_limit`: for `district_cap`, which cap stopped it ("count" or "amount");
      `district_cap_value` that cap; `district_funded_count` / `district_funded_minor`: what the
      district had funded at that moment (rule) or in the end (optimiser).
    """

    code: ReasonCode
    rank: int
    score: Decimal
    amount_minor: int
    remaining_minor: int | None = None
    district: str = ""
    district_limit: str = ""
    district_cap_value: int | None = None
    district_funded_count: int = 0
    district_funded_minor: int = 0

    @property
    def funded(self) -> bool:
        return self.code in FUNDED_CODES

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a dict (for `_("...%(rank)s...") % reason.as_dict()`)."""
        values = asdict(self)
        values["code"] = str(self.code)
        return values


@dataclass(frozen=True)
class Allocation:
    """The outcome of an allocation.

    `funded`: funded ids in rank order; `ranking`: every id in rank order; `reasons`: one per
    candidate. `optimal` is True only when the optimiser proved its selection optimal (always
    False for the rule); `time_limit_reached` when the solver stopped at its time limit.
    `women_target_minor` / `youth_target_minor` are the quota targets (None without a quota) and
    `women_funded_minor` / `youth_funded_minor` what was funded; `quota_infeasible` says a
    target could not be reached.
    """

    method: str  # "rule" or "optimiser"
    envelope_minor: int
    funded: list[int]
    total_minor: int
    remaining_minor: int
    total_score: Decimal
    reasons: dict[int, Reason]
    ranking: list[int]
    optimal: bool = False
    time_limit_reached: bool = False
    quota_infeasible: bool = False
    women_target_minor: int | None = None
    youth_target_minor: int | None = None
    women_funded_minor: int = 0
    youth_funded_minor: int = 0
    funded_count_by_district: dict[str, int] = field(default_factory=dict)


# --- shared helpers -------------------------------------------------------------------------


def _prepare(
    candidates: Iterable[Candidate], envelope_minor: int, quotas: Quotas | None
) -> tuple[list[Candidate], dict[int, int]]:
    if isinstance(envelope_minor, bool) or not isinstance(envelope_minor, int):
        raise AllocationError("The envelope is an integer (minor units)")
    if envelope_minor < 0:
        raise AllocationError("The envelope cannot be negative")
    ranked = rank(candidates)
    if quotas is not None and quotas.has_district_caps:
        missing = [c.id for c in ranked if c.eligible and not c.district]
        if missing:
            raise AllocationError(
                f"District caps need every eligible initiative's district (missing: {missing[0]})"
            )
    positions = {candidate.id: index + 1 for index, candidate in enumerate(ranked)}
    return ranked, positions


def _ineligible_reason(candidate: Candidate, position: int) -> Reason:
    code = ReasonCode.DISQUALIFIED if candidate.disqualified else ReasonCode.NOT_APPROVED
    return Reason(
        code=code,
        rank=position,
        score=candidate.score,
        amount_minor=candidate.amount_minor,
        district=candidate.district,
    )


def _summary(
    *,
    method: str,
    ranked: list[Candidate],
    funded_ids: set[int],
    envelope_minor: int,
    quotas: Quotas | None,
    reasons: dict[int, Reason],
    optimal: bool = False,
    time_limit_reached: bool = False,
    quota_infeasible: bool | None = None,
) -> Allocation:
    funded = [c for c in ranked if c.id in funded_ids]
    total = sum(c.amount_minor for c in funded)
    women = sum(c.amount_minor for c in funded if c.women_led)
    youth = sum(c.amount_minor for c in funded if c.youth)
    women_target = share_target_minor(quotas.min_women_share if quotas else None, envelope_minor)
    youth_target = share_target_minor(quotas.min_youth_share if quotas else None, envelope_minor)
    if quota_infeasible is None:
        quota_infeasible = (women_target is not None and women < women_target) or (
            youth_target is not None and youth < youth_target
        )
    by_district: dict[str, int] = {}
    for candidate in funded:
        by_district[candidate.district] = by_district.get(candidate.district, 0) + 1
    return Allocation(
        method=method,
        envelope_minor=envelope_minor,
        funded=[c.id for c in funded],
        total_minor=total,
        remaining_minor=envelope_minor - total,
        total_score=sum((c.score for c in funded), _ZERO),
        reasons=reasons,
        ranking=[c.id for c in ranked],
        optimal=optimal,
        time_limit_reached=time_limit_reached,
        quota_infeasible=quota_infeasible,
        women_target_minor=women_target,
        youth_target_minor=youth_target,
        women_funded_minor=women,
        youth_funded_minor=youth,
        funded_count_by_district=by_district,
    )


# --- the rule -------------------------------------------------------------------------------


class _RuleState:
    """The envelope and district counters while the rule funds initiatives one by one."""

    def __init__(self, envelope_minor: int, quotas: Quotas | None) -> None:
        self.remaining = envelope_minor
        self.max_count = quotas.max_per_district if quotas else None
        self.max_amount = quotas.max_amount_per_district_minor if quotas else None
        self.count: dict[str, int] = {}
        self.amount: dict[str, int] = {}
        self.funded: set[int] = set()
        self.women = 0
        self.youth = 0

    def blocker(self, candidate: Candidate, position: int) -> Reason | None:
        """The reason the candidate cannot be funded now, or None when it can."""
        district = candidate.district
        count = self.count.get(district, 0)
        amount = self.amount.get(district, 0)
        limit, cap = "", None
        if self.max_count is not None and count + 1 > self.max_count:
            limit, cap = "count", self.max_count
        elif self.max_amount is not None and amount + candidate.amount_minor > self.max_amount:
            limit, cap = "amount", self.max_amount
        if limit:
            code = ReasonCode.DISTRICT_CAP
        elif candidate.amount_minor > self.remaining:
            code = ReasonCode.ENVELOPE_EXHAUSTED
        else:
            return None
        return self.reason(code, candidate, position, limit=limit, cap=cap)

    def reason(
        self,
        code: ReasonCode,
        candidate: Candidate,
        position: int,
        *,
        limit: str = "",
        cap: int | None = None,
    ) -> Reason:
        return Reason(
            code=code,
            rank=position,
            score=candidate.score,
            amount_minor=candidate.amount_minor,
            remaining_minor=self.remaining,
            district=candidate.district,
            district_limit=limit,
            district_cap_value=cap,
            district_funded_count=self.count.get(candidate.district, 0),
            district_funded_minor=self.amount.get(candidate.district, 0),
        )

    def fund(self, candidate: Candidate, position: int, code: ReasonCode) -> Reason:
        reason = self.reason(code, candidate, position)
        district = candidate.district
        self.remaining -= candidate.amount_minor
        self.count[district] = self.count.get(district, 0) + 1
        self.amount[district] = self.amount.get(district, 0) + candidate.amount_minor
        self.funded.add(candidate.id)
        if candidate.women_led:
            self.women += candidate.amount_minor
        if candidate.youth:
            self.youth += candidate.amount_minor
        return reason


def allocate_by_rule(
    candidates: Iterable[Candidate], envelope_minor: int, quotas: Quotas | None = None
) -> Allocation:
    """Fund eligible initiatives in rank order, quotas first, skipping what does not fit."""
    ranked, positions = _prepare(candidates, envelope_minor, quotas)
    reasons: dict[int, Reason] = {}
    eligible: list[Candidate] = []
    for candidate in ranked:
        if candidate.eligible:
            eligible.append(candidate)
        else:
            reasons[candidate.id] = _ineligible_reason(candidate, positions[candidate.id])
    state = _RuleState(envelope_minor, quotas)

    quota_passes = (
        ("women", quotas.min_women_share if quotas else None, ReasonCode.FUNDED_QUOTA_WOMEN),
        ("youth", quotas.min_youth_share if quotas else None, ReasonCode.FUNDED_QUOTA_YOUTH),
    )
    for group, share, code in quota_passes:
        target = share_target_minor(share, envelope_minor)
        if not target:
            continue
        for candidate in eligible:
            if getattr(state, group) >= target:
                break
            in_group = candidate.women_led if group == "women" else candidate.youth
            if not in_group or candidate.id in state.funded:
                continue
            position = positions[candidate.id]
            if state.blocker(candidate, position) is None:
                reasons[candidate.id] = state.fund(candidate, position, code)

    for candidate in eligible:
        if candidate.id in state.funded:
            continue
        position = positions[candidate.id]
        blocked = state.blocker(candidate, position)
        if blocked is None:
            reasons[candidate.id] = state.fund(candidate, position, ReasonCode.FUNDED)
        else:
            reasons[candidate.id] = blocked

    return _summary(
        method="rule",
        ranked=ranked,
        funded_ids=state.funded,
        envelope_minor=envelope_minor,
        quotas=quotas,
        reasons=reasons,
    )


# --- the optimiser --------------------------------------------------------------------------


def _shortfall(
    selection: Iterable[Candidate], women_target: int | None, youth_target: int | None
) -> int:
    """Minor units missing to reach the quota targets (women's and youth's added)."""
    women = youth = 0
    for candidate in selection:
        if candidate.women_led:
            women += candidate.amount_minor
        if candidate.youth:
            youth += candidate.amount_minor
    missing = 0
    if women_target is not None:
        missing += max(0, women_target - women)
    if youth_target is not None:
        missing += max(0, youth_target - youth)
    return missing


def _respects_limits(
    selection: Sequence[Candidate], envelope_minor: int, quotas: Quotas | None
) -> bool:
    """Whether a selection fits the envelope and the district caps (quotas aside)."""
    if sum(c.amount_minor for c in selection) > envelope_minor:
        return False
    if quotas is None or not quotas.has_district_caps:
        return True
    count: dict[str, int] = {}
    amount: dict[str, int] = {}
    for candidate in selection:
        count[candidate.district] = count.get(candidate.district, 0) + 1
        amount[candidate.district] = amount.get(candidate.district, 0) + candidate.amount_minor
    if quotas.max_per_district is not None and any(
        value > quotas.max_per_district for value in count.values()
    ):
        return False
    cap = quotas.max_amount_per_district_minor
    return cap is None or all(value <= cap for value in amount.values())


def _score_of(selection: Iterable[Candidate]) -> Decimal:
    return sum((c.score for c in selection), _ZERO)


class _Knapsack:
    """The HiGHS model: one binary per eligible candidate, plus quota slack columns."""

    def __init__(
        self,
        eligible: list[Candidate],
        envelope_minor: int,
        quotas: Quotas | None,
        women_target: int | None,
        youth_target: int | None,
    ) -> None:
        import highspy
        import numpy as np

        self.highspy = highspy
        self.np = np
        self.eligible = eligible
        n = len(eligible)
        self.n = n
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap", 1e-9)
        highs.setOptionValue("mip_feasibility_tolerance", 1e-9)
        highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
        self.highs = highs
        inf = highspy.kHighsInf

        # Objective in hundredths of a point, plus a rank preference summing to ½ at most, so
        # it never outweighs a real score difference (≥ 1 hundredth). The preference halves
        # from one rank to the next (each rank outweighs all those below it: equal-score
        # alternatives resolve exactly as the ranking would) while the smallest stays above a
        # millionth of the largest; beyond 20 eligible initiatives the ratio rises towards 1,
        # so ties far down a long ranking resolve by the preference sum, not strictly by rank.
        ratio = max(0.5, 10 ** (-6 / n))
        raw = [ratio**index for index in range(n)]
        scale = 0.5 / sum(raw)
        preference = [scale * weight for weight in raw]
        self.costs = np.array(
            [float(c.score * 100) + preference[i] for i, c in enumerate(eligible)],
            dtype=np.float64,
        )
        amounts = [c.amount_minor for c in eligible]
        # Amount rows are divided by the amounts' greatest common divisor (often S/ 100 or
        # S/ 1,000): exact, since a sum of multiples of it stays below a bound exactly when it
        # stays below the bound rounded down to a multiple, and it keeps HiGHS well scaled.
        unit = math.gcd(*amounts) or 1
        scaled = [float(amount // unit) for amount in amounts]
        upper = np.array(
            [1.0 if amount <= envelope_minor else 0.0 for amount in amounts], dtype=np.float64
        )
        if quotas is not None and quotas.max_amount_per_district_minor is not None:
            cap = quotas.max_amount_per_district_minor
            upper = np.where(np.array(amounts) > cap, 0.0, upper)
        highs.addCols(
            n,
            self.costs,
            np.zeros(n),
            upper,
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        highs.changeColsIntegrality(
            n,
            np.arange(n, dtype=np.int32),
            np.full(n, int(highspy.HighsVarType.kInteger), dtype=np.uint8),
        )

        def add_row(lower: float, upper_bound: float, columns: list[int], values: list[float]):
            highs.addRows(
                1,
                np.array([lower], dtype=np.float64),
                np.array([upper_bound], dtype=np.float64),
                len(columns),
                np.array([0], dtype=np.int32),
                np.array(columns, dtype=np.int32),
                np.array(values, dtype=np.float64),
            )

        add_row(-inf, float(envelope_minor // unit), list(range(n)), scaled)

        if quotas is not None and quotas.has_district_caps:
            districts: dict[str, list[int]] = {}
            for index, candidate in enumerate(eligible):
                districts.setdefault(candidate.district, []).append(index)
            for _district, members in sorted(districts.items()):
                if quotas.max_per_district is not None and len(members) > quotas.max_per_district:
                    add_row(-inf, float(quotas.max_per_district), members, [1.0] * len(members))
                amount_cap = quotas.max_amount_per_district_minor
                if amount_cap is not None and sum(amounts[i] for i in members) > amount_cap:
                    add_row(-inf, float(amount_cap // unit), members, [scaled[i] for i in members])

        # Quota rows: funded amount of the group + slack ≥ target; slacks start fixed at 0.
        self.slacks: list[int] = []
        self.groups: list[tuple[int, set[int]]] = []  # (target, ids in the group) per slack
        for target, in_group in (
            (women_target, lambda c: c.women_led),
            (youth_target, lambda c: c.youth),
        ):
            if not target:
                continue
            self.groups.append((target, {c.id for c in eligible if in_group(c)}))
            slack = highs.getNumCol()
            highs.addCols(
                1,
                np.array([0.0]),
                np.array([0.0]),
                np.array([0.0]),
                0,
                np.array([], dtype=np.int32),
                np.array([], dtype=np.int32),
                np.array([], dtype=np.float64),
            )
            self.slacks.append(slack)
            members = [i for i, c in enumerate(eligible) if in_group(c)]
            add_row(
                target / unit,
                inf,
                [*members, slack],
                [*(scaled[i] for i in members), 1.0 / unit],
            )

    def _start(self, selected: set[int]) -> None:
        values = [1.0 if c.id in selected else 0.0 for c in self.eligible]
        for target, members in self.groups:
            funded = sum(
                c.amount_minor for c in self.eligible if c.id in selected and c.id in members
            )
            values.append(float(max(0, target - funded)))
        solution = self.highspy.HighsSolution()
        solution.col_value = values
        solution.value_valid = True
        self.highs.setSolution(solution)

    def _solve(self, time_limit_s: float) -> tuple[set[int] | None, bool, bool]:
        """Solve; return (selected ids or None, proven optimal, time limit reached)."""
        highs = self.highs
        highs.setOptionValue("time_limit", max(0.01, time_limit_s))
        highs.run()
        status = highs.getModelStatus()
        model_status = self.highspy.HighsModelStatus
        optimal = status == model_status.kOptimal
        timed_out = status == model_status.kTimeLimit
        info = highs.getInfo()
        if info.primal_solution_status != self.highspy.kSolutionStatusFeasible:
            return None, optimal, timed_out
        values = highs.getSolution().col_value
        selected = {c.id for i, c in enumerate(self.eligible) if values[i] > 0.5}
        return selected, optimal, timed_out

    def minimise_shortfall(
        self, time_limit_s: float, start: set[int]
    ) -> tuple[set[int] | None, bool, bool]:
        """Stage 1: open the quota slacks and minimise their sum (`start` fits the envelope and
        the caps: the rule's selection)."""
        highs, np = self.highs, self.np
        n, k = self.n, len(self.slacks)
        highs.changeColsBounds(
            k,
            np.array(self.slacks, dtype=np.int32),
            np.zeros(k),
            np.array([float(target) for target, _members in self.groups]),
        )
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        highs.changeColsCost(k, np.array(self.slacks, dtype=np.int32), np.ones(k))
        highs.changeObjectiveSense(self.highspy.ObjSense.kMinimize)
        self._start(start)
        return self._solve(time_limit_s)

    def maximise_score(
        self, time_limit_s: float, allowed_shortfall: int, start: set[int] | None
    ) -> tuple[set[int] | None, bool, bool]:
        """Stage 2: maximise the score with at most `allowed_shortfall` below the targets."""
        highs, np = self.highs, self.np
        n, k = self.n, len(self.slacks)
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), self.costs)
        if k:
            highs.changeColsCost(k, np.array(self.slacks, dtype=np.int32), np.zeros(k))
            if allowed_shortfall:
                highs.addRows(
                    1,
                    np.array([-self.highspy.kHighsInf]),
                    np.array([float(allowed_shortfall)]),
                    k,
                    np.array([0], dtype=np.int32),
                    np.array(self.slacks, dtype=np.int32),
                    np.ones(k),
                )
            else:
                highs.changeColsBounds(
                    k, np.array(self.slacks, dtype=np.int32), np.zeros(k), np.zeros(k)
                )
        highs.changeObjectiveSense(self.highspy.ObjSense.kMaximize)
        if start is not None:
            self._start(start)
        return self._solve(time_limit_s)


def allocate_optimal(
    candidates: Iterable[Candidate],
    envelope_minor: int,
    quotas: Quotas | None = None,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> Allocation:
    """The eligible selection of highest total score (HiGHS 0/1 knapsack), with reasons."""
    started = time.perf_counter()
    ranked, positions = _prepare(candidates, envelope_minor, quotas)
    rule = allocate_by_rule(ranked, envelope_minor, quotas)
    eligible = [c for c in ranked if c.eligible]
    by_id = {c.id: c for c in eligible}
    women_target = share_target_minor(quotas.min_women_share if quotas else None, envelope_minor)
    youth_target = share_target_minor(quotas.min_youth_share if quotas else None, envelope_minor)

    rule_selection = [by_id[i] for i in rule.funded]
    rule_shortfall = _shortfall(rule_selection, women_target, youth_target)

    optimal = True
    timed_out = False
    selected: set[int]
    if not eligible:
        selected = set()
    else:
        model = _Knapsack(eligible, envelope_minor, quotas, women_target, youth_target)
        allowed_shortfall = 0
        if model.slacks:
            found, optimal, timed_out = model.minimise_shortfall(time_limit_s, set(rule.funded))
            shortfall_selection = [by_id[i] for i in found] if found is not None else rule_selection
            if found is None or not _respects_limits(shortfall_selection, envelope_minor, quotas):
                shortfall_selection = rule_selection
            allowed_shortfall = _shortfall(shortfall_selection, women_target, youth_target)
            allowed_shortfall = min(allowed_shortfall, rule_shortfall)
        remaining_time = time_limit_s - (time.perf_counter() - started)
        start = set(rule.funded) if rule_shortfall <= allowed_shortfall else None
        found, stage_optimal, stage_timed_out = model.maximise_score(
            remaining_time, allowed_shortfall, start
        )
        optimal = optimal and stage_optimal
        timed_out = timed_out or stage_timed_out
        # Check the solver's answer exactly, in integers; keep the rule's selection if the
        # solver found nothing valid or nothing better (possible only at the time limit).
        candidate_selection = [by_id[i] for i in found] if found is not None else None
        if (
            candidate_selection is not None
            and _respects_limits(candidate_selection, envelope_minor, quotas)
            and _shortfall(candidate_selection, women_target, youth_target) <= allowed_shortfall
        ):
            selected = set(found or ())
            if start is not None and _score_of(candidate_selection) < rule.total_score:
                selected, optimal = set(rule.funded), False
        else:
            selected, optimal = set(rule.funded), False

    funded_list = [c for c in eligible if c.id in selected]
    total = sum(c.amount_minor for c in funded_list)
    remaining = envelope_minor - total
    count: dict[str, int] = {}
    amount: dict[str, int] = {}
    for candidate in funded_list:
        count[candidate.district] = count.get(candidate.district, 0) + 1
        amount[candidate.district] = amount.get(candidate.district, 0) + candidate.amount_minor
    reasons: dict[int, Reason] = {}
    for candidate in ranked:
        position = positions[candidate.id]
        if not candidate.eligible:
            reasons[candidate.id] = _ineligible_reason(candidate, position)
            continue
        code = (
            ReasonCode.FUNDED if candidate.id in selected else ReasonCode.NOT_SELECTED_BY_OPTIMISER
        )
        reasons[candidate.id] = Reason(
            code=code,
            rank=position,
            score=candidate.score,
            amount_minor=candidate.amount_minor,
            remaining_minor=remaining,
            district=candidate.district,
            district_funded_count=count.get(candidate.district, 0),
            district_funded_minor=amount.get(candidate.district, 0),
        )
    return _summary(
        method="optimiser",
        ranked=ranked,
        funded_ids=selected,
        envelope_minor=envelope_minor,
        quotas=quotas,
        reasons=reasons,
        optimal=optimal,
        time_limit_reached=timed_out,
    )
