"""CLAR ranking and allocation: the published tie-break, the rule, quotas, caps, the optimiser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minka.clar.allocation import (
    TIE_BREAK_RULE,
    Allocation,
    AllocationError,
    Candidate,
    Quotas,
    ReasonCode,
    allocate_by_rule,
    allocate_optimal,
    rank,
    share_target_minor,
)
from minka.clar.scoring import final_score, is_approved

D = Decimal


def cand(
    id: int,
    score: str | int,
    amount: int,
    *,
    approved: bool = True,
    **extra: object,
) -> Candidate:
    return Candidate(id=id, score=D(score), amount_minor=amount, approved=approved, **extra)  # type: ignore[arg-type]


def codes(allocation: Allocation) -> dict[int, str]:
    return {cid: str(reason.code) for cid, reason in allocation.reasons.items()}


# --- ranking --------------------------------------------------------------------------------


def test_rank_orders_by_score_then_published_tie_break():
    candidates = [
        cand(1, "80.00", 500, submitted_seq=1),
        cand(2, "90.00", 900, submitted_seq=9),
        cand(3, "80.00", 400, submitted_seq=5),  # same score as 1, smaller amount → first
        cand(4, "80.00", 500, submitted_seq=0),  # same score and amount as 1, submitted earlier
        cand(5, "80.00", 500, submitted_seq=1, tie_key="A"),  # ties 1 up to the tie key
        cand(6, "80.00", 500, submitted_seq=1, tie_key="A"),  # ties 5 fully → lower id
    ]
    assert [c.id for c in rank(candidates)] == [2, 3, 4, 1, 5, 6]


def test_rank_is_independent_of_input_order():
    candidates = [cand(i, 70 + i % 3, 100 * (i % 4) + 1, submitted_seq=i % 5) for i in range(30)]
    assert rank(candidates) == rank(list(reversed(candidates)))


def test_tie_break_rule_is_published_in_order():
    assert len(TIE_BREAK_RULE) == 5
    assert "score" in TIE_BREAK_RULE[0]
    assert "smaller amount" in TIE_BREAK_RULE[1]
    assert "submitted earlier" in TIE_BREAK_RULE[2]
    assert "tie key" in TIE_BREAK_RULE[3]
    assert "identifier" in TIE_BREAK_RULE[4]


def test_duplicate_ids_and_bad_values_are_refused():
    with pytest.raises(AllocationError):
        rank([cand(1, 80, 10), cand(1, 70, 10)])
    with pytest.raises(AllocationError):
        cand(1, 80, -1)
    with pytest.raises(AllocationError):
        Candidate(id=1, score=D(80), amount_minor=1.5, approved=True)  # type: ignore[arg-type]
    with pytest.raises(AllocationError):
        Candidate(id=1, score=80, amount_minor=1, approved=True)  # type: ignore[arg-type]
    with pytest.raises(AllocationError):
        allocate_by_rule([cand(1, 80, 10)], -5)
    with pytest.raises(AllocationError):
        Quotas(min_women_share=D("1.5"))
    with pytest.raises(AllocationError):
        Quotas(max_per_district=-1)


# --- the rule -------------------------------------------------------------------------------


def test_not_approved_and_disqualified_are_never_funded():
    allocation = allocate_by_rule(
        [
            cand(1, "95.00", 10, disqualified=True),
            cand(2, "69.99", 10, approved=False),
            cand(3, "75.00", 10, approved=False, disqualified=True),
            cand(4, "70.00", 10),
        ],
        1000,
    )
    assert allocation.funded == [4]
    assert codes(allocation) == {
        1: "disqualified",
        2: "not_approved",
        3: "disqualified",
        4: "funded",
    }
    assert allocation.reasons[1].rank == 1
    assert allocation.reasons[1].remaining_minor is None


def test_approval_at_exactly_70_is_funded_below_is_not():
    scores = {1: final_score([D("50.00")], [D("20.00")]), 2: final_score([D("49.99")], [D(20)])}
    candidates = [cand(i, str(s), 10, approved=is_approved(s)) for i, s in scores.items()]
    allocation = allocate_by_rule(candidates, 100)
    assert scores[1] == D("70.00")
    assert allocation.funded == [1]
    assert allocation.reasons[2].code == ReasonCode.NOT_APPROVED


def test_rule_funds_in_rank_order_and_skips_what_does_not_fit():
    candidates = [
        cand(1, "90.00", 60),
        cand(2, "85.00", 50),  # 40 left: skipped
        cand(3, "80.00", 40),  # fits exactly: funded (skip and continue)
        cand(4, "75.00", 10),  # nothing left
    ]
    allocation = allocate_by_rule(candidates, 100)
    assert allocation.funded == [1, 3]
    assert allocation.total_minor == 100
    assert allocation.remaining_minor == 0
    assert allocation.total_score == D("170.00")
    assert codes(allocation) == {
        1: "funded",
        2: "envelope_exhausted",
        3: "funded",
        4: "envelope_exhausted",
    }
    assert [allocation.reasons[i].remaining_minor for i in (1, 2, 3, 4)] == [100, 40, 40, 0]
    assert [allocation.reasons[i].rank for i in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert allocation.method == "rule"
    assert not allocation.optimal


def test_rule_uses_the_tie_break_when_the_envelope_cannot_take_both():
    candidates = [
        cand(1, "80.00", 50, submitted_seq=2),
        cand(2, "80.00", 50, submitted_seq=1),
        cand(3, "80.00", 60, submitted_seq=0),
    ]
    allocation = allocate_by_rule(candidates, 100)
    assert allocation.ranking == [2, 1, 3]
    assert allocation.funded == [2, 1]
    assert allocation.reasons[3].code == ReasonCode.ENVELOPE_EXHAUSTED


def test_zero_envelope_and_no_candidates():
    allocation = allocate_by_rule([cand(1, 80, 10)], 0)
    assert allocation.funded == []
    assert allocation.reasons[1].code == ReasonCode.ENVELOPE_EXHAUSTED
    empty = allocate_by_rule([], 100)
    assert empty.funded == [] and empty.reasons == {} and empty.remaining_minor == 100


def test_women_quota_is_funded_first():
    candidates = [
        cand(1, "90.00", 50),
        cand(2, "85.00", 40),
        cand(3, "80.00", 30, women_led=True),
    ]
    without = allocate_by_rule(candidates, 100)
    assert without.funded == [1, 2]
    with_quota = allocate_by_rule(candidates, 100, Quotas(min_women_share=D("0.3")))
    assert with_quota.funded == [1, 3]
    assert codes(with_quota) == {
        1: "funded",
        2: "envelope_exhausted",
        3: "funded_quota_women",
    }
    assert with_quota.reasons[3].remaining_minor == 100  # considered first
    assert with_quota.reasons[1].remaining_minor == 70
    assert with_quota.women_target_minor == 30
    assert with_quota.women_funded_minor == 30
    assert not with_quota.quota_infeasible


def test_quota_funds_only_what_the_target_needs_in_rank_order():
    candidates = [
        cand(1, "90.00", 30, women_led=True),
        cand(2, "85.00", 30),
        cand(3, "80.00", 30, women_led=True),
        cand(4, "75.00", 30, women_led=True),
    ]
    allocation = allocate_by_rule(candidates, 100, Quotas(min_women_share=D("0.5")))
    # target 50: women 1 (30) then 3 (60 ≥ 50); then 2 in the general pass; 4 no longer fits
    assert codes(allocation) == {
        1: "funded_quota_women",
        2: "funded",
        3: "funded_quota_women",
        4: "envelope_exhausted",
    }
    assert allocation.funded == [1, 2, 3]


def test_quota_target_is_rounded_up():
    assert share_target_minor(D("0.3"), 101) == 31
    assert share_target_minor(D("0.3"), 100) == 30
    assert share_target_minor(None, 100) is None


def test_youth_quota_counts_youth_already_funded_for_women():
    candidates = [
        cand(1, "90.00", 40),
        cand(2, "85.00", 40),
        cand(3, "70.00", 20, women_led=True, youth=True),
        cand(4, "71.00", 20, youth=True),
    ]
    quotas = Quotas(min_women_share=D("0.2"), min_youth_share=D("0.2"))
    allocation = allocate_by_rule(candidates, 100, quotas)
    # women pass funds 3 (20 = target), which is youth too: the youth target is reached
    assert codes(allocation) == {
        1: "funded",
        2: "funded",
        3: "funded_quota_women",
        4: "envelope_exhausted",
    }
    assert allocation.youth_funded_minor == 20


def test_youth_quota():
    candidates = [cand(1, "90.00", 60), cand(2, "85.00", 40), cand(3, "72.00", 40, youth=True)]
    allocation = allocate_by_rule(candidates, 100, Quotas(min_youth_share=D("0.4")))
    assert codes(allocation) == {1: "funded", 2: "envelope_exhausted", 3: "funded_quota_youth"}


def test_unreachable_quota_is_flagged():
    candidates = [cand(1, "90.00", 60), cand(2, "80.00", 30, women_led=True)]
    allocation = allocate_by_rule(candidates, 100, Quotas(min_women_share=D("0.5")))
    assert allocation.quota_infeasible
    assert allocation.funded == [1, 2]
    assert codes(allocation) == {1: "funded", 2: "funded_quota_women"}


def test_district_cap_on_the_number_funded():
    candidates = [
        cand(1, "90.00", 10, district="Chumbivilcas"),
        cand(2, "85.00", 10, district="Chumbivilcas"),
        cand(3, "80.00", 10, district="Espinar"),
    ]
    allocation = allocate_by_rule(candidates, 100, Quotas(max_per_district=1))
    assert allocation.funded == [1, 3]
    reason = allocation.reasons[2]
    assert reason.code == ReasonCode.DISTRICT_CAP
    assert (reason.district, reason.district_limit, reason.district_cap_value) == (
        "Chumbivilcas",
        "count",
        1,
    )
    assert reason.district_funded_count == 1
    assert allocation.funded_count_by_district == {"Chumbivilcas": 1, "Espinar": 1}


def test_district_cap_on_the_amount_funded_skips_and_continues():
    candidates = [
        cand(1, "90.00", 40, district="A"),
        cand(2, "85.00", 40, district="A"),
        cand(3, "80.00", 20, district="A"),
    ]
    allocation = allocate_by_rule(candidates, 1000, Quotas(max_amount_per_district_minor=60))
    assert allocation.funded == [1, 3]
    assert allocation.reasons[2].district_limit == "amount"
    assert allocation.reasons[2].district_funded_minor == 40


def test_district_caps_apply_to_quota_funding_too():
    candidates = [
        cand(1, "90.00", 10, district="A", women_led=True),
        cand(2, "85.00", 10, district="A", women_led=True),
        cand(3, "80.00", 10, district="B"),
    ]
    quotas = Quotas(min_women_share=D("0.2"), max_per_district=1)
    allocation = allocate_by_rule(candidates, 100, quotas)
    assert codes(allocation) == {1: "funded_quota_women", 2: "district_cap", 3: "funded"}
    assert allocation.quota_infeasible


def test_district_caps_need_districts():
    with pytest.raises(AllocationError, match="district"):
        allocate_by_rule([cand(1, 80, 10)], 100, Quotas(max_per_district=2))
    # ineligible initiatives need none
    allocation = allocate_by_rule(
        [cand(1, 60, 10, approved=False), cand(2, 80, 10, district="A")],
        100,
        Quotas(max_per_district=2),
    )
    assert allocation.funded == [2]


def test_reason_as_dict_gives_the_sentence_parameters():
    allocation = allocate_by_rule([cand(7, "88.50", 30, district="Ocongate")], 100)
    params = allocation.reasons[7].as_dict()
    assert params["code"] == "funded"
    assert params["rank"] == 1
    assert params["score"] == D("88.50")
    assert params["amount_minor"] == 30
    assert params["remaining_minor"] == 100
    assert params["district"] == "Ocongate"
    assert allocation.reasons[7].funded


# --- the optimiser --------------------------------------------------------------------------


def test_optimiser_beats_the_rule_when_smaller_initiatives_fit_better():
    candidates = [cand(1, "90.00", 60), cand(2, "85.00", 50), cand(3, "84.00", 50)]
    rule = allocate_by_rule(candidates, 100)
    optimal = allocate_optimal(candidates, 100)
    assert rule.funded == [1] and rule.total_score == D("90.00")
    assert optimal.funded == [2, 3] and optimal.total_score == D("169.00")
    assert optimal.optimal and not optimal.time_limit_reached
    assert optimal.method == "optimiser"
    assert codes(optimal) == {1: "not_selected_by_optimiser", 2: "funded", 3: "funded"}
    assert optimal.reasons[1].remaining_minor == 0
    assert optimal.reasons[1].rank == 1


def test_optimiser_resolves_equal_scores_in_rank_order():
    candidates = [
        cand(1, "80.00", 50, submitted_seq=3),
        cand(2, "80.00", 50, submitted_seq=1),
        cand(3, "80.00", 50, submitted_seq=2),
    ]
    assert allocate_optimal(candidates, 100).funded == [2, 3]
    # equal totals: {1 (score 90)} or {2, 3} (45 + 45): both 90, the rank prefers 1
    alternatives = [cand(1, "90.00", 100), cand(2, "45.00", 50), cand(3, "45.00", 50)]
    assert allocate_optimal(alternatives, 100).funded == [1]


def test_optimiser_ignores_ineligible_initiatives():
    candidates = [
        cand(1, "99.00", 10, disqualified=True),
        cand(2, "60.00", 10, approved=False),
        cand(3, "75.00", 10),
    ]
    allocation = allocate_optimal(candidates, 100)
    assert allocation.funded == [3]
    assert codes(allocation) == {1: "disqualified", 2: "not_approved", 3: "funded"}
    nobody = allocate_optimal(candidates[:2], 100)
    assert nobody.funded == [] and nobody.optimal


def test_optimiser_meets_the_women_quota():
    candidates = [
        cand(1, "90.00", 50),
        cand(2, "89.00", 50),
        cand(3, "70.00", 30, women_led=True),
        cand(4, "71.00", 40, women_led=True),
    ]
    allocation = allocate_optimal(candidates, 100, Quotas(min_women_share=D("0.3")))
    # best with ≥ 30 women-led: 1 + 4 (161) beats 1 + 3 (160)
    assert allocation.funded == [1, 4]
    assert allocation.women_funded_minor == 40
    assert not allocation.quota_infeasible


def test_optimiser_relaxes_an_unreachable_quota_to_the_best_achievable():
    candidates = [
        cand(1, "90.00", 60),
        cand(2, "80.00", 30, women_led=True),
        cand(3, "75.00", 35, women_led=True),
        cand(4, "70.00", 10),
    ]
    allocation = allocate_optimal(candidates, 100, Quotas(min_women_share=D("0.7")))
    # 70 women-led is impossible (30 + 35 = 65 at most); 65 is the best achievable
    assert allocation.quota_infeasible
    assert allocation.women_funded_minor == 65
    assert allocation.funded == [2, 3, 4]
    assert allocation.optimal


def test_optimiser_respects_district_caps():
    candidates = [
        cand(1, "90.00", 10, district="A"),
        cand(2, "89.00", 10, district="A"),
        cand(3, "70.00", 10, district="B"),
    ]
    allocation = allocate_optimal(candidates, 100, Quotas(max_per_district=1))
    assert allocation.funded == [1, 3]
    assert allocation.reasons[2].code == ReasonCode.NOT_SELECTED_BY_OPTIMISER
    assert allocation.reasons[2].district_funded_count == 1
    amounts = allocate_optimal(candidates, 100, Quotas(max_amount_per_district_minor=15))
    assert amounts.funded == [1, 3]


def test_optimiser_is_exact_with_amounts_in_round_units():
    # amounts are multiples of 1,000 (the model divides by their gcd): bounds must round down
    candidates = [cand(1, "90.00", 5000), cand(2, "85.00", 4000), cand(3, "80.00", 3000)]
    assert allocate_optimal(candidates, 8999).funded == [1, 3]
    assert allocate_optimal(candidates, 9000).funded == [1, 2]
    women = [*candidates[:2], cand(3, "80.00", 3000, women_led=True)]
    allocation = allocate_optimal(women, 9000, Quotas(min_women_share=D("0.5")))
    assert allocation.funded == [1, 3]
    assert allocation.quota_infeasible and allocation.women_target_minor == 4500
    capped = allocate_optimal(
        [cand(i, 80 + i, 1000, district="A") for i in range(1, 5)],
        10_000,
        Quotas(max_amount_per_district_minor=2999),
    )
    assert capped.funded == [4, 3]


# --- properties -----------------------------------------------------------------------------

DISTRICTS = ("A", "B", "C")


@st.composite
def candidate_lists(draw: st.DrawFn, max_size: int = 12) -> list[Candidate]:
    size = draw(st.integers(min_value=0, max_value=max_size))
    candidates = []
    for index in range(size):
        candidates.append(
            Candidate(
                id=index + 1,
                score=Decimal(draw(st.integers(min_value=0, max_value=10_000))).scaleb(-2),
                amount_minor=draw(st.integers(min_value=0, max_value=60)),
                approved=draw(st.booleans() | st.just(True)),
                disqualified=draw(st.integers(min_value=0, max_value=9)) == 0,
                women_led=draw(st.booleans()),
                youth=draw(st.booleans()),
                district=draw(st.sampled_from(DISTRICTS)),
                submitted_seq=draw(st.integers(min_value=0, max_value=5)),
            )
        )
    return candidates


shares = st.none() | st.sampled_from([D(0), D("0.1"), D("0.25"), D("0.4"), D("0.6")])
caps = st.none() | st.integers(min_value=0, max_value=4)
amount_caps = st.none() | st.integers(min_value=0, max_value=120)
quota_sets = st.none() | st.builds(
    Quotas,
    min_women_share=shares,
    min_youth_share=shares,
    max_per_district=caps,
    max_amount_per_district_minor=amount_caps,
)
cap_only_quotas = st.none() | st.builds(
    Quotas, max_per_district=caps, max_amount_per_district_minor=amount_caps
)
envelopes = st.integers(min_value=0, max_value=250)


def assert_well_formed(allocation: Allocation, candidates, envelope, quotas) -> None:
    by_id = {c.id: c for c in candidates}
    funded = [by_id[i] for i in allocation.funded]
    assert set(allocation.reasons) == set(by_id)
    assert allocation.total_minor == sum(c.amount_minor for c in funded) <= envelope
    assert allocation.remaining_minor == envelope - allocation.total_minor >= 0
    assert allocation.total_score == sum((c.score for c in funded), D(0))
    assert all(c.eligible for c in funded)
    assert {i for i, r in allocation.reasons.items() if r.funded} == set(allocation.funded)
    assert allocation.funded == [i for i in allocation.ranking if i in set(allocation.funded)]
    assert allocation.ranking == [c.id for c in rank(candidates)]
    for cid, reason in allocation.reasons.items():
        assert reason.rank == allocation.ranking.index(cid) + 1
        if not by_id[cid].eligible:
            assert reason.code in (ReasonCode.NOT_APPROVED, ReasonCode.DISQUALIFIED)
    if quotas is not None:
        for district in DISTRICTS:
            in_district = [c for c in funded if c.district == district]
            if quotas.max_per_district is not None:
                assert len(in_district) <= quotas.max_per_district
            if quotas.max_amount_per_district_minor is not None:
                total = sum(c.amount_minor for c in in_district)
                assert total <= quotas.max_amount_per_district_minor


@settings(max_examples=150, deadline=None)
@given(candidates=candidate_lists(max_size=25), envelope=envelopes, quotas=quota_sets)
def test_rule_never_exceeds_the_envelope_and_explains_everyone(candidates, envelope, quotas):
    allocation = allocate_by_rule(candidates, envelope, quotas)
    assert_well_formed(allocation, candidates, envelope, quotas)
    for reason in allocation.reasons.values():
        if reason.code == ReasonCode.ENVELOPE_EXHAUSTED:
            assert reason.remaining_minor is not None
            assert reason.amount_minor > reason.remaining_minor
    # skip and continue: no eligible initiative left out could still fit (without caps)
    if quotas is None:
        assert all(
            r.funded or r.amount_minor > allocation.remaining_minor
            for cid, r in allocation.reasons.items()
            if next(c for c in candidates if c.id == cid).eligible
        )


def brute_force(candidates, envelope, quotas) -> tuple[int, Decimal, list[int]]:
    """The best eligible subset: smallest quota shortfall, then highest total score, then the
    one the ranking prefers (its best-ranked difference funded)."""
    eligible = [c for c in rank(candidates) if c.eligible]
    women_target = share_target_minor(quotas.min_women_share if quotas else None, envelope)
    youth_target = share_target_minor(quotas.min_youth_share if quotas else None, envelope)
    best: tuple[int, Decimal, int] | None = None
    for mask in range(1 << len(eligible)):
        chosen = [c for i, c in enumerate(eligible) if mask >> i & 1]
        if sum(c.amount_minor for c in chosen) > envelope:
            continue
        if quotas is not None:
            breaks_cap = False
            for district in DISTRICTS:
                here = [c for c in chosen if c.district == district]
                if quotas.max_per_district is not None and len(here) > quotas.max_per_district:
                    breaks_cap = True
                cap = quotas.max_amount_per_district_minor
                if cap is not None and sum(c.amount_minor for c in here) > cap:
                    breaks_cap = True
            if breaks_cap:
                continue
        shortfall = 0
        if women_target is not None:
            shortfall += max(0, women_target - sum(c.amount_minor for c in chosen if c.women_led))
        if youth_target is not None:
            shortfall += max(0, youth_target - sum(c.amount_minor for c in chosen if c.youth))
        score = sum((c.score for c in chosen), D(0))
        # rank preference: bit (n - 1 - position) set for each chosen initiative
        preference = sum(
            1 << (len(eligible) - 1 - i) for i in range(len(eligible)) if mask >> i & 1
        )
        if best is None or (shortfall, -score, -preference) < (best[0], -best[1], -best[2]):
            best = (shortfall, score, preference)
    assert best is not None  # the empty selection always fits
    chosen_ids = [c.id for i, c in enumerate(eligible) if best[2] >> (len(eligible) - 1 - i) & 1]
    return best[0], best[1], chosen_ids


def shortfall_of(allocation: Allocation) -> int:
    missing = 0
    if allocation.women_target_minor is not None:
        missing += max(0, allocation.women_target_minor - allocation.women_funded_minor)
    if allocation.youth_target_minor is not None:
        missing += max(0, allocation.youth_target_minor - allocation.youth_funded_minor)
    return missing


@settings(max_examples=80, deadline=None)
@given(candidates=candidate_lists(max_size=12), envelope=envelopes, quotas=cap_only_quotas)
def test_optimiser_is_never_worse_than_the_rule(candidates, envelope, quotas):
    rule = allocate_by_rule(candidates, envelope, quotas)
    optimal = allocate_optimal(candidates, envelope, quotas)
    assert_well_formed(optimal, candidates, envelope, quotas)
    assert optimal.total_score >= rule.total_score
    assert optimal.optimal


@settings(max_examples=80, deadline=None)
@given(candidates=candidate_lists(max_size=12), envelope=envelopes, quotas=quota_sets)
def test_optimiser_matches_brute_force(candidates, envelope, quotas):
    optimal = allocate_optimal(candidates, envelope, quotas)
    assert_well_formed(optimal, candidates, envelope, quotas)
    best_shortfall, best_score, best_ids = brute_force(candidates, envelope, quotas)
    assert shortfall_of(optimal) == best_shortfall
    assert optimal.quota_infeasible == (best_shortfall > 0)
    assert optimal.total_score == best_score
    assert optimal.funded == best_ids  # equal-score alternatives resolve in rank order
    assert optimal.optimal
