"""Time CLAR scoring, ranking and allocation of synthetic initiatives (pure modules, no database).

Target (docs/architecture.md): ranking + allocation of 10,000 initiatives scored by 5 jurors in
≤ 2 s. The script generates the initiatives deterministically (Sierra Sur PDN rubric: a field
sheet of 9 criteria counting double, a public sheet of 5; every juror fills both), then times each
step: scoring (sheet totals, final scores, approval, attendance rule), ranking, the rule's
allocation without and with quotas, and the HiGHS optimiser without and with quotas.

    .venv/bin/python bench/clar_allocation.py [--initiatives 10000] [--jurors 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from minka.clar.allocation import (  # noqa: E402
    Allocation,
    Candidate,
    Quotas,
    allocate_by_rule,
    allocate_optimal,
    rank,
)
from minka.clar.scoring import (  # noqa: E402
    FIELD_SHEET_WEIGHT,
    Criterion,
    attendance_disqualifies,
    attendance_points,
    attendance_share,
    final_score,
    is_approved,
    sheet_total,
)

# PDN field sheet: 9 criteria, 35 points, counting double (70); public sheet: 5 criteria, 30.
FIELD = [
    Criterion("family_participation", 10),
    Criterion("board_relations", 4),
    Criterion("management_capacity", 4),
    Criterion("women_and_youth", 4),
    Criterion("coherence", 4),
    Criterion("family_resources", 3),
    Criterion("timeline", 2),
    Criterion("related_activities", 2),
    Criterion("family_cofinancing", 2),
]
PUBLIC = [
    Criterion("clarity", 6),
    Criterion("identity_and_culture", 6),
    Criterion("participation", 6),
    Criterion("cultural_map", 6),
    Criterion("presentation", 6),
]
HALF = Decimal("0.5")


def juror_points(rng: random.Random, quality: float, criterion: Criterion) -> Decimal:
    """Points in half-point steps around the initiative's quality, within 0..max."""
    maximum = float(criterion.max_points)
    raw = maximum * min(1.0, max(0.0, quality + rng.uniform(-0.12, 0.12)))
    return Decimal(round(raw * 2)) * HALF


def generate(count: int, jurors: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    initiatives = []
    for number in range(1, count + 1):
        quality = rng.uniform(0.45, 1.0)
        families = rng.randint(3, 40)
        plan = {f"{number:05d}{family:03d}" for family in range(families)}
        present_count = round(families * min(1.0, rng.uniform(0.45, 1.2)))
        present = set(sorted(plan)[:present_count]) | {f"9{number:07d}"}  # one visitor
        field_sheets = []
        public_sheets = []
        for _juror in range(jurors):
            field_sheets.append({c.code: juror_points(rng, quality, c) for c in FIELD[1:]})
            public_sheets.append({c.code: juror_points(rng, quality, c) for c in PUBLIC})
        initiatives.append(
            {
                "id": number,
                "plan": plan,
                "present": present,
                "field": field_sheets,
                "public": public_sheets,
                "amount_minor": rng.randrange(10_000, 40_001, 100) * 100,  # S/ 10,000-40,000
                "women_led": rng.random() < 0.18,
                "youth": rng.random() < 0.12,
                "district": f"D{rng.randint(1, 60):02d}",
            }
        )
    return initiatives


def score_all(initiatives: list[dict]) -> list[Candidate]:
    candidates = []
    for item in initiatives:
        disqualified = attendance_disqualifies(item["plan"], item["present"])
        participation = attendance_points(attendance_share(item["plan"], item["present"]))
        field_totals = []
        for sheet in item["field"]:
            points = dict(sheet, family_participation=participation)
            field_totals.append(sheet_total(points, FIELD, weight=FIELD_SHEET_WEIGHT))
        public_totals = [sheet_total(sheet, PUBLIC) for sheet in item["public"]]
        score = final_score(field_totals, public_totals)
        candidates.append(
            Candidate(
                id=item["id"],
                score=score,
                amount_minor=item["amount_minor"],
                approved=is_approved(score),
                disqualified=disqualified,
                women_led=item["women_led"],
                youth=item["youth"],
                district=item["district"],
                submitted_seq=item["id"],
            )
        )
    return candidates


def timed(label: str, timings: dict[str, float], function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    timings[label] = time.perf_counter() - started
    return result


def describe(label: str, allocation: Allocation) -> str:
    flags = []
    if allocation.method == "optimiser":
        flags.append("optimal" if allocation.optimal else "NOT proven optimal")
        if allocation.time_limit_reached:
            flags.append("time limit reached")
    if allocation.quota_infeasible:
        flags.append("quota infeasible")
    quota = ""
    if allocation.women_target_minor is not None:
        quota = (
            f", women S/ {allocation.women_funded_minor / 100:,.0f}"
            f" (target {allocation.women_target_minor / 100:,.0f})"
            f", youth S/ {allocation.youth_funded_minor / 100:,.0f}"
            f" (target {(allocation.youth_target_minor or 0) / 100:,.0f})"
        )
    return (
        f"{label:<28} funded {len(allocation.funded):>5}, S/ {allocation.total_minor / 100:,.0f}"
        f" of {allocation.envelope_minor / 100:,.0f}, total score {allocation.total_score}"
        f"{quota}{' [' + ', '.join(flags) + ']' if flags else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--jurors", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="optimiser, seconds")
    parser.add_argument("--skip-optimiser", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    initiatives = generate(args.initiatives, args.jurors, args.seed)
    print(
        f"generated {len(initiatives):,} initiatives x {args.jurors} jurors "
        f"({len(FIELD)} field + {len(PUBLIC)} public criteria) in "
        f"{time.perf_counter() - started:.2f} s (not timed against the target)"
    )

    timings: dict[str, float] = {}
    candidates = timed("score", timings, score_all, initiatives)
    ranked = timed("rank", timings, rank, candidates)
    eligible = [c for c in ranked if c.eligible]
    envelope = sum(c.amount_minor for c in eligible) * 3 // 10  # funds about 30 % of the eligible
    quotas = Quotas(
        min_women_share=Decimal("0.25"),
        min_youth_share=Decimal("0.15"),
        max_per_district=30,
    )
    rule = timed("rule", timings, allocate_by_rule, ranked, envelope)
    rule_quotas = timed("rule + quotas", timings, allocate_by_rule, ranked, envelope, quotas)
    allocations = [("rule", rule), ("rule + quotas", rule_quotas)]
    if not args.skip_optimiser:
        limit = args.time_limit
        optimal = timed(
            "optimiser", timings, allocate_optimal, ranked, envelope, time_limit_s=limit
        )
        optimal_quotas = timed(
            "optimiser + quotas",
            timings,
            allocate_optimal,
            ranked,
            envelope,
            quotas,
            time_limit_s=limit,
        )
        allocations += [("optimiser", optimal), ("optimiser + quotas", optimal_quotas)]

    disqualified = sum(c.disqualified for c in candidates)
    approved = sum(c.approved for c in candidates)
    print(
        f"{len(candidates):,} initiatives: {approved:,} approved (≥ 70), {disqualified:,} "
        f"disqualified by attendance, {len(eligible):,} eligible; envelope S/ {envelope / 100:,.0f}"
    )
    print(f"quotas: {quotas}")
    for label, allocation in allocations:
        print(describe(label, allocation))
    print()
    for label, seconds in timings.items():
        print(f"{label:<20} {seconds:7.3f} s")
    target = timings["score"] + timings["rank"] + timings["rule"]
    print(f"{'score + rank + rule':<20} {target:7.3f} s  (target ≤ 2 s)")
    print(f"{'rank + rule':<20} {timings['rank'] + timings['rule']:7.3f} s")
    print(f"python {platform.python_version()}, {platform.machine()}")


if __name__ == "__main__":
    main()
