"""Read endpoints for the ledger: accounts with balances, statements, journals with legs, the
trial balance and the programme money summary. Every answer goes through the same scoped
selectors as the pages. Amounts are integer minor units with their ISO 4217 currency."""

from datetime import date, datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.ledger import selectors

router = Router(tags=["ledger"])


class AccountOut(Schema):
    id: int
    programme_id: int
    kind: str
    currency: str
    key: str
    name: str
    funding_source_id: int | None
    organization_id: int | None
    commitment: str
    concept: str
    debits_minor: int
    credits_minor: int
    balance_minor: int


class LegOut(Schema):
    id: int
    account_id: int
    account_key: str
    account_kind: str
    amount_minor: int
    currency: str

    @staticmethod
    def resolve_account_key(obj) -> str:
        return obj.account.key

    @staticmethod
    def resolve_account_kind(obj) -> str:
        return obj.account.kind


class JournalOut(Schema):
    id: int
    programme_id: int
    kind: str
    effective_date: date
    posted_at: datetime
    memo: str
    reference: str
    idempotency_key: str
    reverses_id: int | None
    reversed_by_id: int | None
    posted_by: str | None
    content_hash: str
    legs: list[LegOut]

    @staticmethod
    def resolve_reversed_by_id(obj) -> int | None:
        reversal = getattr(obj, "reversed_by", None)
        return reversal.pk if reversal is not None else None

    @staticmethod
    def resolve_posted_by(obj) -> str | None:
        return obj.posted_by.get_username() if obj.posted_by_id else None

    @staticmethod
    def resolve_legs(obj) -> list:
        return list(obj.visible_legs)


class StatementLineOut(Schema):
    leg_id: int
    journal_id: int
    effective_date: date
    kind: str
    memo: str
    reference: str
    amount_minor: int
    balance_minor: int


class StatementOut(Schema):
    account: AccountOut
    date_from: date | None
    date_to: date | None
    opening_minor: int
    debits_minor: int
    credits_minor: int
    closing_minor: int
    count: int
    lines: list[StatementLineOut]


class TrialLineOut(Schema):
    account_id: int
    key: str
    name: str
    kind: str
    debits_minor: int
    credits_minor: int
    balance_minor: int


class TrialBalanceOut(Schema):
    currency: str
    total_debits_minor: int
    total_credits_minor: int
    balanced: bool
    lines: list[TrialLineOut]


class FiguresOut(Schema):
    allocated: int
    committed: int
    released: int
    net_committed: int
    disbursed: int
    accounted: int
    refunded: int
    available: int
    undisbursed: int
    held: int
    counterpart: int


class SummaryLineOut(Schema):
    code: str
    label: str
    currency: str
    level: int
    figures: FiguresOut


class SummaryOut(Schema):
    programme_id: int
    as_of: date | None
    whole_books: bool
    by: str
    totals: list[SummaryLineOut]
    problems: dict[str, list[str]]
    lines: list[SummaryLineOut]


class ExchangeRateOut(Schema):
    date: date
    base: str
    quote: str
    rate_millionths: int
    source: str


class AccountFilter(Schema):
    programme: int
    kind: str | None = None
    currency: str | None = None
    q: str | None = None


class JournalFilter(Schema):
    programme: int
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


def _params(filters: Schema) -> dict:
    return {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in filters.model_dump().items()
        if v is not None
    }


@router.get("/ledger/accounts", response=list[AccountOut])
@paginate(LimitOffsetPagination)
def list_accounts(request: HttpRequest, filters: Query[AccountFilter]):
    """A programme's accounts that the caller may see, with debits, credits and balance."""
    programme = selectors.get_ledger_programme_for_user(user=request.user, pk=filters.programme)
    return selectors.account_list(user=request.user, programme=programme, params=_params(filters))


@router.get("/ledger/accounts/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int):
    account = selectors.get_account_for_user(user=request.user, pk=account_id)
    listed = selectors.account_list(user=request.user, programme=account.programme)
    return listed.get(pk=account.pk)


@router.get("/ledger/accounts/{account_id}/statement", response=StatementOut)
def get_statement(
    request: HttpRequest,
    account_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 100,
    offset: int = 0,
):
    """An account's movements with the balance after each; `limit` ≤ 1000 lines from `offset`."""
    account = selectors.get_account_for_user(user=request.user, pk=account_id)
    statement = selectors.account_statement(
        user=request.user, account=account, date_from=date_from, date_to=date_to
    )
    limit = max(1, min(limit, 1000))
    offset = max(0, offset)
    lines = statement.lines[offset : offset + limit]
    listed = selectors.account_list(user=request.user, programme=account.programme)
    return {
        "account": listed.get(pk=account.pk),
        "date_from": date_from,
        "date_to": date_to,
        "opening_minor": statement.opening_minor,
        "debits_minor": statement.debits_minor,
        "credits_minor": statement.credits_minor,
        "closing_minor": statement.closing_minor,
        "count": statement.lines.count(),
        "lines": [
            {
                "leg_id": leg.pk,
                "journal_id": leg.journal_id,
                "effective_date": leg.journal.effective_date,
                "kind": leg.journal.kind,
                "memo": leg.journal.memo,
                "reference": leg.journal.reference,
                "amount_minor": leg.amount_minor,
                "balance_minor": leg.running_minor,
            }
            for leg in lines
        ],
    }


@router.get("/ledger/journals", response=list[JournalOut])
@paginate(LimitOffsetPagination)
def list_journals(request: HttpRequest, filters: Query[JournalFilter]):
    """A programme's journals with their legs, newest first (programme staff only)."""
    programme = selectors.get_books_programme_for_user(user=request.user, pk=filters.programme)
    journals = selectors.journal_list(
        user=request.user, programme=programme, params=_params(filters)
    )
    return selectors.journals_with_legs(user=request.user, journals=journals)


@router.get("/ledger/journals/{journal_id}", response=JournalOut)
def get_journal(request: HttpRequest, journal_id: int):
    journal = selectors.get_journal_for_user(user=request.user, pk=journal_id)
    journal.visible_legs = list(selectors.journal_legs(user=request.user, journal=journal))
    return journal


@router.get("/ledger/trial-balance", response=list[TrialBalanceOut])
def get_trial_balance(
    request: HttpRequest,
    programme: int,
    currency: str | None = None,
    as_of: date | None = None,
):
    """Debits and credits per account, one sheet per currency (programme staff only)."""
    chosen = selectors.get_books_programme_for_user(user=request.user, pk=programme)
    sheets = selectors.trial_balance(
        user=request.user, programme=chosen, currency=(currency or "").upper(), as_of=as_of
    )
    return [
        {
            "currency": sheet.currency,
            "total_debits_minor": sheet.total_debits,
            "total_credits_minor": sheet.total_credits,
            "balanced": sheet.balanced,
            "lines": [
                {
                    "account_id": line.account_id,
                    "key": line.key,
                    "name": line.name,
                    "kind": line.kind,
                    "debits_minor": line.debits,
                    "credits_minor": line.credits,
                    "balance_minor": line.balance,
                }
                for line in sheet.lines
            ],
        }
        for sheet in sheets
    ]


def _line_out(line) -> dict:
    figures = line.totals.as_dict()
    return {
        "code": line.code,
        "label": line.label,
        "currency": line.currency,
        "level": line.level,
        "figures": {key: figures[key] for key in FiguresOut.model_fields},
    }


@router.get("/ledger/summary", response=SummaryOut)
def get_summary(
    request: HttpRequest, programme: int, by: str = "source", as_of: date | None = None
):
    """Budget, committed, disbursed and accounted money of a programme, in total and by
    `source`, `concept`, `organization` or `territory`. For `source`, committed, released and
    refunded are measured at the source's budget, and disbursed and accounted are apportioned
    to the sources in proportion to what each committed to every commitment."""
    if by not in selectors.SUMMARY_DIMENSIONS:
        raise Http404
    chosen = selectors.get_ledger_programme_for_user(user=request.user, pk=programme)
    result = selectors.money_summary(
        user=request.user, programme=chosen, as_of=as_of, dimensions=[by]
    )
    lines = []
    for line in result.lines[by]:
        out = _line_out(line)
        if by == "source":
            totals = line.totals
            out["figures"].update(
                committed=totals.budget_committed,
                released=totals.budget_released,
                refunded=totals.budget_refunded,
                net_committed=totals.budget_committed - totals.budget_released,
                disbursed=line.extra.get("disbursed", 0),
                accounted=line.extra.get("accounted", 0),
            )
        lines.append(out)
    return {
        "programme_id": chosen.pk,
        "as_of": as_of,
        "whole_books": result.whole_books,
        "by": by,
        "totals": [_line_out(line) for line in result.total_lines()],
        "problems": result.problems,
        "lines": lines,
    }


@router.get("/ledger/exchange-rates", response=list[ExchangeRateOut])
@paginate(LimitOffsetPagination)
def list_exchange_rates(request: HttpRequest, base: str | None = None, quote: str | None = None):
    params = {k: v for k, v in {"base": base, "quote": quote}.items() if v}
    return selectors.exchange_rate_list(user=request.user, params=params)
