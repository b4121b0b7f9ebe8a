"""The CLAR scoring rules: sheets, final score, approval threshold and the attendance rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.clar.scoring import (
    FIELD_SHEET_WEIGHT,
    Criterion,
    ScoringError,
    attendance_disqualifies,
    attendance_points,
    attendance_share,
    final_score,
    is_approved,
    sheet_maximum,
    sheet_total,
)

D = Decimal

FIELD = [Criterion("participation", 10), Criterion("board", 5), Criterion("timeline", D("2.5"))]
PUBLIC = [Criterion("clarity", 6), Criterion("culture", 6)]


def test_sheet_total_sums_the_points():
    assert sheet_total({"participation": 7, "board": D("3.5"), "timeline": 2}, FIELD) == D("12.50")


def test_field_sheet_counts_double():
    points = {"participation": 7, "board": D("3.5"), "timeline": 2}
    assert sheet_total(points, FIELD, weight=FIELD_SHEET_WEIGHT) == D("25.00")


def test_sheet_total_accepts_the_maximum_and_zero():
    assert sheet_total({"participation": 10, "board": 5, "timeline": D("2.5")}, FIELD) == D("17.50")
    assert sheet_total({"participation": 0, "board": 0, "timeline": 0}, FIELD) == D("0.00")


def test_sheet_total_is_quantized_half_even():
    sheet = [Criterion("a", 10)]
    assert sheet_total({"a": D("1.005")}, sheet) == D("1.00")
    assert sheet_total({"a": D("1.015")}, sheet) == D("1.02")


def test_missing_criterion_is_named():
    with pytest.raises(ScoringError, match="board") as caught:
        sheet_total({"participation": 7, "timeline": 2}, FIELD)
    assert caught.value.code == "missing"
    assert caught.value.criterion == "board"


@pytest.mark.parametrize("value", [D("5.01"), D("-0.01"), 6, -1])
def test_points_out_of_range_are_refused_naming_the_criterion(value):
    with pytest.raises(ScoringError, match="board") as caught:
        sheet_total({"participation": 7, "board": value, "timeline": 2}, FIELD)
    assert caught.value.code == "out_of_range"
    assert caught.value.criterion == "board"
    assert caught.value.max_points == 5


def test_unknown_criterion_is_refused():
    with pytest.raises(ScoringError, match="extra") as caught:
        sheet_total({"participation": 7, "board": 3, "timeline": 2, "extra": 1}, FIELD)
    assert caught.value.code == "unknown"


@pytest.mark.parametrize("value", [1.5, "3", True, D("NaN"), None])
def test_points_that_are_not_numbers_are_refused(value):
    with pytest.raises(ScoringError) as caught:
        sheet_total({"participation": 7, "board": value, "timeline": 2}, FIELD)
    assert caught.value.code == "not_a_number"
    assert caught.value.criterion == "board"


def test_duplicate_criteria_and_bad_weights_are_refused():
    with pytest.raises(ScoringError, match="board"):
        sheet_total({"board": 1}, [Criterion("board", 5), Criterion("board", 5)])
    with pytest.raises(ScoringError):
        sheet_total({"board": 1}, [Criterion("board", 5)], weight=0)
    with pytest.raises(ScoringError):
        Criterion("board", -1)
    with pytest.raises(ScoringError):
        Criterion("", 1)


def test_sheet_maximum():
    assert sheet_maximum(FIELD, weight=2) == D("35.00")
    assert sheet_maximum(PUBLIC) == D("12.00")


def test_final_score_is_mean_field_plus_mean_public():
    # field totals already doubled: 50 and 52 → 51; public 20, 21, 22 → 21
    assert final_score([D(50), D(52)], [D(20), D(21), D(22)]) == D("72.00")


def test_final_score_rounds_once_half_even():
    # means 35.005 + 35.005 = 70.01; rounding each mean first would give 35.00 + 35.00 = 70.00
    assert final_score([D("35.00"), D("35.01")], [D("35.00"), D("35.01")]) == D("70.01")
    assert final_score([D(33), D(33), D(34)], [D(36), D(37), D(37)]) == D("70.00")
    assert final_score([D("70.005")], []) == D("70.00")
    assert final_score([D("70.015")], []) == D("70.02")


def test_final_score_without_public_sheets_counts_public_as_zero():
    assert final_score([D(60), D(61)], []) == D("60.50")


def test_final_score_needs_a_field_sheet():
    with pytest.raises(ScoringError) as caught:
        final_score([], [D(20)])
    assert caught.value.code == "no_field_sheets"


def test_approval_threshold_boundaries():
    assert is_approved(D("70.00"))
    assert is_approved(D(70))
    assert not is_approved(D("69.99"))
    assert is_approved(D("70.01"))
    assert is_approved(D(65), threshold=D(65))
    assert not is_approved(D("64.99"), threshold=D(65))


PLAN = {f"{n:08d}" for n in range(10)}


def test_exactly_half_present_does_not_disqualify():
    present = {f"{n:08d}" for n in range(5)}
    assert not attendance_disqualifies(PLAN, present)


def test_fewer_than_half_present_disqualifies():
    present = {f"{n:08d}" for n in range(4)}
    assert attendance_disqualifies(PLAN, present)


def test_people_outside_the_plan_do_not_count():
    present = {f"{n:08d}" for n in range(4)} | {"99999999", "88888888", "77777777"}
    assert attendance_disqualifies(PLAN, present)
    assert attendance_share(PLAN, present) == D("0.4")


def test_odd_family_counts_compare_exactly():
    plan = {"1", "2", "3"}
    assert attendance_disqualifies(plan, {"1"})  # 33 %
    assert not attendance_disqualifies(plan, {"1", "2"})  # 67 %
    assert attendance_disqualifies({"1", "2", "3", "4", "5"}, {"1", "2"})  # 40 %
    assert not attendance_disqualifies({"1", "2", "3", "4", "5"}, {"1", "2", "3"})  # 60 %


def test_configurable_minimum_share():
    present = {f"{n:08d}" for n in range(6)}
    assert attendance_disqualifies(PLAN, present, minimum_share=D("0.7"))
    assert not attendance_disqualifies(PLAN, present, minimum_share=D("0.6"))


def test_empty_plan_is_an_error():
    with pytest.raises(ScoringError) as caught:
        attendance_disqualifies(set(), {"1"})
    assert caught.value.code == "empty_plan"
    with pytest.raises(ScoringError):
        attendance_share(set(), set())


@pytest.mark.parametrize(
    ("share", "points"),
    [
        (D("0"), D("0.00")),
        (D("0.5"), D("0.00")),
        (D("0.51"), D("0.20")),
        (D("0.75"), D("5.00")),
        (D("0.9"), D("8.00")),
        (D("1"), D("10.00")),
    ],
)
def test_attendance_points_linear_from_half_to_all(share, points):
    assert attendance_points(share) == points


def test_attendance_points_other_maximum_and_rounding():
    assert attendance_points(D(2) / D(3), max_points=10) == D("3.33")
    assert attendance_points(D("0.75"), max_points=6) == D("3.00")


def test_attendance_points_refuses_shares_outside_0_1():
    with pytest.raises(ScoringError):
        attendance_points(D("1.01"))
    with pytest.raises(ScoringError):
        attendance_points(D("-0.1"))


@given(
    plan_size=st.integers(min_value=1, max_value=60),
    present=st.integers(min_value=0, max_value=60),
    strangers=st.integers(min_value=0, max_value=20),
)
def test_disqualification_matches_the_share(plan_size, present, strangers):
    plan = {f"P{n}" for n in range(plan_size)}
    seen = {f"P{n}" for n in range(min(present, plan_size))} | {f"S{n}" for n in range(strangers)}
    share = attendance_share(plan, seen)
    assert attendance_disqualifies(plan, seen) == (2 * min(present, plan_size) < plan_size)
    points = attendance_points(share)
    assert D(0) <= points <= D(10)
    if attendance_disqualifies(plan, seen):
        assert points == 0


cents = st.integers(min_value=0, max_value=20_000).map(lambda n: Decimal(n).scaleb(-2))


@given(
    field=st.lists(cents, min_size=1, max_size=7), public=st.lists(cents, min_size=0, max_size=7)
)
def test_final_score_lies_between_the_extremes(field, public):
    score = final_score(field, public)
    low = min(field) + (min(public) if public else 0)
    high = max(field) + (max(public) if public else 0)
    assert low <= score <= high
    assert score == score.quantize(D("0.01"))


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=3, max_size=3))
def test_sheet_total_weight_two_is_twice_weight_one(raw):
    sheet = [Criterion(f"c{i}", 10) for i in range(3)]
    points = {f"c{i}": Decimal(value).scaleb(-2) for i, value in enumerate(raw)}
    assert sheet_total(points, sheet, weight=2) == 2 * sheet_total(points, sheet)
