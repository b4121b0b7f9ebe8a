"""The contracts fixtures (a funded programme, a grant contract) and helpers to hire a
provider under it."""

from __future__ import annotations

import datetime

import pytest

from minka.assistance import services
from minka.assistance.models import ProviderProfile
from minka.contracts.tests.conftest import (  # noqa: F401
    funded,
    make_contract,
    pay_first_tranche,
)
from minka.core.money import Money

D = datetime.date


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


@pytest.fixture
def running(funded, make_contract):  # noqa: F811
    """Organization B's grant contract, signed, with the first tranche paid: it holds
    S/ 7,000 and has S/ 10,000 for technical assistance."""
    contract = make_contract()
    pay_first_tranche(funded, contract)
    funded.grant = contract
    return funded


def hire(world, *, grant="1500.00", own="500.00", other="0", days=10, rate="200.00", **extra):
    """Organization B's treasurer hires provider A (a technician) under the grant contract."""
    defaults = {
        "user": world.users["treasurer"],
        "organization": world.organizations["b"],
        "provider": world.providers["a"],
        "grant_contract": getattr(world, "grant", None),
        "topic": "Riego por aspersión",
        "starts_on": D(2025, 3, 1),
        "ends_on": D(2025, 4, 30),
        "days": days,
        "daily_rate": pen(rate),
        "selection": "competition",
        "grant": pen(grant),
        "own": pen(own),
        "other": pen(other),
    }
    defaults.update(extra)
    return services.service_contract_create(**defaults)


@pytest.fixture
def profiles(world):
    for provider in world.providers.values():
        ProviderProfile.objects.create(provider=provider, summary=f"Servicios de {provider.skills}")
    return world
