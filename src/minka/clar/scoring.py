"""Pure CLAR scoring: rubric sheets, final scores, approval and the attendance rule.

The Sierra Sur rule set (the default, see `docs/domain`): every juror fills a *field sheet* (9
criteria for a PDN, 7 for a PGRN) whose sum counts double, and a *public sheet* (5 criteria for a
PDN, 4 for a PGRN) at the CLAR event.

- `sheet_total` checks one filled sheet against its criteria and returns its weighted sum (call it
  with ``weight=2`` for the Sierra Sur field sheet).
- `final_score` = mean of the (already weighted) field-sheet totals + mean of the public-sheet
  totals; with no public sheet the public part is 0; without any field sheet there is no score.
- `is_approved`: a final score at or above the threshold (70 by default) approves; exactly 70
  approves.
- `attendance_disqualifies`: fewer than 50 % of the plan's families present at the field visit
  (checked by DNI) disqualifies the plan; exactly 50 % does not. DNIs of people who are not in the
  plan do not count.
- `attendance_points`: the participation criterion earns points on a **linear scale from 0 points
  at 50 % of the families present to the maximum at 100 %** (e.g. 75 % → 5 of 10 points); at or
  below 50 % it earns 0 (and the plan is disqualified anyway).

Everything is `Decimal`; results are quantized to 2 decimals with ROUND_HALF_EVEN. No Django, no
database: services pass plain values in and store what comes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
DEFAULT_THRESHOLD = Decimal(70)
DEFAULT_MINIMUM_ATTENDANCE = Decimal("0.5")
FIELD_SHEET_WEIGHT = 2  # Sierra Sur: the field sheet's sum counts double

_ZERO = Decimal(0)
_ONE = Decimal(1)


class ScoringError(ValueError):
    """A sheet or a set of sheets that cannot be scored.

    `code` says what is wrong ("missing", "unknown", "out_of_range", "not_a_number",
    "duplicate_criterion", "bad_criterion", "bad_weight", "bad_maximum", "no_field_sheets",
    "empty_plan", "bad_share") and
    `criterion` names the criterion concerned (or ""), so a service can raise its own translated
    message; `str(error)` is an English sentence naming the criterion.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        criterion: str = "",
        value: Decimal | None = None,
        max_points: Decimal | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.criterion = criterion
        self.value = value
        self.max_points = max_points


@dataclass(frozen=True, slots=True)
class Criterion:
    """One line of a rubric sheet: a code (unique within the sheet) and its maximum points."""

    code: str
    max_points: Decimal | int

    def __post_init__(self) -> None:
        if not self.code:
            raise ScoringError("A criterion needs a code", code="bad_criterion")
        maximum = _as_decimal(self.max_points, self.code)
        if maximum < 0:
            raise ScoringError(
                f"Criterion {self.code}: the maximum cannot be negative",
                code="bad_criterion",
                criterion=self.code,
                max_points=maximum,
            )


def quantize(value: Decimal) -> Decimal:
    """Round to 2 decimals, half to even (the rounding of every published score)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _as_decimal(value: object, criterion: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ScoringError(
            f"Criterion {criterion}: {value!r} is not a number of points",
            code="not_a_number",
            criterion=criterion,
        )
    result = Decimal(value)
    if not result.is_finite():
        raise ScoringError(
            f"Criterion {criterion}: {value!r} is not a number of points",
            code="not_a_number",
            criterion=criterion,
        )
    return result


def sheet_total(
    points: Mapping[str, Decimal | int],
    criteria: Sequence[Criterion],
    *,
    weight: Decimal | int = 1,
) -> Decimal:
    """The weighted total of one filled rubric sheet, quantized to 2 decimals.

    Every criterion of the sheet must be scored, with 0 ≤ points ≤ its maximum, and no other
    code may appear; the first problem raises a `ScoringError` naming the criterion (criteria are
    checked in sheet order, then unknown codes in sorted order).
    """
    weight_value = _as_decimal(weight, "")
    if weight_value <= 0:
        raise ScoringError("The weight of a sheet must be positive", code="bad_weight")
    total = _ZERO
    seen: set[str] = set()
    for criterion in criteria:
        code = criterion.code
        if code in seen:
            raise ScoringError(
                f"Criterion {code} appears twice in the sheet",
                code="duplicate_criterion",
                criterion=code,
            )
        seen.add(code)
        if code not in points:
            raise ScoringError(f"Criterion {code} has no score", code="missing", criterion=code)
        value = _as_decimal(points[code], code)
        maximum = Decimal(criterion.max_points)
        if value < 0 or value > maximum:
            raise ScoringError(
                f"Criterion {code}: {value} is outside 0-{maximum}",
                code="out_of_range",
                criterion=code,
                value=value,
                max_points=maximum,
            )
        total += value
    if len(points) != len(seen):
        unknown = sorted(set(points) - seen)
        raise ScoringError(
            f"Criterion {unknown[0]} is not on this sheet", code="unknown", criterion=unknown[0]
        )
    return quantize(total * weight_value)


def sheet_maximum(criteria: Iterable[Criterion], *, weight: Decimal | int = 1) -> Decimal:
    """The highest total a sheet can give (its maxima summed, times the weight)."""
    return quantize(sum((Decimal(c.max_points) for c in criteria), _ZERO) * Decimal(weight))


def _mean(values: Sequence[Decimal]) -> Decimal:
    total = _ZERO
    for value in values:
        total += _as_decimal(value, "")
    return total / len(values)


def final_score(field_totals: Sequence[Decimal], public_totals: Sequence[Decimal]) -> Decimal:
    """Mean field-sheet total + mean public-sheet total, quantized once at the end.

    `field_totals` already carry the field sheet's weight (×2 under Sierra Sur). No public sheet
    → the public part is 0; no field sheet → `ScoringError` ("no_field_sheets").
    """
    if not field_totals:
        raise ScoringError(
            "An initiative needs at least one field sheet to be scored", code="no_field_sheets"
        )
    public = _mean(public_totals) if public_totals else _ZERO
    return quantize(_mean(field_totals) + public)


def is_approved(score: Decimal, threshold: Decimal = DEFAULT_THRESHOLD) -> bool:
    """Whether a final score approves the initiative: score ≥ threshold (70 approves)."""
    return score >= threshold


def _check_share(share: Decimal, name: str) -> Decimal:
    value = _as_decimal(share, name)
    if not _ZERO <= value <= _ONE:
        raise ScoringError(f"{name} must be between 0 and 1", code="bad_share", value=value)
    return value


def attendance_share(plan_dnis: set[str], present_dnis: set[str]) -> Decimal:
    """The share (0-1, not rounded) of the plan's families present; others present don't count.

    DNIs are compared as given: normalise them (strip, zero-pad) before calling.
    """
    if not plan_dnis:
        raise ScoringError("The plan lists no families", code="empty_plan")
    return Decimal(len(plan_dnis & present_dnis)) / Decimal(len(plan_dnis))


def attendance_disqualifies(
    plan_dnis: set[str],
    present_dnis: set[str],
    minimum_share: Decimal = DEFAULT_MINIMUM_ATTENDANCE,
) -> bool:
    """Fewer than `minimum_share` (50 %) of the plan's families present disqualifies.

    Compared exactly (present < share × families), so exactly 50 % does not disqualify. Present
    DNIs that are not in the plan do not count. An empty plan raises `ScoringError`.
    """
    minimum = _check_share(minimum_share, "minimum_share")
    if not plan_dnis:
        raise ScoringError("The plan lists no families", code="empty_plan")
    present = len(plan_dnis & present_dnis)
    return Decimal(present) < minimum * len(plan_dnis)


def attendance_points(
    share: Decimal, max_points: Decimal | int = 10, *, floor: Decimal = DEFAULT_MINIMUM_ATTENDANCE
) -> Decimal:
    """Points for family participation: linear from 0 at `floor` (50 %) to `max_points` at 100 %.

    points = max × (share − 0.5) / 0.5, clamped to 0 at or below 50 %, quantized to 2 decimals:
    51 % → 0.20, 75 % → 5.00, 100 % → 10.00 (with the default maximum of 10).
    """
    value = _check_share(share, "share")
    low = _check_share(floor, "floor")
    if low >= _ONE:
        raise ScoringError("floor must be below 1", code="bad_share", value=low)
    maximum = _as_decimal(max_points, "")
    if maximum < 0:
        raise ScoringError("max_points cannot be negative", code="bad_maximum", value=maximum)
    if value <= low:
        return quantize(_ZERO)
    return quantize(maximum * (value - low) / (_ONE - low))
