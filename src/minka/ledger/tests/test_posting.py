"""Posting: balance, idempotency, database-enforced immutability, guards, FX, verify."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from minka.core.errors import DomainError
from minka.core.models import AuditEvent
from minka.core.money import Money
from minka.ledger.models import AccountKind, Journal, Leg
from minka.ledger.services import (
    LegSpec,
    account_for,
    balance,
    budget_allocate,
    exchange_rate_record,
    journal_post,
    journal_reverse,
)

TODAY = datetime.date(2026, 3, 1)


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


@pytest.fixture
def ledger(world):
    programme = world.programmes["marenass"]
    source = programme.funding_sources.get()
    budget = account_for(
        programme=programme, kind=AccountKind.BUDGET, currency="PEN", funding_source=source
    )
    committed = account_for(
        programme=programme, kind=AccountKind.COMMITTED, currency="PEN", commitment="contract:1"
    )
    return world, programme, source, budget, committed


def post(programme, legs, key="k1", **extra):
    return journal_post(
        programme=programme,
        kind="commitment",
        legs=legs,
        memo="test",
        effective_date=TODAY,
        idempotency_key=key,
        **extra,
    )


def fund(world, programme, source, amount="1000.00"):
    exchange_rate_record(user=None, date=TODAY, base="USD", quote="PEN", rate=Decimal("3.75"))
    return budget_allocate(
        user=world.users["manager"],
        funding_source=source,
        amount=Money.from_decimal(amount, "USD"),
        effective_date=TODAY,
        idempotency_key=f"alloc-{amount}",
    )


def test_usd_funding_becomes_pen_budget_at_the_recorded_rate(ledger):
    world, programme, source, budget, _ = ledger
    journal = fund(world, programme, source, "1000.00")
    assert balance(budget) == pen("3750.00")
    by_currency = {}
    for leg in journal.legs.all():
        by_currency[leg.currency] = by_currency.get(leg.currency, 0) + leg.amount_minor
    assert by_currency == {"PEN": 0, "USD": 0}
    assert journal.reference.startswith("rate:")


def test_allocation_without_a_rate_is_refused(ledger):
    world, programme, source, _, _ = ledger
    with pytest.raises(DomainError) as info:
        budget_allocate(
            user=None,
            funding_source=source,
            amount=Money(100, "USD"),
            effective_date=TODAY,
            idempotency_key="x",
        )
    assert info.value.field == "rate_date"


def test_cannot_budget_more_than_the_source(ledger):
    world, programme, source, _, _ = ledger
    with pytest.raises(DomainError):
        fund(world, programme, source, "12300000.01")


def test_unbalanced_or_mixed_journals_are_refused(ledger):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source)
    with pytest.raises(DomainError):
        post(programme, [LegSpec(committed, pen("10")), LegSpec(budget, pen("-9"))])
    with pytest.raises(DomainError):
        post(programme, [LegSpec(committed, Money(1000, "USD")), LegSpec(budget, pen("-10"))])
    assert not Journal.objects.filter(kind="commitment").exists()


def test_the_same_request_twice_posts_once(ledger):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source)
    legs = [LegSpec(committed, pen("100")), LegSpec(budget, pen("-100"))]
    first = post(programme, legs, key="contract-1-sign")
    again = post(programme, legs, key="contract-1-sign")
    assert first.pk == again.pk
    assert balance(committed) == pen("100")
    with pytest.raises(DomainError):
        post(
            programme,
            [LegSpec(committed, pen("200")), LegSpec(budget, pen("-200"))],
            key="contract-1-sign",
        )


def test_budget_cannot_go_negative(ledger):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source, "10.00")  # S/ 37.50
    with pytest.raises(DomainError) as info:
        post(programme, [LegSpec(committed, pen("37.51")), LegSpec(budget, pen("-37.51"))])
    assert info.value.code == "insufficient"
    post(programme, [LegSpec(committed, pen("37.50")), LegSpec(budget, pen("-37.50"))])
    assert balance(budget) == pen("0")


def test_reversal_restores_balances_and_happens_once(ledger):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source)
    journal = post(programme, [LegSpec(committed, pen("100")), LegSpec(budget, pen("-100"))])
    journal_reverse(journal=journal, actor=None, memo="error", idempotency_key="rev-1")
    assert balance(committed) == pen("0")
    with pytest.raises(DomainError):
        journal_reverse(journal=journal, actor=None, memo="again", idempotency_key="rev-2")


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_changes_to_posted_rows(ledger):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source)
    journal = post(programme, [LegSpec(committed, pen("100")), LegSpec(budget, pen("-100"))])
    leg = journal.legs.first()
    for statement, params in [
        ("UPDATE ledger_leg SET amount_minor = 1 WHERE id = %s", [leg.pk]),
        ("DELETE FROM ledger_leg WHERE id = %s", [leg.pk]),
        ("UPDATE ledger_journal SET memo = 'x' WHERE id = %s", [journal.pk]),
        ("DELETE FROM ledger_journal WHERE id = %s", [journal.pk]),
        (
            "INSERT INTO ledger_leg (journal_id, account_id, amount_minor, currency) "
            "VALUES (%s, %s, 5, 'PEN')",
            [journal.pk, budget.pk],
        ),
        ("UPDATE core_auditevent SET action = 'x' WHERE seq = 1", []),
        ("DELETE FROM core_auditevent", []),
    ]:
        with pytest.raises((DatabaseError, IntegrityError)):
            _raw(statement, params)
    with pytest.raises((DatabaseError, IntegrityError)):
        Leg.objects.filter(pk=leg.pk).update(amount_minor=5)


def test_database_refuses_to_seal_an_unbalanced_journal(ledger):
    world, programme, source, budget, committed = ledger
    journal = Journal.objects.create(
        programme=programme,
        kind="commitment",
        effective_date=TODAY,
        memo="raw",
        idempotency_key="raw-1",
    )
    Leg.objects.create(journal=journal, account=committed, amount_minor=100, currency="PEN")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        Journal.objects.filter(pk=journal.pk).update(sealed=True, content_hash="x" * 64)


def _drop_leg_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER ledger_leg_append_only ON ledger_leg")
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER ledger_leg_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_update")


def test_verify_passes_then_names_a_tampered_leg(ledger, capsys):
    world, programme, source, budget, committed = ledger
    fund(world, programme, source)
    journal = post(programme, [LegSpec(committed, pen("100")), LegSpec(budget, pen("-100"))])
    call_command("verify")
    _drop_leg_triggers()  # what someone editing the database behind Minka's back would do
    legs = list(journal.legs.order_by("pk"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_leg SET amount_minor = amount_minor + 1 WHERE id = %s", [legs[0].pk]
        )
        cursor.execute(
            "UPDATE ledger_leg SET amount_minor = amount_minor - 1 WHERE id = %s", [legs[1].pk]
        )
    with pytest.raises(CommandError):
        call_command("verify")
    assert f"Journal {journal.pk}" in capsys.readouterr().err


def test_verify_names_a_tampered_audit_event(ledger, capsys):
    world, programme, source, _, _ = ledger
    fund(world, programme, source)
    _drop_leg_triggers()
    event = AuditEvent.objects.order_by("seq").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET action = 'ledger.refund' WHERE id = %s", [event.pk]
        )
    with pytest.raises(CommandError):
        call_command("verify")
    assert f"AuditEvent seq {event.seq}" in capsys.readouterr().err
