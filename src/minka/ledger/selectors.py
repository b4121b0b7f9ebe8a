"""Every user-triggered read of the ledger, scoped by `restrict`.

Accounts are bound to their programme and, when they name one, their organization; journals to
their programme; legs to their journal's programme and their account's organization. So a
programme's staff read its whole books, and an organization's representative reads the accounts
kept in its name and their movements. Balances and reports are SQL aggregates; the arithmetic
on the aggregated rows lives in `minka.ledger.reports`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from minka.core.models import Role
from minka.core.scope import Grants, UserScope, has_role, restrict
from minka.core.selectors import get_for_user, param
from minka.ledger import reports
from minka.ledger.models import Account, AccountKind, ExchangeRate, Journal, JournalKind, Leg
from minka.programmes.models import FundingSource, Programme

# The order in which stages are listed: the way money flows.
STAGE_ORDER = [
    AccountKind.FUNDING,
    AccountKind.FX,
    AccountKind.BUDGET,
    AccountKind.COMMITTED,
    AccountKind.HELD,
    AccountKind.SPENT,
    AccountKind.COUNTERPART,
    AccountKind.CONTRIBUTED,
]
SUMMARY_DIMENSIONS = ("source", "concept", "organization", "territory")


def _stage() -> Case:
    return Case(
        *[When(kind=kind, then=Value(index)) for index, kind in enumerate(STAGE_ORDER)],
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


class ConsoleOperator:
    """Whoever runs `minka ledger ...` on the server. It already holds the database, so it
    reads everything, as an auditor does, and changes nothing."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None
    username = "console"

    def __init__(self) -> None:
        self._minka_scope = UserScope(
            view=Grants(everything=True), change=Grants(), roles={Role.AUDITOR}
        )

    def __str__(self) -> str:
        return self.username


# --- programmes --------------------------------------------------------------------------------


def ledger_programmes(*, user: Any) -> QuerySet[Programme]:
    """Programmes whose books the user reads at least in part: those in its scope, and those
    that keep an account in the name of its organization."""
    in_scope = restrict(Programme.objects.all(), user).values("pk")
    with_accounts = restrict(Account.objects.all(), user).values("programme_id")
    return Programme.objects.filter(Q(pk__in=in_scope) | Q(pk__in=with_accounts)).order_by("code")


def get_ledger_programme_for_user(*, user: Any, pk: Any) -> Programme:
    """A programme whose books the user reads at least in part; 404 otherwise."""
    try:
        return ledger_programmes(user=user).get(pk=pk)
    except (Programme.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_books_programme_for_user(*, user: Any, pk: Any) -> Programme:
    """A programme whose whole books the user reads (trial balance, journals); 404 otherwise.
    An organization's representative reads only its own accounts, never the whole books."""
    return get_for_user(Programme.objects.all(), user=user, pk=pk)


def reads_whole_books(*, user: Any, programme: Programme) -> bool:
    return restrict(Programme.objects.filter(pk=programme.pk), user).exists()


# --- accounts ----------------------------------------------------------------------------------


def _leg_sum(condition: Q | None = None) -> Coalesce:
    """A correlated sum of an account's legs: computed for the listed rows only."""
    legs = Leg.objects.filter(account=OuterRef("pk"))
    if condition is not None:
        legs = legs.filter(condition)
    total = legs.order_by().values("account").annotate(total=Sum("amount_minor")).values("total")
    return Coalesce(Subquery(total[:1]), Value(0), output_field=BigIntegerField())


def account_list(*, user: Any, programme: Programme, params: Any = None) -> QuerySet[Account]:
    """The programme's accounts the user may see, with debits, credits and balance."""
    queryset = restrict(
        Account.objects.filter(programme=programme).select_related(
            "funding_source", "organization"
        ),
        user,
    )
    kind = param(params, "kind")
    if kind in AccountKind.values:
        queryset = queryset.filter(kind=kind)
    currency = param(params, "currency").upper()
    if currency:
        queryset = queryset.filter(currency=currency)
    organization = param(params, "organization")
    if organization.isdigit():
        queryset = queryset.filter(organization_id=organization)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query) | Q(commitment__icontains=query) | Q(concept=query)
        )
    return queryset.annotate(
        stage=_stage(),
        debits_minor=_leg_sum(Q(amount_minor__gt=0)),
        credits_minor=-_leg_sum(Q(amount_minor__lt=0)),
        balance_minor=_leg_sum(),
    ).order_by("stage", "currency", "key")


def get_account_for_user(*, user: Any, pk: Any) -> Account:
    return get_for_user(
        Account.objects.select_related("programme", "funding_source", "organization"),
        user=user,
        pk=pk,
    )


@dataclass
class Statement:
    """The movements of one account in a period, each with the balance after it."""

    account: Account
    date_from: datetime.date | None
    date_to: datetime.date | None
    opening_minor: int
    debits_minor: int
    credits_minor: int
    lines: QuerySet[Leg]  # annotated with running_minor, the balance after the leg

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.debits_minor - self.credits_minor


def account_statement(
    *,
    user: Any,
    account: Account,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Statement:
    """Legs of an account in date order (effective date, then posting order) with the running
    balance, computed by the database (a window sum) so a page of a long statement reads only
    its own rows."""
    legs = restrict(Leg.objects.filter(account=account), user)
    opening = 0
    if date_from is not None:
        opening = int(
            legs.filter(journal__effective_date__lt=date_from).aggregate(
                total=Coalesce(Sum("amount_minor"), Value(0), output_field=BigIntegerField())
            )["total"]
        )
    period = legs
    if date_from is not None:
        period = period.filter(journal__effective_date__gte=date_from)
    if date_to is not None:
        period = period.filter(journal__effective_date__lte=date_to)
    totals = period.aggregate(
        debits=Coalesce(
            Sum("amount_minor", filter=Q(amount_minor__gt=0)),
            Value(0),
            output_field=BigIntegerField(),
        ),
        credits=Coalesce(
            Sum("amount_minor", filter=Q(amount_minor__lt=0)),
            Value(0),
            output_field=BigIntegerField(),
        ),
    )
    order = [F("journal__effective_date").asc(), F("journal_id").asc(), F("id").asc()]
    lines = (
        period.select_related("journal", "journal__posted_by")
        .annotate(
            running_minor=Window(expression=Sum("amount_minor"), order_by=order)
            + Value(opening, output_field=BigIntegerField())
        )
        .order_by(*order)
    )
    return Statement(
        account=account,
        date_from=date_from,
        date_to=date_to,
        opening_minor=opening,
        debits_minor=int(totals["debits"]),
        credits_minor=-int(totals["credits"]),
        lines=lines,
    )


# --- journals ----------------------------------------------------------------------------------


def _parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def journal_list(*, user: Any, programme: Programme, params: Any = None) -> QuerySet[Journal]:
    """The programme's journals, newest first, with their amount in the programme's operating
    currency (the sum of their debits in it)."""
    queryset = restrict(Journal.objects.filter(programme=programme), user).select_related(
        "posted_by", "reverses", "reversed_by"
    )
    kind = param(params, "kind")
    if kind in JournalKind.values:
        queryset = queryset.filter(kind=kind)
    date_from = _parse_date(param(params, "date_from"))
    if date_from:
        queryset = queryset.filter(effective_date__gte=date_from)
    date_to = _parse_date(param(params, "date_to"))
    if date_to:
        queryset = queryset.filter(effective_date__lte=date_to)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(memo__icontains=query) | Q(reference__icontains=query) | Q(pk=_int(query))
        )
    debits = (
        Leg.objects.filter(journal=OuterRef("pk"), amount_minor__gt=0, currency=programme.currency)
        .order_by()
        .values("journal")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return queryset.annotate(
        amount_minor=Coalesce(Subquery(debits[:1]), Value(0), output_field=BigIntegerField())
    ).order_by("-effective_date", "-pk")


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 18 else -1


def get_journal_for_user(*, user: Any, pk: Any) -> Journal:
    return get_for_user(
        Journal.objects.select_related("programme", "posted_by", "reverses", "reversed_by"),
        user=user,
        pk=pk,
    )


def journal_legs(*, user: Any, journal: Journal) -> QuerySet[Leg]:
    return restrict(Leg.objects.filter(journal=journal), user).select_related(
        "account", "account__organization", "account__funding_source"
    )


def journals_with_legs(*, user: Any, journals: QuerySet[Journal]) -> QuerySet[Journal]:
    """Journals with their visible legs prefetched (one more query for a whole page)."""
    from django.db.models import Prefetch

    legs = restrict(Leg.objects.all(), user).select_related("account").order_by("id")
    return journals.prefetch_related(Prefetch("legs", queryset=legs, to_attr="visible_legs"))


# --- trial balance -----------------------------------------------------------------------------


def trial_balance(
    *,
    user: Any,
    programme: Programme,
    currency: str = "",
    as_of: datetime.date | None = None,
) -> list[reports.TrialBalance]:
    """Debits, credits and balance of every account with movements, one sheet per currency.
    Each journal balances per currency, so each sheet's debits equal its credits."""
    accounts = restrict(Account.objects.filter(programme=programme), user)
    if currency:
        accounts = accounts.filter(currency=currency)
    dated = Q(legs__journal__effective_date__lte=as_of) if as_of else Q()
    rows = (
        accounts.annotate(stage=_stage())
        .values("stage", "key", "name", "kind", "currency", account_id=F("pk"))
        .annotate(
            debits=Sum("legs__amount_minor", filter=dated & Q(legs__amount_minor__gt=0)),
            credits=Sum("legs__amount_minor", filter=dated & Q(legs__amount_minor__lt=0)),
        )
        .order_by("currency", "stage", "key")
    )
    return reports.trial_balances(
        {**row, "debits": row["debits"] or 0, "credits": -(row["credits"] or 0)} for row in rows
    )


# --- programme money summary -------------------------------------------------------------------


@dataclass
class MoneySummary:
    programme: Programme
    as_of: datetime.date | None
    whole_books: bool  # False: only the accounts of the user's organization
    totals: dict[str, reports.StageTotals]  # by currency
    problems: dict[str, list[str]]  # currency -> failed reconciliation checks
    lines: dict[str, list[reports.SummaryLine]]  # by dimension

    def total_lines(self) -> list[reports.SummaryLine]:
        return [
            reports.SummaryLine(
                code=currency, label=self.programme.code, currency=currency, totals=value
            )
            for currency, value in self.totals.items()
        ]

    def table(self, dimension: str) -> tuple[list[reports.TableColumn], list[dict[str, Any]]]:
        lines = self.total_lines() if dimension == "total" else self.lines.get(dimension, [])
        return reports.summary_table(dimension, lines)


def _scoped_legs(user: Any, programme: Programme, as_of: datetime.date | None) -> QuerySet[Leg]:
    legs = restrict(Leg.objects.all(), user).filter(journal__programme=programme)
    if as_of is not None:
        legs = legs.filter(journal__effective_date__lte=as_of)
    return legs


def summary_rows(
    *, user: Any, programme: Programme, as_of: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Leg totals per account and effective journal kind: the one aggregate every summary
    table is folded from. Reversals are grouped per journal and then counted as the kind of the
    journal they reverse."""
    reversal = Case(
        When(journal__kind=JournalKind.REVERSAL, then=F("journal_id")),
        default=Value(None),
        output_field=IntegerField(),
    )
    queryset = (
        _scoped_legs(user, programme, as_of)
        .values(
            "currency",
            account_kind=F("account__kind"),
            funding_source_id=F("account__funding_source_id"),
            organization_id=F("account__organization_id"),
            commitment=F("account__commitment"),
            concept=F("account__concept"),
            own_kind=F("journal__kind"),
            reversal_id=reversal,
        )
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    rows: list[dict[str, Any]] = [dict(row) for row in queryset]
    kinds: dict[int, str] = {}
    if any(row["reversal_id"] for row in rows):
        # Classification only: which kind each reversal undoes (its chain, within the programme).
        chain = Journal.objects.filter(programme=programme).filter(
            Q(kind=JournalKind.REVERSAL) | Q(reversed_by__isnull=False)
        )
        kinds = reports.effective_kinds(
            {
                pk: (kind, reverses)
                for pk, kind, reverses in chain.values_list("pk", "kind", "reverses_id")
            }
        )
    for row in rows:
        reversal_id = row.pop("reversal_id")
        own = row.pop("own_kind")
        row["journal_kind"] = kinds.get(reversal_id, own) if reversal_id else own
        row["total"] = int(row["total"])
    return rows


def _source_weights(
    user: Any, programme: Programme, as_of: datetime.date | None
) -> dict[tuple[str, str], dict[int, int]]:
    """(commitment, currency) -> {funding source: net amount it committed}, from the journals
    that move money between budgets and commitments (commitments, releases, their reversals).
    A journal that draws on several sources for several commitments is split in proportion."""
    legs = _scoped_legs(user, programme, as_of)
    has_budget = Exists(
        Leg.objects.filter(journal_id=OuterRef("journal_id"), account__kind=AccountKind.BUDGET)
    )
    has_commitment = Exists(
        Leg.objects.filter(journal_id=OuterRef("journal_id"), account__kind=AccountKind.COMMITTED)
    )
    budget_rows = (
        legs.filter(has_commitment, account__kind=AccountKind.BUDGET)
        .values("journal_id", "currency", source=F("account__funding_source_id"))
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    commitment_rows = (
        legs.filter(has_budget, account__kind=AccountKind.COMMITTED)
        .values("journal_id", "currency", commitment=F("account__commitment"))
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    return reports.commitment_source_weights(
        [dict(row) for row in budget_rows], [dict(row) for row in commitment_rows]
    )


def concept_label(code: str) -> str:
    """The budget concept's name where the contracts app defines it, else its code."""
    if not code:
        return ""
    try:
        from minka.contracts.models import Concept
    except ImportError:  # pragma: no cover - the contracts app is always installed
        return code
    try:
        return str(Concept(code).label)
    except ValueError:
        return code


def money_summary(
    *,
    user: Any,
    programme: Programme,
    as_of: datetime.date | None = None,
    dimensions: Iterable[str] = SUMMARY_DIMENSIONS,
) -> MoneySummary:
    """Budget, commitments, disbursements and accounted spending of a programme: in total and
    by funding source, budget concept, organization and territory (see `reports`)."""
    wanted = set(dimensions)
    rows = summary_rows(user=user, programme=programme, as_of=as_of)
    # Currencies that only pass through funding and exchange accounts have no stage figures.
    totals = {
        str(currency): value
        for (currency,), value in reports.fold(rows, lambda r: (r["currency"],)).items()
        if any(value.as_dict().values())
    }
    whole_books = reads_whole_books(user=user, programme=programme)
    problems = {
        currency: (reports.reconcile(value) if whole_books else reports.identity_problems(value))
        for currency, value in totals.items()
    }
    lines: dict[str, list[reports.SummaryLine]] = {}
    stage_kinds = {AccountKind.COMMITTED, AccountKind.HELD, AccountKind.SPENT}

    if "source" in wanted:
        lines["source"] = _source_lines(user, programme, as_of, rows)
    if "concept" in wanted:
        by_concept = reports.fold(
            rows,
            lambda r: (r["concept"], r["currency"]),
            kinds={AccountKind.COMMITTED, AccountKind.SPENT},
        )
        lines["concept"] = sorted(
            (
                reports.SummaryLine(
                    code=concept,
                    label=concept_label(concept) or _("No concept"),
                    currency=currency,
                    totals=value,
                )
                for (concept, currency), value in by_concept.items()
            ),
            key=lambda line: (line.code == "", line.code, line.currency),
        )
    if "organization" in wanted or "territory" in wanted:
        owners = reports.organization_by_commitment(rows)
        by_org = reports.fold(
            rows,
            lambda r: (reports.row_organization(r, owners), r["currency"]),
            kinds=stage_kinds | {AccountKind.COUNTERPART},
        )
        org_info = _organization_info({org for org, _c in by_org if org is not None})
        if "organization" in wanted:
            lines["organization"] = _organization_lines(by_org, org_info)
        if "territory" in wanted:
            lines["territory"] = _territory_lines(by_org, org_info)
    return MoneySummary(
        programme=programme,
        as_of=as_of,
        whole_books=whole_books,
        totals=dict(sorted(totals.items())),
        problems={c: p for c, p in problems.items() if p},
        # A slice whose movements all cancelled out (a reversed commitment) shows nothing.
        lines={
            dimension: [
                line
                for line in found
                if any(line.totals.as_dict().values())
                or line.extra.get("disbursed")
                or line.extra.get("accounted")
            ]
            for dimension, found in lines.items()
        },
    )


def _source_lines(
    user: Any, programme: Programme, as_of: datetime.date | None, rows: list[dict[str, Any]]
) -> list[reports.SummaryLine]:
    budget = reports.fold(
        rows, lambda r: (r["funding_source_id"], r["currency"]), kinds={AccountKind.BUDGET}
    )
    drawn: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["account_kind"] == AccountKind.FUNDING and row["funding_source_id"]:
            drawn[row["funding_source_id"]] -= row["total"]
    by_commitment = reports.fold(
        rows,
        lambda r: (r["commitment"], r["currency"]) if r["commitment"] else None,
        kinds={AccountKind.COMMITTED, AccountKind.SPENT},
    )
    attributed = reports.attribute_to_sources(
        by_commitment,  # type: ignore[arg-type]
        _source_weights(user, programme, as_of),
    )
    sources = {
        source.pk: source
        for source in restrict(FundingSource.objects.filter(programme=programme), user)
    }
    keys = set(budget) | set(attributed)
    lines = []
    for source_id, currency in keys:
        value = budget.get((source_id, currency)) or reports.StageTotals()
        shares = attributed.get((source_id, currency), {})
        source = sources.get(source_id) if source_id is not None else None
        if source_id is not None and source is None:
            continue  # a source outside the user's scope
        lines.append(
            reports.SummaryLine(
                code=str(source_id or ""),
                label=source.name if source else _("Not attributable to a funding source"),
                currency=str(currency),
                totals=value,
                extra={
                    # Apportioned, so kept apart from the source's own (budget-side) figures.
                    "disbursed": shares.get("disbursed", 0),
                    "accounted": shares.get("accounted", 0),
                    "agreed": source.amount if source else None,
                    "drawn_minor": drawn.get(source_id, 0) if source_id else 0,
                    "source_currency": source.currency if source else "",
                },
            )
        )
    return sorted(lines, key=lambda line: (line.code == "", line.label, line.currency))


def _organization_info(ids: set[int]) -> dict[int, dict[str, Any]]:
    """Names and territory of the organizations that visible accounts name (the account names
    already carry them, so this reveals nothing new)."""
    from minka.registry.models import Organization

    if not ids:
        return {}
    return {
        row["pk"]: dict(row)
        for row in Organization.objects.filter(pk__in=ids).values(
            "pk",
            "code",
            "name",
            province_path=F("district__parent__path"),
            province_name=F("district__parent__name"),
            department_path=F("district__parent__parent__path"),
            department_name=F("district__parent__parent__name"),
        )
    }


def _organization_lines(
    by_org: dict[Any, reports.StageTotals], info: dict[int, dict[str, Any]]
) -> list[reports.SummaryLine]:
    lines = []
    for (org_id, currency), value in by_org.items():
        org = info.get(org_id) if org_id is not None else None
        lines.append(
            reports.SummaryLine(
                code=org["code"] if org else "",
                label=org["name"] if org else _("Not assigned to one organization"),
                currency=currency,
                totals=value,
                extra={
                    "organization_id": org_id,
                    "department": (org or {}).get("department_name") or "",
                    "province": (org or {}).get("province_name") or "",
                },
            )
        )
    return sorted(lines, key=lambda line: (line.code == "", line.label, line.currency))


def _territory_lines(
    by_org: dict[Any, reports.StageTotals], info: dict[int, dict[str, Any]]
) -> list[reports.SummaryLine]:
    """Organizations folded into their department and province (from the district's parents)."""
    grouped: dict[tuple[int, str, str, str], reports.StageTotals] = {}
    for (org_id, currency), value in by_org.items():
        org = info.get(org_id) if org_id is not None else None
        levels = (
            [
                (0, org["department_path"] or "", org["department_name"] or ""),
                (1, org["province_path"] or "", org["province_name"] or ""),
            ]
            if org
            else [(0, "", "")]
        )
        for level, path, name in levels:
            slot = grouped.setdefault((level, path, name, currency), reports.StageTotals())
            slot.merge(value)
    lines = [
        reports.SummaryLine(
            code=path,
            label=name or _("Not assigned to one organization"),
            currency=currency,
            totals=value,
            level=level,
        )
        for (level, path, name, currency), value in grouped.items()
    ]
    # Each department followed by its provinces; the unassigned last.
    return sorted(lines, key=lambda line: (line.code == "", line.code, line.level, line.currency))


# --- exchange rates ----------------------------------------------------------------------------


def exchange_rate_list(*, user: Any, params: Any = None) -> QuerySet[ExchangeRate]:
    """Recorded rates. They are reference data (published by the SBS): every signed-in user
    reads them. If the model declares a scope, `restrict` applies it."""
    queryset = ExchangeRate.objects.select_related("recorded_by")
    if getattr(ExchangeRate, "scope", None) is not None:
        queryset = restrict(queryset, user)
    elif not (getattr(user, "is_authenticated", False) and user.is_active):
        queryset = queryset.none()
    for name in ("base", "quote"):
        value = param(params, name).upper()
        if value:
            queryset = queryset.filter(**{name: value})
    return queryset.order_by("-date", "base", "quote")


def may_record_rates(user: Any) -> bool:
    """Programme managers and administrators record exchange rates."""
    return bool(getattr(user, "is_authenticated", False)) and has_role(
        user, Role.MANAGER, Role.ADMIN
    )


# --- integrity of one journal ------------------------------------------------------------------


def journal_audit_event(*, journal: Journal) -> Any:
    """The audit-chain event that recorded the journal (None if it is missing)."""
    from minka.core.models import AuditEvent

    return (
        AuditEvent.objects.filter(object_type="ledger.journal", object_id=str(journal.pk))
        .order_by("seq")
        .first()
    )


def journal_hash_intact(*, journal: Journal, legs: Iterable[Leg]) -> bool:
    """Whether the journal's stored hash matches its fields and these (all of its) legs."""
    from minka.ledger.services import journal_hash

    recomputed = journal_hash(
        kind=journal.kind,
        effective_date=journal.effective_date,
        memo=journal.memo,
        reference=journal.reference,
        idempotency_key=journal.idempotency_key,
        reverses_id=journal.reverses_id,
        legs=[(leg.account.key, leg.amount_minor, leg.currency) for leg in legs],
    )
    return journal.sealed and recomputed == journal.content_hash
