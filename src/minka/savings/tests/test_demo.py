"""The demo's savings: groups, savers, incentives, funds and insurance, balanced in the ledger."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from minka.core.models import User
from minka.demo import generator
from minka.ledger.models import Journal, Leg
from minka.programmes.models import Programme
from minka.savings import selectors
from minka.savings.models import IncentiveBatch, IncentiveLine, SavingsAccount, TransferState


@pytest.mark.django_db
def test_small_demo_has_savings_funds_and_balanced_ledger(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Only the apps the savings demo depends on, so other instruments' demos do not interfere.
    monkeypatch.setattr(generator, "INSTRUMENT_APPS", ("contracts", "savings"))
    generator.generate(scale="small", seed=3)
    assert SavingsAccount.objects.count() > 50
    assert IncentiveBatch.objects.filter(state=TransferState.EXECUTED).exists()
    assert IncentiveBatch.objects.filter(state=TransferState.PREPARED).exists()
    # Every journal balances, and each history month's journal equals its batches.
    assert all(
        total == 0
        for total in Leg.objects.values("journal")
        .annotate(t=Sum("amount_minor"))
        .values_list("t", flat=True)
    )
    month = datetime.date(2024, 3, 1)
    paid = sum(
        line.total_minor
        for line in IncentiveLine.objects.filter(month=month, batch__state=TransferState.EXECUTED)
    )
    batches = IncentiveBatch.objects.filter(month=month).aggregate(t=Sum("total_minor"))["t"]
    assert paid == batches > 0
    assert Journal.objects.filter(idempotency_key__startswith="demo:savings:").exists()
    admin = User.objects.get(username="admin")
    for programme in Programme.objects.filter(savings_groups__isnull=False).distinct():
        report = selectors.programme_report(
            user=admin, programme=programme, on=datetime.date(2024, 12, 31)
        )
        assert report.savers and report.average_saved_minor > 0 and report.incentives["total"] > 0
