"""A women's group enrolled in MARENASS with budget, and helpers to drive its savings and fund."""

from __future__ import annotations

import datetime

import pytest

from minka.contracts.tests.conftest import funded  # noqa: F401
from minka.core.money import Money
from minka.registry.models import FinancialInstitution
from minka.savings import services

D = datetime.date


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


@pytest.fixture
def group(funded):  # noqa: F811
    """Organization B (the treasurer's, in the officer's office) enrolled as a savings group of
    MARENASS, with budget; its member `head_b` is a woman."""
    world = funded
    return services.group_enrol(
        user=world.users["officer"],
        organization=world.organizations["b"],
        programme=world.programmes["marenass"],
        started_on=D(2024, 12, 1),
    )


@pytest.fixture
def saver(funded, group):  # noqa: F811
    return services.saver_register(
        user=funded.users["treasurer"],
        group=group,
        dni=funded.persons["head_b"].dni,
        institution=funded.institutions["caja"],
        number="CC-0001",
        opened_on=D(2025, 1, 10),
        opening_deposit=pen("80.00"),
    )


@pytest.fixture
def insurer(db):
    return FinancialInstitution.objects.create(
        name="La Positiva Seguros", short_name="La Positiva", kind="insurer", sbs_regulated=True
    )


def pay_batch(world, batch, reference="OP-1"):
    services.incentive_batch_approve(user=world.users["manager"], batch=batch)
    return services.incentive_batch_execute(
        user=world.users["officer"],
        batch=batch,
        bank_reference=reference,
        executed_on=D(2025, 2, 5),
    )
