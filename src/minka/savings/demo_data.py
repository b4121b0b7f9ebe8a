"""Demo savings groups, incentives, business funds and life insurance.

Every women's group of the demo registry is enrolled in the programme that covers it (CORREDOR
first, the savings programme of the brief), up to about 7,400 savers. A year of savings (2024)
is generated month by month for each saver — opening deposit, deposits, withdrawals for school,
health or business — and the incentives follow the programme's rules through the same pure
function the services use. Each group's business fund receives its seed capital and lends to
members from 2022 on; a simulation of repayments (on time, late, defaulted) gives the fund's
books, capitalization and portfolio at risk.

The bulk of the history is written with `bulk_create`, as a migration from a previous system
would load it: its incentive batches and seed transfers are executed, their ledger postings one
journal per programme and month (incentives) or per programme (seed capital). The last months
run through the real services so the demo exercises them: November's incentives of the officer's
groups are prepared, approved by another user and paid; some are left for the officer to
approve; December is left for the officer to compute; two funds wait for their seed transfer;
MARENASS's insurance premiums are paid in one batch, CORREDOR's wait for a second approver.

Deterministic for a seed: everything comes from `random.Random(f"{seed}:savings")` and fixed
dates in 2022-2024; only audit timestamps are the wall clock's."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count

from minka.contracts.demo_data import RATES
from minka.core.models import Role, RoleAssignment, User
from minka.core.money import Money
from minka.core.scope import restrict
from minka.ledger.models import AccountKind, Journal
from minka.ledger.services import (
    LegSpec,
    account_for,
    budget_allocate,
    exchange_rate_record,
    journal_post,
)
from minka.programmes.models import Programme
from minka.registry.models import (
    BankAccount,
    FinancialInstitution,
    InstitutionKind,
    Membership,
    Organization,
    OrganizationKind,
)
from minka.savings import incentives, schedules, services
from minka.savings.models import (
    BalanceSource,
    BusinessFund,
    FundMovement,
    IncentiveBatch,
    IncentiveLine,
    Instalment,
    InsurancePolicy,
    Loan,
    LoanProduct,
    LoanPurpose,
    LoanState,
    MonthlyBalance,
    MovementKind,
    PolicyState,
    Repayment,
    SavingsAccount,
    SavingsGroup,
    SeedTransfer,
    TransferState,
    Withdrawal,
)

BATCH = 2000
TARGET_SAVERS = 7_400
MONTHS = [datetime.date(2024, m, 1) for m in range(1, 13)]
HISTORY_MONTHS = MONTHS[:10]  # January-October paid before: migrated history
LIVE_MONTH = MONTHS[10]  # November through the services
END = datetime.date(2024, 12, 31)
# Loans by purpose, weighted as in CORREDOR's and MARENASS's women's funds.
PURPOSES = [
    (LoanPurpose.CHEESE, 22),
    (LoanPurpose.LIVESTOCK, 26),
    (LoanPurpose.CRAFTS, 14),
    (LoanPurpose.SHOP, 14),
    (LoanPurpose.FOOD, 10),
    (LoanPurpose.AGRICULTURE, 10),
    (LoanPurpose.OTHER, 4),
]


def _insert(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs for the largest history tables (balances, incentive lines,
    instalments, repayments): valid by construction, no model instances, no history rows."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # SQLite allows 999 parameters per statement in older builds; stay below it.
    chunk = max(1, 900 // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
            cursor.execute(sql + ", ".join([per_row] * len(part)), [v for row in part for v in row])


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    rng = random.Random(f"{seed}:savings")
    programmes = {p.code: p for p in Programme.objects.prefetch_related("coverage_areas")}
    if not programmes:
        return 0
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "manager", "officer", "treasurer"])
    }
    if "admin" not in users:
        return 0
    groups = _enrol(rng, programmes, users)
    if not groups:
        return 0
    for programme in {g.programme_id: g.programme for g in groups}.values():
        _allocate(programme, users["admin"])
    accounts = _savers(rng, groups)
    balances, lines = _savings_history(rng, groups, accounts, users["admin"])
    funds = _funds(rng, groups, users)
    loans = _lending(rng, funds, users["admin"])
    _live_steps(rng, groups, users)
    policies = _insurance(rng, groups, accounts, programmes, users)
    log(
        f"savings: {len(groups)} groups, {len(accounts)} savers, {balances} monthly balances, "
        f"{lines} incentive lines, {len(funds)} business funds, {loans} loans, "
        f"{policies} insurance policies"
    )
    return len(accounts)


def _allocate(programme: Programme, user: User) -> None:
    """Budget every funding source of the programme not yet budgeted by another demo (the
    contracts demo budgets MARENASS with the same keys)."""
    for year, rate in RATES.items():
        exchange_rate_record(
            user=None, date=datetime.date(year, 1, 2), base="USD", quote="PEN", rate=Decimal(rate)
        )
    for source in programme.funding_sources.order_by("pk"):
        key = f"demo:allocate:{source.pk}"
        if Journal.objects.filter(idempotency_key=key).exists():
            continue
        budget_allocate(
            user=user,
            funding_source=source,
            amount=Money(source.amount_minor, source.currency),
            effective_date=datetime.date(2022, 1, 3),
            idempotency_key=key,
        )


# --- groups and savers ------------------------------------------------------------------------


def _enrol(rng, programmes, users) -> list[SavingsGroup]:
    """Women's groups, each in the programme that covers it (CORREDOR first), until the members
    reach the target number of savers. The treasurer's group always comes first."""
    treasurer_org = (
        RoleAssignment.objects.filter(user__username="treasurer", role=Role.ORG_REP)
        .values_list("organization_id", flat=True)
        .first()
    )
    order = [c for c in ("CORREDOR", "MARENASS") if c in programmes] + [
        c for c in sorted(programmes) if c not in ("CORREDOR", "MARENASS")
    ]
    coverage = {c: [a.path for a in programmes[c].coverage_areas.all()] for c in order}
    organizations = list(
        Organization.objects.filter(kind=OrganizationKind.WOMENS_GROUP)
        .select_related("district")
        .order_by("code")
    )
    rng.shuffle(organizations)
    organizations.sort(key=lambda o: 0 if o.pk == treasurer_org else 1)
    sizes = dict(
        Membership.objects.filter(
            organization__kind=OrganizationKind.WOMENS_GROUP, left_on__isnull=True
        )
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    chosen: list[SavingsGroup] = []
    members = 0
    for organization in organizations:
        if members >= TARGET_SAVERS:
            break
        code = next(
            (
                c
                for c in order
                if any(organization.district.path.startswith(p) for p in coverage[c])
            ),
            None,
        )
        if code is None:
            continue
        chosen.append(
            SavingsGroup(
                organization=organization,
                programme=programmes[code],
                started_on=datetime.date(2023, rng.randint(9, 12), rng.randint(1, 28)),
            )
        )
        members += int(sizes.get(organization.pk, 0) * 0.88)
    return SavingsGroup.objects.bulk_create(chosen, batch_size=BATCH)


def _savers(rng, groups) -> list[SavingsAccount]:
    """Most women members open an account at a regulated bank or municipal fund."""
    banks = list(
        FinancialInstitution.objects.filter(sbs_regulated=True)
        .exclude(kind=InstitutionKind.INSURER)
        .exclude(kind="bank", short_name__in=["BBVA", "Interbank"])
        .order_by("pk")
    )
    by_org = {g.organization_id: g for g in groups}
    memberships = (
        Membership.objects.filter(
            organization_id__in=list(by_org), left_on__isnull=True, person__sex="F"
        )
        .select_related("person")
        .order_by("organization_id", "person_id")
    )
    accounts = []
    serial = rng.randrange(10**7, 2 * 10**7)
    for membership in memberships:
        if rng.random() > 0.88:
            continue
        group = by_org[membership.organization_id]
        serial += rng.randint(1, 40)
        institution = rng.choice(banks)
        opened = datetime.date(
            2024, rng.choices([1, 2, 3, 4], weights=[5, 3, 2, 1])[0], rng.randint(1, 28)
        )
        deposit = rng.choice([30, 40, 50, 50, 60, 80, 100, 100, 120, 150, 200]) * 100
        accounts.append(
            SavingsAccount(
                group=group,
                person=membership.person,
                institution=institution,
                number=f"{institution.pk:02d}-{serial:09d}",
                currency=group.programme.currency,
                opened_on=opened,
                opening_deposit_minor=deposit,
                balance_minor=deposit,
            )
        )
    return accounts  # written with their final balance once their history is generated


def _savings_history(rng, groups, accounts, admin) -> tuple[int, int]:
    """A year of month-end balances per saver, her withdrawals, and the incentives of
    January-October as executed history batches (one journal per programme and month)."""
    from minka.savings.services import rule_of, settings_for

    rules = {g.programme_id: rule_of(settings_for(g.programme)) for g in groups}
    group_of = {g.pk: g for g in groups}
    balances: list[tuple[SavingsAccount, datetime.date, int]] = []
    withdrawals: list[Withdrawal] = []
    results: dict[
        tuple[int, datetime.date], tuple[SavingsAccount, int, incentives.MonthIncentive]
    ] = {}
    for index, account in enumerate(accounts):
        rule = rules[group_of[account.group_id].programme_id]
        habit = rng.choice([0.4, 0.7, 0.9, 1.0, 1.0, 1.2, 1.5, 2.0])
        balance = 0
        state = incentives.SaverState()
        pending_incentive = 0
        for month in MONTHS:
            if month < services.month_start(account.opened_on):
                continue
            if month == services.month_start(account.opened_on):
                balance = account.opening_deposit_minor
            else:
                balance += pending_incentive
                if rng.random() < 0.8:
                    balance += int(rng.randint(60, 280) * habit) * 100
            pending_incentive = 0
            matched: list[int] = []
            if month.month in (3, 4, 8) and balance > 30_000 and rng.random() < 0.08:
                amount = min(balance // 3 // 100 * 100, 60_000)
                purpose = rng.choice(["education", "education", "health", "business"])
                withdrawals.append(
                    Withdrawal(
                        account=account,
                        withdrawn_on=month.replace(day=rng.randint(2, 27)),
                        amount_minor=amount,
                        purpose=purpose,
                        evidence_reference=f"Constancia {rng.randint(100, 9999)}",
                        recorded_by=admin,
                    )
                )
                balance -= amount
                matched.append(amount)
            elif rng.random() < 0.03 and balance > 10_000:
                amount = balance // 5 // 100 * 100
                withdrawals.append(
                    Withdrawal(
                        account=account,
                        withdrawn_on=month.replace(day=rng.randint(2, 27)),
                        amount_minor=amount,
                        purpose="other",
                        recorded_by=admin,
                    )
                )
                balance -= amount
            balances.append((account, month, balance))
            if month in HISTORY_MONTHS:
                result = incentives.month_incentive(
                    rule,
                    state,
                    incentives.SaverMonth(
                        closing_balance_minor=balance,
                        opening_deposit_minor=account.opening_deposit_minor,
                        approved_withdrawals_minor=tuple(matched),
                    ),
                )
                state = result.state_after
                pending_incentive = result.total_minor
                results[(index, month)] = (account, balance, result)
        account.balance_minor, account.balance_month = balance, MONTHS[-1]
    SavingsAccount.objects.bulk_create(accounts, batch_size=BATCH)
    _insert(
        MonthlyBalance,
        ["account", "month", "balance_minor", "source", "reference", "recorded_by"],
        [
            (
                account.pk,
                month.isoformat(),
                balance,
                BalanceSource.STATEMENT.value,
                f"extracto-{month:%Y-%m}.csv",
                admin.pk,
            )
            for account, month, balance in balances
        ],
    )
    Withdrawal.objects.bulk_create(withdrawals, batch_size=BATCH)
    # History batches: one per group and month with something to pay.
    totals: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for (_pk, month), (account, _b, result) in results.items():
        totals[(account.group_id, month)] += result.total_minor
    per_programme: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for (group_id, month), total in totals.items():
        if total:
            per_programme[(group_of[group_id].programme_id, month)] += total
    journals = {}
    for (programme_id, month), total in sorted(per_programme.items()):
        programme = next(g.programme for g in groups if g.programme_id == programme_id)
        journals[(programme_id, month)] = _history_journals(programme, month, total, admin)
    sources = {
        g.programme_id: services.settings_for(g.programme).funding_source
        for g in {g.programme_id: g for g in groups}.values()
    }
    batches = []
    for (group_id, month), total in sorted(totals.items()):
        if not total:
            continue
        group = group_of[group_id]
        commit, disburse = journals[(group.programme_id, month)]
        batches.append(
            IncentiveBatch(
                group=group,
                month=month,
                total_minor=total,
                currency=group.programme.currency,
                funding_source=sources[group.programme_id],
                state=TransferState.EXECUTED,
                prepared_by=admin,
                executed_by=admin,
                executed_on=services.month_end(month) + datetime.timedelta(days=6),
                bank_reference=f"HIST-{month:%Y%m}-{group.pk:05d}",
                commit_journal=commit,
                disburse_journal=disburse,
            )
        )
    batch_of = {
        (b.group_id, b.month): b
        for b in IncentiveBatch.objects.bulk_create(batches, batch_size=BATCH)
    }
    # A month that pays nothing changes no saver's state (her peak stays), so it needs no line.
    lines = [
        (
            batch_of[(account.group_id, month)].pk,
            account.pk,
            month.isoformat(),
            balance,
            result.opening_minor,
            result.growth_base_minor,
            result.growth_minor,
            result.withdrawal_minor,
            result.peak_after_minor,
            True,
        )
        for (_index, month), (account, balance, result) in results.items()
        if result.total_minor and (account.group_id, month) in batch_of
    ]
    _insert(
        IncentiveLine,
        [
            "batch",
            "account",
            "month",
            "closing_balance_minor",
            "opening_minor",
            "growth_base_minor",
            "growth_minor",
            "withdrawal_minor",
            "peak_after_minor",
            "live",
        ],
        lines,
    )
    return len(balances), len(lines)


def _history_journals(programme, month, total, admin) -> tuple[Journal, Journal]:
    """Committed, disbursed and accounted for in one journal each: incentives are the savers'
    the moment they arrive."""
    source = services.settings_for(programme).funding_source
    currency = programme.currency
    ref = f"incentives:history:{month:%Y-%m}"
    budget = account_for(
        programme=programme, kind=AccountKind.BUDGET, currency=currency, funding_source=source
    )
    committed = account_for(
        programme=programme,
        kind=AccountKind.COMMITTED,
        currency=currency,
        commitment=ref,
        concept="incentives",
    )
    held = account_for(
        programme=programme, kind=AccountKind.HELD, currency=currency, commitment=ref
    )
    spent = account_for(
        programme=programme,
        kind=AccountKind.SPENT,
        currency=currency,
        commitment=ref,
        concept="incentives",
    )
    amount = Money(total, currency)
    memo = f"Incentivos de ahorro {month:%Y-%m} (historial)"
    paid_on = services.month_end(month) + datetime.timedelta(days=6)
    key = f"demo:savings:incentives:{programme.pk}:{month:%Y-%m}"
    commit = journal_post(
        programme=programme,
        kind="commitment",
        legs=[LegSpec(committed, amount), LegSpec(budget, -amount)],
        memo=memo,
        effective_date=paid_on,
        idempotency_key=f"{key}:commit",
        actor=admin,
    )
    disburse = journal_post(
        programme=programme,
        kind="disbursement",
        legs=[LegSpec(held, amount), LegSpec(committed, -amount)],
        memo=memo,
        effective_date=paid_on,
        idempotency_key=f"{key}:disburse",
        actor=admin,
        reference=f"HIST-{month:%Y%m}",
    )
    journal_post(
        programme=programme,
        kind="spending",
        legs=[LegSpec(spent, amount), LegSpec(held, -amount)],
        memo=memo,
        effective_date=paid_on,
        idempotency_key=f"{key}:spend",
        actor=admin,
        reference=f"HIST-{month:%Y%m}",
    )
    return commit, disburse


# --- business funds ---------------------------------------------------------------------------


def _officer_groups(groups, users) -> list[SavingsGroup]:
    officer = users.get("officer")
    if officer is None:
        return []
    ids = set(
        restrict(
            SavingsGroup.objects.filter(pk__in=[g.pk for g in groups]), officer, "change"
        ).values_list("pk", flat=True)
    )
    return [g for g in groups if g.pk in ids]


def _funds(rng, groups, users) -> list[BusinessFund]:
    """A fund for nine groups in ten, seeded 2022-2023 through history journals; two of the
    officer's groups get a fund whose seed transfer waits for approval."""
    admin = users["admin"]
    accounts_of = {
        a.organization_id: a
        for a in BankAccount.objects.filter(
            organization_id__in=[g.organization_id for g in groups],
            institution__sbs_regulated=True,
        ).order_by("-pk")
    }
    waiting = _officer_groups(groups, users)[1:3]
    funded = [
        g
        for index, g in enumerate(groups)
        if g not in waiting
        and g.organization_id in accounts_of
        and (index == 0 or rng.random() < 0.9)
    ]
    funds = BusinessFund.objects.bulk_create(
        [
            BusinessFund(
                group=group,
                seed_capital_minor=rng.choice([5_000, 6_000, 8_000, 8_000, 10_000, 12_000]) * 100,
                currency=group.programme.currency,
                created_on=datetime.date(
                    rng.choice([2022, 2022, 2023]), rng.randint(1, 12), rng.randint(1, 28)
                ),
            )
            for group in funded
        ],
        batch_size=BATCH,
    )
    by_programme: dict[int, list[BusinessFund]] = defaultdict(list)
    group_of = {g.pk: g for g in groups}
    for fund in funds:
        by_programme[group_of[fund.group_id].programme_id].append(fund)
    transfers, movements = [], []
    for _programme_id, fund_list in sorted(by_programme.items()):
        programme = group_of[fund_list[0].group_id].programme
        source = services.settings_for(programme).funding_source
        currency = programme.currency
        budget = account_for(
            programme=programme, kind=AccountKind.BUDGET, currency=currency, funding_source=source
        )
        commit_legs, pay_legs = [], []
        total = 0
        for fund in fund_list:
            organization = group_of[fund.group_id].organization
            ref = f"seed:{fund.pk}"
            committed = account_for(
                programme=programme,
                kind=AccountKind.COMMITTED,
                currency=currency,
                commitment=ref,
                concept="seed",
                organization=organization,
            )
            held = account_for(
                programme=programme,
                kind=AccountKind.HELD,
                currency=currency,
                commitment=ref,
                organization=organization,
            )
            amount = Money(fund.seed_capital_minor, currency)
            commit_legs.append(LegSpec(committed, amount))
            pay_legs += [LegSpec(held, amount), LegSpec(committed, -amount)]
            total += fund.seed_capital_minor
        commit_legs.append(LegSpec(budget, -Money(total, currency)))
        key = f"demo:savings:seed:{programme.pk}"
        memo = "Capital semilla de fondos de mujeres (historial)"
        on = datetime.date(2022, 1, 10)
        commit = journal_post(
            programme=programme,
            kind="commitment",
            legs=commit_legs,
            memo=memo,
            effective_date=on,
            idempotency_key=f"{key}:commit",
            actor=admin,
        )
        pay = journal_post(
            programme=programme,
            kind="disbursement",
            legs=pay_legs,
            memo=memo,
            effective_date=on,
            idempotency_key=f"{key}:disburse",
            actor=admin,
            reference="HIST-SEED",
        )
        for fund in fund_list:
            organization_id = group_of[fund.group_id].organization_id
            account = accounts_of[organization_id]
            transfers.append(
                SeedTransfer(
                    fund=fund,
                    amount_minor=fund.seed_capital_minor,
                    bank_account=account,
                    currency=currency,
                    funding_source=source,
                    state=TransferState.EXECUTED,
                    prepared_by=admin,
                    executed_by=admin,
                    executed_on=fund.created_on,
                    bank_reference=f"HIST-SEED-{fund.pk:05d}",
                    commit_journal=commit,
                    disburse_journal=pay,
                )
            )
    created = {t.fund_id: t for t in SeedTransfer.objects.bulk_create(transfers, batch_size=BATCH)}
    for fund in funds:
        transfer = created.get(fund.pk)
        movements.append(
            FundMovement(
                fund=fund,
                kind=MovementKind.SEED,
                moved_on=fund.created_on,
                amount_minor=fund.seed_capital_minor,
                description=transfer.bank_reference if transfer else "Capital semilla",
                seed_transfer=transfer,
                recorded_by=admin,
            )
        )
    FundMovement.objects.bulk_create(movements, batch_size=BATCH)
    officer = users.get("officer")
    for group in waiting:
        if officer is None or services.group_bank_account(group.organization) is None:
            continue
        fund = services.fund_create(
            user=officer,
            group=group,
            seed_capital=Money(800_000, group.programme.currency),
            created_on=END,
        )
        services.seed_transfer_prepare(user=officer, fund=fund)
    return funds


def _lending(rng, funds, admin) -> int:
    """Month by month from the seed to December 2024: members borrow what the fund's cash
    allows and repay on time, late, or stop paying; interest recapitalises the fund."""
    members: dict[int, list[int]] = defaultdict(list)
    org_of = dict(
        SavingsGroup.objects.filter(pk__in=[f.group_id for f in funds]).values_list(
            "pk", "organization_id"
        )
    )
    for org_id, person_id in Membership.objects.filter(
        organization_id__in=list(org_of.values()), left_on__isnull=True
    ).values_list("organization_id", "person_id"):
        members[org_id].append(person_id)
    products = []
    for fund in funds:
        rate = rng.choice([200, 250, 300, 300, 350])
        products.append(
            LoanProduct(
                fund=fund,
                name="Capital de trabajo",
                method="flat",
                monthly_rate_bp=rate,
                instalments=rng.choice([4, 6]),
            )
        )
        products.append(
            LoanProduct(
                fund=fund,
                name="Crianza y ganadería",
                method="declining",
                monthly_rate_bp=rate - 50,
                instalments=rng.choice([8, 10]),
            )
        )
    products = LoanProduct.objects.bulk_create(products, batch_size=BATCH)
    products_of: dict[int, list[LoanProduct]] = defaultdict(list)
    for product in products:
        products_of[product.fund_id].append(product)
    loans: list[Loan] = []
    plans: list[tuple[Loan, list[schedules.Instalment], list[tuple[datetime.date, int]]]] = []
    incomes: list[FundMovement] = []
    for fund in funds:
        people = members[org_of[fund.group_id]]
        if not people:
            continue
        cash = fund.seed_capital_minor
        inflows: dict[datetime.date, int] = defaultdict(int)  # month → cash coming back
        month = schedules.add_months(fund.created_on.replace(day=1), 1)
        number = 0
        while month <= END:
            cash += inflows.pop(month, 0)
            for _ in range(rng.choice([0, 1, 1, 1, 2])):
                principal = min(cash, rng.randrange(500, 2600, 50) * 100)
                if principal < 20_000:
                    break
                product = rng.choice(products_of[fund.pk])
                disbursed = month.replace(day=rng.randint(1, 25))
                rows = schedules.schedule(
                    principal_minor=principal,
                    monthly_rate_bp=product.monthly_rate_bp,
                    instalments=product.instalments,
                    method=product.method,
                    first_due_on=schedules.add_months(disbursed, 1),
                )
                behaviour = rng.choices(["good", "late", "default"], weights=[80, 13, 7])[0]
                payments: list[tuple[datetime.date, int]] = []
                stop = (
                    rng.randint(1, max(1, len(rows) - 1)) if behaviour == "default" else len(rows)
                )
                for row in rows[:stop]:
                    delay = rng.randint(35, 55) if behaviour == "late" else rng.randint(-3, 5)
                    paid_on = row.due_on + datetime.timedelta(days=delay)
                    if paid_on > END:
                        break
                    payments.append(
                        (max(paid_on, disbursed + datetime.timedelta(days=1)), row.total_minor)
                    )
                    inflows[paid_on.replace(day=1)] += row.total_minor
                number += 1
                cash -= principal
                loan = Loan(
                    fund=fund,
                    number=number,
                    member_id=rng.choice(people),
                    product=product,
                    purpose=_pick(rng, PURPOSES),
                    principal_minor=principal,
                    method=product.method,
                    monthly_rate_bp=product.monthly_rate_bp,
                    instalments=product.instalments,
                    disbursed_on=disbursed,
                    first_due_on=rows[0].due_on,
                    recorded_by=admin,
                )
                if len(payments) == len(rows):
                    loan.state, loan.settled_on = LoanState.REPAID, payments[-1][0]
                loans.append(loan)
                plans.append((loan, rows, payments))
            if rng.random() < 0.15:
                fee = rng.randrange(20, 120, 10) * 100
                incomes.append(
                    FundMovement(
                        fund=fund,
                        kind=MovementKind.INCOME,
                        moved_on=month.replace(day=15),
                        amount_minor=fee,
                        description="Multas y cuotas de asamblea",
                        recorded_by=admin,
                    )
                )
                cash += fee
            month = schedules.add_months(month, 1)
    Loan.objects.bulk_create(loans, batch_size=BATCH)
    instalments: list[tuple[Any, ...]] = []
    repayments: list[tuple[Any, ...]] = []
    for loan, rows, payments in plans:
        instalments += [
            (loan.pk, r.number, r.due_on.isoformat(), r.principal_minor, r.interest_minor)
            for r in rows
        ]
        paid = 0
        for number, (paid_on, amount) in enumerate(payments, start=1):
            split = schedules.apply_payment(rows, paid, amount)
            paid += amount
            repayments.append(
                (
                    loan.pk,
                    paid_on.isoformat(),
                    amount,
                    split.principal_minor,
                    split.interest_minor,
                    f"R{loan.number:04d}-{number:02d}",
                    False,
                    admin.pk,
                )
            )
    _insert(
        Instalment, ["loan", "number", "due_on", "principal_minor", "interest_minor"], instalments
    )
    _insert(
        Repayment,
        [
            "loan",
            "paid_on",
            "amount_minor",
            "principal_minor",
            "interest_minor",
            "receipt_number",
            "settles",
            "recorded_by",
        ],
        repayments,
    )
    FundMovement.objects.bulk_create(incomes, batch_size=BATCH)
    return len(loans)


# --- the last months through the services ------------------------------------------------------


def _live_steps(rng, groups, users) -> None:
    """November's incentives of the officer's groups: paid for most (prepared by the officer,
    approved by the manager), waiting for approval for two. December is left to compute."""
    officer, manager = users.get("officer"), users.get("manager")
    if officer is None or manager is None:
        return
    mine = _officer_groups(groups, users)[:8]
    for index, group in enumerate(mine):
        try:
            batch = services.incentive_batch_prepare(
                user=officer,
                group=group,
                month=LIVE_MONTH,
                request_key=f"demo:{group.pk}:{LIVE_MONTH:%Y-%m}",
            )
        except services.DomainError:
            continue
        if index in (1, 2):
            continue
        services.incentive_batch_approve(
            user=manager, batch=batch, approved_on=datetime.date(2024, 12, 3)
        )
        services.incentive_batch_execute(
            user=officer,
            batch=batch,
            bank_reference=f"OP-{LIVE_MONTH:%Y%m}-{group.pk:05d}",
            executed_on=datetime.date(2024, 12, 6),
        )


def _insurance(rng, groups, accounts, programmes, users) -> int:
    """Four savers in ten insure themselves; one premium batch per programme through the
    services: MARENASS's paid (officer and manager), the others waiting for a second approver."""
    insurer = (
        FinancialInstitution.objects.filter(kind=InstitutionKind.INSURER, sbs_regulated=True)
        .order_by("pk")
        .first()
    )
    if insurer is None:
        return 0
    group_of = {g.pk: g for g in groups}
    terms = {}
    policies = []
    number = 0
    insured: set[int] = set()
    for account in accounts:
        if rng.random() > 0.4 or account.person_id in insured:
            continue
        insured.add(account.person_id)
        group = group_of[account.group_id]
        programme = group.programme
        if programme.pk not in terms:
            terms[programme.pk] = services.settings_for(programme)
        children = rng.choice([0, 1, 2, 2, 3, 3, 4, 5])
        premium, subsidy, counterpart = services.premium_for(terms[programme.pk], children)
        number += 1
        starts = datetime.date(2024, rng.randint(1, 6), 1)
        policies.append(
            InsurancePolicy(
                number=f"SV-{programme.code}-{number:06d}",
                programme=programme,
                organization=group.organization,
                insurer=insurer,
                person=account.person,
                insured_as="holder",
                children_covered=children,
                starts_on=starts,
                ends_on=schedules.add_months(starts, 12) - datetime.timedelta(days=1),
                currency=programme.currency,
                premium_minor=premium,
                subsidy_minor=subsidy,
                counterpart_minor=counterpart,
                state=PolicyState.ENROLLED,
            )
        )
    InsurancePolicy.objects.bulk_create(policies, batch_size=BATCH)
    admin, manager, officer = users["admin"], users.get("manager"), users.get("officer")
    for code, programme in sorted(programmes.items()):
        if not InsurancePolicy.objects.filter(
            programme=programme, state=PolicyState.ENROLLED
        ).exists():
            continue
        staff = code == "MARENASS" and officer is not None and manager is not None
        preparer = officer if staff else admin
        batch = services.premium_batch_prepare(user=preparer, programme=programme, insurer=insurer)
        if not staff:
            continue  # waits for a second person of that programme to approve it
        services.premium_batch_approve(
            user=manager, batch=batch, approved_on=datetime.date(2024, 6, 10)
        )
        services.premium_batch_execute(
            user=preparer,
            batch=batch,
            bank_reference=f"OP-SEG-{code}-2024",
            executed_on=datetime.date(2024, 6, 14),
        )
    return len(policies)
