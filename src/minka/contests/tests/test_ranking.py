"""The pure contest rules: jury size, score × factor, the published tie-break, tiers, and the
leverage, participation and adoption maths."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.clar.scoring import ScoringError
from minka.contests import leverage, ranking
from minka.contests.ranking import Entry


def test_jury_limits():
    assert ranking.max_jurors("resources") == 3
    assert ranking.max_jurors("maps") == 3
    assert ranking.max_jurors("territory") == 4


def test_score_is_the_mean_times_the_factor():
    assert ranking.contest_score(
        [Decimal(80), Decimal(70), Decimal(60)], Decimal("1.5")
    ) == Decimal("105.00")
    assert ranking.contest_score([Decimal("70.01"), Decimal(70)], 1) == Decimal(
        "70.00"
    )  # half-even
    assert ranking.contest_score([Decimal("70.03"), Decimal(70)], 1) == Decimal("70.02")
    with pytest.raises(ScoringError):
        ranking.contest_score([], 1)
    with pytest.raises(ScoringError):
        ranking.contest_score([Decimal(1)], 0)


def test_ties_go_to_more_assets_created_then_earlier_enrolment():
    entries = [
        Entry(1, Decimal(60), created_minor=500, number=1),
        Entry(2, Decimal(60), created_minor=900, number=2),
        Entry(3, Decimal(60), created_minor=900, number=3),
        Entry(4, Decimal(70), created_minor=0, number=4),
        Entry(5, None, created_minor=99999, number=5),
    ]
    assert [e.id for e in ranking.rank(entries)] == [4, 2, 3, 1]


def test_tiers_pay_the_first_winners_only():
    entries = [Entry(i, Decimal(100 - i), number=i) for i in range(1, 6)]
    awards = ranking.award(entries, [30000, 20000, 10000], winners=2)
    assert [(a.id, a.rank, a.prize_minor) for a in awards] == [
        (1, 1, 30000),
        (2, 2, 20000),
        (3, 3, 0),
        (4, 4, 0),
        (5, 5, 0),
    ]
    # more winners than tiers: only the tiers are paid
    assert sum(a.prize_minor for a in ranking.award(entries, [100], winners=3)) == 100
    with pytest.raises(ScoringError):
        ranking.award(entries, [0], winners=1)


def test_categories_rank_separately():
    entries = [
        Entry(1, Decimal(90), category="A"),
        Entry(2, Decimal(80), category="A"),
        Entry(3, Decimal(50), category="B"),
        Entry(4, Decimal(40), category="B"),
    ]
    awards = {a.id: a for a in ranking.award(entries, [500], winners=1, by_category=True)}
    assert awards[1].prize_minor == 500 and awards[3].prize_minor == 500
    assert awards[2].rank == 2 and awards[4].prize_minor == 0


def test_tiers_fit_the_pool():
    assert ranking.tiers_fit([300, 200, 100], winners=3, activities=2, pool_minor=1200)
    assert not ranking.tiers_fit([300, 200, 100], winners=3, activities=2, pool_minor=1199)
    assert ranking.tiers_fit(
        [300, 200, 100], winners=1, activities=3, categories=3, pool_minor=2700
    )


@given(
    st.lists(st.tuples(st.integers(0, 10000), st.integers(0, 10**7)), min_size=1, max_size=30),
    st.lists(st.integers(1, 10**6), min_size=1, max_size=6),
    st.integers(0, 8),
)
def test_award_properties(rows, tiers, winners):
    entries = [
        Entry(i, Decimal(s) / 100, created_minor=c, number=i) for i, (s, c) in enumerate(rows)
    ]
    awards = ranking.award(entries, sorted(tiers, reverse=True), winners)
    assert [a.rank for a in awards] == list(range(1, len(entries) + 1))  # strict ranks
    assert len({a.id for a in awards}) == len(entries)  # one prize per participant
    paid = [a for a in awards if a.prize_minor]
    assert len(paid) == min(winners, len(tiers), len(entries))
    scores = {e.id: e.score for e in entries}
    for better, worse in zip(awards, awards[1:], strict=False):
        assert scores[better.id] >= scores[worse.id]
        assert better.prize_minor >= worse.prize_minor


def test_leverage_and_participation():
    # Muñapucro: 9.2 ha × S/ 22,500 + 70 corrals × S/ 450 + S/ 185,000 = S/ 423,500 for S/ 133,300
    created = 920 * 2_250_000 // 100 + 70 * 45_000 + 18_500_000
    assert created == 42_350_000
    assert leverage.leverage(created, 13_330_000) == Decimal("3.18")
    assert leverage.leverage(100, 0) is None
    assert leverage.participation_rate(4, 7) == Decimal("57.14")
    assert leverage.participation_rate(0, 0) is None
    assert leverage.asset_created(100, None) == 0
    assert leverage.asset_created(None, 300) == 300
    assert leverage.assets_created([(100, 600), (100, None), (None, 50)]) == 550
    with pytest.raises(ValueError):
        leverage.leverage(1, -1)


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_leverage_times_prizes_recovers_the_assets(created, prizes):
    value = leverage.leverage(created, prizes)
    assert value is not None
    assert abs(value * prizes - created) <= Decimal("0.005") * prizes


def test_adoption_is_cumulative_over_successive_contests():
    points = leverage.adoption([("2024", {1, 2}), ("2025", {2, 3, 4}), ("2026", {5})], 10)
    assert [(p.adopters, p.new, p.share) for p in points] == [
        (2, 2, Decimal("20.00")),
        (4, 2, Decimal("40.00")),
        (5, 1, Decimal("50.00")),
    ]


def test_by_sex():
    assert leverage.by_sex([("F", 3), ("M", 2), ("", 1), ("F", 1)]) == {"F": 4, "M": 2, "other": 1}
