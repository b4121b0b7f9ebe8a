"""Shared fixtures: a tiny two-programme world and one persona per role.

Areas: department 03 (Apurímac) with provinces 0301 and 0302, department 08 (Cusco) with 0801.
Programme MARENASS covers 03 and has a local office serving province 0302; CORREDOR covers 08.
Communities: `a` in 030101, `b` in 030201, `c` in 080101; each has one household with two
members and an organization with a board and a bank account.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from minka.core.models import Role, RoleAssignment
from minka.geo.models import AdminArea, Territory
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


def weasyprint_or_skip():
    """WeasyPrint needs the Pango system library. Where it is missing, PDF tests are skipped
    (the app offers printable HTML instead) unless MINKA_REQUIRE_PDF=1, as in CI."""
    import os

    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        if os.environ.get("MINKA_REQUIRE_PDF") == "1":
            pytest.fail(f"WeasyPrint is required for the PDF tests: {exc}")
        pytest.skip(f"WeasyPrint cannot load here: {exc}")
    return weasyprint


PASSWORD = "correct-horse-battery"  # noqa: S105 - test personas only


@dataclass
class World:
    areas: dict[str, AdminArea] = field(default_factory=dict)
    programmes: dict[str, Programme] = field(default_factory=dict)
    offices: dict[str, LocalOffice] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    accounts: dict[str, BankAccount] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    institutions: dict[str, FinancialInstitution] = field(default_factory=dict)
    territories: dict[str, Territory] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


def make_area(world: World, code: str, name: str, **extra: Any) -> AdminArea:
    parent = world.areas.get(code[:-2]) if len(code) > 2 else None
    area = AdminArea.objects.create(
        code=code, path=code, name=name, level=len(code) // 2, parent=parent, **extra
    )
    world.areas[code] = area
    return area


DNI_COUNTER = iter(range(40_000_001, 49_999_999))


def make_person(
    world: World, key: str, *, district: AdminArea, sex: str = "F", **extra: Any
) -> Person:
    person = Person.objects.create(
        dni=str(next(DNI_COUNTER)),
        first_names=extra.pop("first_names", key.title()),
        paternal_surname=extra.pop("paternal_surname", "Quispe"),
        maternal_surname=extra.pop("maternal_surname", "Huamán"),
        sex=sex,
        birth_date=extra.pop("birth_date", datetime.date(1980, 5, 1)),
        district=district,
        **extra,
    )
    world.persons[key] = person
    return person


def build_world() -> World:
    world = World()
    make_area(world, "03", "Apurímac")
    make_area(world, "0301", "Abancay")
    make_area(world, "030101", "Abancay", poverty_rate=30.5)
    make_area(world, "0302", "Andahuaylas")
    make_area(world, "030201", "Andahuaylas", poverty_rate=45.2)
    make_area(world, "08", "Cusco")
    make_area(world, "0801", "Cusco")
    make_area(world, "080101", "Cusco", poverty_rate=12.0)

    start = datetime.date(2024, 1, 1)
    marenass = Programme.objects.create(
        code="MARENASS",
        name="Manejo de Recursos Naturales",
        starts_on=start,
        ends_on=datetime.date(2030, 12, 31),
    )
    marenass.coverage_areas.add(world.areas["03"])
    corredor = Programme.objects.create(
        code="CORREDOR",
        name="Corredor Puno-Cusco",
        starts_on=start,
        ends_on=datetime.date(2030, 12, 31),
    )
    corredor.coverage_areas.add(world.areas["08"])
    world.programmes = {"marenass": marenass, "corredor": corredor}
    FundingSource.objects.create(
        programme=marenass,
        name="IFAD loan",
        kind="ifad_loan",
        amount_minor=1_230_000_000,
        currency="USD",
    )
    FundingSource.objects.create(
        programme=corredor,
        name="Tesoro Público",
        kind="national",
        amount_minor=500_000_000,
        currency="PEN",
    )
    office = LocalOffice.objects.create(programme=marenass, name="Andahuaylas", town="Andahuaylas")
    office.areas.add(world.areas["0302"])
    world.offices["andahuaylas"] = office
    world.territories["pampas"] = Territory.objects.create(
        code="PAMPAS",
        name="Cuenca del Pampas",
        kind="watershed",
        programme=marenass,
        area=world.areas["03"],
    )

    bank = FinancialInstitution.objects.create(
        name="Caja Municipal Cusco", short_name="Caja Cusco", kind="cmac", sbs_regulated=True
    )
    coop = FinancialInstitution.objects.create(
        name="Cooperativa Informal", kind="coop", sbs_regulated=False
    )
    world.institutions = {"caja": bank, "coop": coop}

    for key, district_code in (("a", "030101"), ("b", "030201"), ("c", "080101")):
        district = world.areas[district_code]
        community = Community.objects.create(
            code=f"C-{key}", name=f"Comunidad {key.upper()}", district=district
        )
        world.communities[key] = community
        household = Household.objects.create(code=f"H-{key}", community=community)
        world.households[key] = household
        head = make_person(
            world,
            f"head_{key}",
            district=district,
            sex="F",
            household=household,
            relationship="head",
        )
        make_person(
            world,
            f"spouse_{key}",
            district=district,
            sex="M",
            household=household,
            relationship="spouse",
        )
        organization = Organization.objects.create(
            code=f"O-{key}",
            name=f"Asociación {key.upper()}",
            kind="women",
            community=community,
            district=district,
        )
        world.organizations[key] = organization
        Membership.objects.create(organization=organization, person=head)
        BoardPosition.objects.create(
            organization=organization, person=head, role="president", term_start=start
        )
        world.accounts[key] = BankAccount.objects.create(
            organization=organization, institution=bank, number=f"000-{key}", currency="PEN"
        )
        provider_person = make_person(world, f"tech_{key}", district=district, sex="M")
        world.providers[key] = Provider.objects.create(
            code=f"P-{key}",
            kind="technician",
            name=provider_person.full_name,
            person=provider_person,
            district=district,
            profession="Ingeniero agrónomo",
            skills="riego, pastos",
        )
    world.territories["pampas"].communities.add(world.communities["a"], world.communities["b"])

    User = get_user_model()

    def user(username: str, *assignments: dict[str, Any], **flags: Any) -> Any:
        account = User.objects.create_user(username=username, password=PASSWORD, **flags)
        for assignment in assignments:
            RoleAssignment.objects.create(user=account, **assignment)
        world.users[username] = account
        return account

    user("admin", is_superuser=True, is_staff=True)
    user("manager", {"role": Role.MANAGER, "programme": marenass})
    user("officer", {"role": Role.OFFICER, "programme": marenass, "local_office": office})
    user("treasurer", {"role": Role.ORG_REP, "organization": world.organizations["b"]})
    user("juror", {"role": Role.JUROR, "programme": marenass})
    user("provider", {"role": Role.PROVIDER, "provider": world.providers["b"]})
    user("monitor", {"role": Role.ME_OFFICER, "programme": marenass})
    user("auditor", {"role": Role.AUDITOR, "programme": marenass})
    user("nobody")
    return world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; production-strength hashing would dominate their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (Spanish), whatever an earlier request chose."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client, world):
    """Log the test client in as one persona: `login("officer")`."""

    def _login(username: str):
        client.force_login(world.users[username])
        return client

    return _login
