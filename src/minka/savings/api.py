"""Read endpoints for savings groups, incentive batches, business funds, loans, the programme's
figures and insurance policies, through the same scoped selectors as the pages. Savers appear
by registry id only: names and DNIs stay in the registry's own endpoints."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.programmes.selectors import get_programme_for_user
from minka.savings import selectors, services
from minka.savings.models import BusinessFund

router = Router(tags=["savings"])


class GroupOut(Schema):
    id: int
    organization_id: int
    name: str
    programme_id: int
    started_on: date
    savers: int
    saved_minor: int
    currency: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_currency(obj) -> str:
        return obj.programme.currency


class AccountOut(Schema):
    id: int
    person_id: int
    institution_id: int
    number: str
    opened_on: date
    opening_deposit_minor: int
    balance_minor: int
    balance_month: date | None
    currency: str


class MonthOut(Schema):
    month: date
    savers: int
    total_minor: int


class FundOut(Schema):
    id: int
    group_id: int
    currency: str
    seed_capital_minor: int
    seed_received_minor: int
    value_minor: int
    cash_minor: int
    outstanding_minor: int
    capitalization_percent: Decimal | None
    par30_percent: Decimal | None
    repayment_rate_percent: Decimal | None
    active_loans: int
    arrears_minor: int


def _fund_out(figures: selectors.FundFigures) -> dict:
    fund = figures.fund
    return {
        "id": fund.pk,
        "group_id": fund.group_id,
        "currency": fund.currency,
        "seed_capital_minor": fund.seed_capital_minor,
        "seed_received_minor": figures.seed_minor,
        "value_minor": figures.value_minor,
        "cash_minor": figures.cash_minor,
        "outstanding_minor": figures.outstanding_minor,
        "capitalization_percent": figures.capitalization,
        "par30_percent": figures.par30,
        "repayment_rate_percent": figures.repayment_rate,
        "active_loans": figures.active_loans,
        "arrears_minor": figures.arrears_minor,
    }


class GroupDetailOut(GroupOut):
    incentives_paid_minor: dict[str, int]
    months: list[MonthOut]
    fund: FundOut | None


class LineOut(Schema):
    account_id: int
    closing_balance_minor: int
    opening_minor: int
    growth_base_minor: int
    growth_minor: int
    withdrawal_minor: int
    total_minor: int


class BatchOut(Schema):
    id: int
    group_id: int
    month: date
    total_minor: int
    currency: str
    state: str
    bank_reference: str
    executed_on: date | None


class BatchDetailOut(BatchOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class InstalmentOut(Schema):
    number: int
    due_on: date
    principal_minor: int
    interest_minor: int


class LoanOut(Schema):
    id: int
    fund_id: int
    number: int
    member_id: int
    purpose: str
    principal_minor: int
    method: str
    monthly_rate_bp: int
    instalments: int
    disbursed_on: date
    state: str
    schedule: list[InstalmentOut]
    paid_minor: int
    principal_outstanding_minor: int
    arrears_minor: int
    days_late: int


class ProvinceOut(Schema):
    path: str
    name: str
    groups: int
    savers: int
    saved_minor: int
    average_minor: int
    incentives_minor: int


class ReportOut(Schema):
    programme_id: int
    on: date
    currency: str
    groups: int
    savers: int
    saved_minor: int
    average_saved_minor: int
    average_saved_usd_minor: int | None
    incentives_paid_minor: dict[str, int]
    average_incentive_minor: int
    average_incentive_usd_minor: int | None
    by_province: list[ProvinceOut]
    funds: int
    seed_minor: int
    funds_value_minor: int
    average_capitalization_percent: Decimal | None
    par30_percent: Decimal | None
    policies: dict[str, int]


class PolicyOut(Schema):
    id: int
    number: str
    programme_id: int
    organization_id: int
    insurer_id: int
    person_id: int
    insured_as: str
    children_covered: int
    starts_on: date
    ends_on: date
    premium_minor: int
    subsidy_minor: int
    counterpart_minor: int
    state: str


@router.get("/savings/groups", response=list[GroupOut])
@paginate(LimitOffsetPagination)
def list_groups(request: HttpRequest, q: str | None = None, area: str | None = None):
    params = {k: v for k, v in {"q": q, "area": area}.items() if v}
    return selectors.group_list(user=request.user, params=params)


@router.get("/savings/groups/{group_id}", response=GroupDetailOut)
def get_group(request: HttpRequest, group_id: int):
    group = selectors.get_group_for_user(user=request.user, pk=group_id)
    summary = selectors.group_summary(group)
    fund = BusinessFund.objects.filter(group=group).first()
    return {
        "id": group.pk,
        "organization_id": group.organization_id,
        "name": group.organization.name,
        "programme_id": group.programme_id,
        "started_on": group.started_on,
        "savers": summary["savers"],
        "saved_minor": summary["saved_minor"],
        "currency": group.currency,
        "incentives_paid_minor": summary["incentives"],
        "months": [
            {"month": month, "savers": savers, "total_minor": total}
            for month, savers, total in summary["months"]
        ],
        "fund": _fund_out(selectors.fund_figures(fund, timezone.localdate())) if fund else None,
    }


@router.get("/savings/groups/{group_id}/accounts", response=list[AccountOut])
def list_accounts(request: HttpRequest, group_id: int):
    group = selectors.get_group_for_user(user=request.user, pk=group_id)
    return list(group.accounts.order_by("pk"))


@router.get("/savings/batches", response=list[BatchOut])
@paginate(LimitOffsetPagination)
def list_batches(request: HttpRequest, state: str | None = None):
    return selectors.batch_list(user=request.user, params={"state": state} if state else {})


@router.get("/savings/batches/{batch_id}", response=BatchDetailOut)
def get_batch(request: HttpRequest, batch_id: int):
    return selectors.get_batch_for_user(user=request.user, pk=batch_id)


@router.get("/savings/funds/{fund_id}", response=FundOut)
def get_fund(request: HttpRequest, fund_id: int, on: date | None = None):
    fund = selectors.get_fund_for_user(user=request.user, pk=fund_id)
    return _fund_out(selectors.fund_figures(fund, on or timezone.localdate()))


@router.get("/savings/loans/{loan_id}", response=LoanOut)
def get_loan(request: HttpRequest, loan_id: int):
    loan = selectors.get_loan_for_user(user=request.user, pk=loan_id)
    position = services.loan_position(loan, timezone.localdate())
    return {
        "id": loan.pk,
        "fund_id": loan.fund_id,
        "number": loan.number,
        "member_id": loan.member_id,
        "purpose": loan.purpose,
        "principal_minor": loan.principal_minor,
        "method": loan.method,
        "monthly_rate_bp": loan.monthly_rate_bp,
        "instalments": loan.instalments,
        "disbursed_on": loan.disbursed_on,
        "state": loan.state,
        "schedule": list(loan.schedule.all()),
        "paid_minor": position.paid_minor,
        "principal_outstanding_minor": position.principal_outstanding_minor,
        "arrears_minor": position.arrears_minor,
        "days_late": position.days_late,
    }


@router.get("/savings/report", response=ReportOut)
def get_report(request: HttpRequest, programme_id: int, on: date | None = None):
    programme = get_programme_for_user(user=request.user, pk=programme_id)
    report = selectors.programme_report(
        user=request.user, programme=programme, on=on or timezone.localdate()
    )
    return {
        "programme_id": programme.pk,
        "on": report.on,
        "currency": programme.currency,
        "groups": report.groups,
        "savers": report.savers,
        "saved_minor": report.saved_minor,
        "average_saved_minor": report.average_saved_minor,
        "average_saved_usd_minor": report.usd(report.average_saved_minor),
        "incentives_paid_minor": report.incentives,
        "average_incentive_minor": report.average_incentive_minor,
        "average_incentive_usd_minor": report.usd(report.average_incentive_minor),
        "by_province": report.by_province,
        "funds": report.fund_count,
        "seed_minor": report.seed_minor,
        "funds_value_minor": report.value_minor,
        "average_capitalization_percent": report.average_capitalization,
        "par30_percent": report.par30,
        "policies": report.policies,
    }


@router.get("/savings/policies", response=list[PolicyOut])
@paginate(LimitOffsetPagination)
def list_policies(request: HttpRequest, state: str | None = None):
    return selectors.policy_list(user=request.user, params={"state": state} if state else {})
