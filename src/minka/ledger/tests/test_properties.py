"""Property-based tests: random sequences of business operations keep the books sound.

Each example runs a sequence of operations — allocate budget (PEN, and USD converted to PEN at a
recorded rate), commit to contracts, release commitments, disburse, account for spending, refund,
reverse an earlier journal, repeat an earlier request — inside a savepoint that is rolled back
afterwards. A small model predicts which operations the guards must refuse and what every
balance and report figure must be; after the sequence the invariants are checked against the
database, the reports and `minka verify`.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minka.core.errors import DomainError
from minka.core.models import AuditEvent
from minka.core.money import Money
from minka.ledger import reports, selectors
from minka.ledger.models import NON_NEGATIVE_KINDS, Account, AccountKind, Journal, Leg
from minka.ledger.services import (
    LegSpec,
    account_for,
    budget_allocate,
    exchange_rate_record,
    journal_post,
    journal_reverse,
)
from minka.programmes.models import FundingSource

DAY = datetime.date(2026, 1, 5)
RATE = Decimal("3.75")
CONTRACTS = 3  # few contracts, so that operations meet the earlier ones
CONCEPTS = ("ta", "assets")
SOURCES = ("pen", "usd")
PEN_SOURCE_TOTAL = 100_000_000  # S/ 1,000,000.00: never reached by ordinary allocations

# How much to move: a share of the balance it comes from (4/4 empties it exactly), that
# balance plus one (always refused), or any amount (often refused).
amounts = st.tuples(st.integers(min_value=0, max_value=9), st.integers(1, 60_000)).map(
    lambda t: ("share", t[0] % 4 + 1) if t[0] < 6 else ("over", 1) if t[0] == 6 else ("raw", t[1])
)
picks = st.integers(min_value=0, max_value=9)  # which account, among those holding money
budgets = st.integers(min_value=1, max_value=300_000)
contracts = st.integers(min_value=0, max_value=CONTRACTS - 1)
concepts = st.sampled_from(CONCEPTS)
sources = st.sampled_from(SOURCES)
allocations = st.tuples(st.just("allocate"), sources, budgets)
commitments = st.tuples(st.just("commit"), contracts, concepts, picks, amounts)
disbursements = st.tuples(st.just("disburse"), picks, amounts)
spendings = st.tuples(st.just("spend"), picks, concepts, amounts)
refunds = st.tuples(st.just("refund"), picks, sources, amounts)
operations = st.one_of(
    allocations,
    st.tuples(st.just("over_allocate"), sources),
    commitments,
    st.tuples(st.just("decommit"), picks, sources, amounts),
    disbursements,
    spendings,
    refunds,
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=99)),
    st.tuples(st.just("repeat"), st.integers(min_value=0, max_value=99), st.booleans()),
)
# Half the sequences first walk the stages once (budget, commitments, disbursements, spending
# or refunds), so that every stage holds money; the others start from nothing. Any mix follows.
walk = st.tuples(
    st.lists(allocations, min_size=1, max_size=2),
    st.lists(commitments, min_size=1, max_size=3),
    st.lists(disbursements, min_size=1, max_size=2),
    st.lists(st.one_of(spendings, refunds), min_size=1, max_size=3),
).map(lambda parts: [op for part in parts for op in part])
sequences = st.tuples(
    st.one_of(st.just([]), walk), st.lists(operations, min_size=1, max_size=20)
).map(lambda parts: parts[0] + parts[1])


@dataclass
class Setting:
    """What every example shares: the programme, its sources and all accounts it may touch."""

    programme: Any
    manager: Any
    sources: dict[str, Any]
    budget: dict[str, Account]
    committed: dict[tuple[int, str], Account]
    held: dict[int, Account]
    spent: dict[tuple[int, str], Account]


@dataclass
class Model:
    """The expected state: account balances, report figures and what each journal did."""

    balances: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    figures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    effects: dict[int, dict[str, int]] = field(default_factory=dict)
    journals: list[Journal] = field(default_factory=list)
    reversed: set[int] = field(default_factory=set)
    requests: list[tuple[str, Any, Journal]] = field(default_factory=list)


def build_setting(world) -> Setting:
    programme = world.programmes["marenass"]
    manager = world.users["manager"]
    usd = programme.funding_sources.get(currency="USD")
    pen = FundingSource.objects.create(
        programme=programme,
        name="Tesoro",
        kind="national",
        amount_minor=PEN_SOURCE_TOTAL,
        currency="PEN",
    )
    exchange_rate_record(user=manager, date=DAY, base="USD", quote="PEN", rate=RATE)

    def acc(kind: str, currency: str = "PEN", **subject: Any) -> Account:
        return account_for(programme=programme, kind=kind, currency=currency, **subject)

    # Created up front (as `budget_allocate` would), so examples only ever post legs.
    for source in (usd, pen):
        acc(AccountKind.FUNDING, source.currency, funding_source=source)
    acc(AccountKind.FX, "USD")
    acc(AccountKind.FX, "PEN")
    owners = [world.organizations["a"], world.organizations["b"]]
    return Setting(
        programme=programme,
        manager=manager,
        sources={"pen": pen, "usd": usd},
        budget={
            "pen": acc(AccountKind.BUDGET, funding_source=pen),
            "usd": acc(AccountKind.BUDGET, funding_source=usd),
        },
        committed={
            (c, concept): acc(AccountKind.COMMITTED, commitment=f"contract:{c}", concept=concept)
            for c in range(CONTRACTS)
            for concept in CONCEPTS
        },
        held={
            c: acc(AccountKind.HELD, commitment=f"contract:{c}", organization=owners[c % 2])
            for c in range(CONTRACTS)
        },
        spent={
            (c, concept): acc(AccountKind.SPENT, commitment=f"contract:{c}", concept=concept)
            for c in range(CONTRACTS)
            for concept in CONCEPTS
        },
    )


def footprint() -> tuple[int, int, int, int]:
    return (
        Journal.objects.count(),
        Leg.objects.count(),
        AuditEvent.objects.count(),
        Account.objects.count(),
    )


def refused_by_balances(model: Model, legs: list[tuple[Account, int]]) -> bool:
    deltas: dict[int, int] = defaultdict(int)
    kinds = {}
    for account, amount in legs:
        deltas[account.pk] += amount
        kinds[account.pk] = account.kind
    return any(
        kinds[pk] in NON_NEGATIVE_KINDS and delta < 0 and model.balances[pk] + delta < 0
        for pk, delta in deltas.items()
    )


def in_pen(usd_minor: int) -> int:
    return int((Decimal(usd_minor) * RATE).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class Runner:
    def __init__(self, setting: Setting, outcomes: dict[str, int] | None = None) -> None:
        self.s = setting
        self.model = Model()
        self.count = 0
        # "<operation> posted|refused" -> how often, across examples: proves the run meaningful.
        self.outcomes = outcomes if outcomes is not None else defaultdict(int)
        self.current = ""

    def key(self) -> str:
        self.count += 1
        return f"op-{self.count}"

    # --- posting with the model's prediction ---------------------------------------------------

    def attempt(self, call, *, refused: bool, codes: tuple[str, ...] = ("insufficient",)):
        """Run `call`; if the model says it must be refused, it must raise one of `codes` and
        leave no trace, otherwise it must post."""
        before = footprint()
        try:
            with transaction.atomic():
                journal = call()
        except DomainError as exc:
            assert refused, f"refused unexpectedly: {exc}"
            assert exc.code in codes, exc.code
            assert footprint() == before, "a refused operation left a trace"
            self.outcomes[f"{self.current} refused"] += 1
            return None
        assert not refused, "the guards let through what they must refuse"
        assert footprint() != before
        self.outcomes[f"{self.current} posted"] += 1
        return journal

    def record(self, journal: Journal, effect: dict[str, int], request: tuple[str, Any]) -> None:
        for leg in journal.legs.all():
            self.model.balances[leg.account_id] += leg.amount_minor
        for figure, amount in effect.items():
            self.model.figures[figure] += amount
        self.model.effects[journal.pk] = effect
        self.model.journals.append(journal)
        self.model.requests.append((*request, journal))

    def post(self, kind: str, legs: list[tuple[Account, int]], effect: dict[str, int]) -> None:
        key = self.key()

        def call(legs=legs, key=key):
            return journal_post(
                programme=self.s.programme,
                kind=kind,
                legs=[LegSpec(account, Money(amount, "PEN")) for account, amount in legs],
                memo=f"{kind} {key}",
                effective_date=DAY,
                idempotency_key=key,
                actor=self.s.manager,
            )

        journal = self.attempt(call, refused=refused_by_balances(self.model, legs))
        if journal is not None:
            self.record(journal, effect, ("post", (kind, legs, key)))

    # --- operations ----------------------------------------------------------------------------

    def allocate(self, source: str, amount: int) -> None:
        funding_source = self.s.sources[source]
        money = Money(amount, funding_source.currency)
        key = self.key()

        def call(key=key, money=money):
            return budget_allocate(
                user=self.s.manager,
                funding_source=funding_source,
                amount=money,
                effective_date=DAY,
                idempotency_key=key,
            )

        journal = self.attempt(call, refused=False)
        budgeted = in_pen(amount) if source == "usd" else amount
        assert Leg.objects.get(journal=journal, account=self.s.budget[source]).amount_minor == (
            budgeted
        )
        self.record(journal, {"allocated": budgeted}, ("allocate", (source, money, key)))

    def over_allocate(self, source: str) -> None:
        funding_source = self.s.sources[source]
        too_much = Money(funding_source.amount_minor + 1, funding_source.currency)
        key = self.key()
        self.attempt(
            lambda: budget_allocate(
                user=self.s.manager,
                funding_source=funding_source,
                amount=too_much,
                effective_date=DAY,
                idempotency_key=key,
            ),
            refused=True,
            codes=("invalid",),
        )

    def amount(self, spec: tuple[str, int], account: Account) -> int:
        available = self.model.balances[account.pk]
        how, value = spec
        if how == "share":
            return max(1, available * value // 4)
        if how == "over":
            return max(0, available) + 1
        return value

    def choose(self, accounts: list[Account], pick: int) -> Account:
        """One of the accounts, preferring those that hold money."""
        funded = [a for a in accounts if self.model.balances[a.pk] > 0]
        pool = funded or accounts
        return pool[pick % len(pool)]

    def commit(self, contract: int, concept: str, pick: int, spec: tuple[str, int]) -> None:
        budget = self.choose(list(self.s.budget.values()), pick)
        amount = self.amount(spec, budget)
        legs = [(self.s.committed[(contract, concept)], amount), (budget, -amount)]
        self.post("commitment", legs, {"committed": amount})

    def decommit(self, pick: int, source: str, spec: tuple[str, int]) -> None:
        committed = self.choose(list(self.s.committed.values()), pick)
        amount = self.amount(spec, committed)
        legs = [(self.s.budget[source], amount), (committed, -amount)]
        self.post("decommitment", legs, {"released": amount})

    def disburse(self, pick: int, spec: tuple[str, int]) -> None:
        committed = self.choose(list(self.s.committed.values()), pick)
        contract = int(committed.commitment.split(":")[1])
        amount = self.amount(spec, committed)
        legs = [(self.s.held[contract], amount), (committed, -amount)]
        self.post("disbursement", legs, {"disbursed": amount})

    def spend(self, pick: int, concept: str, spec: tuple[str, int]) -> None:
        held = self.choose(list(self.s.held.values()), pick)
        contract = int(held.commitment.split(":")[1])
        amount = self.amount(spec, held)
        legs = [(self.s.spent[(contract, concept)], amount), (held, -amount)]
        self.post("spending", legs, {"accounted": amount})

    def refund(self, pick: int, source: str, spec: tuple[str, int]) -> None:
        held = self.choose(list(self.s.held.values()), pick)
        amount = self.amount(spec, held)
        legs = [(self.s.budget[source], amount), (held, -amount)]
        self.post("refund", legs, {"refunded": amount})

    def reverse(self, index: int) -> None:
        if not self.model.journals:
            return
        original = self.model.journals[index % len(self.model.journals)]
        mirror = [
            (leg.account, -leg.amount_minor) for leg in original.legs.select_related("account")
        ]
        already = original.pk in self.model.reversed
        key = self.key()

        def call(key=key):
            return journal_reverse(
                journal=original, actor=self.s.manager, memo="correction", idempotency_key=key
            )

        journal = self.attempt(
            call,
            refused=already or refused_by_balances(self.model, mirror),
            codes=("invalid",) if already else ("insufficient",),
        )
        if journal is not None:
            assert journal.reverses_id == original.pk
            self.model.reversed.add(original.pk)
            effect = {k: -v for k, v in self.model.effects[original.pk].items()}
            self.record(journal, effect, ("reverse", (original, key)))

    def repeat(self, index: int, altered: bool) -> None:
        """The same request again: the same journal, nothing new. With other amounts under the
        same key: refused, nothing new."""
        if not self.model.requests:
            return
        action, args, first = self.model.requests[index % len(self.model.requests)]
        before = footprint()
        if action == "post":
            kind, legs, key = args
            if altered:
                legs = [(account, amount * 2) for account, amount in legs]
            call = lambda: journal_post(  # noqa: E731
                programme=self.s.programme,
                kind=kind,
                legs=[LegSpec(account, Money(amount, "PEN")) for account, amount in legs],
                memo=f"{kind} {key}",
                effective_date=DAY,
                idempotency_key=key,
                actor=self.s.manager,
            )
        elif action == "allocate":
            source, money, key = args
            if altered:
                money = Money(money.amount_minor + 1, money.currency)
            call = lambda: budget_allocate(  # noqa: E731
                user=self.s.manager,
                funding_source=self.s.sources[source],
                amount=money,
                effective_date=DAY,
                idempotency_key=key,
            )
        else:
            original, key = args
            altered = False  # a reversal has no amounts to change
            call = lambda: journal_reverse(  # noqa: E731
                journal=original, actor=self.s.manager, memo="correction", idempotency_key=key
            )
        try:
            with transaction.atomic():
                again = call()
        except DomainError:
            # Refused: right for other amounts; a repeated reversal is refused as "already
            # reversed" instead of answering with the first reversal (see KNOWN GAPS below).
            assert altered or action == "reverse"
        else:
            assert not altered, "a different request under a used key was posted"
            assert again.pk == first.pk
        assert footprint() == before, "a repeated request posted something new"
        self.outcomes[f"repeat {action}{' altered' if altered else ''}"] += 1

    def run(self, ops: list[tuple]) -> None:
        for op in ops:
            self.current = op[0]
            getattr(self, op[0])(*op[1:])


# --- the invariants ----------------------------------------------------------------------------


def check_invariants(runner: Runner) -> None:
    setting, model = runner.s, runner.model
    reader = selectors.ConsoleOperator()

    # Every journal's legs sum to zero in each currency.
    unbalanced = (
        Leg.objects.values("journal_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()

    # Balances are what the model expects, and no stage is below zero.
    stored = dict(
        Leg.objects.filter(journal__programme=setting.programme)
        .values_list("account_id")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    expected = {pk: amount for pk, amount in model.balances.items() if amount}
    assert {pk: total for pk, total in stored.items() if total} == expected
    for account in Account.objects.filter(kind__in=NON_NEGATIVE_KINDS):
        assert stored.get(account.pk, 0) >= 0, account

    # Per commitment: disbursed ≤ committed − released, and accounted + refunded ≤ disbursed.
    rows = selectors.summary_rows(user=reader, programme=setting.programme)
    per_commitment = reports.fold(
        rows, lambda r: r["commitment"] or None, kinds={"committed", "held", "spent"}
    )
    for commitment, totals in per_commitment.items():
        assert totals.disbursed <= totals.net_committed, commitment
        assert totals.held_spent + totals.refunded <= totals.received, commitment

    # The trial balance balances.
    for sheet in selectors.trial_balance(user=reader, programme=setting.programme):
        assert sheet.total_debits == sheet.total_credits
        assert sheet.total_debit_balances == sheet.total_credit_balances

    # The summary reconciles with itself and with the model.
    summary = selectors.money_summary(user=reader, programme=setting.programme)
    assert summary.problems == {}
    totals = summary.totals.get("PEN", reports.StageTotals())
    figures = model.figures
    for name in ("allocated", "committed", "released", "disbursed", "accounted", "refunded"):
        assert getattr(totals, name) == figures[name], name
    assert totals.available == (
        totals.allocated - totals.committed + totals.released + totals.refunded
    )
    assert totals.undisbursed == totals.committed - totals.released - totals.disbursed
    assert totals.held == totals.disbursed - totals.accounted - totals.refunded
    assert totals.available == stored.get(setting.budget["pen"].pk, 0) + stored.get(
        setting.budget["usd"].pk, 0
    )
    for dimension, lines in summary.lines.items():
        for line in lines:
            assert reports.identity_problems(line.totals) == [], (dimension, line.label)
            assert line.totals.undisbursed >= 0 and line.totals.held >= 0
    # Every sol disbursed and accounted is attributed to a source (or to "not attributable").
    by_source = summary.lines["source"]
    assert sum(line.extra["disbursed"] for line in by_source) == totals.disbursed
    assert sum(line.extra["accounted"] for line in by_source) == totals.accounted
    assert sum(line.totals.available for line in by_source) == totals.available

    # `minka verify` agrees.
    out = io.StringIO()
    call_command("verify", stdout=out, stderr=io.StringIO())
    assert "All integrity checks passed" in out.getvalue()


@pytest.mark.django_db
def test_random_operation_sequences_keep_the_books_sound(world):
    setting = build_setting(world)
    outcomes: dict[str, int] = defaultdict(int)

    @settings(
        max_examples=50,
        derandomize=True,  # the same examples on every run: a CI failure reproduces locally
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sequences)
    def run(ops):
        with transaction.atomic():
            runner = Runner(setting, outcomes)
            runner.run(ops)
            check_invariants(runner)
            transaction.set_rollback(True)

    run()
    # The examples reached every stage, and the guards had something to refuse.
    for outcome in (
        "allocate posted",
        "commit posted",
        "commit refused",
        "decommit posted",
        "disburse posted",
        "disburse refused",
        "spend posted",
        "refund posted",
        "reverse posted",
        "over_allocate refused",
    ):
        assert outcomes[outcome] > 0, (outcome, sorted(outcomes.items()))


@pytest.mark.django_db
def test_a_full_cycle_reconciles(world):
    """One deterministic sequence through every stage, as a readable example of the model."""
    setting = build_setting(world)
    runner = Runner(setting)
    runner.run(
        [
            ("allocate", "usd", 100_000),  # USD 1,000.00 -> S/ 3,750.00
            ("allocate", "pen", 50_000),
            ("commit", 0, "ta", 1, ("raw", 300_000)),  # from the USD source's budget
            ("commit", 1, "assets", 0, ("raw", 40_000)),  # from the PEN source's budget
            ("commit", 1, "assets", 0, ("over", 1)),  # refused: not enough budget
            ("disburse", 0, ("raw", 200_000)),  # from contract 0's "ta", the first funded
            ("spend", 0, "ta", ("raw", 150_000)),
            ("refund", 0, "pen", ("raw", 20_000)),
            ("decommit", 0, "usd", ("raw", 50_000)),
            ("disburse", 0, ("raw", 60_000)),  # refused: only 50,000 left committed
            ("reverse", 3),  # the second commitment
            ("reverse", 3),  # refused: already reversed
            ("repeat", 0, False),
            ("repeat", 2, True),
        ]
    )
    check_invariants(runner)
    totals = selectors.money_summary(
        user=selectors.ConsoleOperator(), programme=setting.programme
    ).totals["PEN"]
    assert totals.allocated == 425_000
    assert totals.committed == 300_000
    assert totals.held == 30_000
    assert totals.available == 425_000 - 300_000 + 50_000 + 20_000


# --- repeated requests answer with what they posted -----------------------------------------------


def test_repeating_an_allocation_that_used_up_the_source_returns_the_first_journal(world):
    source = world.programmes["corredor"].funding_sources.get()
    first = budget_allocate(
        user=None,
        funding_source=source,
        amount=source.amount,
        effective_date=DAY,
        idempotency_key="all-of-it",
    )
    again = budget_allocate(
        user=None,
        funding_source=source,
        amount=source.amount,
        effective_date=DAY,
        idempotency_key="all-of-it",
    )
    assert again.pk == first.pk


def test_repeating_a_reversal_returns_the_first_reversal(world):
    source = world.programmes["corredor"].funding_sources.get()
    journal = budget_allocate(
        user=None,
        funding_source=source,
        amount=Money(100, "PEN"),
        effective_date=DAY,
        idempotency_key="alloc",
    )
    first = journal_reverse(journal=journal, actor=None, memo="undo", idempotency_key="undo")
    again = journal_reverse(journal=journal, actor=None, memo="undo", idempotency_key="undo")
    assert again.pk == first.pk
