"""The ledger's reports as arithmetic over plain rows: no database, no Django models.

`minka.ledger.selectors` aggregates legs in SQL into small rows (one per account and journal
kind) and hands them to these functions, which fold them into the trial balance and the
programme money summary. Amounts are integer minor units; nothing here ever adds two
currencies together.

Definitions (docs/domain/ledger.md explains them for users). A leg counts under its journal's
*effective kind*: the journal's own kind, or, for a reversal, the kind of the journal it reverses
(followed down a chain of reversals), so a reversed movement nets to zero.

| figure | legs summed (positive = debit) |
|---|---|
| allocated | + BUDGET legs of allocation journals |
| committed | + COMMITTED legs of commitment journals |
| released | − COMMITTED legs of decommitment journals |
| disbursed | − COMMITTED legs of disbursement journals |
| received | + HELD legs of disbursement journals (equals disbursed) |
| accounted | + SPENT legs of spending journals |
| held_spent | − HELD legs of spending journals (equals accounted) |
| refunded | − HELD legs of refund journals |
| budget_committed, budget_released, budget_refunded | the same flows, BUDGET side |
| available, undisbursed, held, spent, counterpart | balances of BUDGET, COMMITTED, HELD, |
| | SPENT, COUNTERPART |
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _l

from minka.core.money import Money

# The values of `AccountKind` and `JournalKind` (kept as plain strings: this module is pure).
FUNDING = "funding"
BUDGET = "budget"
COMMITTED = "committed"
HELD = "held"
SPENT = "spent"
COUNTERPART = "counterpart"
CONTRIBUTED = "contributed"
FX = "fx"

ALLOCATION = "allocation"
COMMITMENT = "commitment"
DECOMMITMENT = "decommitment"
DISBURSEMENT = "disbursement"
SPENDING = "spending"
REFUND = "refund"
COUNTERPART_JOURNAL = "counterpart"
REVERSAL = "reversal"

# (account kind, effective journal kind) -> (figure, sign applied to the leg total).
FLOWS: dict[tuple[str, str], tuple[str, int]] = {
    (BUDGET, ALLOCATION): ("allocated", 1),
    (BUDGET, COMMITMENT): ("budget_committed", -1),
    (BUDGET, DECOMMITMENT): ("budget_released", 1),
    (BUDGET, REFUND): ("budget_refunded", 1),
    (COMMITTED, COMMITMENT): ("committed", 1),
    (COMMITTED, DECOMMITMENT): ("released", -1),
    (COMMITTED, DISBURSEMENT): ("disbursed", -1),
    (HELD, DISBURSEMENT): ("received", 1),
    (HELD, SPENDING): ("held_spent", -1),
    (HELD, REFUND): ("refunded", -1),
    (SPENT, SPENDING): ("accounted", 1),
}
# Account kind -> the balance figure it feeds.
BALANCES: dict[str, str] = {
    BUDGET: "available",
    COMMITTED: "undisbursed",
    HELD: "held",
    SPENT: "spent",
    COUNTERPART: "counterpart",
}

K = TypeVar("K", bound=Hashable)


@dataclass
class StageTotals:
    """The money figures of one slice of a programme (a source, a concept, an organization, a
    territory or the whole programme) in one currency, in minor units."""

    allocated: int = 0
    budget_committed: int = 0
    budget_released: int = 0
    budget_refunded: int = 0
    committed: int = 0
    released: int = 0
    disbursed: int = 0
    received: int = 0
    held_spent: int = 0
    refunded: int = 0
    accounted: int = 0
    available: int = 0
    undisbursed: int = 0
    held: int = 0
    spent: int = 0
    counterpart: int = 0

    def add(self, account_kind: str, journal_kind: str, amount: int) -> None:
        """Count one aggregated leg total (positive = debit) under its effective journal kind."""
        flow = FLOWS.get((account_kind, journal_kind))
        if flow is not None:
            name, sign = flow
            setattr(self, name, getattr(self, name) + sign * amount)
        balance = BALANCES.get(account_kind)
        if balance is not None:
            setattr(self, balance, getattr(self, balance) + amount)

    def merge(self, other: StageTotals) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def net_committed(self) -> int:
        """Committed minus released: what stays committed, disbursed or not."""
        return self.committed - self.released

    def as_dict(self) -> dict[str, int]:
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        values["net_committed"] = self.net_committed
        return values


def identity_problems(totals: StageTotals) -> list[str]:
    """The balance identities that fail for one slice. Each involves one account kind only, so
    they hold for any slice that keeps an account's legs together.

    - available = allocated − committed + released + refunded (BUDGET side)
    - undisbursed = committed − released − disbursed
    - held = disbursed − accounted − refunded (HELD side)
    - spent = accounted
    """
    problems = []
    if totals.available != (
        totals.allocated - totals.budget_committed + totals.budget_released + totals.budget_refunded
    ):
        problems.append("available")
    if totals.undisbursed != totals.committed - totals.released - totals.disbursed:
        problems.append("undisbursed")
    if totals.held != totals.received - totals.held_spent - totals.refunded:
        problems.append("held")
    if totals.spent != totals.accounted:
        problems.append("spent")
    return problems


def flow_problems(totals: StageTotals) -> list[str]:
    """For a whole programme: each flow seen from both of its accounts agrees (what left the
    budget was committed, what left the commitments reached the organizations, ...)."""
    pairs = [
        ("committed", totals.budget_committed, totals.committed),
        ("released", totals.budget_released, totals.released),
        ("refunded", totals.budget_refunded, totals.refunded),
        ("disbursed", totals.received, totals.disbursed),
        ("accounted", totals.held_spent, totals.accounted),
    ]
    return [name for name, one, other in pairs if one != other]


def reconcile(totals: StageTotals) -> list[str]:
    """Every check of a whole programme's totals; empty when the books reconcile."""
    return identity_problems(totals) + flow_problems(totals)


# --- effective kinds ---------------------------------------------------------------------------


def effective_kinds(journals: Mapping[int, tuple[str, int | None]]) -> dict[int, str]:
    """Journal id -> the kind its legs count under, from {id: (kind, reverses_id)}.

    A reversal counts as the journal it reverses; a reversal of a reversal as the original, and
    so on down the chain. A chain that leaves `journals` or loops stays "reversal"."""
    resolved: dict[int, str] = {}
    for start in journals:
        seen = []
        current: int | None = start
        kind = REVERSAL
        while current is not None and current in journals and current not in seen:
            if current in resolved:
                kind = resolved[current]
                break
            seen.append(current)
            current_kind, reverses = journals[current]
            if current_kind != REVERSAL:
                kind = current_kind
                break
            current = reverses
        for journal_id in seen:
            resolved[journal_id] = kind
    return resolved


# --- folding -----------------------------------------------------------------------------------


Row = Mapping[str, Any]


def fold(
    rows: Iterable[Row],
    key: Callable[[Row], Any],
    *,
    kinds: Iterable[str] | None = None,
) -> dict[Any, StageTotals]:
    """Sum aggregated leg rows (`account_kind`, `journal_kind`, `total`) into StageTotals per key.
    Rows of other account kinds than `kinds`, or whose key is None, are skipped."""
    wanted = set(kinds) if kinds is not None else None
    result: dict[Any, StageTotals] = defaultdict(StageTotals)
    for row in rows:
        if wanted is not None and row["account_kind"] not in wanted:
            continue
        slot = key(row)
        if slot is None:
            continue
        result[slot].add(row["account_kind"], row["journal_kind"], int(row["total"]))
    return dict(result)


def organization_by_commitment(rows: Iterable[Row]) -> dict[str, int | None]:
    """Commitment -> the organization its accounts name (rows of one programme).

    A commitment whose accounts name several organizations (a territorial plan signed by many)
    maps to None: its unnamed accounts cannot be given to one of them."""
    found: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.get("commitment") and row.get("organization_id"):
            found[row["commitment"]].add(int(row["organization_id"]))
    return {
        commitment: (next(iter(ids)) if len(ids) == 1 else None)
        for commitment, ids in found.items()
    }


def row_organization(row: Row, by_commitment: Mapping[str, int | None]) -> int | None:
    """The organization a row belongs to: its account's, else its commitment's."""
    if row.get("organization_id"):
        return int(row["organization_id"])
    if row.get("commitment"):
        return by_commitment.get(row["commitment"])
    return None


def apportion(total: int, weights: Mapping[K, int]) -> dict[K | None, int]:
    """Split an integer total in proportion to positive weights, exactly (largest remainder;
    ties go to the larger weight, then to the first key in order). Without a positive weight,
    everything goes to None."""
    positive = {key: weight for key, weight in weights.items() if weight > 0}
    if not positive or total == 0:
        return {None: total} if total else {}
    whole = sum(positive.values())
    sign = 1 if total > 0 else -1
    magnitude = abs(total)
    shares: dict[K | None, int] = {}
    remainders = []
    for index, (key, weight) in enumerate(positive.items()):
        quotient, remainder = divmod(magnitude * weight, whole)
        shares[key] = quotient
        remainders.append((-remainder, -weight, index, key))
    left = magnitude - sum(shares.values())
    for _r, _w, _i, key in sorted(remainders)[:left]:
        shares[key] += 1
    return {key: sign * share for key, share in shares.items() if share}


def commitment_source_weights(
    budget_rows: Iterable[Row], commitment_rows: Iterable[Row]
) -> dict[tuple[str, str], dict[Any, int]]:
    """How much each funding source committed, net, to each commitment.

    `budget_rows`: (`journal_id`, `currency`, `source`, `total`) of BUDGET legs, and
    `commitment_rows`: (`journal_id`, `currency`, `commitment`, `total`) of COMMITTED legs, of
    the journals that have both. What a journal took from (or returned to) each source is split
    among the journal's commitments in proportion to their legs, exactly. Returns
    (commitment, currency) -> {source: amount}."""
    targets: dict[tuple[Any, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in commitment_rows:
        targets[(row["journal_id"], row["currency"])][row["commitment"]] += abs(int(row["total"]))
    weights: dict[tuple[str, str], dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    for row in budget_rows:
        slot = (row["journal_id"], row["currency"])
        shares = apportion(-int(row["total"]), targets.get(slot, {}))
        for commitment, amount in shares.items():
            if commitment is not None:
                weights[(commitment, row["currency"])][row["source"]] += amount
    return {key: dict(value) for key, value in weights.items()}


def attribute_to_sources(
    stage: Mapping[tuple[str, str], StageTotals],
    weights: Mapping[tuple[str, str], Mapping[int, int]],
) -> dict[tuple[int | None, str], dict[str, int]]:
    """Disbursed and accounted money of each commitment, apportioned to the funding sources in
    proportion to what each source committed to it (net of releases).

    `stage`: (commitment, currency) -> totals; `weights`: (commitment, currency) ->
    {source id: net committed}. Returns (source id or None, currency) -> {figure: amount}."""
    result: dict[tuple[int | None, str], dict[str, int]] = defaultdict(
        lambda: {"disbursed": 0, "accounted": 0}
    )
    for (commitment, currency), totals in stage.items():
        shares = weights.get((commitment, currency), {})
        for figure in ("disbursed", "accounted"):
            for source, amount in apportion(getattr(totals, figure), shares).items():
                result[(source, currency)][figure] += amount
    return dict(result)


# --- trial balance -----------------------------------------------------------------------------


@dataclass
class TrialLine:
    account_id: int
    key: str
    name: str
    kind: str
    debits: int
    credits: int

    @property
    def balance(self) -> int:
        """Debit balance (negative: a credit balance)."""
        return self.debits - self.credits

    @property
    def debit_balance(self) -> int:
        return max(self.balance, 0)

    @property
    def credit_balance(self) -> int:
        return max(-self.balance, 0)


@dataclass
class TrialBalance:
    currency: str
    lines: list[TrialLine] = field(default_factory=list)

    @property
    def total_debits(self) -> int:
        return sum(line.debits for line in self.lines)

    @property
    def total_credits(self) -> int:
        return sum(line.credits for line in self.lines)

    @property
    def total_debit_balances(self) -> int:
        return sum(line.debit_balance for line in self.lines)

    @property
    def total_credit_balances(self) -> int:
        return sum(line.credit_balance for line in self.lines)

    @property
    def balanced(self) -> bool:
        return self.total_debits == self.total_credits


def trial_balances(rows: Iterable[Row]) -> list[TrialBalance]:
    """One trial balance per currency from rows (`account_id`, `key`, `name`, `kind`,
    `currency`, `debits`, `credits`); credits are given as positive amounts. Accounts without
    movement are left out."""
    by_currency: dict[str, TrialBalance] = {}
    for row in rows:
        debits, credits = int(row["debits"] or 0), int(row["credits"] or 0)
        if not debits and not credits:
            continue
        currency = row["currency"]
        sheet = by_currency.setdefault(currency, TrialBalance(currency))
        sheet.lines.append(
            TrialLine(
                account_id=row["account_id"],
                key=row["key"],
                name=row["name"],
                kind=row["kind"],
                debits=debits,
                credits=credits,
            )
        )
    return [by_currency[c] for c in sorted(by_currency)]


# --- helpers -----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (half-even); None when whole is not > 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


# --- summary tables ----------------------------------------------------------------------------


@dataclass
class SummaryLine:
    """One row of a summary table: a source, a concept, an organization or a territory."""

    code: str
    label: str
    currency: str
    totals: StageTotals
    level: int = 0  # territories: 0 department, 1 province
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: Any
    kind: str = (
        "money"  # "text", "money" (row currency), "source_money" (source currency), "percent"
    )


FIGURE_LABELS: dict[str, Any] = {
    "allocated": _l("Budget allocated"),
    "committed": _l("Committed"),
    "released": _l("Released"),
    "net_committed": _l("Net committed"),
    "disbursed": _l("Disbursed"),
    "accounted": _l("Accounted for"),
    "refunded": _l("Refunded"),
    "available": _l("Available budget"),
    "undisbursed": _l("Committed, not disbursed"),
    "held": _l("Held by organizations"),
    "counterpart": _l("Counterpart"),
}
STAGE_FIGURES = [
    "committed",
    "released",
    "net_committed",
    "disbursed",
    "undisbursed",
    "accounted",
    "refunded",
    "held",
    "counterpart",
]
DIMENSION_FIGURES: dict[str, list[str]] = {
    "total": [
        "allocated",
        "committed",
        "released",
        "net_committed",
        "disbursed",
        "accounted",
        "refunded",
        "available",
        "undisbursed",
        "held",
        "counterpart",
    ],
    "source": [
        "allocated",
        "committed",
        "released",
        "refunded",
        "available",
        "disbursed",
        "accounted",
    ],
    "concept": ["committed", "released", "net_committed", "disbursed", "undisbursed", "accounted"],
    "organization": STAGE_FIGURES,
    "territory": STAGE_FIGURES,
}
DIMENSION_TEXT: dict[str, list[TableColumn]] = {
    "total": [],
    "source": [
        TableColumn("source", _l("Funding source"), "text"),
        TableColumn("agreed", _l("Agreed"), "source_money"),
        TableColumn("drawn", _l("Drawn for budget"), "source_money"),
        TableColumn("source_currency", _l("Source currency"), "text"),
    ],
    "concept": [
        TableColumn("concept_code", _l("Code"), "text"),
        TableColumn("concept", _l("Budget concept"), "text"),
    ],
    "organization": [
        TableColumn("code", _l("Code"), "text"),
        TableColumn("organization", _l("Organization"), "text"),
        TableColumn("department", _l("Department"), "text"),
        TableColumn("province", _l("Province"), "text"),
    ],
    "territory": [
        TableColumn("level", _l("Level"), "text"),
        TableColumn("code", _l("Code"), "text"),
        TableColumn("territory", _l("Territory"), "text"),
    ],
}
# Where a slice's execution is measured against: its budget, or what was committed to it.
EXECUTION_BASE = {
    "total": "allocated",
    "source": "allocated",
    "concept": "net_committed",
    "organization": "net_committed",
    "territory": "net_committed",
}


def _figures(dimension: str, totals: StageTotals) -> dict[str, int]:
    values = totals.as_dict()
    if dimension == "source":
        # A source's flows are measured where they leave or reach its budget account.
        values["committed"] = totals.budget_committed
        values["released"] = totals.budget_released
        values["refunded"] = totals.budget_refunded
    return values


def summary_columns(dimension: str) -> list[TableColumn]:
    base = _l("Accounted / budget") if EXECUTION_BASE[dimension] == "allocated" else None
    columns = [
        *DIMENSION_TEXT[dimension],
        TableColumn("currency", _l("Currency"), "text"),
        *[TableColumn(key, FIGURE_LABELS[key]) for key in DIMENSION_FIGURES[dimension]],
        TableColumn("executed", base or _l("Accounted / committed"), "percent"),
    ]
    return columns


def summary_table(
    dimension: str, lines: Iterable[SummaryLine]
) -> tuple[list[TableColumn], list[dict[str, Any]]]:
    """Columns and rows (amounts in minor units) of one summary table."""
    columns = summary_columns(dimension)
    rows = []
    for line in lines:
        figures = _figures(dimension, line.totals)
        row: dict[str, Any] = {key: figures[key] for key in DIMENSION_FIGURES[dimension]}
        row["currency"] = line.currency
        row["executed"] = percent(figures["accounted"], figures[EXECUTION_BASE[dimension]])
        row["level"] = line.level
        if dimension == "source":
            agreed = line.extra.get("agreed")
            row.update(
                disbursed=line.extra.get("disbursed", 0),
                accounted=line.extra.get("accounted", 0),
                executed=percent(line.extra.get("accounted", 0), figures["allocated"]),
                source=line.label,
                agreed=agreed.amount_minor if agreed is not None else None,
                drawn=line.extra.get("drawn_minor") if agreed is not None else None,
                source_currency=line.extra.get("source_currency", ""),
            )
        elif dimension == "concept":
            row.update(concept_code=line.code, concept=line.label)
        elif dimension == "organization":
            row.update(
                code=line.code,
                organization=line.label,
                department=line.extra.get("department", ""),
                province=line.extra.get("province", ""),
            )
        elif dimension == "territory":
            row.update(
                level=(
                    str(_l("Province") if line.level else _l("Department")) if line.code else ""
                ),
                depth=line.level,
                code=line.code,
                territory=line.label,
            )
        rows.append(row)
    return columns, rows


TRIAL_BALANCE_COLUMNS = [
    TableColumn("key", _l("Account key"), "text"),
    TableColumn("name", _l("Account"), "text"),
    TableColumn("kind", _l("Stage"), "text"),
    TableColumn("currency", _l("Currency"), "text"),
    TableColumn("debits", _l("Debits")),
    TableColumn("credits", _l("Credits")),
    TableColumn("debit_balance", _l("Debit balance")),
    TableColumn("credit_balance", _l("Credit balance")),
]


def trial_balance_table(
    sheets: Iterable[TrialBalance], stage_labels: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of trial balances (minor units), each currency closed by its totals row; stages
    named by `stage_labels` when given."""
    labels = stage_labels or {}
    rows: list[dict[str, Any]] = []
    for sheet in sheets:
        for line in sheet.lines:
            rows.append(
                {
                    "key": line.key,
                    "name": line.name,
                    "kind": str(labels.get(line.kind, line.kind)),
                    "currency": sheet.currency,
                    "debits": line.debits,
                    "credits": line.credits,
                    "debit_balance": line.debit_balance,
                    "credit_balance": line.credit_balance,
                }
            )
        rows.append(
            {
                "key": "",
                "name": str(_l("Total")),
                "kind": "",
                "currency": sheet.currency,
                "debits": sheet.total_debits,
                "credits": sheet.total_credits,
                "debit_balance": sheet.total_debit_balances,
                "credit_balance": sheet.total_credit_balances,
                "total": True,
            }
        )
    return rows


def table_value(column: TableColumn, row: Mapping[str, Any], *, as_money: bool = False) -> Any:
    """A cell of a report table: money in major units (a Decimal, or a Money with its symbol
    when `as_money`), percentages as Decimals, text as it is; None for blanks."""
    value = row.get(column.key)
    if value is None:
        return None
    if column.kind in ("money", "source_money"):
        currency = row["currency" if column.kind == "money" else "source_currency"]
        money = Money(int(value), currency)
        return money if as_money else money.to_decimal()
    return value
