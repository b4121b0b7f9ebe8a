"""The market's rules: who hires, confirms, pays and rates; payment only after confirmation and
through the ledger; ratings only by the client."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from minka.assistance import selectors, services
from minka.assistance.models import ServiceContract, ServicePayment, ServiceState
from minka.assistance.tests.conftest import D, hire, pen
from minka.contracts import services as contract_services
from minka.core.errors import DomainError
from minka.core.models import AuditEvent, Role, RoleAssignment
from minka.ledger.models import AccountKind, Leg


def _rep_of(world, key: str):
    user = get_user_model().objects.create_user(username=f"rep_{key}")
    RoleAssignment.objects.create(
        user=user, role=Role.ORG_REP, organization=world.organizations[key]
    )
    return user


def _balance(contract, kind, **extra) -> int:
    total = Leg.objects.filter(
        account__commitment=contract.commitment_ref, account__kind=kind, **extra
    ).aggregate(total=Sum("amount_minor"))["total"]
    return int(total or 0)


def _confirm(world, contract, amount="1000.00", days=5, on=None, signer="spouse_b"):
    return services.service_confirm(
        user=world.users["treasurer"],
        contract=contract,
        confirmed_on=on or D(2025, 3, 20),
        days_delivered=days,
        work_done="Instalación de dos módulos de riego",
        amount=pen(amount),
        signed_by=world.persons[signer],
    )


def _pay(world, confirmation, grant="750.00", own="250.00", other="0", user="treasurer"):
    return services.service_pay(
        user=world.users[user],
        confirmation=confirmation,
        paid_on=D(2025, 3, 25),
        grant=pen(grant),
        own=pen(own),
        other=pen(other),
        receipt="E001-17",
    )


# --- hiring ----------------------------------------------------------------------------------


def test_treasurer_hires_a_provider_under_the_grant_contract(running):
    contract = hire(running)
    assert contract.code == "AT-MARENASS-00001"
    assert contract.programme == running.programmes["marenass"]
    assert (contract.grant_minor, contract.own_minor, contract.total_minor) == (
        150_000,
        50_000,
        200_000,
    )
    assert contract.state == ServiceState.ACTIVE
    assert AuditEvent.objects.filter(action="ta_contract.created").count() == 1


def test_officer_of_the_area_may_hire_for_the_organization(running):
    contract = hire(running, user=running.users["officer"])
    assert contract.created_by == running.users["officer"]


@pytest.mark.parametrize("username", ["provider", "juror", "monitor", "auditor", "nobody"])
def test_others_may_not_hire_for_the_organization(running, username):
    with pytest.raises(DomainError) as exc:
        hire(running, user=running.users[username])
    assert exc.value.code == "forbidden"
    assert not ServiceContract.objects.exists()


def test_another_organizations_representative_may_not_hire_for_it(running):
    with pytest.raises(DomainError) as exc:
        hire(running, user=_rep_of(running, "a"))
    assert exc.value.code == "forbidden"


def test_amounts_by_payer_must_add_up_to_days_times_rate(running):
    with pytest.raises(DomainError) as exc:
        hire(running, grant="1500.00", own="400.00")
    assert exc.value.field == "grant"


def test_grant_money_needs_the_grant_contract(running):
    with pytest.raises(DomainError) as exc:
        hire(running, grant_contract=None, programme=running.programmes["marenass"])
    assert exc.value.field == "grant_contract"


def test_grant_money_stays_within_the_technical_assistance_share(running):
    hire(running, grant="8000.00", own="0", days=40)
    with pytest.raises(DomainError) as exc:
        hire(running, grant="2400.00", own="0", days=12)
    assert exc.value.code == "insufficient"
    assert services.grant_ta_room(running.grant) == 200_000


def test_grant_contract_must_be_running_and_the_organizations(running, make_contract):
    proposal = make_contract(state="proposal")
    with pytest.raises(DomainError) as exc:
        hire(running, grant_contract=proposal)
    assert exc.value.field == "grant_contract"
    with pytest.raises(DomainError):
        hire(
            running,
            user=running.users["manager"],
            organization=running.organizations["a"],
        )


def test_days_must_fit_between_start_and_end(running):
    with pytest.raises(DomainError) as exc:
        hire(running, ends_on=D(2025, 3, 5))
    assert exc.value.field == "days"


# --- confirmation and payment ----------------------------------------------------------------


def test_confirmation_is_signed_by_the_president_or_treasurer(running):
    contract = hire(running)
    with pytest.raises(DomainError) as exc:
        _confirm(running, contract, signer="tech_b")
    assert exc.value.field == "signed_by"
    confirmation = _confirm(running, contract, signer="head_b")
    assert confirmation.number == 1


def test_confirmations_never_exceed_the_contracted_days_or_value(running):
    contract = hire(running)
    _confirm(running, contract, amount="1000.00", days=5)
    with pytest.raises(DomainError) as exc:
        _confirm(running, contract, amount="500.00", days=6)
    assert exc.value.field == "days_delivered"
    with pytest.raises(DomainError) as exc:
        _confirm(running, contract, amount="1000.01", days=5)
    assert exc.value.field == "amount"


def test_provider_cannot_confirm_its_own_service(running):
    contract = hire(running)
    with pytest.raises(DomainError) as exc:
        services.service_confirm(
            user=running.users["provider"],
            contract=contract,
            confirmed_on=D(2025, 3, 20),
            days_delivered=1,
            work_done="x",
            amount=pen("100"),
            signed_by=running.persons["head_b"],
        )
    assert exc.value.code == "forbidden"


def test_payment_moves_grant_and_own_money_through_the_ledger(running):
    grant = running.grant
    held_before = _balance(grant, AccountKind.HELD)
    contract = hire(running)
    payment = _pay(running, _confirm(running, contract))
    assert payment.grant_journal.kind == "spending"
    assert payment.grant_journal.idempotency_key == f"ta-payment:{payment.confirmation_id}:grant"
    assert payment.own_journal.kind == "counterpart"
    assert _balance(grant, AccountKind.HELD) == held_before - 75_000
    assert _balance(grant, AccountKind.SPENT, account__concept="ta") == 75_000
    assert _balance(grant, AccountKind.COUNTERPART) == 200_000 + 25_000  # deposit + own part
    position = contract_services.money_position(grant)
    assert position["accounted"].amount_minor == 75_000
    assert AuditEvent.objects.filter(action="ta_payment.recorded").count() == 1


def test_a_confirmation_is_paid_once(running):
    contract = hire(running)
    confirmation = _confirm(running, contract)
    _pay(running, confirmation)
    with pytest.raises(DomainError) as exc:
        _pay(running, confirmation)
    assert exc.value.code == "already_paid"
    assert ServicePayment.objects.count() == 1


def test_payment_equals_the_confirmed_amount_and_respects_each_payers_share(running):
    contract = hire(running)
    confirmation = _confirm(running, contract, amount="1000.00")
    with pytest.raises(DomainError):
        _pay(running, confirmation, grant="700.00", own="250.00")
    with pytest.raises(DomainError) as exc:
        _pay(running, confirmation, grant="400.00", own="600.00")
    assert exc.value.field == "own"
    assert not ServicePayment.objects.exists()


def test_payment_from_the_grant_fails_cleanly_when_the_organization_holds_too_little(
    funded, make_contract
):
    grant = make_contract()  # signed, nothing disbursed: the organization holds nothing
    funded.grant = grant
    contract = hire(funded)
    confirmation = _confirm(funded, contract)
    with pytest.raises(DomainError) as exc:
        _pay(funded, confirmation)
    assert exc.value.code == "insufficient"
    assert not ServicePayment.objects.exists()
    assert _balance(grant, AccountKind.SPENT) == 0
    assert _balance(grant, AccountKind.COUNTERPART) == 0


def test_own_money_hire_after_the_grant_is_recorded_without_journals(world):
    contract = hire(
        world,
        grant_contract=None,
        programme=world.programmes["marenass"],
        grant="0",
        own="2000.00",
        selection="renewal",
    )
    payment = _pay(world, _confirm(world, contract, signer="head_b"), grant="0", own="1000.00")
    assert payment.grant_journal is None and payment.own_journal is None
    assert not Leg.objects.exists()


def test_other_payer_must_be_named(world):
    with pytest.raises(DomainError) as exc:
        hire(
            world,
            grant_contract=None,
            programme=world.programmes["marenass"],
            grant="0",
            own="1000.00",
            other="1000.00",
        )
    assert exc.value.field == "other_payer"


# --- completion and rating -------------------------------------------------------------------


def _completed(world):
    contract = hire(world)
    _pay(world, _confirm(world, contract))
    return services.service_complete(
        user=world.users["treasurer"],
        contract=contract,
        completed_on=D(2025, 4, 30),
        men_assisted=12,
        women_assisted=18,
    )


def _rate(world, contract, user="treasurer", **extra):
    values = {
        "quality": 5,
        "punctuality": 4,
        "relevance": 5,
        "communication": 4,
        "would_hire_again": True,
        "signed_by": world.persons["head_b"],
        "rated_on": D(2025, 5, 2),
        "comment": "Buen trabajo",
    }
    values.update(extra)
    user_obj = world.users[user] if isinstance(user, str) else user
    return services.provider_rate(user=user_obj, contract=contract, **values)


def test_client_rates_the_provider_after_completion(running):
    contract = _completed(running)
    assert (contract.men_assisted, contract.women_assisted) == (12, 18)
    rating = _rate(running, contract)
    assert rating.provider == running.providers["a"]
    assert rating.score == "4.5"


def test_rating_waits_for_completion(running):
    contract = hire(running)
    with pytest.raises(DomainError):
        _rate(running, contract)


@pytest.mark.parametrize("username", ["officer", "manager", "admin", "provider"])
def test_only_the_clients_representative_rates(running, username):
    contract = _completed(running)
    with pytest.raises(DomainError) as exc:
        _rate(running, contract, user=username)
    assert exc.value.code == "forbidden"


def test_another_organizations_representative_may_not_rate(running):
    contract = _completed(running)
    with pytest.raises(DomainError) as exc:
        _rate(running, contract, user=_rep_of(running, "a"))
    assert exc.value.code == "forbidden"


def test_a_service_is_rated_once_with_scores_from_1_to_5(running):
    contract = _completed(running)
    with pytest.raises(DomainError) as exc:
        _rate(running, contract, quality=6)
    assert exc.value.field == "quality"
    _rate(running, contract)
    with pytest.raises(DomainError) as exc:
        _rate(running, contract)
    assert exc.value.code == "already_rated"


def test_completion_records_people_assisted_and_needs_a_confirmation(running):
    contract = hire(running)
    with pytest.raises(DomainError):
        services.service_complete(
            user=running.users["treasurer"],
            contract=contract,
            completed_on=D(2025, 4, 30),
            men_assisted=1,
            women_assisted=1,
        )


def test_cancel_refused_while_a_confirmation_waits_for_payment(running):
    contract = hire(running)
    _confirm(running, contract)
    with pytest.raises(DomainError):
        services.service_cancel(user=running.users["treasurer"], contract=contract, reason="x")


def test_cancelled_service_frees_its_grant_share(running):
    contract = hire(running, grant="8000.00", own="0", days=40)
    assert services.grant_ta_room(running.grant) == 200_000
    services.service_cancel(user=running.users["officer"], contract=contract, reason="Renuncia")
    assert services.grant_ta_room(running.grant) == 1_000_000


# --- who sees what ---------------------------------------------------------------------------


def test_contracts_visible_to_client_provider_and_officers_only(running):
    contract = hire(running)
    provider_a_user = get_user_model().objects.create_user(username="tech_a")
    RoleAssignment.objects.create(
        user=provider_a_user, role=Role.PROVIDER, provider=running.providers["a"]
    )
    visible = {
        name: selectors.service_contract_list(user=user).filter(pk=contract.pk).exists()
        for name, user in {
            "treasurer": running.users["treasurer"],
            "officer": running.users["officer"],
            "manager": running.users["manager"],
            "auditor": running.users["auditor"],
            "provider_a": provider_a_user,
            "provider_b": running.users["provider"],
            "rep_a": _rep_of(running, "a"),
            "juror": running.users["juror"],
            "nobody": running.users["nobody"],
        }.items()
    }
    assert visible == {
        "treasurer": True,
        "officer": True,
        "manager": True,
        "auditor": True,
        "provider_a": True,
        "provider_b": False,
        "rep_a": False,
        "juror": False,
        "nobody": False,
    }


# --- provider profile ------------------------------------------------------------------------


def test_provider_edits_its_own_profile_and_territories(world):
    provider = world.providers["b"]
    profile = services.provider_profile_save(
        user=world.users["provider"],
        provider=provider,
        summary="Riego tecnificado",
        daily_rate=pen("180"),
        available=True,
        areas=[world.areas["0302"], world.areas["0301"]],
    )
    assert profile.daily_rate_minor == 18_000
    assert set(provider.coverage.values_list("area__path", flat=True)) == {"0301", "0302"}
    services.provider_profile_save(
        user=world.users["officer"],
        provider=provider,
        summary="",
        daily_rate=None,
        available=False,
        areas=[world.areas["030201"]],
    )
    assert list(provider.coverage.values_list("area__path", flat=True)) == ["030201"]
    with pytest.raises(DomainError):
        services.provider_profile_save(
            user=world.users["provider"],
            provider=world.providers["a"],
            summary="",
            daily_rate=None,
            available=True,
            areas=[world.areas["03"]],
        )
