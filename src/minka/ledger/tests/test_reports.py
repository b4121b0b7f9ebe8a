"""Reports: the pure arithmetic (no database) and the scoped SQL selectors that feed it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.core.money import Money
from minka.ledger import reports, selectors
from minka.ledger.models import AccountKind, JournalKind
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


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


# --- a small set of books shared with test_views -----------------------------------------------


def post_books(world: Any) -> dict[str, Any]:
    """MARENASS books with every kind of movement (amounts in soles):

    - budget: IFAD loan USD 10,000 at 3.75 = 37,500; Tesoro 20,000 (PEN).
    - contract:1 (organization B; its commitment accounts name no organization): commits
      ta 10,000 + assets 5,000, drawn 10,500 from IFAD and 4,500 from Tesoro; disburses 10,500;
      accounts for 6,000; refunds 500 to Tesoro; B contributes 1,500 of counterpart.
    - contract:2 (organization A, named on its accounts): commits ta 6,000 from IFAD, releases
      1,000, disburses 2,000.
    - contract:3: a mistaken commitment of 2,000, reversed.
    - CORREDOR: a budget of 1,000 that no MARENASS user may see.
    """
    programme = world.programmes["marenass"]
    manager = world.users["manager"]
    ifad = programme.funding_sources.get(name="IFAD loan")
    tesoro = FundingSource.objects.create(
        programme=programme,
        name="Tesoro",
        kind="national",
        amount_minor=10_000_000,
        currency="PEN",
    )
    org_a, org_b = world.organizations["a"], world.organizations["b"]
    exchange_rate_record(user=manager, date=DAY, base="USD", quote="PEN", rate=Decimal("3.75"))
    budget_allocate(
        user=manager,
        funding_source=ifad,
        amount=Money.from_decimal("10000", "USD"),
        effective_date=DAY,
        idempotency_key="alloc-ifad",
    )
    budget_allocate(
        user=manager,
        funding_source=tesoro,
        amount=pen("20000"),
        effective_date=DAY,
        idempotency_key="alloc-tesoro",
    )

    def acc(kind: str, **subject: Any):
        return account_for(programme=programme, kind=kind, currency="PEN", **subject)

    budget_ifad = acc(AccountKind.BUDGET, funding_source=ifad)
    budget_tesoro = acc(AccountKind.BUDGET, funding_source=tesoro)
    c1_ta = acc(AccountKind.COMMITTED, commitment="contract:1", concept="ta")
    c1_assets = acc(AccountKind.COMMITTED, commitment="contract:1", concept="assets")
    c1_held = acc(AccountKind.HELD, commitment="contract:1", organization=org_b)
    c1_spent_ta = acc(AccountKind.SPENT, commitment="contract:1", concept="ta")
    c1_spent_assets = acc(AccountKind.SPENT, commitment="contract:1", concept="assets")
    c2_ta = acc(AccountKind.COMMITTED, commitment="contract:2", concept="ta", organization=org_a)
    c2_held = acc(AccountKind.HELD, commitment="contract:2", organization=org_a)
    c3_ta = acc(AccountKind.COMMITTED, commitment="contract:3", concept="ta")
    counterpart = acc(AccountKind.COUNTERPART, commitment="contract:1")
    contributed = acc(AccountKind.CONTRIBUTED, organization=org_b)

    def post(kind: str, key: str, *legs: tuple[Any, str], day: datetime.date = DAY):
        return journal_post(
            programme=programme,
            kind=kind,
            legs=[LegSpec(account, pen(amount)) for account, amount in legs],
            memo=f"{kind} {key}",
            effective_date=day,
            idempotency_key=key,
            actor=manager,
        )

    later = DAY + datetime.timedelta(days=30)
    post(
        JournalKind.COMMITMENT,
        "c1-sign",
        (c1_ta, "10000"),
        (c1_assets, "5000"),
        (budget_ifad, "-10500"),
        (budget_tesoro, "-4500"),
    )
    post(JournalKind.COMMITMENT, "c2-sign", (c2_ta, "6000"), (budget_ifad, "-6000"))
    mistake = post(JournalKind.COMMITMENT, "c3-sign", (c3_ta, "2000"), (budget_ifad, "-2000"))
    reversal = journal_reverse(
        journal=mistake, actor=manager, memo="signed by mistake", idempotency_key="c3-undo"
    )
    post(
        JournalKind.DISBURSEMENT,
        "c1-t1",
        (c1_held, "10500"),
        (c1_ta, "-7000"),
        (c1_assets, "-3500"),
        day=later,
    )
    post(JournalKind.DECOMMITMENT, "c2-release", (budget_ifad, "1000"), (c2_ta, "-1000"))
    post(JournalKind.DISBURSEMENT, "c2-t1", (c2_held, "2000"), (c2_ta, "-2000"), day=later)
    post(
        JournalKind.SPENDING,
        "c1-receipts",
        (c1_spent_ta, "4000"),
        (c1_spent_assets, "2000"),
        (c1_held, "-6000"),
        day=later,
    )
    post(JournalKind.REFUND, "c1-refund", (budget_tesoro, "500"), (c1_held, "-500"), day=later)
    post(JournalKind.COUNTERPART, "c1-own", (counterpart, "1500"), (contributed, "-1500"))

    corredor = world.programmes["corredor"]
    budget_allocate(
        user=None,
        funding_source=corredor.funding_sources.get(),
        amount=pen("1000"),
        effective_date=DAY,
        idempotency_key="alloc-corredor",
    )
    return {
        "programme": programme,
        "ifad": ifad,
        "tesoro": tesoro,
        "budget_ifad": budget_ifad,
        "c1_held": c1_held,
        "c1_ta": c1_ta,
        "c2_held": c2_held,
        "contributed": contributed,
        "mistake": mistake,
        "reversal": reversal,
    }


@pytest.fixture
def books(world):
    return post_books(world)


def minor(amount: str) -> int:
    return pen(amount).amount_minor


# --- pure arithmetic ---------------------------------------------------------------------------


def test_kind_constants_match_the_models():
    assert {reports.FUNDING, reports.BUDGET, reports.COMMITTED, reports.HELD} <= set(
        AccountKind.values
    )
    assert {reports.SPENT, reports.COUNTERPART, reports.CONTRIBUTED, reports.FX} <= set(
        AccountKind.values
    )
    for kind in (
        reports.ALLOCATION,
        reports.COMMITMENT,
        reports.DECOMMITMENT,
        reports.DISBURSEMENT,
        reports.SPENDING,
        reports.REFUND,
        reports.COUNTERPART_JOURNAL,
        reports.REVERSAL,
    ):
        assert kind in JournalKind.values


def leg_row(account_kind: str, journal_kind: str, total: int, **extra: Any) -> dict[str, Any]:
    return {
        "account_kind": account_kind,
        "journal_kind": journal_kind,
        "total": total,
        "currency": "PEN",
        **extra,
    }


def test_fold_classifies_flows_and_balances():
    rows = [
        leg_row("budget", "allocation", 1000),
        leg_row("funding", "allocation", -1000),
        leg_row("budget", "commitment", -600),
        leg_row("committed", "commitment", 600),
        leg_row("committed", "decommitment", -100),
        leg_row("budget", "decommitment", 100),
        leg_row("committed", "disbursement", -300),
        leg_row("held", "disbursement", 300),
        leg_row("held", "spending", -200),
        leg_row("spent", "spending", 200),
        leg_row("held", "refund", -50),
        leg_row("budget", "refund", 50),
        leg_row("counterpart", "counterpart", 70),
        leg_row("contributed", "counterpart", -70),
    ]
    (totals,) = reports.fold(rows, lambda r: r["currency"]).values()
    assert totals.allocated == 1000
    assert (totals.committed, totals.released, totals.net_committed) == (600, 100, 500)
    assert (totals.disbursed, totals.received, totals.accounted) == (300, 300, 200)
    assert (totals.refunded, totals.counterpart) == (50, 70)
    assert totals.available == 1000 - 600 + 100 + 50
    assert totals.undisbursed == 600 - 100 - 300
    assert totals.held == 300 - 200 - 50
    assert reports.reconcile(totals) == []


def test_reconcile_names_what_does_not_add_up():
    totals = reports.StageTotals(allocated=100, available=90, committed=10, budget_committed=5)
    assert "available" in reports.identity_problems(totals)
    assert "committed" in reports.flow_problems(totals)


def test_a_leg_under_an_unexpected_kind_breaks_reconciliation():
    rows = [leg_row("budget", "allocation", 1000), leg_row("budget", "spending", -10)]
    (totals,) = reports.fold(rows, lambda r: r["currency"]).values()
    assert reports.identity_problems(totals) == ["available"]


def test_effective_kinds_follow_chains_of_reversals():
    journals = {
        1: ("commitment", None),
        2: ("reversal", 1),
        3: ("reversal", 2),
        4: ("reversal", 3),
        7: ("reversal", 99),  # the original is not in the programme's set
    }
    kinds = reports.effective_kinds(journals)
    assert kinds[2] == kinds[3] == kinds[4] == "commitment"
    assert kinds[7] == "reversal"


def test_effective_kinds_survive_a_loop():
    assert reports.effective_kinds({1: ("reversal", 2), 2: ("reversal", 1)}) == {
        1: "reversal",
        2: "reversal",
    }


def test_organization_by_commitment_refuses_to_guess_between_several():
    rows = [
        {"commitment": "contract:1", "organization_id": 5},
        {"commitment": "contract:1", "organization_id": None},
        {"commitment": "contract:2", "organization_id": 5},
        {"commitment": "contract:2", "organization_id": 6},
    ]
    owners = reports.organization_by_commitment(rows)
    assert owners == {"contract:1": 5, "contract:2": None}
    assert reports.row_organization({"commitment": "contract:1"}, owners) == 5
    assert reports.row_organization({"commitment": "", "organization_id": 8}, owners) == 8
    assert reports.row_organization({"commitment": "contract:9"}, owners) is None


def test_apportion_examples():
    assert reports.apportion(10500, {"ifad": 10500, "tesoro": 4500}) == {
        "ifad": 7350,
        "tesoro": 3150,
    }
    assert reports.apportion(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert reports.apportion(-10, {"a": 1, "b": 1, "c": 1}) == {"a": -4, "b": -3, "c": -3}
    assert reports.apportion(5, {"a": 0, "b": -3}) == {None: 5}
    assert reports.apportion(0, {"a": 1}) == {}


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.dictionaries(
        st.integers(0, 20), st.integers(min_value=-5, max_value=10**9), max_size=6
    ),
)
def test_apportion_is_exact_and_proportional(total, weights):
    shares = reports.apportion(total, weights)
    assert sum(shares.values()) == total
    positive = {k: w for k, w in weights.items() if w > 0}
    if positive and total:
        whole = sum(positive.values())
        for key, share in shares.items():
            assert key in positive
            exact = Decimal(total) * positive[key] / whole
            assert abs(share - exact) < 1


def test_commitment_source_weights_split_shared_journals():
    budget_rows = [
        # journal 1 commits 300 to two contracts from two sources; journal 2 releases 50.
        {"journal_id": 1, "currency": "PEN", "source": "ifad", "total": -200},
        {"journal_id": 1, "currency": "PEN", "source": "tesoro", "total": -100},
        {"journal_id": 2, "currency": "PEN", "source": "tesoro", "total": 50},
    ]
    commitment_rows = [
        {"journal_id": 1, "currency": "PEN", "commitment": "c1", "total": 200},
        {"journal_id": 1, "currency": "PEN", "commitment": "c2", "total": 100},
        {"journal_id": 2, "currency": "PEN", "commitment": "c2", "total": -50},
    ]
    weights = reports.commitment_source_weights(budget_rows, commitment_rows)
    assert weights == {
        ("c1", "PEN"): {"ifad": 133, "tesoro": 67},
        ("c2", "PEN"): {"ifad": 67, "tesoro": -17},
    }
    # What each source committed is kept exactly.
    assert sum(w.get("ifad", 0) for w in weights.values()) == 200
    assert sum(w.get("tesoro", 0) for w in weights.values()) == 100 - 50


def test_trial_balances_per_currency_and_totals():
    rows = [
        {"account_id": 1, "key": "b", "name": "B", "kind": "budget", "currency": "PEN",
         "debits": 1000, "credits": 400},
        {"account_id": 2, "key": "f", "name": "F", "kind": "funding", "currency": "PEN",
         "debits": 0, "credits": 1000},
        {"account_id": 3, "key": "c", "name": "C", "kind": "committed", "currency": "PEN",
         "debits": 400, "credits": 0},
        {"account_id": 4, "key": "x", "name": "X", "kind": "fx", "currency": "USD",
         "debits": 0, "credits": 0},
    ]  # fmt: skip
    (sheet,) = reports.trial_balances(rows)
    assert sheet.currency == "PEN" and len(sheet.lines) == 3
    assert sheet.total_debits == sheet.total_credits == 1400
    assert sheet.total_debit_balances == sheet.total_credit_balances == 1000
    assert sheet.balanced
    table = reports.trial_balance_table([sheet])
    assert table[-1]["total"] and table[-1]["debits"] == 1400


def test_percent():
    assert reports.percent(1, 3) == Decimal("33.3")
    assert reports.percent(5, 0) is None


def test_summary_table_measures_sources_at_their_budget():
    totals = reports.StageTotals(
        allocated=1000, budget_committed=600, budget_released=100, budget_refunded=0
    )
    totals.available = 500
    line = reports.SummaryLine(
        code="1",
        label="IFAD",
        currency="PEN",
        totals=totals,
        extra={
            "agreed": Money(500, "USD"),
            "drawn_minor": 300,
            "source_currency": "USD",
            "disbursed": 400,
            "accounted": 250,
        },
    )
    columns, (row,) = reports.summary_table("source", [line])
    assert row["committed"] == 600 and row["released"] == 100
    assert row["disbursed"] == 400 and row["accounted"] == 250
    assert row["agreed"] == 500 and row["source_currency"] == "USD"
    assert row["executed"] == Decimal("25.0")
    assert [c.key for c in columns][:4] == ["source", "agreed", "drawn", "source_currency"]


# --- selectors over the database ---------------------------------------------------------------


def by_label(lines):
    return {line.label: line.totals for line in lines}


def test_programme_totals(books, world):
    result = selectors.money_summary(user=world.users["manager"], programme=books["programme"])
    assert result.whole_books
    assert result.problems == {}
    assert list(result.totals) == ["PEN"]
    totals = result.totals["PEN"]
    assert totals.allocated == minor("57500")
    assert totals.committed == minor("21000")  # the reversed 2,000 nets to zero
    assert totals.released == minor("1000")
    assert totals.disbursed == minor("12500")
    assert totals.accounted == minor("6000")
    assert totals.refunded == minor("500")
    assert totals.counterpart == minor("1500")
    assert totals.available == minor("38000")
    assert totals.undisbursed == minor("7500")
    assert totals.held == minor("6000")


def test_summary_by_source_apportions_disbursements(books, world):
    result = selectors.money_summary(user=world.users["manager"], programme=books["programme"])
    lines = {line.label: line for line in result.lines["source"]}
    ifad, tesoro = lines["IFAD loan"].totals, lines["Tesoro"].totals
    assert (ifad.allocated, ifad.budget_committed, ifad.budget_released) == (
        minor("37500"),
        minor("16500"),
        minor("1000"),
    )
    assert ifad.available == minor("22000")
    assert (tesoro.allocated, tesoro.budget_refunded, tesoro.available) == (
        minor("20000"),
        minor("500"),
        minor("16000"),
    )
    # contract:1 drew 70 % from IFAD and 30 % from Tesoro; contract:2 only from IFAD.
    shares = {
        label: (line.extra["disbursed"], line.extra["accounted"]) for label, line in lines.items()
    }
    assert shares["IFAD loan"] == (minor("9350"), minor("4200"))
    assert shares["Tesoro"] == (minor("3150"), minor("1800"))
    assert lines["IFAD loan"].extra["agreed"] == Money(1_230_000_000, "USD")
    assert lines["IFAD loan"].extra["drawn_minor"] == 1_000_000  # USD 10,000.00


def test_summary_by_concept(books, world):
    result = selectors.money_summary(user=world.users["manager"], programme=books["programme"])
    lines = {line.code: line.totals for line in result.lines["concept"]}
    assert set(lines) == {"ta", "assets"}
    ta = lines["ta"]
    assert (ta.committed, ta.released, ta.disbursed, ta.undisbursed, ta.accounted) == (
        minor("16000"),
        minor("1000"),
        minor("9000"),
        minor("6000"),
        minor("4000"),
    )
    assets = lines["assets"]
    assert (assets.committed, assets.disbursed, assets.accounted) == (
        minor("5000"),
        minor("3500"),
        minor("2000"),
    )


def test_summary_by_organization_follows_the_commitment(books, world):
    result = selectors.money_summary(user=world.users["manager"], programme=books["programme"])
    lines = by_label(result.lines["organization"])
    b, a = lines["Asociación B"], lines["Asociación A"]
    # contract:1's commitment and spending accounts name no organization: they follow its HELD.
    assert (b.committed, b.disbursed, b.accounted, b.refunded, b.held, b.counterpart) == (
        minor("15000"),
        minor("10500"),
        minor("6000"),
        minor("500"),
        minor("4000"),
        minor("1500"),
    )
    assert (a.net_committed, a.disbursed, a.undisbursed, a.held) == (
        minor("5000"),
        minor("2000"),
        minor("3000"),
        minor("2000"),
    )
    # The reversed contract:3 left nothing to show.
    assert set(lines) == {"Asociación A", "Asociación B"}
    for totals in lines.values():
        assert reports.identity_problems(totals) == []


def test_summary_by_territory_has_departments_and_provinces(books, world):
    result = selectors.money_summary(user=world.users["manager"], programme=books["programme"])
    lines = {(line.level, line.code): line for line in result.lines["territory"]}
    assert set(lines) == {(0, "03"), (1, "0301"), (1, "0302")}
    assert lines[(0, "03")].label == "Apurímac"
    assert lines[(1, "0302")].totals.committed == minor("15000")
    assert lines[(0, "03")].totals.committed == minor("21000")
    codes = [line.code for line in result.lines["territory"]]
    assert codes == ["03", "0301", "0302"]


def test_summary_as_of_a_date(books, world):
    result = selectors.money_summary(
        user=world.users["manager"], programme=books["programme"], as_of=DAY
    )
    totals = result.totals["PEN"]
    assert totals.disbursed == 0 and totals.accounted == 0
    assert totals.committed == minor("21000") + minor("2000")  # the reversal is dated today


def test_treasurer_sees_only_its_organizations_part(books, world):
    result = selectors.money_summary(user=world.users["treasurer"], programme=books["programme"])
    assert not result.whole_books
    totals = result.totals["PEN"]
    assert totals.committed == 0 and totals.allocated == 0
    assert totals.held == minor("4000")
    assert [line.label for line in result.lines["organization"]] == ["Asociación B"]
    assert result.lines["source"] == []
    assert result.problems == {}


def test_other_programmes_do_not_leak(books, world):
    officer = world.users["officer"]
    assert list(selectors.ledger_programmes(user=officer)) == [books["programme"]]
    assert list(selectors.ledger_programmes(user=world.users["treasurer"])) == [books["programme"]]
    assert list(selectors.ledger_programmes(user=world.users["provider"])) == []
    assert list(selectors.ledger_programmes(user=world.users["nobody"])) == []
    everything = selectors.ConsoleOperator()
    assert {p.code for p in selectors.ledger_programmes(user=everything)} == {
        "MARENASS",
        "CORREDOR",
    }


def test_trial_balance_debits_equal_credits(books, world):
    sheets = selectors.trial_balance(user=world.users["officer"], programme=books["programme"])
    assert [sheet.currency for sheet in sheets] == ["PEN", "USD"]
    for sheet in sheets:
        assert sheet.balanced
        assert sheet.total_debit_balances == sheet.total_credit_balances
    pen_sheet = sheets[0]
    kinds = [line.kind for line in pen_sheet.lines]
    assert kinds.index("fx") < kinds.index("budget") < kinds.index("committed")
    (usd,) = selectors.trial_balance(
        user=world.users["officer"], programme=books["programme"], currency="USD"
    )
    assert usd.total_debits == 1_000_000


def test_statement_running_balance_and_period(books, world):
    account = books["c1_held"]
    treasurer = world.users["treasurer"]
    statement = selectors.account_statement(user=treasurer, account=account)
    balances = [leg.running_minor for leg in statement.lines]
    assert balances == [minor("10500"), minor("4500"), minor("4000")]
    assert statement.closing_minor == minor("4000")
    later = DAY + datetime.timedelta(days=30)
    period = selectors.account_statement(
        user=treasurer, account=account, date_from=later, date_to=later
    )
    assert period.opening_minor == 0 and period.closing_minor == minor("4000")
    none_yet = selectors.account_statement(user=treasurer, account=account, date_to=DAY)
    assert list(none_yet.lines) == [] and none_yet.closing_minor == 0


def test_statement_opening_balance(books, world):
    account = books["budget_ifad"]
    statement = selectors.account_statement(
        user=world.users["manager"], account=account, date_from=DAY + datetime.timedelta(days=1)
    )
    assert statement.opening_minor == minor("37500") - minor("16500") - minor("2000") + minor(
        "1000"
    )
    (reversal_leg,) = list(statement.lines)
    assert reversal_leg.running_minor == minor("22000")


def test_account_list_balances_and_scope(books, world):
    programme = books["programme"]
    rows = {
        a.key: a for a in selectors.account_list(user=world.users["officer"], programme=programme)
    }
    held = rows[books["c1_held"].key]
    assert (held.debits_minor, held.credits_minor, held.balance_minor) == (
        minor("10500"),
        minor("6500"),
        minor("4000"),
    )
    mine = selectors.account_list(user=world.users["treasurer"], programme=programme)
    assert {a.pk for a in mine} == {books["c1_held"].pk, books["contributed"].pk}
    held_only = selectors.account_list(
        user=world.users["manager"], programme=programme, params={"kind": "held"}
    )
    assert {a.pk for a in held_only} == {books["c1_held"].pk, books["c2_held"].pk}


def test_journal_list_amount_in_operating_currency(books, world):
    journals = selectors.journal_list(user=world.users["manager"], programme=books["programme"])
    amounts = {j.idempotency_key: j.amount_minor for j in journals}
    assert amounts["alloc-ifad"] == minor("37500")
    assert amounts["c1-sign"] == minor("15000")
    assert (
        selectors.journal_list(user=world.users["treasurer"], programme=books["programme"]).count()
        == 0
    )
    reversals = selectors.journal_list(
        user=world.users["manager"], programme=books["programme"], params={"kind": "reversal"}
    )
    assert [j.pk for j in reversals] == [books["reversal"].pk]


def test_journal_integrity_helpers(books, world):
    journal = books["mistake"]
    legs = list(selectors.journal_legs(user=world.users["manager"], journal=journal))
    assert selectors.journal_hash_intact(journal=journal, legs=legs)
    assert not selectors.journal_hash_intact(journal=journal, legs=legs[:1])
    event = selectors.journal_audit_event(journal=journal)
    assert event is not None and event.data["journal_hash"] == journal.content_hash
