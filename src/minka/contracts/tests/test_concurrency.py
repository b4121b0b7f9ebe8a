"""Two simultaneous requests for the same tranche can never both pass (PostgreSQL, real
concurrent transactions in two threads with their own connections)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections

from minka.contracts import services
from minka.contracts.models import Atf, AtfState
from minka.contracts.tests.conftest import D, pen
from minka.core.errors import DomainError
from minka.ledger.models import Journal

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [
    # Skipped before any fixture runs: on SQLite every writer is serialised anyway, and the
    # flush of a transactional test cannot delete append-only ledger rows.
    pytest.mark.skipif(not ON_POSTGRESQL, reason="concurrency is proven on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _race(target, arguments):
    barrier = threading.Barrier(len(arguments))
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(kwargs):
        try:
            barrier.wait()
            result = target(**kwargs)
        except DomainError as exc:
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(kwargs,)) for kwargs in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def ready_contract(make_contract, funded):
    contract = make_contract()
    services.counterpart_deposit_record(
        user=funded.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("2000"),
    )
    return contract


def test_two_preparations_of_one_tranche(ready_contract, funded):
    tranche = ready_contract.tranches.get(number=1)
    outcomes = _race(
        services.atf_prepare,
        [
            {"user": funded.users["officer"], "contract": ready_contract, "tranche": tranche},
            {"user": funded.users["manager"], "contract": ready_contract, "tranche": tranche},
        ],
    )
    assert sum(isinstance(o, Atf) for o in outcomes) == 1
    assert sum(isinstance(o, DomainError) for o in outcomes) == 1
    assert Atf.objects.filter(tranche=tranche).exclude(state=AtfState.CANCELLED).count() == 1


def test_two_executions_of_one_atf(ready_contract, funded):
    atf = services.atf_prepare(
        user=funded.users["officer"],
        contract=ready_contract,
        tranche=ready_contract.tranches.get(number=1),
    )
    services.atf_approve(user=funded.users["manager"], atf=atf)
    outcomes = _race(
        services.atf_execute,
        [
            {
                "user": funded.users["officer"],
                "atf": atf,
                "bank_reference": "OP-1",
                "executed_on": D(2025, 2, 9),
            },
            {
                "user": funded.users["manager"],
                "atf": atf,
                "bank_reference": "OP-2",
                "executed_on": D(2025, 2, 9),
            },
        ],
    )
    assert sum(isinstance(o, Atf) for o in outcomes) == 1
    assert Journal.objects.filter(kind="disbursement").count() == 1
    assert services.money_position(ready_contract)["held"] == pen("7000.00")
