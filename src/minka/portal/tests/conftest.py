"""The contracts app's fixtures (a funded programme, contracts, the first tranche), reused, and
a programme in motion: contracts of two instruments, money transferred, spent and released."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from minka.contracts import services
from minka.contracts.models import Concept
from minka.contracts.tests import conftest as contract_fixtures
from minka.contracts.tests.conftest import funded, make_contract  # noqa: F401 - fixtures
from minka.portal.models import IatiPublisher

D = datetime.date
SHARED_IATI = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "iati"
PUBLISHER_REF = "PE-RUC-20131370645"
ORGANIZATION_RUC = "20100030595"


def shared(*parts: str) -> Path:
    """A file of the shared IATI data (schema, rulesets, codelists); the test is skipped when
    the shared folder is absent."""
    path = SHARED_IATI.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture
def in_motion(funded, make_contract):  # noqa: F811 - the re-exported fixtures
    """MARENASS publishing as PE-RUC-20131370645, its districts with coordinates, organization
    B with a RUC, and three contracts: a PDN paid and partly accounted for, a PGRN signed, and a
    PDN cancelled after signing (its commitment released)."""
    world = funded
    for code, (lat, lon) in {
        "030101": (-13.6339, -72.8814),
        "030201": (-13.6556, -73.3872),
    }.items():
        area = world.areas[code]
        area.latitude, area.longitude = lat, lon
        area.save()
    organization = world.organizations["b"]
    organization.ruc = ORGANIZATION_RUC
    organization.save()
    programme = world.programmes["marenass"]
    programme.institution = "Programa MARENASS — Ministerio de Agricultura"
    programme.save()
    IatiPublisher.objects.create(programme=programme, organisation_ref=PUBLISHER_REF)

    paid = make_contract()
    contract_fixtures.pay_first_tranche(world, paid)
    report = services.expense_report_submit(
        user=world.users["treasurer"],
        contract=paid,
        period_end=D(2025, 3, 31),
        lines=contract_fixtures.receipts(),
    )
    services.expense_report_review(user=world.users["officer"], report=report, approve=True)

    signed = make_contract(
        instrument="pgrn",
        line_list=[
            services.LineInput(
                Concept.ASSETS,
                contract_fixtures.pen("20000.00"),
                contract_fixtures.pen("6000.00"),
                contract_fixtures.pen("0"),
            ),
        ],
    )
    cancelled = make_contract(project="3000.00", organization="1000.00")
    services.contract_cancel(
        user=world.users["manager"],
        contract=cancelled,
        reason="La organización se disolvió.",
        cancelled_on=D(2025, 4, 1),
    )
    for contract in (paid, signed, cancelled):
        contract.refresh_from_db()
    world.contracts = {"paid": paid, "signed": signed, "cancelled": cancelled}
    return world
