"""`minka verify`, `minka gazetteer` and the set-up commands."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minka.registry.models import AccountStatus, FinancialInstitution


@pytest.mark.django_db
def test_seed_small_then_verify_passes(capsys):
    call_command("seed", scale="small", seed=3)
    call_command("verify")
    assert "All integrity checks passed" in capsys.readouterr().out


def test_verify_names_a_verified_account_at_an_unregulated_institution(world, capsys):
    account = world.accounts["b"]
    account.status = AccountStatus.VERIFIED
    account.verified_by = world.users["officer"]
    account.verified_at = timezone.now()
    account.save()
    # Changed behind Minka's back: the institution loses its SBS licence.
    FinancialInstitution.objects.filter(pk=account.institution_id).update(sbs_regulated=False)
    with pytest.raises(CommandError):
        call_command("verify")
    assert f"BankAccount {account.pk}" in capsys.readouterr().err


def test_verify_finds_a_household_without_its_head(world, capsys):
    from minka.registry.models import Person

    Person.objects.filter(pk=world.persons["head_a"].pk).update(relationship="other")
    with pytest.raises(CommandError):
        call_command("verify")
    assert "Household H-a" in capsys.readouterr().err


@pytest.mark.django_db
def test_demo_without_serving_sets_up_once(capsys):
    call_command("demo", no_serve=True)
    first = capsys.readouterr().out
    assert "minka-demo" in first
    call_command("demo", no_serve=True)
    assert "already loaded" in capsys.readouterr().out
