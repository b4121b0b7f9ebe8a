"""Reads of savings groups, funds, loans, incentives and insurance, always through `restrict`;
the figures of a group, a fund and a programme in a bounded number of aggregate queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr

from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param
from minka.geo.models import AdminArea
from minka.ledger.models import ExchangeRate
from minka.savings import indicators
from minka.savings.models import (
    BusinessFund,
    Claim,
    FundMovement,
    IncentiveBatch,
    IncentiveLine,
    Instalment,
    InsurancePolicy,
    Loan,
    LoanPurpose,
    LoanState,
    MonthlyBalance,
    MovementKind,
    PolicyState,
    PremiumBatch,
    Repayment,
    SavingsAccount,
    SavingsGroup,
    SeedTransfer,
    TransferState,
)

# --- lists and single records -----------------------------------------------------------------


def group_list(*, user: Any, params: Any = None) -> QuerySet[SavingsGroup]:
    queryset = restrict(
        SavingsGroup.objects.select_related("organization__district", "programme", "fund"),
        user,
    ).annotate(
        savers=Count("accounts", distinct=True),
        saved_minor=Coalesce(Sum("accounts__balance_minor"), 0),
    )
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(organization__name__icontains=query) | Q(organization__code__iexact=query)
        )
    area = param(params, "area")
    if area.isdigit():
        queryset = queryset.filter(organization__district__path__startswith=area)
    programme = param(params, "programme")
    if programme.isdigit():
        queryset = queryset.filter(programme_id=programme)
    return queryset.order_by("organization__name", "pk")


def get_group_for_user(*, user: Any, pk: Any, action: Action = "view") -> SavingsGroup:
    return get_for_user(
        SavingsGroup.objects.select_related("organization__district", "programme"),
        user=user,
        pk=pk,
        action=action,
    )


def groups_of_representative(*, user: Any) -> QuerySet[SavingsGroup]:
    """The groups whose books the user keeps as their representative."""
    from minka.core.scope import user_scope

    ids = user_scope(user).view.organization_ids
    return SavingsGroup.objects.filter(organization_id__in=sorted(ids)).select_related(
        "organization"
    )


def get_account_for_user(*, user: Any, pk: Any) -> SavingsAccount:
    return get_for_user(
        SavingsAccount.objects.select_related("group__organization", "group__programme", "person"),
        user=user,
        pk=pk,
    )


def get_batch_for_user(*, user: Any, pk: Any) -> IncentiveBatch:
    return get_for_user(
        IncentiveBatch.objects.select_related(
            "group__organization", "group__programme", "prepared_by", "approved_by", "executed_by"
        ),
        user=user,
        pk=pk,
    )


def batch_list(*, user: Any, params: Any = None) -> QuerySet[IncentiveBatch]:
    queryset = restrict(
        IncentiveBatch.objects.select_related("group__organization", "prepared_by"), user
    ).order_by("-month", "-id")
    state = param(params, "state")
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def get_fund_for_user(*, user: Any, pk: Any) -> BusinessFund:
    return get_for_user(
        BusinessFund.objects.select_related("group__organization__district", "group__programme"),
        user=user,
        pk=pk,
    )


def get_seed_transfer_for_user(*, user: Any, pk: Any) -> SeedTransfer:
    return get_for_user(
        SeedTransfer.objects.select_related("fund__group__organization"), user=user, pk=pk
    )


def get_loan_for_user(*, user: Any, pk: Any) -> Loan:
    return get_for_user(
        Loan.objects.select_related("fund__group__organization", "member", "product"),
        user=user,
        pk=pk,
    )


def policy_list(*, user: Any, params: Any = None) -> QuerySet[InsurancePolicy]:
    queryset = restrict(
        InsurancePolicy.objects.select_related("organization", "insurer", "person", "programme"),
        user,
    ).order_by("-starts_on", "number")
    state = param(params, "state")
    if state:
        queryset = queryset.filter(state=state)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(number__icontains=query)
            | Q(person__dni=query)
            | Q(organization__name__icontains=query)
        )
    return queryset


def get_policy_for_user(*, user: Any, pk: Any) -> InsurancePolicy:
    return get_for_user(
        InsurancePolicy.objects.select_related("organization", "insurer", "person", "programme"),
        user=user,
        pk=pk,
    )


def get_claim_for_user(*, user: Any, pk: Any) -> Claim:
    return get_for_user(Claim.objects.select_related("policy__organization"), user=user, pk=pk)


def premium_batch_list(*, user: Any) -> QuerySet[PremiumBatch]:
    return restrict(
        PremiumBatch.objects.select_related("programme", "insurer", "prepared_by"), user
    ).annotate(policy_count=Count("policies"))


def get_premium_batch_for_user(*, user: Any, pk: Any) -> PremiumBatch:
    return get_for_user(
        PremiumBatch.objects.select_related("programme", "insurer", "prepared_by", "approved_by"),
        user=user,
        pk=pk,
    )


# --- loans and funds --------------------------------------------------------------------------


@dataclass
class LoanRow:
    """A loan's figures on a date, from one annotated query (no per-loan query)."""

    loan: Loan
    paid_minor: int
    principal_paid_minor: int
    due_minor: int
    overdue_30_minor: int
    on: datetime.date

    @property
    def active(self) -> bool:
        return self.loan.state == LoanState.ACTIVE

    @property
    def outstanding_minor(self) -> int:
        return self.loan.principal_minor - self.principal_paid_minor if self.active else 0

    @property
    def arrears_minor(self) -> int:
        return max(0, self.due_minor - self.paid_minor) if self.active else 0

    @property
    def at_risk(self) -> bool:
        """More than 30 days late: an instalment due over 30 days ago is not yet covered."""
        return self.active and self.overdue_30_minor > self.paid_minor


def _sum_subquery(queryset: QuerySet[Any], expression: Any) -> Subquery:
    return Subquery(queryset.values("loan").annotate(total=Sum(expression)).values("total")[:1])


def loan_rows(loans: QuerySet[Loan], on: datetime.date) -> list[LoanRow]:
    cutoff = on - datetime.timedelta(days=30)
    repayments = Repayment.objects.filter(loan=OuterRef("pk"), paid_on__lte=on)
    instalments = Instalment.objects.filter(loan=OuterRef("pk"))
    total = F("principal_minor") + F("interest_minor")
    annotated = loans.annotate(
        paid=Coalesce(_sum_subquery(repayments, "amount_minor"), 0),
        principal_paid=Coalesce(_sum_subquery(repayments, "principal_minor"), 0),
        due=Coalesce(_sum_subquery(instalments.filter(due_on__lte=on), total), 0),
        overdue_30=Coalesce(_sum_subquery(instalments.filter(due_on__lt=cutoff), total), 0),
    )
    return [
        LoanRow(
            loan=loan,
            paid_minor=int(loan.paid),
            principal_paid_minor=int(loan.principal_paid),
            due_minor=int(loan.due),
            overdue_30_minor=int(loan.overdue_30),
            on=on,
        )
        for loan in annotated
    ]


@dataclass
class FundFigures:
    fund: BusinessFund
    seed_minor: int
    value_minor: int
    cash_minor: int
    outstanding_minor: int
    capitalization: Decimal | None
    par30: Decimal | None
    repayment_rate: Decimal | None
    active_loans: int
    loans_in_arrears: int
    arrears_minor: int
    interest_minor: int
    at_risk_minor: int = 0
    by_purpose: list[tuple[str, int, int]] = field(default_factory=list)


def _fund_figures(
    fund: BusinessFund,
    rows: list[LoanRow],
    movements: dict[str, int],
    interest_minor: int,
) -> FundFigures:
    seed = movements.get(MovementKind.SEED, 0)
    income = movements.get(MovementKind.INCOME, 0)
    expense = movements.get(MovementKind.EXPENSE, 0)
    disbursed = sum(r.loan.principal_minor for r in rows)
    repaid = sum(r.paid_minor for r in rows)
    value = indicators.fund_value(
        seed_minor=seed, interest_minor=interest_minor, income_minor=income, expense_minor=expense
    )
    purposes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        purposes[r.loan.purpose][0] += 1
        purposes[r.loan.purpose][1] += r.loan.principal_minor
    due = sum(r.due_minor if r.active else r.paid_minor for r in rows)
    paid = sum(min(r.paid_minor, r.due_minor) if r.active else r.paid_minor for r in rows)
    return FundFigures(
        fund=fund,
        seed_minor=seed,
        value_minor=value,
        cash_minor=indicators.fund_cash(
            seed_minor=seed,
            disbursed_minor=disbursed,
            repaid_minor=repaid,
            income_minor=income,
            expense_minor=expense,
        ),
        outstanding_minor=sum(r.outstanding_minor for r in rows),
        capitalization=indicators.capitalization(value_minor=value, seed_minor=seed)
        if seed
        else None,
        par30=indicators.portfolio_at_risk(
            indicators.LoanAtRisk(r.outstanding_minor, 31 if r.at_risk else 0) for r in rows
        ),
        repayment_rate=indicators.repayment_rate(paid_minor=paid, due_minor=due),
        active_loans=sum(1 for r in rows if r.active),
        loans_in_arrears=sum(1 for r in rows if r.arrears_minor > 0),
        arrears_minor=sum(r.arrears_minor for r in rows),
        interest_minor=interest_minor,
        at_risk_minor=sum(r.outstanding_minor for r in rows if r.at_risk),
        by_purpose=sorted(
            ((str(LoanPurpose(p).label), n, amount) for p, (n, amount) in purposes.items()),
            key=lambda item: -item[2],
        ),
    )


def funds_figures(funds: QuerySet[BusinessFund], on: datetime.date) -> list[FundFigures]:
    """Figures of many funds in three queries (funds, loans with their sums, movements)."""
    fund_list = list(funds.select_related("group__organization__district"))
    ids = [f.pk for f in fund_list]
    rows_by_fund: dict[int, list[LoanRow]] = defaultdict(list)
    for row in loan_rows(Loan.objects.filter(fund_id__in=ids).select_related("member"), on):
        rows_by_fund[row.loan.fund_id].append(row)
    movements: dict[int, dict[str, int]] = defaultdict(dict)
    for item in (
        FundMovement.objects.filter(fund_id__in=ids, moved_on__lte=on)
        .values("fund_id", "kind")
        .annotate(total=Sum("amount_minor"))
    ):
        movements[item["fund_id"]][item["kind"]] = int(item["total"])
    interest = dict(
        Repayment.objects.filter(loan__fund_id__in=ids, paid_on__lte=on)
        .values("loan__fund_id")
        .annotate(total=Sum("interest_minor"))
        .values_list("loan__fund_id", "total")
    )
    return [
        _fund_figures(f, rows_by_fund[f.pk], movements[f.pk], int(interest.get(f.pk) or 0))
        for f in fund_list
    ]


def fund_figures(fund: BusinessFund, on: datetime.date) -> FundFigures:
    return funds_figures(BusinessFund.objects.filter(pk=fund.pk), on)[0]


def fund_loans(fund: BusinessFund, on: datetime.date) -> list[LoanRow]:
    return loan_rows(
        Loan.objects.filter(fund=fund).select_related("member", "product").order_by("-number"),
        on,
    )


# --- groups -----------------------------------------------------------------------------------


def balances_by_month(
    accounts: QuerySet[SavingsAccount], months: int = 12
) -> list[tuple[Any, int, int]]:
    """(month, savers reported, total balance) for the latest `months` months with balances."""
    rows = (
        MonthlyBalance.objects.filter(account__in=accounts)
        .values("month")
        .annotate(savers=Count("pk"), total=Sum("balance_minor"))
        .order_by("-month")[:months]
    )
    return [(r["month"], r["savers"], int(r["total"])) for r in reversed(list(rows))]


def incentives_paid_minor(accounts: QuerySet[SavingsAccount]) -> dict[str, int]:
    row = IncentiveLine.objects.filter(
        account__in=accounts, live=True, batch__state=TransferState.EXECUTED
    ).aggregate(
        opening=Coalesce(Sum("opening_minor"), 0),
        growth=Coalesce(Sum("growth_minor"), 0),
        withdrawal=Coalesce(Sum("withdrawal_minor"), 0),
    )
    row = {key: int(value) for key, value in row.items()}
    row["total"] = row["opening"] + row["growth"] + row["withdrawal"]
    return row


def group_accounts(group: SavingsGroup) -> QuerySet[SavingsAccount]:
    return group.accounts.select_related("person", "institution").order_by(
        "person__paternal_surname", "person__first_names", "pk"
    )


def group_summary(group: SavingsGroup) -> dict[str, Any]:
    accounts = group.accounts.all()
    totals = accounts.aggregate(savers=Count("pk"), saved=Coalesce(Sum("balance_minor"), 0))
    return {
        "savers": totals["savers"],
        "saved_minor": int(totals["saved"]),
        "incentives": incentives_paid_minor(accounts),
        "months": balances_by_month(accounts),
    }


# --- programme report -------------------------------------------------------------------------


def usd_rate(on: datetime.date) -> ExchangeRate | None:
    rates = ExchangeRate.objects.filter(base="USD", quote="PEN", date__lte=on)
    return rates.order_by("-date").first()


def to_usd_minor(pen_minor: int, rate: ExchangeRate | None) -> int | None:
    if rate is None:
        return None
    value = Decimal(pen_minor) * Decimal(1_000_000) / Decimal(rate.rate_millionths)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class ProgrammeReport:
    programme: Any
    on: datetime.date
    groups: int
    savers: int
    saved_minor: int
    average_saved_minor: int
    incentives: dict[str, int]
    average_incentive_minor: int
    rate: ExchangeRate | None
    months: list[tuple[Any, int, int]]
    by_province: list[dict[str, Any]]
    funds: list[FundFigures]
    policies: dict[str, int]

    def usd(self, pen_minor: int) -> int | None:
        return to_usd_minor(pen_minor, self.rate)

    @property
    def fund_count(self) -> int:
        return len(self.funds)

    @property
    def seed_minor(self) -> int:
        return sum(f.seed_minor for f in self.funds)

    @property
    def value_minor(self) -> int:
        return sum(f.value_minor for f in self.funds)

    @property
    def average_capitalization(self) -> Decimal | None:
        """The mean of the funds' capitalizations (as the brief's "about 50 % on average")."""
        values = [f.capitalization for f in self.funds if f.capitalization is not None]
        if not values:
            return None
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"))

    @property
    def overall_capitalization(self) -> Decimal | None:
        return indicators.capitalization(value_minor=self.value_minor, seed_minor=self.seed_minor)

    @property
    def par30(self) -> Decimal | None:
        total = sum(f.outstanding_minor for f in self.funds)
        return indicators.percent(sum(f.at_risk_minor for f in self.funds), total)

    @property
    def by_purpose(self) -> list[tuple[str, int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for f in self.funds:
            for label, count, amount in f.by_purpose:
                totals[str(label)][0] += count
                totals[str(label)][1] += amount
        return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda item: -item[2])


def programme_report(*, user: Any, programme: Any, on: datetime.date) -> ProgrammeReport:
    """The programme's savings, incentives, funds and insurance within the user's scope."""
    groups = restrict(SavingsGroup.objects.filter(programme=programme), user)
    accounts = SavingsAccount.objects.filter(group__in=groups.values("pk"))
    totals = accounts.aggregate(savers=Count("pk"), saved=Coalesce(Sum("balance_minor"), 0))
    savers, saved = totals["savers"], int(totals["saved"])
    paid = incentives_paid_minor(accounts)
    province_rows = (
        accounts.annotate(province=Substr("group__organization__district__path", 1, 4))
        .values("province")
        .annotate(
            groups=Count("group", distinct=True), savers=Count("pk"), saved=Sum("balance_minor")
        )
        .order_by("province")
    )
    names = dict(
        AdminArea.objects.filter(path__in=[r["province"] for r in province_rows]).values_list(
            "path", "name"
        )
    )
    incentive_by_province = dict(
        IncentiveLine.objects.filter(
            account__in=accounts, live=True, batch__state=TransferState.EXECUTED
        )
        .annotate(province=Substr("account__group__organization__district__path", 1, 4))
        .values("province")
        .annotate(total=Sum(F("opening_minor") + F("growth_minor") + F("withdrawal_minor")))
        .values_list("province", "total")
    )
    by_province = [
        {
            "path": r["province"],
            "name": names.get(r["province"], r["province"]),
            "groups": r["groups"],
            "savers": r["savers"],
            "saved_minor": int(r["saved"] or 0),
            "average_minor": indicators.average(int(r["saved"] or 0), r["savers"]),
            "incentives_minor": int(incentive_by_province.get(r["province"]) or 0),
        }
        for r in province_rows
    ]
    policies = restrict(InsurancePolicy.objects.filter(programme=programme), user).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(state__in=[PolicyState.ACTIVE, PolicyState.CLAIMED])),
        premium=Coalesce(
            Sum("premium_minor", filter=Q(state__in=[PolicyState.ACTIVE, PolicyState.CLAIMED])), 0
        ),
        subsidy=Coalesce(
            Sum("subsidy_minor", filter=Q(state__in=[PolicyState.ACTIVE, PolicyState.CLAIMED])), 0
        ),
        children=Coalesce(Sum("children_covered"), 0),
    )
    return ProgrammeReport(
        programme=programme,
        on=on,
        groups=groups.count(),
        savers=savers,
        saved_minor=saved,
        average_saved_minor=indicators.average(saved, savers),
        incentives=paid,
        average_incentive_minor=indicators.average(paid["total"], savers),
        rate=usd_rate(on),
        months=balances_by_month(accounts, months=24),
        by_province=by_province,
        funds=funds_figures(BusinessFund.objects.filter(group__in=groups.values("pk")), on),
        policies={key: int(value) for key, value in policies.items()},
    )


LIVE = [TransferState.PREPARED, TransferState.APPROVED, TransferState.EXECUTED]

# --- the officer's worklist -------------------------------------------------------------------


def worklist(*, user: Any) -> dict[str, Any]:
    """Payments waiting for someone, among the groups and programmes the user may change."""
    batches = restrict(IncentiveBatch.objects.all(), user, "change").select_related(
        "group__organization", "prepared_by"
    )
    seeds = restrict(SeedTransfer.objects.all(), user, "change").select_related(
        "fund__group__organization", "prepared_by"
    )
    premiums = premium_batch_list(user=user)
    return {
        "batches_to_approve": batches.filter(state=TransferState.PREPARED).exclude(
            prepared_by=user
        ),
        "batches_mine": batches.filter(state=TransferState.PREPARED, prepared_by=user),
        "batches_to_execute": batches.filter(state=TransferState.APPROVED),
        "seeds_to_approve": seeds.filter(state=TransferState.PREPARED).exclude(prepared_by=user),
        "seeds_to_execute": seeds.filter(state=TransferState.APPROVED),
        "premiums_open": premiums.filter(
            state__in=[TransferState.PREPARED, TransferState.APPROVED]
        ),
        "funds_without_seed": restrict(BusinessFund.objects.all(), user, "change")
        .exclude(seed_transfers__state__in=LIVE)
        .select_related("group__organization"),
    }
