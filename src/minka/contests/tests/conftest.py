"""Shared contest fixtures: the funded MARENASS world, families in community B, a Chumbao
territory inside the Andahuaylas office's province, and jurors."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from minka.contests import services
from minka.contracts.tests.conftest import funded  # noqa: F401 - shared fixture
from minka.core.models import Role, RoleAssignment, User
from minka.core.money import Money
from minka.geo.models import Territory
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    BoardPosition,
    Community,
    Household,
    Organization,
    Person,
)

D = datetime.date
SEQUENCE = iter(range(1, 10_000_000))


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


def add_families(world, key: str, count: int, sexes: str = "FM") -> list[Person]:
    """Register `count` households in community `key`; returns their heads."""
    community = world.communities[key]
    heads = []
    for i in range(count):
        n = next(SEQUENCE)
        household = Household.objects.create(code=f"HF-{key}-{n}", community=community)
        heads.append(
            Person.objects.create(
                dni=f"6{n:07d}",
                first_names=f"Jefe {n}",
                paternal_surname="Condori",
                maternal_surname=f"Apaza{n}",
                sex=sexes[i % len(sexes)],
                district=community.district,
                household=household,
                relationship="head",
            )
        )
    return heads


def make_juror(world, username: str) -> User:
    user = User.objects.create_user(username=username, password="x", first_name=username.title())
    RoleAssignment.objects.create(
        user=user, role=Role.JUROR, programme=world.programmes["marenass"]
    )
    world.users[username] = user
    return user


def community_org(world, key: str, name: str) -> Organization:
    """A second community in province 0302 with its verified organization."""
    district = world.areas["030201"]
    community = Community.objects.create(
        code=f"C-{key}", name=f"Comunidad {name}", district=district
    )
    world.communities[key] = community
    organization = Organization.objects.create(
        code=f"O-{key}",
        name=f"Comunidad Campesina {name}",
        kind="community",
        community=community,
        district=district,
    )
    BankAccount.objects.create(
        organization=organization,
        institution=world.institutions["caja"],
        number=f"111-{key}",
        currency="PEN",
        status=AccountStatus.VERIFIED,
        verified_by=world.users["officer"],
        verified_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )
    president = Person.objects.create(
        dni=f"5{next(SEQUENCE):07d}",
        first_names="Presidente",
        paternal_surname="Ccori",
        sex="M",
        district=district,
    )
    BoardPosition.objects.create(
        organization=organization, person=president, role="president", term_start=D(2024, 1, 1)
    )
    world.organizations[key] = organization
    return organization


@pytest.fixture
def contests(funded):  # noqa: F811
    """Families in community B, three jurors, a Chumbao territory of three communities."""
    world = funded
    world.heads = add_families(world, "b", 6)
    world.jurors = [make_juror(world, f"jurado{n}") for n in range(1, 5)]
    territory = Territory.objects.create(
        code="CHUMBAO",
        name="Cuenca del Chumbao",
        kind="watershed",
        programme=world.programmes["marenass"],
        area=world.areas["0302"],
    )
    community_org(world, "d", "Huancas")
    community_org(world, "e", "Pampahuasi")
    territory.communities.add(
        world.communities["b"], world.communities["d"], world.communities["e"]
    )
    world.territories["chumbao"] = territory
    return world


def family_contest(
    world,
    *,
    user="officer",
    tiers=("300", "200", "100"),
    activities=2,
    incentive="20",
    winners=3,
    factor=Decimal(1),
    pool="5000",
    number=1,
):
    contest = services.contest_create(
        user=world.users[user],
        programme=world.programmes["marenass"],
        level="family",
        name="Primer concurso interfamiliar",
        held_on=D(2025, 9, 1),
        funding_source=world.source,
        prize_pool=pen(pool),
        organization=world.organizations["b"],
        number=number,
        participation_incentive=pen(incentive),
        winners=winners,
        factor=factor,
    )
    for code, name in [
        ("terrazas", "Terrazas"),
        ("cuyes", "Galpón de cuyes"),
        ("huerto", "Biohuerto"),
    ][:activities]:
        services.activity_add(
            user=world.users[user],
            contest=contest,
            code=code,
            name=name,
            unit="m²",
            criteria=[
                ("avance", "Avance físico", Decimal(60)),
                ("calidad", "Calidad", Decimal(40)),
            ],
        )
    services.tiers_set(user=world.users[user], contest=contest, amounts=[pen(t) for t in tiers])
    return contest


def seat(world, contest, n=3, user="officer"):
    return [
        services.juror_add(
            user=world.users[user], contest=contest, juror_user=juror, institution="Municipalidad"
        )
        for juror in world.jurors[:n]
    ]
