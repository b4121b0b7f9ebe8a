"""The demo generator at small scale: deterministic, realistic, complete, and careful with data
that already exists."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from pytest_django.fixtures import Settings

from minka.core.models import Role, RoleAssignment, User
from minka.core.scope import restrict
from minka.core.validators import is_valid_dni, is_valid_ruc
from minka.demo import generator
from minka.geo.models import AdminArea
from minka.programmes.models import Programme
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    BoardPosition,
    Community,
    Household,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Provider,
    ProviderKind,
    Relationship,
)

SEED = 7


def seed(**options: object) -> None:
    call_command("seed", scale="small", seed=SEED, verbosity=0, **options)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(settings: Settings) -> None:
    # The generator hashes the demo password once; tests need not wait for PBKDF2 even so.
    settings.PASSWORD_HASHERS = FAST_HASHERS
    seed()


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Everything generated that a seed determines, without database ids."""
    return {
        "persons": list(
            Person.objects.order_by("dni").values_list(
                "dni",
                "first_names",
                "paternal_surname",
                "maternal_surname",
                "sex",
                "birth_date",
                "household__code",
                "relationship",
                "district__code",
            )
        ),
        "communities": list(
            Community.objects.order_by("code").values_list(
                "code", "name", "district__code", "latitude", "longitude", "altitude_m"
            )
        ),
        "organizations": list(
            Organization.objects.order_by("code").values_list("code", "name", "kind", "ruc")
        ),
        "members": list(
            Membership.objects.order_by("organization__code", "person__dni").values_list(
                "organization__code", "person__dni"
            )
        ),
        "board": list(
            BoardPosition.objects.order_by("organization__code", "role").values_list(
                "organization__code", "role", "person__dni", "term_start"
            )
        ),
        "accounts": list(
            BankAccount.objects.order_by("institution__name", "number").values_list(
                "organization__code", "institution__name", "number", "cci", "status"
            )
        ),
        "providers": list(
            Provider.objects.order_by("code").values_list("code", "kind", "name", "ruc", "skills")
        ),
    }


@pytest.mark.django_db
def test_same_seed_gives_same_data_and_another_seed_does_not(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    seed()
    first = snapshot()
    seed(reset=True)
    assert snapshot() == first
    call_command("seed", scale="small", seed=SEED + 1, reset=True, verbosity=0)
    other = snapshot()
    assert other["persons"] != first["persons"]
    assert other["communities"] != first["communities"]


@pytest.mark.django_db
def test_refuses_to_seed_over_existing_data_without_reset(seeded: None) -> None:
    persons = Person.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Person.objects.count() == persons


@pytest.mark.django_db
def test_reset_removes_the_demo_but_keeps_the_gazetteer(seeded: None) -> None:
    areas = AdminArea.objects.count()
    generator.reset()
    assert not generator.existing_data()
    assert AdminArea.objects.count() == areas
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]  # a superuser
    assert not RoleAssignment.objects.exists()


@pytest.mark.django_db
def test_sizes_follow_the_small_scale(seeded: None) -> None:
    scale = generator.SCALES["small"]
    assert Community.objects.count() == scale.communities
    assert Household.objects.count() == scale.households
    assert Organization.objects.count() == scale.organizations


@pytest.mark.django_db
def test_persons_have_valid_unique_dnis_balanced_sexes_and_realistic_households(
    seeded: None,
) -> None:
    dnis = list(Person.objects.values_list("dni", flat=True))
    assert all(dni is not None and is_valid_dni(dni) for dni in dnis)
    assert len(set(dnis)) == len(dnis)

    sexes = Counter(Person.objects.values_list("sex", flat=True))
    assert 0.45 <= sexes["F"] / len(dnis) <= 0.55

    sizes = list(Household.objects.annotate(size=Count("members")).values_list("size", flat=True))
    assert 3.5 <= statistics.mean(sizes) <= 5.5
    heads = Counter(
        Person.objects.filter(relationship=Relationship.HEAD).values_list("household", flat=True)
    )
    assert len(heads) == len(sizes) and set(heads.values()) == {1}

    # Residents live in their community's district; nobody is born after the reference date.
    assert (
        not Person.objects.filter(household__isnull=False)
        .exclude(district=F("household__community__district"))
        .exists()
    )
    assert not Person.objects.filter(birth_date__gt=generator.REFERENCE_DATE).exists()


@pytest.mark.django_db
def test_organizations_of_every_kind_with_full_boards_and_fitting_members(seeded: None) -> None:
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert set(kinds) == set(OrganizationKind.values)
    assert abs(kinds[OrganizationKind.WOMENS_GROUP] / sum(kinds.values()) - 0.18) <= 0.03
    assert kinds[OrganizationKind.PEASANT_COMMUNITY] == Community.objects.count()

    for organization in Organization.objects.prefetch_related("board"):
        roles = sorted(p.role for p in organization.board.all() if p.term_end is None)
        assert roles == ["president", "secretary", "treasurer"], organization.code

    women = Organization.objects.filter(kind=OrganizationKind.WOMENS_GROUP)
    assert not Membership.objects.filter(organization__in=women, person__sex="M").exists()
    assert not BoardPosition.objects.filter(organization__in=women, person__sex="M").exists()

    youth = Membership.objects.filter(organization__kind=OrganizationKind.YOUTH_GROUP)
    for birth in youth.values_list("person__birth_date", flat=True):
        assert 18 <= age_on_reference(birth) <= 29

    # Members belong to the organization's own community.
    assert not Membership.objects.exclude(
        person__household__community=F("organization__community")
    ).exists()


def age_on_reference(birth: date) -> int:
    ref = generator.REFERENCE_DATE
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


@pytest.mark.django_db
def test_every_ruc_is_valid_and_unique(seeded: None) -> None:
    rucs = [
        *Organization.objects.exclude(ruc=None).values_list("ruc", flat=True),
        *Provider.objects.exclude(ruc=None).values_list("ruc", flat=True),
    ]
    assert rucs
    assert all(is_valid_ruc(ruc) and ruc.startswith("20") for ruc in rucs)
    assert len(set(rucs)) == len(rucs)


@pytest.mark.django_db
def test_communities_lie_inside_programme_coverage_and_local_offices(seeded: None) -> None:
    coverage = {
        area.path
        for programme in Programme.objects.all()
        for area in programme.coverage_areas.all()
    }
    offices = {
        office.name: {a.path for a in office.areas.all()}
        for programme in Programme.objects.prefetch_related("local_offices__areas")
        for office in programme.local_offices.all()
    }
    served: Counter[str] = Counter()
    for community in Community.objects.select_related("district"):
        path = community.district.path
        assert any(path.startswith(c) for c in coverage), community.code
        assert community.territories.exists(), community.code
        for name, paths in offices.items():
            if any(path.startswith(p) for p in paths):
                served[name] += 1
    assert len(served) >= 4
    assert sum(served.values()) >= Community.objects.count()
    # MARENASS and CORREDOR overlap in Cusco.
    cusco = {
        p.code for p in Programme.objects.filter(coverage_areas__path__startswith="08").distinct()
    }
    assert cusco == {"MARENASS", "CORREDOR"}


@pytest.mark.django_db
def test_bank_accounts_mostly_verified_by_the_manager(seeded: None) -> None:
    accounts = list(BankAccount.objects.select_related("institution", "verified_by"))
    assert len(accounts) >= 0.75 * Organization.objects.count()
    verified = [a for a in accounts if a.status == AccountStatus.VERIFIED]
    assert 0.7 <= len(verified) / len(accounts) <= 0.97
    assert all(a.verified_by.username == "manager" and a.verified_at for a in verified)
    assert all(a.institution.sbs_regulated for a in verified)
    assert all(len(a.cci) == 20 and a.cci.isdigit() and a.currency == "PEN" for a in accounts)
    rejected = [a for a in accounts if a.status == AccountStatus.REJECTED]
    assert all(a.verification_note for a in rejected)


@pytest.mark.django_db
def test_providers_of_every_kind(seeded: None) -> None:
    kinds = Counter(Provider.objects.values_list("kind", flat=True))
    assert set(kinds) == set(ProviderKind.values)
    assert kinds[ProviderKind.YACHACHIQ] == generator.SCALES["small"].max_yachachiq
    assert not Provider.objects.filter(kind=ProviderKind.FIRM, ruc=None).exists()
    people = Provider.objects.exclude(kind=ProviderKind.FIRM)
    assert not people.filter(person=None).exists()
    assert all(p.skill_list for p in Provider.objects.all())


@pytest.mark.django_db
def test_one_demo_user_per_role_with_the_demo_password(seeded: None) -> None:
    # Instruments may add helper users named "demo-…" (more jurors for the CLAR and contests).
    assignments = RoleAssignment.objects.exclude(user__username__startswith="demo-")
    roles = dict(assignments.values_list("user__username", "role"))
    assert roles == {
        "admin": Role.ADMIN,
        "manager": Role.MANAGER,
        "officer": Role.OFFICER,
        "treasurer": Role.ORG_REP,
        "juror": Role.JUROR,
        "provider": Role.PROVIDER,
        "monitor": Role.ME_OFFICER,
        "auditor": Role.AUDITOR,
    }
    assert [u for u, _label in generator.DEMO_LOGINS] == list(roles)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert all(u.check_password(generator.DEMO_PASSWORD) for u in User.objects.all())
    helpers = RoleAssignment.objects.filter(user__username__startswith="demo-")
    assert set(helpers.values_list("role", flat=True)) <= {Role.JUROR}

    # The treasurer user is the treasurer of an organization in the officer's office.
    treasurer = User.objects.get(username="treasurer")
    organization = RoleAssignment.objects.get(user=treasurer).organization
    assert organization is not None
    seat = BoardPosition.objects.get(organization=organization, role="treasurer")
    assert treasurer.first_name == seat.person.first_names
    assert treasurer.last_name.startswith(seat.person.paternal_surname)
    officer = User.objects.get(username="officer")
    assert restrict(Organization.objects.all(), officer).filter(pk=organization.pk).exists()
    assert organization.bank_accounts.filter(status=AccountStatus.VERIFIED).exists()

    provider = RoleAssignment.objects.get(user__username="provider").provider
    assert provider is not None and provider.kind == ProviderKind.TECHNICIAN


# Pure planning: no database.


@pytest.mark.parametrize("scale", sorted(generator.SCALES))
def test_planned_organization_kinds_add_up_to_the_scale(scale: str) -> None:
    plan = generator.SCALES[scale]
    kinds = generator.plan_organization_kinds(plan, districts=plan.communities // 2)
    assert sum(kinds.values()) == plan.organizations
    assert all(count >= 1 for count in kinds.values())
    assert abs(kinds["women"] / plan.organizations - 0.18) < 0.01


def test_planned_counts_sum_exactly() -> None:
    counts = generator.plan_counts(random.Random(1), 600, 88_000)
    assert sum(counts) == 88_000 and min(counts) >= 1


def test_birth_dates_give_the_exact_age() -> None:
    rng = random.Random(3)
    for age in (0, 1, 17, 18, 29, 30, 85):
        for _ in range(50):
            assert age_on_reference(generator.birth_date_for_age(rng, age)) == age


def test_cci_has_twenty_digits_and_check_digits() -> None:
    cci = generator.make_cci("002", "193", "1234567")
    assert len(cci) == 20 and cci.isdigit()
    assert cci[-2:] == generator.cci_check_digit("002193") + generator.cci_check_digit(
        "000001234567"
    )
