"""A programme with budget, an organization ready to contract, and helpers to drive a contract."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minka.contracts import services
from minka.contracts.models import Concept
from minka.core.money import Money
from minka.ledger.services import budget_allocate, exchange_rate_record
from minka.registry.models import AccountStatus, BoardPosition

D = datetime.date


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


@pytest.fixture
def funded(world):
    """MARENASS with S/ 375,000 of budget from its IFAD loan; organization B with a president,
    a treasurer and a verified account at Caja Cusco."""
    programme = world.programmes["marenass"]
    source = programme.funding_sources.get()
    exchange_rate_record(
        user=None, date=D(2025, 1, 1), base="USD", quote="PEN", rate=Decimal("3.75")
    )
    budget_allocate(
        user=world.users["manager"],
        funding_source=source,
        amount=Money.from_decimal("100000", "USD"),
        effective_date=D(2025, 1, 2),
        idempotency_key="alloc-1",
    )
    organization = world.organizations["b"]
    BoardPosition.objects.create(
        organization=organization,
        person=world.persons["spouse_b"],
        role="treasurer",
        term_start=D(2024, 1, 1),
    )
    account = world.accounts["b"]
    account.status, account.verified_by, account.verified_at = (
        AccountStatus.VERIFIED,
        world.users["officer"],
        datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )
    account.save()
    world.source = source
    return world


def lines(project="10000.00", organization="4000.00"):
    return [
        services.LineInput(Concept.TECHNICAL_ASSISTANCE, pen(project), pen(organization), pen("0")),
    ]


@pytest.fixture
def make_contract(funded):
    def _make(
        *,
        state="signed",
        project="10000.00",
        organization="4000.00",
        line_list=None,
        instrument="pdn",
    ):
        world = funded
        contract = services.contract_create(
            user=world.users["manager"],
            programme=world.programmes["marenass"],
            local_office=world.offices["andahuaylas"],
            organization=world.organizations["b"],
            instrument=instrument,
            title="Plan de negocio de cuyes",
            funding_source=world.source,
            term_months=18,
            lines=line_list or lines(project, organization),
            justification="Piloto aprobado por la gerencia antes del primer CLAR.",
        )
        if state == "proposal":
            return contract
        services.contract_decide(user=world.users["manager"], contract=contract, approve=True)
        if state == "approved":
            return contract
        services.contract_sign(
            user=world.users["officer"], contract=contract, signed_on=D(2025, 2, 1)
        )
        contract.refresh_from_db()
        return contract

    return _make


def pay_first_tranche(world, contract, deposit="2000.00"):
    services.counterpart_deposit_record(
        user=world.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="BN-001",
        deposited_on=D(2025, 2, 5),
        amount=pen(deposit),
    )
    tranche = contract.tranches.get(number=1)
    atf = services.atf_prepare(user=world.users["officer"], contract=contract, tranche=tranche)
    services.atf_approve(user=world.users["manager"], atf=atf)
    services.atf_execute(
        user=world.users["officer"], atf=atf, bank_reference="OP-778812", executed_on=D(2025, 2, 10)
    )
    contract.refresh_from_db()
    return atf


def receipts(amount="5000.00", number="F001-100", concept=Concept.TECHNICAL_ASSISTANCE):
    return [
        services.ExpenseInput(
            spent_on=D(2025, 3, 1),
            receipt_type="factura",
            receipt_number=number,
            supplier_ruc="20100030595",
            concept=concept,
            amount=pen(amount),
        )
    ]
