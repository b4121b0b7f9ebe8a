"""The rules of the Donación con Carga, each enforced by a service and checked here."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from minka.contracts import services
from minka.contracts.models import Atf, AtfState, ContractState, TranchePolicy, TrancheState
from minka.contracts.tests.conftest import D, pay_first_tranche, pen, receipts
from minka.contracts.tranches import split_proportionally, tranche_amounts
from minka.core.errors import DomainError
from minka.core.models import AuditEvent
from minka.ledger.models import AccountKind, Journal
from minka.ledger.services import account_for, balance


def budget_of(world):
    return balance(
        account_for(
            programme=world.programmes["marenass"],
            kind=AccountKind.BUDGET,
            currency="PEN",
            funding_source=world.source,
        )
    )


def test_whole_life_from_proposal_to_liquidation(funded, make_contract, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    world = funded
    assert budget_of(world) == pen("375000.00")
    contract = make_contract()
    assert contract.state == ContractState.SIGNED
    assert budget_of(world) == pen("365000.00")  # S/ 10,000 committed
    assert [t.amount_minor for t in contract.tranches.all()] == [700000, 300000]

    pay_first_tranche(world, contract)
    assert contract.state == ContractState.TRANCHE_1_PAID
    assert services.money_position(contract)["held"] == pen("7000.00")

    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("5000.00"),
    )
    services.expense_report_review(user=world.users["officer"], report=report, approve=True)
    services.tranche2_request(user=world.users["treasurer"], contract=contract)
    services.midterm_decide(
        user=world.users["officer"],
        contract=contract,
        approve=True,
        decided_on=D(2025, 6, 1),
        reference="Acta CLAR intermedio 03-2025",
    )
    second = contract.tranches.get(number=2)
    atf = services.atf_prepare(user=world.users["officer"], contract=contract, tranche=second)
    services.atf_approve(user=world.users["manager"], atf=atf)
    services.atf_execute(
        user=world.users["officer"], atf=atf, bank_reference="OP-9911", executed_on=D(2025, 6, 5)
    )
    contract.refresh_from_db()
    assert contract.state == ContractState.TRANCHE_2_PAID

    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 9, 30),
        lines=receipts("4200.00", "F001-101"),
    )
    services.expense_report_review(user=world.users["officer"], report=report, approve=True)
    from django.core.files.base import ContentFile

    services.contract_liquidate(
        user=world.users["officer"],
        contract=contract,
        final_report=ContentFile(b"%PDF-1.4 informe", name="informe.pdf"),
        closing_minute=ContentFile(b"acta", name="acta.pdf"),
        bank_statement=ContentFile(b"extracto", name="extracto.pdf"),
        refund=80000,
        refund_reference="DEP-555",
        rating="good",
        liquidated_on=D(2025, 10, 15),
    )
    contract.refresh_from_db()
    assert contract.state == ContractState.LIQUIDATED
    position = services.money_position(contract)
    assert position["held"] == pen("0") and position["accounted"] == pen("9200.00")
    assert budget_of(world) == pen("365800.00")  # the S/ 800 refund is available again
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert (
        "contract.signed" in actions
        and "contract.liquidated" in actions
        and "ledger.refund" in actions
    )
    call_command("verify")


def test_no_disbursement_before_signing(make_contract, funded):
    contract = make_contract(state="approved")
    with pytest.raises(DomainError):
        services.atf_prepare(
            user=funded.users["officer"], contract=contract, tranche=contract.tranches.get(number=1)
        )


def test_signing_needs_president_and_treasurer(make_contract, funded):
    contract = make_contract(state="approved")
    contract.organization.board.filter(role="treasurer").update(term_end=D(2024, 12, 31))
    with pytest.raises(DomainError) as info:
        services.contract_sign(
            user=funded.users["officer"], contract=contract, signed_on=D(2025, 2, 1)
        )
    assert "treasurer" in str(info.value).lower() or "tesorero" in str(info.value).lower()
    contract.refresh_from_db()
    assert contract.state == ContractState.APPROVED
    assert not Journal.objects.filter(kind="commitment").exists()


def test_tranche_one_waits_for_half_the_counterpart(make_contract, funded):
    world = funded
    contract = make_contract()  # organization's share S/ 4,000: needs S/ 2,000 in cash
    tranche = contract.tranches.get(number=1)
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("1999.99"),
    )
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="labour",
        slip_number="F-1",
        deposited_on=D(2025, 2, 3),
        amount=pen("3000.00"),
    )
    assert any("0.01" in str(r) for r in services.tranche_blockers(contract, tranche))
    with pytest.raises(DomainError):
        services.atf_prepare(user=world.users["officer"], contract=contract, tranche=tranche)
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="2",
        deposited_on=D(2025, 2, 4),
        amount=pen("0.01"),
    )
    assert services.tranche_blockers(contract, tranche) == []


def test_duplicate_slip_is_refused(make_contract, funded):
    contract = make_contract()
    services.counterpart_deposit_record(
        user=funded.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="BN-7",
        deposited_on=D(2025, 2, 3),
        amount=pen("10"),
    )
    with pytest.raises(DomainError) as info:
        services.counterpart_deposit_record(
            user=funded.users["treasurer"],
            contract=contract,
            kind="cash",
            slip_number="BN-7",
            deposited_on=D(2025, 2, 3),
            amount=pen("10"),
        )
    assert info.value.field == "slip_number"


def test_unverified_or_unregulated_account_blocks_payment(make_contract, funded):
    contract = make_contract()
    account = funded.accounts["b"]
    account.institution = funded.institutions["coop"]
    account.save()
    services.counterpart_deposit_record(
        user=funded.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("2000"),
    )
    reasons = services.tranche_blockers(contract, contract.tranches.get(number=1))
    assert len(reasons) == 1 and "SBS" in str(reasons[0])


def test_preparer_cannot_approve(make_contract, funded):
    world = funded
    contract = make_contract()
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("2000"),
    )
    atf = services.atf_prepare(
        user=world.users["officer"], contract=contract, tranche=contract.tranches.get(number=1)
    )
    with pytest.raises(DomainError) as info:
        services.atf_approve(user=world.users["officer"], atf=atf)
    assert info.value.code == "four_eyes"
    with pytest.raises(DomainError):
        services.atf_execute(
            user=world.users["officer"], atf=atf, bank_reference="X", executed_on=D(2025, 2, 9)
        )


def test_one_live_atf_per_tranche_and_execution_posts_once(make_contract, funded):
    world = funded
    contract = make_contract()
    atf = pay_first_tranche(world, contract)
    with pytest.raises(DomainError):
        services.atf_execute(
            user=world.users["officer"],
            atf=atf,
            bank_reference="OP-778812",
            executed_on=D(2025, 2, 10),
        )
    with pytest.raises(DomainError):
        services.atf_prepare(
            user=world.users["officer"], contract=contract, tranche=contract.tranches.get(number=1)
        )
    assert Journal.objects.filter(kind="disbursement").count() == 1


def test_misuse_suspends_pending_tranches_until_corrected(make_contract, funded):
    world = funded
    contract = make_contract()
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("2000"),
    )
    atf = services.atf_prepare(
        user=world.users["officer"], contract=contract, tranche=contract.tranches.get(number=1)
    )
    flag = services.misuse_flag_raise(
        user=world.users["officer"],
        contract=contract,
        description="Compra de insumos sin comprobante",
        raised_on=D(2025, 2, 6),
    )
    with pytest.raises(DomainError) as info:
        services.atf_approve(user=world.users["manager"], atf=atf)
    assert info.value.code == "blocked"
    with pytest.raises(DomainError):
        services.misuse_flag_lift(
            user=world.users["officer"], flag=flag, corrective_action="", lifted_on=D(2025, 2, 8)
        )
    services.misuse_flag_lift(
        user=world.users["officer"],
        flag=flag,
        corrective_action="Comprobantes presentados y verificados",
        lifted_on=D(2025, 2, 8),
    )
    services.atf_approve(user=world.users["manager"], atf=atf)


def test_second_tranche_needs_midterm_and_seventy_percent_accounted(make_contract, funded):
    world = funded
    contract = make_contract()
    pay_first_tranche(world, contract)  # tranche 1: S/ 7,000 → needs S/ 4,900 accounted
    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("4899.99"),
    )
    services.expense_report_review(user=world.users["officer"], report=report, approve=True)
    with pytest.raises(DomainError):
        services.tranche2_request(user=world.users["treasurer"], contract=contract)
    second = contract.tranches.get(number=2)
    with pytest.raises(DomainError):
        services.atf_prepare(user=world.users["officer"], contract=contract, tranche=second)
    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("0.01", "B002-5"),
    )
    services.expense_report_review(user=world.users["officer"], report=report, approve=True)
    services.tranche2_request(user=world.users["treasurer"], contract=contract)
    with translation.override("en"):
        blockers = services.tranche_blockers(contract, second)
    assert any("mid-term" in str(r).lower() for r in blockers)


def test_duplicate_and_over_budget_receipts_are_refused_whole(make_contract, funded):
    world = funded
    contract = make_contract(
        line_list=[
            services.LineInput("ta", pen("6000"), pen("4000"), pen("0")),
            services.LineInput("assets", pen("4000"), pen("0"), pen("0")),
        ]
    )
    pay_first_tranche(world, contract)
    services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("100.00", "F001-000123"),
    )
    with pytest.raises(DomainError) as info:  # the same receipt, typed differently
        services.expense_report_submit(
            user=world.users["treasurer"],
            contract=contract,
            period_end=D(2025, 3, 31),
            lines=receipts("100.00", "f001 - 123"),
        )
    assert "1" in str(info.value)
    with pytest.raises(DomainError):  # assets: S/ 4,000 of project share
        services.expense_report_submit(
            user=world.users["treasurer"],
            contract=contract,
            period_end=D(2025, 3, 31),
            lines=receipts("4000.01", "F009-1", concept="assets"),
        )
    assert contract.expense_reports.count() == 1


def test_returned_report_frees_its_receipts(make_contract, funded):
    world = funded
    contract = make_contract()
    pay_first_tranche(world, contract)
    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("100.00"),
    )
    with pytest.raises(DomainError):
        services.expense_report_review(user=world.users["officer"], report=report, approve=False)
    services.expense_report_review(
        user=world.users["officer"], report=report, approve=False, note="Falta firma"
    )
    services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("100.00"),
    )


def test_addendum_cannot_take_the_commitment_below_what_was_disbursed(make_contract, funded):
    world = funded
    contract = make_contract()
    pay_first_tranche(world, contract)  # S/ 7,000 disbursed of S/ 10,000
    services.addendum_record(
        user=world.users["manager"],
        contract=contract,
        signed_on=D(2025, 4, 1),
        reason="Ampliación de asistencia técnica",
        concept="ta",
        project_delta=150000,
    )
    assert contract.tranches.get(number=2).amount_minor == 450000
    with pytest.raises(DomainError):
        services.addendum_record(
            user=world.users["manager"],
            contract=contract,
            signed_on=D(2025, 4, 2),
            reason="Reducción",
            concept="ta",
            project_delta=-450000,
        )
    services.addendum_record(
        user=world.users["manager"],
        contract=contract,
        signed_on=D(2025, 4, 3),
        reason="Reducción parcial",
        concept="ta",
        project_delta=-100000,
        term_delta_months=3,
    )
    contract.refresh_from_db()
    assert contract.term_months == 21
    assert services.money_position(contract)["to_disburse"] == pen("3500.00")


def test_policy_is_configurable_per_instrument(funded, make_contract):
    programme = funded.programmes["marenass"]
    TranchePolicy.objects.create(programme=programme, instrument="idl", first_tranche_percent=80)
    contract = make_contract(instrument="idl")
    assert [t.amount_minor for t in contract.tranches.all()] == [800000, 200000]
    TranchePolicy.objects.filter(instrument="idl").update(
        first_tranche_percent=100, needs_head_office_authorisation=True
    )
    with pytest.raises(DomainError) as info:
        make_contract(instrument="idl")
    assert info.value.field == "head_office_authorised"


def test_minimum_counterpart(funded, make_contract):
    TranchePolicy.objects.create(
        programme=funded.programmes["marenass"], instrument="pdn", minimum_counterpart_percent=23
    )
    with pytest.raises(DomainError):
        make_contract(project="10000", organization="2900")  # 22.5 %
    make_contract(project="10000", organization="3000")  # 23.1 %


def test_prizes_are_project_only(funded, make_contract):
    with pytest.raises(DomainError):
        make_contract(line_list=[services.LineInput("prizes", pen("1000"), pen("10"), pen("0"))])


def test_commitment_needs_budget(funded, make_contract):
    with pytest.raises(DomainError) as info:
        make_contract(project="375000.01")
    assert info.value.code == "insufficient"


def test_invalid_transitions_and_roles(funded, make_contract):
    world = funded
    contract = make_contract(state="proposal")
    with pytest.raises(DomainError):
        services.contract_sign(
            user=world.users["officer"], contract=contract, signed_on=D(2025, 2, 1)
        )
    with pytest.raises(DomainError) as info:
        services.contract_decide(user=world.users["officer"], contract=contract, approve=True)
    assert info.value.code == "forbidden"
    with pytest.raises(DomainError):
        services.contract_decide(user=world.users["manager"], contract=contract, approve=False)
    services.contract_decide(
        user=world.users["manager"], contract=contract, approve=False, reason="Sin sustento"
    )
    with pytest.raises(DomainError):
        services.contract_decide(user=world.users["manager"], contract=contract, approve=True)


def test_cancellation_refunds_and_releases(funded, make_contract):
    world = funded
    contract = make_contract()
    pay_first_tranche(world, contract)
    with pytest.raises(DomainError):
        services.contract_cancel(
            user=world.users["manager"],
            contract=contract,
            reason="Disolución",
            cancelled_on=D(2025, 5, 1),
        )
    services.contract_cancel(
        user=world.users["manager"],
        contract=contract,
        reason="Disolución",
        cancelled_on=D(2025, 5, 1),
        refund=700000,
        refund_reference="DEP-1",
    )
    contract.refresh_from_db()
    assert contract.state == ContractState.CANCELLED
    assert contract.tranches.get(number=2).state == TrancheState.CANCELLED
    assert budget_of(world) == pen("375000.00")


def test_outsiders_cannot_act(funded, make_contract):
    contract = make_contract()
    for username in ("auditor", "juror", "monitor", "provider"):
        with pytest.raises(DomainError):
            services.counterpart_deposit_record(
                user=funded.users[username],
                contract=contract,
                kind="cash",
                slip_number="x",
                deposited_on=D(2025, 2, 3),
                amount=pen("1"),
            )


def test_tranche_arithmetic():
    assert tranche_amounts(1000001, 70) == [700000, 300001]
    assert tranche_amounts(500, 100) == [500]
    parts = split_proportionally(1001, {"ta": 2000, "assets": 1000, "fairs": 1})
    assert sum(parts.values()) == 1001 and all(
        parts[k] <= w for k, w in {"ta": 2000, "assets": 1000, "fairs": 1}.items() if k in parts
    )


def test_atf_states_are_explicit():
    assert {s.value for s in AtfState} == {"prepared", "approved", "executed", "cancelled"}
    assert Atf._meta.get_field("bank_reference")
