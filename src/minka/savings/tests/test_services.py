"""Savings, incentives, business funds and insurance through the services: rules, roles,
four-eyes, idempotency and the ledger."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from minka.core.errors import DomainError
from minka.ledger.models import AccountKind, Leg
from minka.registry.models import Membership
from minka.savings import selectors, services
from minka.savings.models import (
    IncentiveBatch,
    IncentiveLine,
    LoanState,
    PolicyState,
    TransferState,
)
from minka.savings.tests.conftest import D, pay_batch, pen


def _balance(programme, kind, commitment=None, **extra):
    legs = Leg.objects.filter(account__programme=programme, account__kind=kind, **extra)
    if commitment is not None:
        legs = legs.filter(account__commitment=commitment)
    return sum(legs.values_list("amount_minor", flat=True))


# --- groups and savers --------------------------------------------------------------------------


def test_only_womens_groups_in_the_programme_area_enrol(funded):
    world = funded
    organization = world.organizations["a"]
    organization.kind = "farmers"
    organization.save()
    with pytest.raises(DomainError):
        services.group_enrol(
            user=world.users["manager"],
            organization=organization,
            programme=world.programmes["marenass"],
            started_on=D(2025, 1, 1),
        )
    with pytest.raises(DomainError):  # Cusco lies outside MARENASS in the test world
        services.group_enrol(
            user=world.users["admin"],
            organization=world.organizations["c"],
            programme=world.programmes["marenass"],
            started_on=D(2025, 1, 1),
        )
    with pytest.raises(DomainError) as refused:  # the treasurer does not enrol groups
        services.group_enrol(
            user=world.users["treasurer"],
            organization=world.organizations["b"],
            programme=world.programmes["marenass"],
            started_on=D(2025, 1, 1),
        )
    assert refused.value.code == "forbidden"


def test_saver_is_a_registered_woman_by_dni_and_becomes_a_member(funded, group):
    world = funded
    with pytest.raises(DomainError) as man:
        services.saver_register(
            user=world.users["treasurer"],
            group=group,
            dni=world.persons["spouse_b"].dni,
            institution=world.institutions["caja"],
            number="X-1",
            opened_on=D(2025, 1, 5),
            opening_deposit=pen("50"),
        )
    assert man.value.field == "dni"
    with pytest.raises(DomainError) as unregulated:
        services.saver_register(
            user=world.users["treasurer"],
            group=group,
            dni=world.persons["head_a"].dni,
            institution=world.institutions["coop"],
            number="X-1",
            opened_on=D(2025, 1, 5),
            opening_deposit=pen("50"),
        )
    assert unregulated.value.field == "institution"
    with pytest.raises(DomainError) as unknown:
        services.saver_register(
            user=world.users["treasurer"],
            group=group,
            dni="99999999",
            institution=world.institutions["caja"],
            number="X-1",
            opened_on=D(2025, 1, 5),
            opening_deposit=pen("50"),
        )
    assert unknown.value.field == "dni"
    account = services.saver_register(
        user=world.users["treasurer"],
        group=group,
        dni=world.persons["head_a"].dni,
        institution=world.institutions["caja"],
        number="X-1",
        opened_on=D(2025, 1, 5),
        opening_deposit=pen("50"),
    )
    assert account.person == world.persons["head_a"]
    assert Membership.objects.filter(
        organization=group.organization, person=world.persons["head_a"]
    ).exists()


@pytest.mark.parametrize("username", ["juror", "provider", "monitor", "auditor", "nobody"])
def test_other_roles_keep_no_books(funded, group, username):
    with pytest.raises(DomainError) as refused:
        services.saver_register(
            user=funded.users[username],
            group=group,
            dni=funded.persons["head_b"].dni,
            institution=funded.institutions["caja"],
            number="CC-9",
            opened_on=D(2025, 1, 10),
            opening_deposit=pen("80"),
        )
    assert refused.value.code == "forbidden"


def test_treasurer_of_another_group_keeps_no_books(funded):
    world = funded
    other = services.group_enrol(
        user=world.users["manager"],
        organization=world.organizations["a"],
        programme=world.programmes["marenass"],
        started_on=D(2025, 1, 1),
    )
    with pytest.raises(DomainError):
        services.saver_register(
            user=world.users["treasurer"],
            group=other,
            dni=world.persons["head_a"].dni,
            institution=world.institutions["caja"],
            number="CC-2",
            opened_on=D(2025, 1, 10),
            opening_deposit=pen("80"),
        )


# --- incentives ---------------------------------------------------------------------------------


def test_a_month_of_incentives_from_computation_to_the_ledger(funded, group, saver):
    world = funded
    programme = world.programmes["marenass"]
    treasurer, officer, manager = (world.users[u] for u in ("treasurer", "officer", "manager"))
    budget_before = _balance(programme, AccountKind.BUDGET)
    services.balances_record(
        user=treasurer, group=group, month=D(2025, 1, 1), balances={saver.pk: pen("80.00")}
    )
    batch = services.incentive_batch_prepare(
        user=officer, group=group, month=D(2025, 1, 1), request_key="jan-1"
    )
    assert batch.total_minor == 8_000  # the opening deposit matched 1:1
    assert (
        services.incentive_batch_prepare(
            user=officer, group=group, month=D(2025, 1, 1), request_key="jan-1"
        )
        == batch
    )  # the same request again: the same batch
    with pytest.raises(DomainError) as twice:
        services.incentive_batch_prepare(user=manager, group=group, month=D(2025, 1, 1))
    assert twice.value.code == "duplicate"
    with pytest.raises(DomainError) as own:
        services.incentive_batch_approve(user=officer, batch=batch)
    assert own.value.code == "four_eyes"
    with pytest.raises(DomainError):  # not approved yet
        services.incentive_batch_execute(
            user=officer, batch=batch, bank_reference="OP-1", executed_on=D(2025, 2, 5)
        )
    services.incentive_batch_approve(user=manager, batch=batch)
    assert _balance(programme, AccountKind.COMMITTED, batch.commitment_ref) == 8_000
    with pytest.raises(DomainError) as no_reference:
        services.incentive_batch_execute(
            user=officer, batch=batch, bank_reference=" ", executed_on=D(2025, 2, 5)
        )
    assert no_reference.value.field == "bank_reference"
    services.incentive_batch_execute(
        user=officer, batch=batch, bank_reference="OP-1", executed_on=D(2025, 2, 5)
    )
    batch.refresh_from_db()
    assert batch.state == TransferState.EXECUTED
    assert _balance(programme, AccountKind.SPENT, batch.commitment_ref) == 8_000
    assert _balance(programme, AccountKind.HELD, batch.commitment_ref) == 0
    assert _balance(programme, AccountKind.COMMITTED, batch.commitment_ref) == 0
    assert _balance(programme, AccountKind.BUDGET) == budget_before - 8_000

    # February: S/ 80 + S/ 80 match + S/ 120 saved = S/ 280; growth over the peak (160) = 120
    services.balances_record(
        user=treasurer, group=group, month=D(2025, 2, 1), balances={saver.pk: pen("280.00")}
    )
    february = services.incentive_batch_prepare(user=officer, group=group, month=D(2025, 2, 1))
    line = february.lines.get()
    assert (line.opening_minor, line.growth_base_minor, line.growth_minor) == (0, 12_000, 3_000)
    pay_batch(world, february, "OP-2")
    assert selectors.incentives_paid_minor(group.accounts.all())["total"] == 11_000

    # A paid month's balances are closed
    with pytest.raises(DomainError):
        services.balances_record(
            user=treasurer, group=group, month=D(2025, 2, 1), balances={saver.pk: pen("1.00")}
        )


def test_no_incentive_twice_for_the_same_month_in_the_database(funded, group, saver):
    world = funded
    services.balances_record(
        user=world.users["treasurer"],
        group=group,
        month=D(2025, 1, 1),
        balances={saver.pk: pen("80")},
    )
    batch = services.incentive_batch_prepare(
        user=world.users["officer"], group=group, month=D(2025, 1, 1)
    )
    line = batch.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        IncentiveLine.objects.create(
            batch=batch,
            account=saver,
            month=D(2025, 1, 1),
            closing_balance_minor=1,
            peak_after_minor=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        IncentiveBatch.objects.create(
            group=group,
            month=D(2025, 1, 1),
            total_minor=1,
            currency="PEN",
            funding_source=batch.funding_source,
            prepared_by=world.users["manager"],
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # four eyes in the database
        IncentiveBatch.objects.filter(pk=batch.pk).update(approved_by=batch.prepared_by)
    # Cancelling frees the month; recomputing gives the same line.
    services.incentive_batch_cancel(user=world.users["manager"], batch=batch, reason="error")
    again = services.incentive_batch_prepare(
        user=world.users["manager"], group=group, month=D(2025, 1, 1)
    )
    assert again.lines.get().opening_minor == line.opening_minor


def test_cancelling_an_approved_batch_returns_the_commitment(funded, group, saver):
    world = funded
    programme = world.programmes["marenass"]
    services.balances_record(
        user=world.users["officer"],
        group=group,
        month=D(2025, 1, 1),
        balances={saver.pk: pen("80")},
    )
    batch = services.incentive_batch_prepare(
        user=world.users["officer"], group=group, month=D(2025, 1, 1)
    )
    budget = _balance(programme, AccountKind.BUDGET)
    services.incentive_batch_approve(user=world.users["manager"], batch=batch)
    assert _balance(programme, AccountKind.BUDGET) == budget - 8_000
    services.incentive_batch_cancel(user=world.users["officer"], batch=batch, reason="Duplicado")
    assert _balance(programme, AccountKind.BUDGET) == budget
    assert not IncentiveLine.objects.filter(live=True).exists()


def test_treasurer_cannot_prepare_or_approve_incentives(funded, group, saver):
    world = funded
    services.balances_record(
        user=world.users["treasurer"],
        group=group,
        month=D(2025, 1, 1),
        balances={saver.pk: pen("80")},
    )
    with pytest.raises(DomainError) as refused:
        services.incentive_batch_prepare(
            user=world.users["treasurer"], group=group, month=D(2025, 1, 1)
        )
    assert refused.value.code == "forbidden"


def test_matched_withdrawal_needs_an_approved_purpose_and_evidence(funded, group, saver):
    world = funded
    treasurer = world.users["treasurer"]
    services.balances_record(
        user=treasurer, group=group, month=D(2025, 1, 1), balances={saver.pk: pen("400")}
    )
    pay_batch(
        world,
        services.incentive_batch_prepare(
            user=world.users["officer"], group=group, month=D(2025, 1, 1)
        ),
    )
    services.withdrawal_record(
        user=treasurer,
        account=saver,
        withdrawn_on=D(2025, 2, 3),
        amount=pen("100"),
        purpose="education",
        evidence_reference="Matrícula IE 56123",
    )
    services.withdrawal_record(
        user=treasurer,
        account=saver,
        withdrawn_on=D(2025, 2, 9),
        amount=pen("50"),
        purpose="health",  # no evidence: not matched
    )
    services.withdrawal_record(
        user=treasurer,
        account=saver,
        withdrawn_on=D(2025, 2, 20),
        amount=pen("30"),
        purpose="other",
        evidence_reference="Fiesta",
    )
    services.balances_record(
        user=treasurer, group=group, month=D(2025, 2, 1), balances={saver.pk: pen("300")}
    )
    preview = services.incentive_preview(group=group, month=D(2025, 2, 1))
    assert preview.component("withdrawal") == 2_500  # 25 % of S/ 100
    assert preview.component("growth") == 0


def test_statement_import_reports_bad_rows_and_writes_nothing(funded, group, saver):
    world = funded
    bad = b"Cuenta;DNI;Saldo\nCC-0001;12345678;120.00\nCC-404;;10\nCC-0001;;abc\n"
    with pytest.raises(services.StatementError) as refused:
        services.statement_import(
            user=world.users["treasurer"],
            institution=world.institutions["caja"],
            month=D(2025, 1, 1),
            data=bad,
            filename="caja-2025-01.csv",
        )
    problems = [(p.row, p.column) for p in refused.value.problems]
    assert problems == [(2, "DNI"), (3, "Cuenta"), (4, "Cuenta")]
    assert not saver.balances.exists()
    good = f'Cuenta,DNI,Saldo\nCC-0001,{saver.person.dni},"1,250.50"\n'.encode()
    count = services.statement_import(
        user=world.users["treasurer"],
        institution=world.institutions["caja"],
        month=D(2025, 1, 1),
        data=good,
        filename="caja-2025-01.csv",
    )
    assert count == 1
    saver.refresh_from_db()
    assert (saver.balance_minor, saver.balance_month) == (125_050, D(2025, 1, 1))
    assert saver.balances.get().source == "statement"


# --- business funds -----------------------------------------------------------------------------


@pytest.fixture
def fund(funded, group):
    world = funded
    fund = services.fund_create(
        user=world.users["officer"],
        group=group,
        seed_capital=pen("10000"),
        created_on=D(2025, 1, 2),
    )
    transfer = services.seed_transfer_prepare(user=world.users["officer"], fund=fund)
    services.seed_transfer_approve(user=world.users["manager"], transfer=transfer)
    services.seed_transfer_execute(
        user=world.users["officer"],
        transfer=transfer,
        bank_reference="OP-SEED",
        executed_on=D(2025, 1, 6),
    )
    return fund


def test_seed_capital_is_committed_and_disbursed_to_the_group(funded, fund):
    world = funded
    programme = world.programmes["marenass"]
    ref = f"seed:{fund.pk}"
    assert _balance(programme, AccountKind.HELD, ref) == 1_000_000
    assert _balance(programme, AccountKind.COMMITTED, ref) == 0
    assert services.fund_books(fund).cash_minor == 1_000_000
    with pytest.raises(DomainError):
        services.seed_transfer_prepare(user=world.users["officer"], fund=fund)


def test_a_loan_from_schedule_to_arrears_par30_and_capitalization(funded, fund):
    world = funded
    treasurer = world.users["treasurer"]
    product = services.product_create(
        user=treasurer,
        fund=fund,
        name="Queso fresco",
        method="flat",
        monthly_rate_bp=300,
        instalments=4,
    )
    member = world.persons["head_b"]
    loan = services.loan_disburse(
        user=treasurer,
        fund=fund,
        member=member,
        product=product,
        principal=pen("2000"),
        purpose="cheese",
        disbursed_on=D(2025, 2, 1),
        purpose_detail="Venta en feria de Sicuani",
    )
    rows = list(loan.schedule.all())
    assert sum(r.principal_minor for r in rows) == 200_000
    assert sum(r.interest_minor for r in rows) == 24_000  # 3 % × 4 months, flat
    assert rows[0].due_on == D(2025, 3, 1)
    other = services.loan_disburse(
        user=treasurer,
        fund=fund,
        member=member,
        product=product,
        principal=pen("1000"),
        purpose="livestock",
        disbursed_on=D(2025, 2, 1),
    )
    # Partial payment of the first instalment (S/ 560 due), on time
    services.repayment_record(user=treasurer, loan=loan, paid_on=D(2025, 3, 1), amount=pen("300"))
    # The second loan pays everything on time
    for number, day in enumerate([D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1), D(2025, 6, 1)]):
        services.repayment_record(
            user=treasurer, loan=other, paid_on=day, amount=pen("280"), receipt_number=str(number)
        )
    other.refresh_from_db()
    assert other.state == LoanState.REPAID
    figures = selectors.fund_figures(fund, D(2025, 4, 15))
    # loan 1: S/ 1,120 due by 15 April, S/ 300 paid: late since 1 March → more than 30 days
    assert figures.par30 == 100  # the only outstanding loan is at risk
    assert figures.arrears_minor == 112_000 - 30_000
    rows_now = {r.loan.pk: r for r in selectors.fund_loans(fund, D(2025, 4, 15))}
    position = services.loan_position(loan, D(2025, 4, 15))
    assert position.days_late == 45 and rows_now[loan.pk].at_risk
    # Overpaying is refused; settling early waives the interest of later periods
    with pytest.raises(DomainError) as over:
        services.repayment_record(
            user=treasurer, loan=loan, paid_on=D(2025, 4, 20), amount=pen("5000")
        )
    assert over.value.field == "amount"
    with pytest.raises(DomainError):
        services.repayment_record(
            user=treasurer, loan=loan, paid_on=D(2025, 4, 20), amount=pen("100"), settle=True
        )
    # interest of instalments 1-2 (due) and 3 (current) = 180; principal owed 2000 − 240 = 1760
    settled = services.repayment_record(
        user=treasurer, loan=loan, paid_on=D(2025, 4, 20), amount=pen("1880"), settle=True
    )
    assert (settled.principal_minor, settled.interest_minor) == (176_000, 12_000)
    loan.refresh_from_db()
    assert (loan.state, loan.interest_waived_minor) == (LoanState.REPAID, 6_000)
    figures = selectors.fund_figures(fund, D(2025, 7, 1))
    interest = 12_000 + 6_000 + 12_000  # loan 1: 60 in March + 120 at settlement; loan 2: 120
    assert figures.interest_minor == interest
    assert figures.value_minor == 1_000_000 + interest
    assert figures.cash_minor == figures.value_minor  # nothing outstanding
    assert str(figures.capitalization) == "3.0"
    assert figures.par30 is None


def test_loans_only_to_members_and_from_the_funds_cash(funded, fund):
    world = funded
    treasurer = world.users["treasurer"]
    product = services.product_create(
        user=treasurer,
        fund=fund,
        name="Cuyes",
        method="declining",
        monthly_rate_bp=250,
        instalments=6,
    )
    with pytest.raises(DomainError) as not_member:
        services.loan_disburse(
            user=treasurer,
            fund=fund,
            member=world.persons["head_a"],
            product=product,
            principal=pen("100"),
            purpose="livestock",
            disbursed_on=D(2025, 2, 1),
        )
    assert not_member.value.field == "member"
    with pytest.raises(DomainError) as short:
        services.loan_disburse(
            user=treasurer,
            fund=fund,
            member=world.persons["head_b"],
            product=product,
            principal=pen("10000.01"),
            purpose="livestock",
            disbursed_on=D(2025, 2, 1),
        )
    assert short.value.code == "insufficient"
    with pytest.raises(DomainError) as outsider:
        services.product_create(
            user=world.users["juror"],
            fund=fund,
            name="X",
            method="flat",
            monthly_rate_bp=1,
            instalments=1,
        )
    assert outsider.value.code == "forbidden"


# --- insurance ----------------------------------------------------------------------------------


def test_premium_batch_is_balanced_in_the_ledger(funded, group, insurer):
    world = funded
    programme = world.programmes["marenass"]
    treasurer = world.users["treasurer"]
    holder = services.policy_enrol(
        user=treasurer,
        organization=group.organization,
        programme=programme,
        insurer=insurer,
        dni=world.persons["head_b"].dni,
        insured_as="holder",
        children_covered=3,
        starts_on=D(2025, 3, 1),
    )
    spouse = services.policy_enrol(
        user=treasurer,
        organization=group.organization,
        programme=programme,
        insurer=insurer,
        dni=world.persons["spouse_b"].dni,
        insured_as="spouse",
        children_covered=0,
        starts_on=D(2025, 3, 1),
    )
    # S/ 36 + 3 × S/ 6 = S/ 54, half by the project; S/ 36 for the spouse
    assert (holder.premium_minor, holder.subsidy_minor, holder.counterpart_minor) == (
        5_400,
        2_700,
        2_700,
    )
    assert spouse.premium_minor == 3_600
    with pytest.raises(DomainError):
        services.premium_batch_prepare(user=treasurer, programme=programme, insurer=insurer)
    batch = services.premium_batch_prepare(
        user=world.users["manager"], programme=programme, insurer=insurer
    )
    with pytest.raises(DomainError):
        services.premium_batch_approve(user=world.users["manager"], batch=batch)
    services.premium_batch_approve(user=world.users["officer"], batch=batch)
    services.premium_batch_execute(
        user=world.users["manager"],
        batch=batch,
        bank_reference="OP-SEG-1",
        executed_on=D(2025, 3, 5),
    )
    batch.refresh_from_db()
    ref = batch.commitment_ref
    spent = _balance(programme, AccountKind.SPENT, ref)
    counterpart = _balance(programme, AccountKind.COUNTERPART, ref)
    assert spent == batch.subsidy_minor == 4_500
    assert counterpart == batch.counterpart_minor == 4_500
    assert spent + counterpart == batch.premium_minor == 9_000
    assert _balance(programme, AccountKind.HELD, ref) == 0
    for journal in (batch.commit_journal, batch.disburse_journal, batch.counterpart_journal):
        assert sum(journal.legs.values_list("amount_minor", flat=True)) == 0
    holder.refresh_from_db()
    assert holder.state == PolicyState.ACTIVE
    claim = services.claim_record(
        user=treasurer,
        policy=holder,
        event="death_child",
        event_on=D(2025, 8, 1),
        beneficiary="Rosa Quispe",
        amount=pen("1500"),
    )
    services.claim_decide(user=treasurer, claim=claim, paid=True, insurer_reference="SIN-77")
    claim.refresh_from_db()
    assert claim.state == "paid"
