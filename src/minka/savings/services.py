"""Every write on women's savings, business funds and micro-insurance, with its rules.

Who acts: the group's representative (its treasurer) keeps the group's books (savers, balances,
withdrawals, loans, repayments, policies); officers and managers act within their area and
prepare, approve and execute the programme's payments (incentive batches, seed capital); premium
batches are programme-wide, for the programme's manager and officers. The preparer of a payment
never approves it (here and by a database check).

Money the programme pays goes through the ledger: approval commits it (COMMITTED ← BUDGET),
execution disburses it (HELD ← COMMITTED) and, for incentives and premiums, which are used the
moment they arrive, accounts for it at once (SPENT ← HELD). Seed capital stays HELD by the group:
it revolves. Rows money depends on are locked first (group or fund, then the transfer), then the
ledger locks its accounts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.core.audit import audit_record
from minka.core.errors import DomainError
from minka.core.models import Role, RoleAssignment
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.core.tabular import read_table
from minka.ledger.models import AccountKind, Journal
from minka.ledger.services import LegSpec, account_for, journal_post
from minka.registry.importers import RowError
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    FinancialInstitution,
    InstitutionKind,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Sex,
)
from minka.savings import incentives, indicators, schedules
from minka.savings.models import (
    BalanceSource,
    BusinessFund,
    Claim,
    ClaimEvent,
    ClaimState,
    FourEyesTransfer,
    FundMovement,
    IncentiveBatch,
    IncentiveLine,
    Instalment,
    InsurancePolicy,
    InsuredAs,
    InterestMethod,
    Loan,
    LoanProduct,
    LoanPurpose,
    LoanState,
    MonthlyBalance,
    MovementKind,
    PolicyState,
    PremiumBatch,
    Repayment,
    SavingsAccount,
    SavingsGroup,
    SavingsSettings,
    SeedTransfer,
    TransferState,
    Withdrawal,
    WithdrawalPurpose,
)

# --- permissions ------------------------------------------------------------------------------


def represents(user: Any, organization_id: int) -> bool:
    """Whether the user is the organization's representative (its treasurer or president)."""
    scope = user_scope(user)
    return Role.ORG_REP in scope.roles and organization_id in scope.view.organization_ids


def may_keep_books(user: Any, group: SavingsGroup) -> bool:
    return represents(user, group.organization_id) or can(user, "change", group)


def _require_books(user: Any, group: SavingsGroup) -> None:
    if not may_keep_books(user, group):
        raise DomainError(_("You may not keep this group's books."), code="forbidden")


def _require_manage(user: Any, group: SavingsGroup) -> None:
    if not can(user, "change", group):
        raise DomainError(
            _("Only the programme's officers and managers may do this."), code="forbidden"
        )


def _require_manager(user: Any, programme: Any) -> None:
    scope = user_scope(user).change
    if not (scope.everything or programme.pk in scope.programme_ids):
        raise DomainError(_("Only the programme's manager may do this."), code="forbidden")


def is_programme_staff(user: Any, programme: Any) -> bool:
    scope = user_scope(user).change
    if scope.everything or programme.pk in scope.programme_ids:
        return True
    if getattr(user, "pk", None) is None:
        return False
    return RoleAssignment.objects.filter(
        user_id=user.pk, role=Role.OFFICER, programme=programme
    ).exists()


def _require_programme_staff(user: Any, programme: Any) -> None:
    if not is_programme_staff(user, programme):
        raise DomainError(
            _("Only the programme's officers and managers may do this."), code="forbidden"
        )


# --- small helpers ----------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return schedules.add_months(month_start(month), 1) - datetime.timedelta(days=1)


def _positive(amount: Money, currency: str, field_name: str = "amount") -> int:
    if amount.currency != currency or amount.amount_minor <= 0:
        raise DomainError(
            _("The amount must be positive, in %(currency)s.") % {"currency": currency},
            field=field_name,
        )
    return amount.amount_minor


def _locked_group(group: SavingsGroup) -> SavingsGroup:
    return (
        SavingsGroup.objects.select_for_update()
        .select_related("organization", "programme")
        .get(pk=group.pk)
    )


def _person_by_dni(dni: str, field_name: str = "dni") -> Person:
    dni = (dni or "").strip()
    if len(dni) != 8 or not dni.isdigit():
        raise DomainError(_("A DNI has exactly 8 digits."), field=field_name)
    person = Person.objects.filter(dni=dni).first()
    if person is None:
        raise DomainError(
            _("No person with DNI %(dni)s is registered; register her in the registry first.")
            % {"dni": dni},
            field=field_name,
        )
    return person


def _is_member(organization: Organization, person: Person) -> bool:
    return Membership.objects.filter(
        organization=organization, person=person, left_on__isnull=True
    ).exists()


# --- programme settings -----------------------------------------------------------------------


def settings_for(programme: Any) -> SavingsSettings:
    """The programme's savings settings, created with CORREDOR's defaults on first use."""
    found = SavingsSettings.objects.filter(programme=programme).first()
    if found is not None:
        return found
    source = programme.funding_sources.order_by("-amount_minor", "pk").first()
    found, _created = SavingsSettings.objects.get_or_create(
        programme=programme, defaults={"funding_source": source}
    )
    return found


def rule_of(settings: SavingsSettings) -> incentives.Rule:
    return incentives.Rule(
        opening_match_percent=Decimal(settings.opening_match_percent),
        opening_cap_minor=settings.opening_cap_minor,
        growth_percent=Decimal(settings.growth_percent),
        growth_cap_minor=settings.growth_cap_minor,
        withdrawal_match_percent=Decimal(settings.withdrawal_match_percent),
        withdrawal_cap_minor=settings.withdrawal_cap_minor,
    )


SETTINGS_FIELDS = (
    "opening_match_percent",
    "opening_cap_minor",
    "growth_percent",
    "growth_cap_minor",
    "withdrawal_match_percent",
    "withdrawal_cap_minor",
    "funding_source",
    "insurance_premium_minor",
    "insurance_child_premium_minor",
    "insurance_subsidy_percent",
)


@transaction.atomic
def settings_update(*, user: Any, programme: Any, values: Mapping[str, Any]) -> SavingsSettings:
    """Change the programme's incentive and insurance terms (the manager). Batches already
    prepared keep the amounts they were computed with."""
    _require_manager(user, programme)
    current = settings_for(programme)
    current = SavingsSettings.objects.select_for_update().get(pk=current.pk)
    source = values.get("funding_source")
    if source is not None and source.programme_id != programme.pk:
        raise DomainError(
            _("The funding source belongs to another programme."), field="funding_source"
        )
    for name in SETTINGS_FIELDS:
        if name in values:
            setattr(current, name, values[name])
    for name in ("opening_cap_minor", "growth_cap_minor", "withdrawal_cap_minor"):
        value = getattr(current, name)
        if value is not None and value < 0:
            raise DomainError(_("A cap cannot be negative."), field=name)
    current.save()
    audit_record(
        actor=user,
        action="savings.settings_changed",
        obj=current,
        programme=programme,
        data={name: str(getattr(current, name)) for name in SETTINGS_FIELDS},
    )
    return current


# --- groups and savers ------------------------------------------------------------------------


@transaction.atomic
def group_enrol(
    *, user: Any, organization: Organization, programme: Any, started_on: datetime.date
) -> SavingsGroup:
    """Enrol a women's organization of the registry in the programme's savings instrument."""
    if not can(user, "change", organization):
        raise DomainError(_("You may not enrol this organization."), code="forbidden")
    if organization.kind != OrganizationKind.WOMENS_GROUP:
        raise DomainError(_("Only women's groups take part in savings."), field="organization")
    paths = list(programme.coverage_areas.values_list("path", flat=True))
    if not any(organization.district.path.startswith(path) for path in paths):
        raise DomainError(
            _("The organization lies outside the programme's area."), field="organization"
        )
    if SavingsGroup.objects.filter(organization=organization).exists():
        raise DomainError(_("This organization is already a savings group."), field="organization")
    group = SavingsGroup.objects.create(
        organization=organization, programme=programme, started_on=started_on
    )
    audit_record(actor=user, action="savings.group_enrolled", obj=group, programme=programme)
    return group


@transaction.atomic
def saver_register(
    *,
    user: Any,
    group: SavingsGroup,
    dni: str,
    institution: FinancialInstitution,
    number: str,
    opened_on: datetime.date,
    opening_deposit: Money,
) -> SavingsAccount:
    """Register a member's individual account. The saver is the registry's person with that DNI,
    a woman; she becomes a member of the group if she was not yet."""
    group = _locked_group(group)
    _require_books(user, group)
    person = _person_by_dni(dni)
    if person.sex != Sex.FEMALE:
        raise DomainError(_("Savers of a women's group are women."), field="dni")
    if not institution.sbs_regulated or institution.kind == InstitutionKind.INSURER:
        raise DomainError(
            _("Savings accounts are kept at an SBS-regulated bank or savings institution."),
            field="institution",
        )
    number = (number or "").strip()
    if not number:
        raise DomainError(_("Give the account number."), field="number")
    deposit = _positive(opening_deposit, group.currency, "opening_deposit")
    if opened_on > timezone.localdate():
        raise DomainError(_("The account cannot open in the future."), field="opened_on")
    if SavingsAccount.objects.filter(group=group, person=person).exists():
        raise DomainError(_("This member already has an account in the group."), field="dni")
    if SavingsAccount.objects.filter(institution=institution, number=number).exists():
        raise DomainError(_("This account number is already registered."), field="number")
    if not Membership.objects.filter(organization=group.organization, person=person).exists():
        Membership.objects.create(
            organization=group.organization, person=person, joined_on=opened_on
        )
    elif not _is_member(group.organization, person):
        raise DomainError(_("She has left the group."), field="dni")
    account = SavingsAccount.objects.create(
        group=group,
        person=person,
        institution=institution,
        number=number,
        currency=group.currency,
        opened_on=opened_on,
        opening_deposit_minor=deposit,
        balance_minor=deposit,
    )
    return account


def _incentivised_from(account_ids: Iterable[int]) -> dict[int, datetime.date]:
    """Per account, the latest month already in a live incentive batch."""
    rows = (
        IncentiveLine.objects.filter(account_id__in=list(account_ids), live=True)
        .values("account_id")
        .annotate(last=Max("month"))
    )
    return {row["account_id"]: row["last"] for row in rows}


def _write_balances(
    *,
    user: Any,
    group: SavingsGroup,
    month: datetime.date,
    amounts: Mapping[int, int],
    source: str,
    reference: str,
) -> int:
    accounts = {a.pk: a for a in group.accounts.filter(pk__in=list(amounts))}
    done = _incentivised_from(accounts)
    for account_id, amount in amounts.items():
        account = accounts.get(account_id)
        if account is None:
            raise DomainError(_("The account is not in this group."), field="balances")
        if amount < 0:
            raise DomainError(_("A balance cannot be negative."), field="balances")
        if month_start(account.opened_on) > month:
            raise DomainError(
                _("Account %(number)s opened after that month.") % {"number": account.number},
                field="month",
            )
        if account_id in done and done[account_id] >= month:
            raise DomainError(
                _(
                    "The incentives of %(month)s are already computed for account %(number)s; "
                    "cancel that batch first."
                )
                % {"month": f"{month:%Y-%m}", "number": account.number},
                field="month",
            )
    existing = {
        b.account_id: b for b in MonthlyBalance.objects.filter(account_id__in=accounts, month=month)
    }
    for account_id, amount in amounts.items():
        account = accounts[account_id]
        row = existing.get(account_id)
        if row is None:
            MonthlyBalance.objects.create(
                account=account,
                month=month,
                balance_minor=amount,
                source=source,
                reference=reference,
                recorded_by=user,
            )
        elif row.balance_minor != amount:
            row.balance_minor, row.source, row.reference, row.recorded_by = (
                amount,
                source,
                reference,
                user,
            )
            row.save()
        if account.balance_month is None or account.balance_month <= month:
            account.balance_minor, account.balance_month = amount, month
            account.save(update_fields=["balance_minor", "balance_month"])
    return len(amounts)


def _check_month(month: datetime.date) -> datetime.date:
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise DomainError(_("That month has not come yet."), field="month")
    return month


@transaction.atomic
def balances_record(
    *, user: Any, group: SavingsGroup, month: datetime.date, balances: Mapping[int, Money]
) -> int:
    """Enter the month's closing balances of the group's accounts (account id → balance)."""
    group = _locked_group(group)
    _require_books(user, group)
    month = _check_month(month)
    amounts: dict[int, int] = {}
    for account_id, amount in balances.items():
        if amount.currency != group.currency:
            raise DomainError(
                _("Balances are in %(currency)s.") % {"currency": group.currency},
                field="balances",
            )
        amounts[account_id] = amount.amount_minor
    return _write_balances(
        user=user,
        group=group,
        month=month,
        amounts=amounts,
        source=BalanceSource.ENTERED,
        reference="",
    )


ACCOUNT_COLUMNS = ("cuenta", "numero_de_cuenta", "nro_de_cuenta", "account", "account_number")
BALANCE_COLUMNS = ("saldo", "saldo_final", "saldo_al_cierre", "balance", "closing_balance")
DNI_COLUMNS = ("dni", "documento", "nro_documento")


class StatementError(DomainError):
    """A statement with bad rows: nothing was written; `problems` names each row and column."""

    def __init__(self, problems: list[RowError]) -> None:
        message = _("The statement has %(count)d problem(s); nothing was imported.") % {
            "count": len(problems)
        }
        super().__init__(message, field="file", code="rows")
        self.problems = problems


def _column(table: Any, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in table.columns), None)


@transaction.atomic
def statement_import(
    *,
    user: Any,
    institution: FinancialInstitution,
    month: datetime.date,
    data: bytes,
    filename: str,
) -> int:
    """Import an institution's statement of month-end balances (CSV or XLSX): one row per
    account, with the account number, the balance and optionally the saver's DNI. Every row is
    checked first; any problem refuses the whole file. Returns the number of balances."""
    month = _check_month(month)
    table = read_table(data, filename, code_columns=dict.fromkeys(DNI_COLUMNS, 8))
    account_column = _column(table, ACCOUNT_COLUMNS)
    balance_column = _column(table, BALANCE_COLUMNS)
    dni_column = _column(table, DNI_COLUMNS)
    missing = [
        label
        for label, column in (("cuenta", account_column), ("saldo", balance_column))
        if column is None
    ]
    if missing:
        raise DomainError(
            _("The statement needs the columns: %(columns)s.") % {"columns": ", ".join(missing)},
            field="file",
        )
    assert account_column is not None and balance_column is not None
    numbers = [row.get(account_column).strip() for row in table.rows]
    accounts = {
        a.number: a
        for a in SavingsAccount.objects.filter(
            institution=institution, number__in=numbers
        ).select_related("group", "person")
    }
    allowed: dict[int, bool] = {}
    problems: list[RowError] = []
    seen: set[str] = set()
    per_group: dict[int, dict[int, int]] = defaultdict(dict)
    header = table.headers
    for row in table.rows:
        number = row.get(account_column).strip()
        account = accounts.get(number)
        if not number:
            problems.append(RowError(row.number, header[account_column], _("Missing.")))
            continue
        if account is None:
            problems.append(
                RowError(
                    row.number,
                    header[account_column],
                    _("No savings account %(number)s at %(institution)s.")
                    % {"number": number, "institution": institution},
                )
            )
            continue
        if account.group_id not in allowed:
            allowed[account.group_id] = may_keep_books(user, account.group)
        if not allowed[account.group_id]:
            problems.append(
                RowError(
                    row.number,
                    header[account_column],
                    _("You may not keep the books of this account's group."),
                )
            )
            continue
        if number in seen:
            problems.append(
                RowError(row.number, header[account_column], _("The account appears twice."))
            )
            continue
        seen.add(number)
        given_dni = row.get(dni_column).strip() if dni_column else ""
        if dni_column and given_dni and given_dni != (account.person.dni or ""):
            problems.append(
                RowError(row.number, header[dni_column], _("The DNI is not the saver's."))
            )
            continue
        try:
            amount = Money.from_decimal(row.get(balance_column), account.currency)
        except ValueError:
            problems.append(RowError(row.number, header[balance_column], _("Not an amount.")))
            continue
        if amount.amount_minor < 0:
            problems.append(
                RowError(row.number, header[balance_column], _("A balance cannot be negative."))
            )
            continue
        per_group[account.group_id][account.pk] = amount.amount_minor
    if not table.rows:
        raise DomainError(_("The statement has no rows."), field="file")
    if problems:
        raise StatementError(problems)
    written = 0
    for group_id in sorted(per_group):
        group = _locked_group(SavingsGroup(pk=group_id))
        try:
            written += _write_balances(
                user=user,
                group=group,
                month=month,
                amounts=per_group[group_id],
                source=BalanceSource.STATEMENT,
                reference=filename[:150],
            )
        except DomainError as exc:
            raise DomainError(
                _("%(group)s: %(message)s") % {"group": group, "message": exc.message},
                field="file",
            ) from exc
    return written


@transaction.atomic
def withdrawal_record(
    *,
    user: Any,
    account: SavingsAccount,
    withdrawn_on: datetime.date,
    amount: Money,
    purpose: str,
    evidence_reference: str = "",
    evidence_file: Any = None,
) -> Withdrawal:
    """Record a withdrawal; with an approved purpose and evidence the programme matches it in
    that month's incentives."""
    group = _locked_group(account.group)
    _require_books(user, group)
    account = SavingsAccount.objects.get(pk=account.pk, group=group)
    minor = _positive(amount, account.currency)
    if purpose not in WithdrawalPurpose.values:
        raise DomainError(_("Choose the purpose."), field="purpose")
    if withdrawn_on < account.opened_on or withdrawn_on > timezone.localdate():
        raise DomainError(
            _("The date must lie between the account's opening and today."), field="withdrawn_on"
        )
    done = _incentivised_from([account.pk]).get(account.pk)
    if done is not None and done >= month_start(withdrawn_on):
        raise DomainError(
            _("The incentives of that month are already computed; cancel that batch first."),
            field="withdrawn_on",
        )
    return Withdrawal.objects.create(
        account=account,
        withdrawn_on=withdrawn_on,
        amount_minor=minor,
        purpose=purpose,
        evidence_reference=evidence_reference.strip(),
        evidence_file=evidence_file or "",
        recorded_by=user,
    )


# --- incentives -------------------------------------------------------------------------------


@dataclass
class SaverLine:
    account: SavingsAccount
    closing_balance_minor: int
    result: incentives.MonthIncentive


@dataclass
class IncentivePreview:
    group: SavingsGroup
    month: datetime.date
    lines: list[SaverLine] = field(default_factory=list)
    missing: list[SavingsAccount] = field(default_factory=list)
    already: list[SavingsAccount] = field(default_factory=list)

    @property
    def total_minor(self) -> int:
        return sum(line.result.total_minor for line in self.lines)

    def component(self, name: str) -> int:
        return sum(getattr(line.result, f"{name}_minor") for line in self.lines)


def incentive_preview(*, group: SavingsGroup, month: datetime.date) -> IncentivePreview:
    """What the month's incentives of the group come to, from its balances, approved withdrawals
    and each saver's state after the earlier batches (read-only; a handful of queries)."""
    month = month_start(month)
    rule = rule_of(settings_for(group.programme))
    preview = IncentivePreview(group=group, month=month)
    accounts = list(
        group.accounts.filter(opened_on__lte=month_end(month)).select_related(
            "person", "institution"
        )
    )
    ids = [a.pk for a in accounts]
    balances = dict(
        MonthlyBalance.objects.filter(account_id__in=ids, month=month).values_list(
            "account_id", "balance_minor"
        )
    )
    states: dict[int, incentives.SaverState] = {}
    paid_now: set[int] = set()
    for line in IncentiveLine.objects.filter(
        account_id__in=ids, live=True, month__lte=month
    ).order_by("account_id", "-month"):
        if line.month == month:
            paid_now.add(line.account_id)
        elif line.account_id not in states:
            states[line.account_id] = incentives.SaverState(True, line.peak_after_minor)
    withdrawals: dict[int, list[int]] = defaultdict(list)
    for withdrawal in Withdrawal.objects.filter(
        account_id__in=ids, withdrawn_on__gte=month, withdrawn_on__lte=month_end(month)
    ):
        if withdrawal.matched:
            withdrawals[withdrawal.account_id].append(withdrawal.amount_minor)
    for account in accounts:
        if account.pk in paid_now:
            preview.already.append(account)
            continue
        if account.pk not in balances:
            preview.missing.append(account)
            continue
        result = incentives.month_incentive(
            rule,
            states.get(account.pk, incentives.SaverState()),
            incentives.SaverMonth(
                closing_balance_minor=balances[account.pk],
                opening_deposit_minor=account.opening_deposit_minor,
                approved_withdrawals_minor=tuple(withdrawals[account.pk]),
            ),
        )
        preview.lines.append(SaverLine(account, balances[account.pk], result))
    return preview


def _locked_transfer(model: type[Any], transfer: Any) -> Any:
    return model.objects.select_for_update().get(pk=transfer.pk)


@transaction.atomic
def incentive_batch_prepare(
    *,
    user: Any,
    group: SavingsGroup,
    month: datetime.date,
    request_key: str | None = None,
) -> IncentiveBatch:
    """Compute the month's incentives of the group into a batch awaiting approval. Each saver
    is paid once per month: a second batch for the month is refused (database constraints on
    the batch and on each line); repeating a request with the same key returns its batch."""
    group = _locked_group(group)
    _require_manage(user, group)
    if request_key:
        existing = IncentiveBatch.objects.filter(request_key=request_key).first()
        if existing is not None:
            if existing.group_id != group.pk or existing.month != month_start(month):
                raise DomainError(_("This request was already made for another batch."))
            return existing
    month = _check_month(month)
    if month_end(month) >= timezone.localdate():
        raise DomainError(_("Incentives are computed once the month is over."), field="month")
    if (
        IncentiveBatch.objects.filter(group=group, month=month)
        .exclude(state=TransferState.CANCELLED)
        .exists()
    ):
        raise DomainError(
            _("This month's incentives are already in a batch."), field="month", code="duplicate"
        )
    if IncentiveLine.objects.filter(account__group=group, live=True, month__gt=month).exists():
        raise DomainError(
            _("A later month is already computed; months are computed in order."), field="month"
        )
    settings = settings_for(group.programme)
    if settings.funding_source is None:
        raise DomainError(
            _("The programme's savings settings name no funding source."), field="month"
        )
    preview = incentive_preview(group=group, month=month)
    if preview.total_minor <= 0:
        raise DomainError(_("There is nothing to pay for this month."), field="month")
    try:
        with transaction.atomic():
            batch = IncentiveBatch.objects.create(
                group=group,
                month=month,
                total_minor=preview.total_minor,
                currency=group.currency,
                funding_source=settings.funding_source,
                prepared_by=user,
                request_key=request_key or None,
            )
            IncentiveLine.objects.bulk_create(
                [
                    IncentiveLine(
                        batch=batch,
                        account=line.account,
                        month=month,
                        closing_balance_minor=line.closing_balance_minor,
                        opening_minor=line.result.opening_minor,
                        growth_base_minor=line.result.growth_base_minor,
                        growth_minor=line.result.growth_minor,
                        withdrawal_minor=line.result.withdrawal_minor,
                        peak_after_minor=line.result.peak_after_minor,
                    )
                    for line in preview.lines
                ]
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This month's incentives are already in a batch."), field="month", code="duplicate"
        ) from exc
    audit_record(
        actor=user,
        action="savings.incentives_prepared",
        obj=batch,
        programme=group.programme,
        data={"month": f"{month:%Y-%m}", "total": batch.total_minor, "savers": len(preview.lines)},
    )
    return batch


def _check_approval(transfer: FourEyesTransfer, user: Any) -> None:
    if transfer.state != TransferState.PREPARED:
        raise DomainError(_("Only a prepared transfer can be approved."))
    if transfer.prepared_by_id == getattr(user, "pk", None):
        raise DomainError(
            _("The person who prepared a transfer cannot approve it."), code="four_eyes"
        )


def _check_execution(transfer: FourEyesTransfer, bank_reference: str) -> str:
    if transfer.state != TransferState.APPROVED:
        raise DomainError(_("Only an approved transfer can be executed."))
    reference = (bank_reference or "").strip()
    if not reference:
        raise DomainError(_("Give the bank's reference of the transfer."), field="bank_reference")
    return reference


def _accounts(
    *, programme: Any, transfer: FourEyesTransfer, ref: str, concept: str, organization: Any
) -> dict[str, Any]:
    currency = transfer.currency
    return {
        "budget": account_for(
            programme=programme,
            kind=AccountKind.BUDGET,
            currency=currency,
            funding_source=transfer.funding_source,
        ),
        "committed": account_for(
            programme=programme,
            kind=AccountKind.COMMITTED,
            currency=currency,
            commitment=ref,
            concept=concept,
            organization=organization,
        ),
        "held": account_for(
            programme=programme,
            kind=AccountKind.HELD,
            currency=currency,
            commitment=ref,
            organization=organization,
        ),
        "spent": account_for(
            programme=programme,
            kind=AccountKind.SPENT,
            currency=currency,
            commitment=ref,
            concept=concept,
            organization=organization,
        ),
    }


def _post_commit(
    *,
    user: Any,
    programme: Any,
    accounts: dict[str, Any],
    amount: Money,
    memo: str,
    key: str,
    on: datetime.date,
) -> Journal:
    return journal_post(
        programme=programme,
        kind="commitment",
        legs=[LegSpec(accounts["committed"], amount), LegSpec(accounts["budget"], -amount)],
        memo=memo,
        effective_date=on,
        idempotency_key=f"{key}:commit",
        actor=user,
    )


def _post_payment(
    *,
    user: Any,
    programme: Any,
    accounts: dict[str, Any],
    amount: Money,
    memo: str,
    key: str,
    on: datetime.date,
    reference: str,
    spend: bool,
) -> Journal:
    journal = journal_post(
        programme=programme,
        kind="disbursement",
        legs=[LegSpec(accounts["held"], amount), LegSpec(accounts["committed"], -amount)],
        memo=memo,
        effective_date=on,
        idempotency_key=f"{key}:disburse",
        actor=user,
        reference=reference,
    )
    if spend:
        journal_post(
            programme=programme,
            kind="spending",
            legs=[LegSpec(accounts["spent"], amount), LegSpec(accounts["held"], -amount)],
            memo=memo,
            effective_date=on,
            idempotency_key=f"{key}:spend",
            actor=user,
            reference=reference,
        )
    return journal


def _post_release(
    *, user: Any, programme: Any, accounts: dict[str, Any], amount: Money, memo: str, key: str
) -> None:
    journal_post(
        programme=programme,
        kind="decommitment",
        legs=[LegSpec(accounts["budget"], amount), LegSpec(accounts["committed"], -amount)],
        memo=memo,
        effective_date=timezone.localdate(),
        idempotency_key=f"{key}:release",
        actor=user,
    )


def _batch_accounts(batch: IncentiveBatch) -> dict[str, Any]:
    return _accounts(
        programme=batch.group.programme,
        transfer=batch,
        ref=batch.commitment_ref,
        concept="incentives",
        organization=batch.group.organization,
    )


def _locked_batch(batch: IncentiveBatch) -> tuple[SavingsGroup, IncentiveBatch]:
    group = _locked_group(batch.group)
    locked = (
        IncentiveBatch.objects.select_for_update().select_related("funding_source").get(pk=batch.pk)
    )
    locked.group = group
    return group, locked


@transaction.atomic
def incentive_batch_approve(
    *, user: Any, batch: IncentiveBatch, approved_on: datetime.date | None = None
) -> IncentiveBatch:
    """Approve a batch prepared by someone else; commits its total against the budget."""
    group, batch = _locked_batch(batch)
    _require_manage(user, group)
    _check_approval(batch, user)
    journal = _post_commit(
        user=user,
        programme=group.programme,
        accounts=_batch_accounts(batch),
        amount=batch.money(batch.total_minor),
        memo=_("Savings incentives %(month)s, %(group)s")
        % {"month": f"{batch.month:%Y-%m}", "group": group},
        key=f"savings:incentives:{batch.pk}",
        on=approved_on or timezone.localdate(),
    )
    batch.state, batch.approved_by, batch.approved_at = (
        TransferState.APPROVED,
        user,
        timezone.now(),
    )
    batch.commit_journal = journal
    batch.save(update_fields=["state", "approved_by", "approved_at", "commit_journal"])
    audit_record(
        actor=user,
        action="savings.incentives_approved",
        obj=batch,
        programme=group.programme,
        data={"total": batch.total_minor},
    )
    return batch


@transaction.atomic
def incentive_batch_execute(
    *, user: Any, batch: IncentiveBatch, bank_reference: str, executed_on: datetime.date
) -> IncentiveBatch:
    """Record the bank's payment of the batch into the savers' accounts: disbursed and, since
    the incentive is the saver's the moment it arrives, accounted for at once."""
    group, batch = _locked_batch(batch)
    _require_manage(user, group)
    reference = _check_execution(batch, bank_reference)
    journal = _post_payment(
        user=user,
        programme=group.programme,
        accounts=_batch_accounts(batch),
        amount=batch.money(batch.total_minor),
        memo=_("Savings incentives %(month)s, %(group)s")
        % {"month": f"{batch.month:%Y-%m}", "group": group},
        key=f"savings:incentives:{batch.pk}",
        on=executed_on,
        reference=reference,
        spend=True,
    )
    batch.state, batch.executed_by, batch.executed_at = (
        TransferState.EXECUTED,
        user,
        timezone.now(),
    )
    batch.executed_on, batch.bank_reference, batch.disburse_journal = (
        executed_on,
        reference,
        journal,
    )
    batch.save(
        update_fields=[
            "state",
            "executed_by",
            "executed_at",
            "executed_on",
            "bank_reference",
            "disburse_journal",
        ]
    )
    audit_record(
        actor=user,
        action="savings.incentives_paid",
        obj=batch,
        programme=group.programme,
        data={"total": batch.total_minor, "reference": reference},
    )
    return batch


@transaction.atomic
def incentive_batch_cancel(*, user: Any, batch: IncentiveBatch, reason: str) -> IncentiveBatch:
    """Cancel a batch not yet paid: its lines stop counting (the month can be computed again)
    and an approved batch's commitment returns to the budget."""
    group, batch = _locked_batch(batch)
    _require_manage(user, group)
    if batch.state not in (TransferState.PREPARED, TransferState.APPROVED):
        raise DomainError(_("A paid or cancelled batch cannot be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the batch is cancelled."), field="reason")
    if IncentiveLine.objects.filter(
        account__group=group, live=True, month__gt=batch.month
    ).exists():
        raise DomainError(_("A later month is already computed; cancel that batch first."))
    if batch.state == TransferState.APPROVED:
        _post_release(
            user=user,
            programme=group.programme,
            accounts=_batch_accounts(batch),
            amount=batch.money(batch.total_minor),
            memo=_("Cancelled savings incentives %(month)s, %(group)s")
            % {"month": f"{batch.month:%Y-%m}", "group": group},
            key=f"savings:incentives:{batch.pk}",
        )
    batch.lines.update(live=False)
    batch.state, batch.cancel_reason = TransferState.CANCELLED, reason.strip()[:300]
    batch.save(update_fields=["state", "cancel_reason"])
    audit_record(
        actor=user,
        action="savings.incentives_cancelled",
        obj=batch,
        programme=group.programme,
        data={"reason": reason},
    )
    return batch


# --- business funds ---------------------------------------------------------------------------


@transaction.atomic
def fund_create(
    *, user: Any, group: SavingsGroup, seed_capital: Money, created_on: datetime.date
) -> BusinessFund:
    group = _locked_group(group)
    _require_manage(user, group)
    seed = _positive(seed_capital, group.currency, "seed_capital")
    if BusinessFund.objects.filter(group=group).exists():
        raise DomainError(_("The group already has a business fund."), field="seed_capital")
    fund = BusinessFund.objects.create(
        group=group, seed_capital_minor=seed, currency=group.currency, created_on=created_on
    )
    audit_record(
        actor=user,
        action="savings.fund_created",
        obj=fund,
        programme=group.programme,
        data={"seed": seed},
    )
    return fund


def _locked_fund(fund: BusinessFund) -> BusinessFund:
    group = _locked_group(fund.group)
    locked = BusinessFund.objects.select_for_update().get(pk=fund.pk)
    locked.group = group
    return locked


def group_bank_account(organization: Organization) -> BankAccount | None:
    return (
        BankAccount.objects.filter(
            organization=organization,
            status=AccountStatus.VERIFIED,
            institution__sbs_regulated=True,
        )
        .select_related("institution")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def seed_transfer_prepare(*, user: Any, fund: BusinessFund) -> SeedTransfer:
    """Prepare the transfer of the seed capital to the group's verified account."""
    fund = _locked_fund(fund)
    _require_manage(user, fund.group)
    if SeedTransfer.objects.filter(fund=fund).exclude(state=TransferState.CANCELLED).exists():
        raise DomainError(_("The seed capital already has a transfer."), code="duplicate")
    account = group_bank_account(fund.group.organization)
    if account is None:
        raise DomainError(_("The group has no verified account at an SBS-regulated institution."))
    settings = settings_for(fund.group.programme)
    if settings.funding_source is None:
        raise DomainError(_("The programme's savings settings name no funding source."))
    try:
        with transaction.atomic():
            transfer = SeedTransfer.objects.create(
                fund=fund,
                amount_minor=fund.seed_capital_minor,
                bank_account=account,
                currency=fund.currency,
                funding_source=settings.funding_source,
                prepared_by=user,
            )
    except IntegrityError as exc:
        raise DomainError(_("The seed capital already has a transfer."), code="duplicate") from exc
    audit_record(
        actor=user,
        action="savings.seed_prepared",
        obj=transfer,
        programme=fund.group.programme,
        data={"amount": transfer.amount_minor},
    )
    return transfer


def _seed_accounts(transfer: SeedTransfer, fund: BusinessFund) -> dict[str, Any]:
    return _accounts(
        programme=fund.group.programme,
        transfer=transfer,
        ref=transfer.commitment_ref,
        concept="seed",
        organization=fund.group.organization,
    )


def _locked_seed(transfer: SeedTransfer) -> tuple[BusinessFund, SeedTransfer]:
    fund = _locked_fund(transfer.fund)
    locked = (
        SeedTransfer.objects.select_for_update()
        .select_related("funding_source")
        .get(pk=transfer.pk)
    )
    locked.fund = fund
    return fund, locked


@transaction.atomic
def seed_transfer_approve(
    *, user: Any, transfer: SeedTransfer, approved_on: datetime.date | None = None
) -> SeedTransfer:
    fund, transfer = _locked_seed(transfer)
    _require_manage(user, fund.group)
    _check_approval(transfer, user)
    transfer.commit_journal = _post_commit(
        user=user,
        programme=fund.group.programme,
        accounts=_seed_accounts(transfer, fund),
        amount=transfer.money(transfer.amount_minor),
        memo=_("Seed capital of the business fund of %(group)s") % {"group": fund.group},
        key=f"savings:seed:{transfer.pk}",
        on=approved_on or timezone.localdate(),
    )
    transfer.state, transfer.approved_by, transfer.approved_at = (
        TransferState.APPROVED,
        user,
        timezone.now(),
    )
    transfer.save(update_fields=["state", "approved_by", "approved_at", "commit_journal"])
    audit_record(
        actor=user,
        action="savings.seed_approved",
        obj=transfer,
        programme=fund.group.programme,
        data={"amount": transfer.amount_minor},
    )
    return transfer


@transaction.atomic
def seed_transfer_execute(
    *, user: Any, transfer: SeedTransfer, bank_reference: str, executed_on: datetime.date
) -> SeedTransfer:
    """Record the bank transfer: the seed capital is disbursed (held by the group, where it
    revolves) and enters the fund's books."""
    fund, transfer = _locked_seed(transfer)
    _require_manage(user, fund.group)
    reference = _check_execution(transfer, bank_reference)
    journal = _post_payment(
        user=user,
        programme=fund.group.programme,
        accounts=_seed_accounts(transfer, fund),
        amount=transfer.money(transfer.amount_minor),
        memo=_("Seed capital of the business fund of %(group)s") % {"group": fund.group},
        key=f"savings:seed:{transfer.pk}",
        on=executed_on,
        reference=reference,
        spend=False,
    )
    transfer.state, transfer.executed_by, transfer.executed_at = (
        TransferState.EXECUTED,
        user,
        timezone.now(),
    )
    transfer.executed_on, transfer.bank_reference, transfer.disburse_journal = (
        executed_on,
        reference,
        journal,
    )
    transfer.save(
        update_fields=[
            "state",
            "executed_by",
            "executed_at",
            "executed_on",
            "bank_reference",
            "disburse_journal",
        ]
    )
    FundMovement.objects.create(
        fund=fund,
        kind=MovementKind.SEED,
        moved_on=executed_on,
        amount_minor=transfer.amount_minor,
        description=reference,
        seed_transfer=transfer,
        recorded_by=user,
    )
    audit_record(
        actor=user,
        action="savings.seed_paid",
        obj=transfer,
        programme=fund.group.programme,
        data={"amount": transfer.amount_minor, "reference": reference},
    )
    return transfer


@transaction.atomic
def seed_transfer_cancel(*, user: Any, transfer: SeedTransfer, reason: str) -> SeedTransfer:
    fund, transfer = _locked_seed(transfer)
    _require_manage(user, fund.group)
    if transfer.state not in (TransferState.PREPARED, TransferState.APPROVED):
        raise DomainError(_("A paid or cancelled transfer cannot be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the transfer is cancelled."), field="reason")
    if transfer.state == TransferState.APPROVED:
        _post_release(
            user=user,
            programme=fund.group.programme,
            accounts=_seed_accounts(transfer, fund),
            amount=transfer.money(transfer.amount_minor),
            memo=_("Cancelled seed capital of %(group)s") % {"group": fund.group},
            key=f"savings:seed:{transfer.pk}",
        )
    transfer.state, transfer.cancel_reason = TransferState.CANCELLED, reason.strip()[:300]
    transfer.save(update_fields=["state", "cancel_reason"])
    audit_record(
        actor=user,
        action="savings.seed_cancelled",
        obj=transfer,
        programme=fund.group.programme,
        data={"reason": reason},
    )
    return transfer


@dataclass(frozen=True)
class FundBooks:
    """A fund's totals from its books (minor units)."""

    seed_minor: int
    disbursed_minor: int
    repaid_principal_minor: int
    repaid_interest_minor: int
    income_minor: int
    expense_minor: int

    @property
    def cash_minor(self) -> int:
        return indicators.fund_cash(
            seed_minor=self.seed_minor,
            disbursed_minor=self.disbursed_minor,
            repaid_minor=self.repaid_principal_minor + self.repaid_interest_minor,
            income_minor=self.income_minor,
            expense_minor=self.expense_minor,
        )

    @property
    def outstanding_minor(self) -> int:
        return self.disbursed_minor - self.repaid_principal_minor

    @property
    def value_minor(self) -> int:
        return indicators.fund_value(
            seed_minor=self.seed_minor,
            interest_minor=self.repaid_interest_minor,
            income_minor=self.income_minor,
            expense_minor=self.expense_minor,
        )


def fund_books(fund: BusinessFund) -> FundBooks:
    """The fund's totals in three aggregate queries."""
    movements = {
        row["kind"]: row["total"]
        for row in fund.movements.values("kind").annotate(total=Sum("amount_minor"))
    }
    loans = fund.loans.aggregate(total=Sum("principal_minor"))
    repaid = Repayment.objects.filter(loan__fund=fund).aggregate(
        principal=Sum("principal_minor"), interest=Sum("interest_minor")
    )
    return FundBooks(
        seed_minor=int(movements.get(MovementKind.SEED, 0) or 0),
        disbursed_minor=int(loans["total"] or 0),
        repaid_principal_minor=int(repaid["principal"] or 0),
        repaid_interest_minor=int(repaid["interest"] or 0),
        income_minor=int(movements.get(MovementKind.INCOME, 0) or 0),
        expense_minor=int(movements.get(MovementKind.EXPENSE, 0) or 0),
    )


@transaction.atomic
def product_create(
    *,
    user: Any,
    fund: BusinessFund,
    name: str,
    method: str,
    monthly_rate_bp: int,
    instalments: int,
    max_principal: Money | None = None,
) -> LoanProduct:
    fund = _locked_fund(fund)
    _require_books(user, fund.group)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the product a name."), field="name")
    if method not in InterestMethod.values:
        raise DomainError(_("Choose flat or declining-balance interest."), field="method")
    if not 1 <= instalments <= 60:
        raise DomainError(_("Between 1 and 60 monthly instalments."), field="instalments")
    if not 0 <= monthly_rate_bp <= 2000:
        raise DomainError(_("At most 20 % interest a month."), field="monthly_rate_bp")
    if fund.products.filter(name=name).exists():
        raise DomainError(_("The fund already has a product with this name."), field="name")
    maximum = _positive(max_principal, fund.currency, "max_principal") if max_principal else None
    return LoanProduct.objects.create(
        fund=fund,
        name=name,
        method=method,
        monthly_rate_bp=monthly_rate_bp,
        instalments=instalments,
        max_principal_minor=maximum,
    )


def schedule_rows(loan: Loan) -> list[schedules.Instalment]:
    return [
        schedules.Instalment(row.number, row.due_on, row.principal_minor, row.interest_minor)
        for row in loan.schedule.all()
    ]


def paid_minor(loan: Loan) -> int:
    return int(loan.repayments.aggregate(total=Sum("amount_minor"))["total"] or 0)


@transaction.atomic
def loan_disburse(
    *,
    user: Any,
    fund: BusinessFund,
    member: Person,
    product: LoanProduct,
    principal: Money,
    purpose: str,
    disbursed_on: datetime.date,
    purpose_detail: str = "",
    first_due_on: datetime.date | None = None,
) -> Loan:
    """Lend to a member from the fund's cash, on the product's terms; stores the schedule."""
    fund = _locked_fund(fund)
    _require_books(user, fund.group)
    if not _is_member(fund.group.organization, member):
        raise DomainError(_("Loans are for the group's members."), field="member")
    if product.fund_id != fund.pk or not product.active:
        raise DomainError(_("Choose one of the fund's products."), field="product")
    if purpose not in LoanPurpose.values:
        raise DomainError(_("Choose the purpose."), field="purpose")
    amount = _positive(principal, fund.currency, "principal")
    if product.max_principal_minor is not None and amount > product.max_principal_minor:
        raise DomainError(
            _("The product lends at most %(amount)s.")
            % {"amount": fund.money(product.max_principal_minor)},
            field="principal",
        )
    if disbursed_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="disbursed_on")
    cash = fund_books(fund).cash_minor
    if amount > cash:
        raise DomainError(
            _("The fund has %(cash)s to lend.") % {"cash": fund.money(cash)},
            field="principal",
            code="insufficient",
        )
    first_due = first_due_on or schedules.add_months(disbursed_on, 1)
    if first_due <= disbursed_on:
        raise DomainError(
            _("The first instalment falls due after the disbursement."), field="first_due_on"
        )
    rows = schedules.schedule(
        principal_minor=amount,
        monthly_rate_bp=product.monthly_rate_bp,
        instalments=product.instalments,
        method=product.method,
        first_due_on=first_due,
    )
    number = (fund.loans.aggregate(last=Max("number"))["last"] or 0) + 1
    loan = Loan.objects.create(
        fund=fund,
        number=number,
        member=member,
        product=product,
        purpose=purpose,
        purpose_detail=purpose_detail.strip(),
        principal_minor=amount,
        method=product.method,
        monthly_rate_bp=product.monthly_rate_bp,
        instalments=product.instalments,
        disbursed_on=disbursed_on,
        first_due_on=first_due,
        recorded_by=user,
    )
    Instalment.objects.bulk_create(
        [
            Instalment(
                loan=loan,
                number=row.number,
                due_on=row.due_on,
                principal_minor=row.principal_minor,
                interest_minor=row.interest_minor,
            )
            for row in rows
        ]
    )
    return loan


@transaction.atomic
def repayment_record(
    *,
    user: Any,
    loan: Loan,
    paid_on: datetime.date,
    amount: Money,
    receipt_number: str = "",
    settle: bool = False,
) -> Repayment:
    """Record a member's payment: interest then principal, instalment by instalment. A payment
    may be partial, late or ahead of schedule; `settle` closes the loan early, for exactly the
    principal owed plus the interest due so far (later interest is waived)."""
    fund = _locked_fund(loan.fund)
    _require_books(user, fund.group)
    loan = Loan.objects.select_for_update().get(pk=loan.pk, fund=fund)
    if loan.state != LoanState.ACTIVE:
        raise DomainError(_("This loan is already repaid."))
    minor = _positive(amount, fund.currency)
    if paid_on < loan.disbursed_on or paid_on > timezone.localdate():
        raise DomainError(
            _("The date must lie between the disbursement and today."), field="paid_on"
        )
    rows = schedule_rows(loan)
    before = paid_minor(loan)
    owed = sum(row.total_minor for row in rows) - before
    if settle:
        payoff = schedules.payoff(rows, before, paid_on)
        due = payoff.principal_minor + payoff.interest_minor
        if minor != due:
            raise DomainError(
                _("To settle the loan on this date pay exactly %(amount)s.")
                % {"amount": fund.money(due)},
                field="amount",
            )
        split = payoff
        interest_total = sum(row.interest_minor for row in rows)
        already = schedules.waterfall(rows, before).interest_minor
        loan.interest_waived_minor = interest_total - already - split.interest_minor
        loan.state, loan.settled_on = LoanState.REPAID, paid_on
    else:
        if minor > owed:
            raise DomainError(
                _("Only %(amount)s is owed on this loan.") % {"amount": fund.money(owed)},
                field="amount",
            )
        split = schedules.apply_payment(rows, before, minor)
        if minor == owed:
            loan.state, loan.settled_on = LoanState.REPAID, paid_on
    loan.save(update_fields=["state", "settled_on", "interest_waived_minor"])
    return Repayment.objects.create(
        loan=loan,
        paid_on=paid_on,
        amount_minor=minor,
        principal_minor=split.principal_minor,
        interest_minor=split.interest_minor,
        receipt_number=receipt_number.strip(),
        settles=settle,
        recorded_by=user,
    )


def loan_position(loan: Loan, on: datetime.date) -> schedules.Position:
    """The loan on a date; a repaid loan owes nothing."""
    rows = schedule_rows(loan)
    paid = paid_minor(loan)
    if loan.state == LoanState.REPAID:
        return schedules.Position(0, 0, paid, 0, 0, len(rows))
    return schedules.position(rows, paid, on)


@transaction.atomic
def movement_record(
    *,
    user: Any,
    fund: BusinessFund,
    kind: str,
    moved_on: datetime.date,
    amount: Money,
    description: str = "",
) -> FundMovement:
    """Other income (fees, fines) or an expense of the fund; expenses only from its cash."""
    fund = _locked_fund(fund)
    _require_books(user, fund.group)
    if kind not in (MovementKind.INCOME, MovementKind.EXPENSE):
        raise DomainError(_("Choose income or expense."), field="kind")
    minor = _positive(amount, fund.currency)
    if kind == MovementKind.EXPENSE and minor > fund_books(fund).cash_minor:
        raise DomainError(
            _("The fund does not have that much cash."), field="amount", code="insufficient"
        )
    if not description.strip():
        raise DomainError(_("Say what it was."), field="description")
    return FundMovement.objects.create(
        fund=fund,
        kind=kind,
        moved_on=moved_on,
        amount_minor=minor,
        description=description.strip(),
        recorded_by=user,
    )


# --- micro life insurance ---------------------------------------------------------------------


def premium_for(settings: SavingsSettings, children: int) -> tuple[int, int, int]:
    """(premium, project subsidy, insured's counterpart) of one policy, in minor units."""
    premium = settings.insurance_premium_minor + children * settings.insurance_child_premium_minor
    subsidy = incentives.share(premium, settings.insurance_subsidy_percent)
    return premium, subsidy, premium - subsidy


@transaction.atomic
def policy_enrol(
    *,
    user: Any,
    organization: Organization,
    programme: Any,
    insurer: FinancialInstitution,
    dni: str,
    insured_as: str,
    children_covered: int,
    starts_on: datetime.date,
) -> InsurancePolicy:
    """Enrol a person (the holder or the holder's spouse) through a group; the premium comes from
    the programme's terms and is split into the project's subsidy and her counterpart."""
    if not (represents(user, organization.pk) or can(user, "change", organization)):
        raise DomainError(_("You may not enrol people through this group."), code="forbidden")
    if insurer.kind != InstitutionKind.INSURER or not insurer.sbs_regulated:
        raise DomainError(_("Choose an SBS-regulated insurer."), field="insurer")
    if insured_as not in InsuredAs.values:
        raise DomainError(_("Choose holder or spouse."), field="insured_as")
    if not 0 <= children_covered <= 12:
        raise DomainError(_("Between 0 and 12 children."), field="children_covered")
    person = _person_by_dni(dni)
    if (
        InsurancePolicy.objects.filter(person=person, starts_on=starts_on)
        .exclude(state=PolicyState.CANCELLED)
        .exists()
    ):
        raise DomainError(_("This person is already insured from that date."), field="dni")
    premium, subsidy, counterpart = premium_for(settings_for(programme), children_covered)
    if premium <= 0:
        raise DomainError(_("The programme has no premium set."), field="insurer")
    sequence = InsurancePolicy.objects.filter(programme=programme).count() + 1
    number = f"SV-{programme.code}-{sequence:06d}"
    while InsurancePolicy.objects.filter(number=number).exists():
        sequence += 1
        number = f"SV-{programme.code}-{sequence:06d}"
    return InsurancePolicy.objects.create(
        number=number,
        programme=programme,
        organization=organization,
        insurer=insurer,
        person=person,
        insured_as=insured_as,
        children_covered=children_covered,
        starts_on=starts_on,
        ends_on=schedules.add_months(starts_on, 12) - datetime.timedelta(days=1),
        currency=programme.currency,
        premium_minor=premium,
        subsidy_minor=subsidy,
        counterpart_minor=counterpart,
    )


@transaction.atomic
def premium_batch_prepare(
    *, user: Any, programme: Any, insurer: FinancialInstitution
) -> PremiumBatch:
    """Gather every enrolled, unpaid policy of the programme with the insurer into one batch."""
    _require_programme_staff(user, programme)
    settings = settings_for(programme)
    if settings.funding_source is None:
        raise DomainError(_("The programme's savings settings name no funding source."))
    policies = list(
        InsurancePolicy.objects.select_for_update()
        .filter(
            programme=programme,
            insurer=insurer,
            state=PolicyState.ENROLLED,
            premium_batch__isnull=True,
        )
        .order_by("pk")
    )
    if not policies:
        raise DomainError(_("No enrolled policy awaits its premium."), field="insurer")
    batch = PremiumBatch.objects.create(
        programme=programme,
        insurer=insurer,
        funding_source=settings.funding_source,
        currency=programme.currency,
        premium_minor=sum(p.premium_minor for p in policies),
        subsidy_minor=sum(p.subsidy_minor for p in policies),
        counterpart_minor=sum(p.counterpart_minor for p in policies),
        prepared_by=user,
    )
    InsurancePolicy.objects.filter(pk__in=[p.pk for p in policies]).update(premium_batch=batch)
    audit_record(
        actor=user,
        action="savings.premiums_prepared",
        obj=batch,
        programme=programme,
        data={"policies": len(policies), "premium": batch.premium_minor},
    )
    return batch


def _premium_accounts(batch: PremiumBatch) -> dict[str, Any]:
    return _accounts(
        programme=batch.programme,
        transfer=batch,
        ref=batch.commitment_ref,
        concept="premiums",
        organization=None,
    )


def _locked_premiums(batch: PremiumBatch) -> PremiumBatch:
    return (
        PremiumBatch.objects.select_for_update()
        .select_related("programme", "funding_source", "insurer")
        .get(pk=batch.pk)
    )


@transaction.atomic
def premium_batch_approve(
    *, user: Any, batch: PremiumBatch, approved_on: datetime.date | None = None
) -> PremiumBatch:
    batch = _locked_premiums(batch)
    _require_programme_staff(user, batch.programme)
    _check_approval(batch, user)
    if batch.subsidy_minor:
        batch.commit_journal = _post_commit(
            user=user,
            programme=batch.programme,
            accounts=_premium_accounts(batch),
            amount=batch.money(batch.subsidy_minor),
            memo=_("Life-insurance premium subsidy to %(insurer)s") % {"insurer": batch.insurer},
            key=f"savings:premiums:{batch.pk}",
            on=approved_on or timezone.localdate(),
        )
    batch.state, batch.approved_by, batch.approved_at = (
        TransferState.APPROVED,
        user,
        timezone.now(),
    )
    batch.save(update_fields=["state", "approved_by", "approved_at", "commit_journal"])
    audit_record(
        actor=user,
        action="savings.premiums_approved",
        obj=batch,
        programme=batch.programme,
        data={"subsidy": batch.subsidy_minor},
    )
    return batch


@transaction.atomic
def premium_batch_execute(
    *, user: Any, batch: PremiumBatch, bank_reference: str, executed_on: datetime.date
) -> PremiumBatch:
    """Pay the insurer: the insured's counterpart is recorded by group (COUNTERPART ←
    CONTRIBUTED); the subsidy is disbursed and, being used at once, accounted for; the
    policies come into force."""
    batch = _locked_premiums(batch)
    _require_programme_staff(user, batch.programme)
    reference = _check_execution(batch, bank_reference)
    programme = batch.programme
    by_organization: dict[int, int] = defaultdict(int)
    for organization_id, counterpart in batch.policies.values_list(
        "organization_id", "counterpart_minor"
    ):
        by_organization[organization_id] += counterpart
    organizations = Organization.objects.in_bulk(list(by_organization))
    legs: list[LegSpec] = []
    for organization_id in sorted(by_organization):
        amount = batch.money(by_organization[organization_id])
        if amount.amount_minor == 0:
            continue
        organization = organizations[organization_id]
        legs.append(
            LegSpec(
                account_for(
                    programme=programme,
                    kind=AccountKind.COUNTERPART,
                    currency=batch.currency,
                    commitment=batch.commitment_ref,
                    organization=organization,
                ),
                amount,
            )
        )
        legs.append(
            LegSpec(
                account_for(
                    programme=programme,
                    kind=AccountKind.CONTRIBUTED,
                    currency=batch.currency,
                    organization=organization,
                ),
                -amount,
            )
        )
    memo = _("Life-insurance premiums to %(insurer)s") % {"insurer": batch.insurer}
    if legs:
        batch.counterpart_journal = journal_post(
            programme=programme,
            kind="counterpart",
            legs=legs,
            memo=memo,
            effective_date=executed_on,
            idempotency_key=f"savings:premiums:{batch.pk}:counterpart",
            actor=user,
            reference=reference,
        )
    if batch.subsidy_minor:
        batch.disburse_journal = _post_payment(
            user=user,
            programme=programme,
            accounts=_premium_accounts(batch),
            amount=batch.money(batch.subsidy_minor),
            memo=memo,
            key=f"savings:premiums:{batch.pk}",
            on=executed_on,
            reference=reference,
            spend=True,
        )
    else:
        batch.disburse_journal = batch.counterpart_journal
    batch.state, batch.executed_by, batch.executed_at = (
        TransferState.EXECUTED,
        user,
        timezone.now(),
    )
    batch.executed_on, batch.bank_reference = executed_on, reference
    batch.save(
        update_fields=[
            "state",
            "executed_by",
            "executed_at",
            "executed_on",
            "bank_reference",
            "disburse_journal",
            "counterpart_journal",
        ]
    )
    batch.policies.update(state=PolicyState.ACTIVE)
    audit_record(
        actor=user,
        action="savings.premiums_paid",
        obj=batch,
        programme=programme,
        data={"premium": batch.premium_minor, "reference": reference},
    )
    return batch


@transaction.atomic
def premium_batch_cancel(*, user: Any, batch: PremiumBatch, reason: str) -> PremiumBatch:
    batch = _locked_premiums(batch)
    _require_programme_staff(user, batch.programme)
    if batch.state not in (TransferState.PREPARED, TransferState.APPROVED):
        raise DomainError(_("A paid or cancelled batch cannot be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the batch is cancelled."), field="reason")
    if batch.state == TransferState.APPROVED and batch.subsidy_minor:
        _post_release(
            user=user,
            programme=batch.programme,
            accounts=_premium_accounts(batch),
            amount=batch.money(batch.subsidy_minor),
            memo=_("Cancelled premiums to %(insurer)s") % {"insurer": batch.insurer},
            key=f"savings:premiums:{batch.pk}",
        )
    batch.policies.update(premium_batch=None)
    batch.state, batch.cancel_reason = TransferState.CANCELLED, reason.strip()[:300]
    batch.save(update_fields=["state", "cancel_reason"])
    audit_record(
        actor=user,
        action="savings.premiums_cancelled",
        obj=batch,
        programme=batch.programme,
        data={"reason": reason},
    )
    return batch


@transaction.atomic
def claim_record(
    *,
    user: Any,
    policy: InsurancePolicy,
    event: str,
    event_on: datetime.date,
    beneficiary: str,
    amount: Money,
) -> Claim:
    """Record a claim on a policy in force on the date of the event."""
    policy = InsurancePolicy.objects.select_for_update().get(pk=policy.pk)
    if not (represents(user, policy.organization_id) or can(user, "change", policy)):
        raise DomainError(_("You may not act on this policy."), code="forbidden")
    if policy.state not in (PolicyState.ACTIVE, PolicyState.CLAIMED):
        raise DomainError(_("The policy is not in force: its premium is not paid."))
    if not policy.starts_on <= event_on <= policy.ends_on:
        raise DomainError(_("The event falls outside the policy's period."), field="event_on")
    if event not in ClaimEvent.values:
        raise DomainError(_("Choose the event."), field="event")
    if event == ClaimEvent.DEATH_CHILD and policy.children_covered == 0:
        raise DomainError(_("The policy covers no children."), field="event")
    if not beneficiary.strip():
        raise DomainError(_("Name the beneficiary."), field="beneficiary")
    minor = _positive(amount, policy.currency)
    claim = Claim.objects.create(
        policy=policy,
        event=event,
        event_on=event_on,
        beneficiary=beneficiary.strip(),
        amount_minor=minor,
        recorded_by=user,
    )
    if event == ClaimEvent.DEATH_INSURED:
        policy.state = PolicyState.CLAIMED
        policy.save(update_fields=["state"])
    return claim


@transaction.atomic
def claim_decide(*, user: Any, claim: Claim, paid: bool, insurer_reference: str) -> Claim:
    """Record the insurer's answer to a claim."""
    claim = Claim.objects.select_for_update().select_related("policy").get(pk=claim.pk)
    if not (represents(user, claim.policy.organization_id) or can(user, "change", claim.policy)):
        raise DomainError(_("You may not act on this policy."), code="forbidden")
    if claim.state != ClaimState.SUBMITTED:
        raise DomainError(_("The insurer has already answered this claim."))
    if not insurer_reference.strip():
        raise DomainError(_("Give the insurer's reference."), field="insurer_reference")
    claim.state = ClaimState.PAID if paid else ClaimState.REJECTED
    claim.insurer_reference = insurer_reference.strip()
    claim.save(update_fields=["state", "insurer_reference"])
    return claim
