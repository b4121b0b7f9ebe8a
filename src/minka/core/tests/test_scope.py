"""The scope matrix: for each role and each entity, exactly the rows it may see and change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from minka.core.scope import can, restrict
from minka.geo.models import Territory
from minka.programmes.models import FundingSource, LocalOffice, Programme
from minka.registry.models import (
    BankAccount,
    BoardPosition,
    Community,
    FinancialInstitution,
    Household,
    Membership,
    Organization,
    Person,
    Provider,
)

ALL = {"a", "b", "c"}
MARENASS = {"a", "b"}  # communities in department 03
OFFICE = {"b"}  # communities in province 0302

# role -> (visible community keys, changeable community keys), for community-bound entities.
AREA_MATRIX = {
    "admin": (ALL, ALL),
    "manager": (MARENASS, MARENASS),
    "officer": (OFFICE, OFFICE),
    "monitor": (MARENASS, set()),
    "auditor": (ALL, set()),
    "juror": (set(), set()),
    "treasurer": (set(), set()),
    "provider": (set(), set()),
    "nobody": (set(), set()),
}


def keys_of(world, model, queryset):
    """Map rows back to the community key (a/b/c) they belong to."""
    by_community = {c.pk: k for k, c in world.communities.items()}
    by_organization = {o.pk: k for k, o in world.organizations.items()}
    keys = set()
    for obj in queryset:
        if model is Community:
            keys.add(by_community[obj.pk])
        elif model is Household:
            keys.add(by_community[obj.community_id])
        elif model is Organization:
            keys.add(by_organization[obj.pk])
        elif model in (BoardPosition, Membership, BankAccount):
            keys.add(by_organization[obj.organization_id])
        elif model in (Person, Provider):
            keys.add(
                {
                    d.pk: k
                    for k, d in zip(
                        "abc", [world.communities[x].district for x in "abc"], strict=True
                    )
                }[obj.district_id]
            )
    return keys


@pytest.mark.parametrize("username", sorted(AREA_MATRIX))
@pytest.mark.parametrize(
    "model", [Community, Household, Organization, BoardPosition, Membership, BankAccount]
)
def test_area_bound_entities(world, username, model):
    view, change = AREA_MATRIX[username]
    user = world.users[username]
    if username == "treasurer":
        # An organization's representative sees its own organization and what hangs from it.
        view = (
            {"b"}
            if model in (Community, Organization, BoardPosition, Membership, BankAccount)
            else set()
        )
    assert keys_of(world, model, restrict(model.objects.all(), user, "view")) == view
    assert keys_of(world, model, restrict(model.objects.all(), user, "change")) == change


@pytest.mark.parametrize("username", sorted(AREA_MATRIX))
def test_persons(world, username):
    user = world.users[username]
    visible = set(restrict(Person.objects.all(), user, "view"))
    view, change = AREA_MATRIX[username]
    expected = {p for k, p in world.persons.items() if k.split("_")[1] in view}
    if username == "treasurer":
        # only the members of the treasurer's organization
        expected = {world.persons["head_b"]}
    assert visible == expected
    changeable = set(restrict(Person.objects.all(), user, "change"))
    assert changeable == {p for k, p in world.persons.items() if k.split("_")[1] in change}


@pytest.mark.parametrize("username", sorted(AREA_MATRIX))
def test_providers(world, username):
    user = world.users[username]
    view, _change = AREA_MATRIX[username]
    expected = {world.providers[k] for k in view}
    if username == "provider":
        expected = {world.providers["b"]}
    assert set(restrict(Provider.objects.all(), user)) == expected


PROGRAMME_VIEW = {
    "admin": {"marenass", "corredor"},
    "manager": {"marenass"},
    "officer": {"marenass"},
    "monitor": {"marenass"},
    "juror": set(),
    "auditor": {"marenass", "corredor"},
    "treasurer": set(),
    "provider": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("username", sorted(PROGRAMME_VIEW))
def test_programme_bound_entities(world, username):
    user = world.users[username]
    expected = {world.programmes[k] for k in PROGRAMME_VIEW[username]}
    assert set(restrict(Programme.objects.all(), user)) == expected
    assert {f.programme for f in restrict(FundingSource.objects.all(), user)} == expected
    assert {o.programme for o in restrict(LocalOffice.objects.all(), user)} <= expected


def test_territories_follow_programme_and_area(world):
    assert set(restrict(Territory.objects.all(), world.users["manager"])) == {
        world.territories["pampas"]
    }
    assert not restrict(Territory.objects.all(), world.users["treasurer"]).exists()


@pytest.mark.parametrize("username", sorted(AREA_MATRIX))
def test_reference_data_is_read_by_every_signed_in_user(world, username):
    user = world.users[username]
    assert restrict(FinancialInstitution.objects.all(), user).count() == 2
    expected_change = 2 if username == "admin" else 0
    assert restrict(FinancialInstitution.objects.all(), user, "change").count() == expected_change


def test_anonymous_sees_nothing(world):
    anonymous = AnonymousUser()
    for model in (Community, Person, Organization, Programme, FinancialInstitution):
        assert not restrict(model.objects.all(), anonymous).exists()


def test_inactive_user_sees_nothing(world):
    manager = world.users["manager"]
    manager.is_active = False
    manager.save()
    assert not restrict(Community.objects.all(), manager).exists()


def test_roles_in_several_programmes_add_up(world):
    from minka.core.models import Role, RoleAssignment

    manager = world.users["manager"]
    RoleAssignment.objects.create(
        user=manager, role=Role.MANAGER, programme=world.programmes["corredor"]
    )
    assert keys_of(world, Community, restrict(Community.objects.all(), manager)) == ALL


def test_can_checks_one_object(world):
    officer = world.users["officer"]
    assert can(officer, "change", world.communities["b"])
    assert not can(officer, "change", world.communities["a"])
    assert can(world.users["auditor"], "view", world.communities["c"])
    assert not can(world.users["auditor"], "change", world.communities["c"])
