"""Registry services: memberships, board terms and bank-account verification."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from minka.core.errors import DomainError
from minka.registry import services
from minka.registry.models import AccountStatus, BoardPosition, Membership

D = datetime.date


def test_womens_group_admits_women_only(world):
    organization = world.organizations["b"]  # a women's group
    with pytest.raises(DomainError) as info:
        services.membership_add(
            user=world.users["officer"], organization=organization, person=world.persons["spouse_b"]
        )
    assert info.value.field == "dni"
    assert not Membership.objects.filter(person=world.persons["spouse_b"]).exists()


def test_member_twice_is_refused_and_rejoining_reopens(world):
    officer, organization, person = (
        world.users["officer"],
        world.organizations["b"],
        world.persons["head_b"],
    )
    with pytest.raises(DomainError):
        services.membership_add(user=officer, organization=organization, person=person)
    organization.kind = "farmers"
    organization.save()
    spouse = world.persons["spouse_b"]
    membership = services.membership_add(
        user=officer, organization=organization, person=spouse, joined_on=D(2024, 2, 1)
    )
    services.membership_end(user=officer, membership=membership, left_on=D(2024, 6, 1))
    again = services.membership_add(
        user=officer, organization=organization, person=spouse, joined_on=D(2025, 1, 1)
    )
    assert again.pk == membership.pk and again.left_on is None


def test_new_board_holder_closes_the_previous_term(world):
    officer, organization = world.users["officer"], world.organizations["b"]
    newcomer = world.persons["head_a"]
    newcomer.district = organization.district
    newcomer.save()
    position = services.board_position_assign(
        user=officer,
        organization=organization,
        person=newcomer,
        role="president",
        term_start=D(2026, 1, 1),
    )
    previous = BoardPosition.objects.get(organization=organization, person=world.persons["head_b"])
    assert previous.term_end == D(2025, 12, 31)
    assert position.term_end is None
    assert Membership.objects.filter(
        organization=organization, person=newcomer, left_on__isnull=True
    ).exists()


def test_a_new_term_cannot_start_before_the_current_one(world):
    with pytest.raises(DomainError) as info:
        services.board_position_assign(
            user=world.users["officer"],
            organization=world.organizations["b"],
            person=world.persons["head_a"],
            role="president",
            term_start=D(2023, 1, 1),
        )
    assert info.value.field == "term_start"


def test_a_board_member_cannot_leave_before_the_term_ends(world):
    membership = Membership.objects.get(
        organization=world.organizations["b"], person=world.persons["head_b"]
    )
    with pytest.raises(DomainError):
        services.membership_end(
            user=world.users["officer"], membership=membership, left_on=D(2025, 1, 1)
        )
    position = BoardPosition.objects.get(organization=world.organizations["b"], role="president")
    services.board_position_end(
        user=world.users["officer"], position=position, term_end=D(2025, 1, 1)
    )
    with pytest.raises(DomainError):
        services.board_position_end(
            user=world.users["officer"], position=position, term_end=D(2025, 2, 1)
        )
    services.membership_end(
        user=world.users["officer"], membership=membership, left_on=D(2025, 1, 2)
    )


def test_out_of_scope_changes_are_refused(world):
    for username in ("officer", "auditor", "treasurer"):
        with pytest.raises(DomainError) as info:
            services.membership_add(
                user=world.users[username],
                organization=world.organizations["c"],
                person=world.persons["head_c"],
            )
        assert info.value.code == "forbidden"


def test_verification_records_who_and_when(world):
    account = services.bank_account_verify(
        user=world.users["manager"], account=world.accounts["a"], verified=True
    )
    assert account.status == AccountStatus.VERIFIED
    assert account.verified_by == world.users["manager"] and account.verified_at is not None
    rejected = services.bank_account_verify(
        user=world.users["manager"],
        account=world.accounts["a"],
        verified=False,
        note="Cuenta cerrada",
    )
    assert rejected.status == AccountStatus.REJECTED and rejected.verified_by is None


def test_board_page_flow(login, world):
    client = login("officer")
    organization = world.organizations["b"]
    page = client.get(reverse("organizations-detail", args=[organization.pk]))
    assert reverse("organization-board-assign", args=[organization.pk]) in page.text
    response = client.post(
        reverse("organization-member-add", args=[organization.pk]), {"dni": "99999999"}
    )
    assert "dni" in response.context["form"].errors
    response = client.post(
        reverse("organization-board-assign", args=[organization.pk]),
        {"dni": world.persons["head_b"].dni, "role": "treasurer", "term_start": "2026-01-01"},
    )
    assert response.status_code == 302
    assert BoardPosition.objects.filter(organization=organization, role="treasurer").exists()
    # an auditor gets no action buttons and no action pages
    auditor = login("auditor")
    assert (
        reverse("organization-board-assign", args=[organization.pk])
        not in auditor.get(reverse("organizations-detail", args=[organization.pk])).text
    )
    assert (
        auditor.get(reverse("organization-board-assign", args=[organization.pk])).status_code == 404
    )
