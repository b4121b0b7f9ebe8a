"""The training cascade: load limits, visits only to households of the plan, adoption verified
later, and the coverage report's maths."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from minka.assistance import selectors, services
from minka.assistance.models import CascadeAssignment, ServiceContract
from minka.assistance.tests.conftest import D, pen
from minka.conftest import make_person
from minka.core.errors import DomainError
from minka.core.models import Role, RoleAssignment
from minka.registry.models import Household, Provider


@pytest.fixture
def cascade(world):
    """Community B with six more households (heads: three women, three men), a yachachiq of
    the community with its own account, a yachaq; MARENASS allows 3 households usually, 4 at
    most."""
    district = world.areas["030201"]
    for number in range(6):
        household = Household.objects.create(code=f"H-b{number}", community=world.communities["b"])
        world.households[f"b{number}"] = household
        make_person(
            world,
            f"head_b{number}",
            district=district,
            sex="F" if number < 3 else "M",
            household=household,
            relationship="head",
        )
    person = make_person(world, "yachachiq", district=district)
    world.yachachiq = Provider.objects.create(
        code="YCH-1", kind="yachachiq", name="Yachachiq B", person=person, district=district
    )
    yachaq_person = make_person(world, "yachaq", district=district)
    world.yachaq = Provider.objects.create(
        code="YQ-1", kind="yachaq", name="Yachaq B", person=yachaq_person, district=district
    )
    account = get_user_model().objects.create_user(username="yachachiq")
    RoleAssignment.objects.create(user=account, role=Role.PROVIDER, provider=world.yachachiq)
    world.users["yachachiq"] = account
    services.cascade_settings_save(
        user=world.users["manager"],
        programme=world.programmes["marenass"],
        households_per_yachachiq=3,
        hard_cap=4,
    )
    return world


def _assign(world, keys, user="officer"):
    return services.yachachiq_assign(
        user=world.users[user],
        programme=world.programmes["marenass"],
        yachachiq=world.yachachiq,
        households=[world.households[k] for k in keys],
        assigned_on=D(2025, 1, 10),
    )


def _visit(world, key, on, practice="garden", user="yachachiq"):
    return services.household_visit_record(
        user=world.users[user],
        programme=world.programmes["marenass"],
        yachachiq=world.yachachiq,
        household=world.households[key],
        visited_on=on,
        practice=practice,
    )


def test_load_warns_above_the_usual_number_and_refuses_above_the_cap(cascade):
    first = _assign(cascade, ["b0", "b1", "b2"])
    assert first.warning == "" and first.load == 3
    second = _assign(cascade, ["b3"])
    assert second.status.value == "warning" and second.warning
    with pytest.raises(DomainError) as exc:
        _assign(cascade, ["b4"])
    assert exc.value.code == "over_cap"
    assert CascadeAssignment.objects.count() == 4


def test_a_refused_batch_assigns_nothing(cascade):
    with pytest.raises(DomainError):
        _assign(cascade, ["b0", "b1", "b2", "b3", "b4"])
    assert not CascadeAssignment.objects.exists()


def test_a_household_has_one_yachachiq_and_only_yachachiq_take_households(cascade):
    _assign(cascade, ["b0"])
    with pytest.raises(DomainError):
        _assign(cascade, ["b0"])
    with pytest.raises(DomainError) as exc:
        services.yachachiq_assign(
            user=cascade.users["officer"],
            programme=cascade.programmes["marenass"],
            yachachiq=cascade.yachaq,
            households=[cascade.households["b1"]],
            assigned_on=D(2025, 1, 10),
        )
    assert exc.value.field == "yachachiq"


@pytest.mark.parametrize("username", ["treasurer", "yachachiq", "monitor", "juror"])
def test_only_officers_assign_households(cascade, username):
    with pytest.raises(DomainError) as exc:
        _assign(cascade, ["b0"], user=username)
    assert exc.value.code == "forbidden"


def test_visits_only_to_households_of_the_plan(cascade):
    _assign(cascade, ["b0"])
    visit = _visit(cascade, "b0", D(2025, 2, 1))
    assert visit.recorded_by == cascade.users["yachachiq"]
    with pytest.raises(DomainError) as exc:
        _visit(cascade, "b1", D(2025, 2, 1))
    assert exc.value.field == "household"
    with pytest.raises(DomainError) as exc:
        _visit(cascade, "b0", D(2024, 12, 1))
    assert exc.value.field == "visited_on"


def test_another_provider_cannot_record_the_yachachiqs_visits(cascade):
    _assign(cascade, ["b0"])
    with pytest.raises(DomainError) as exc:
        _visit(cascade, "b0", D(2025, 2, 1), user="provider")
    assert exc.value.code == "forbidden"
    assert _visit(cascade, "b0", D(2025, 2, 1), user="officer")


def test_adoption_is_verified_after_the_practice_was_taught(cascade):
    programme = cascade.programmes["marenass"]
    _assign(cascade, ["b0"])
    household = cascade.households["b0"]
    with pytest.raises(DomainError):  # never taught
        services.practice_adoption_verify(
            user=cascade.users["officer"],
            programme=programme,
            household=household,
            practice="garden",
            method="contest",
            verified_on=D(2025, 5, 1),
            evidence="Concurso interfamiliar 1",
        )
    taught = _visit(cascade, "b0", D(2025, 2, 1))
    with pytest.raises(DomainError) as exc:  # same visit cannot verify its own teaching
        services.practice_adoption_verify(
            user=cascade.users["yachachiq"],
            programme=programme,
            household=household,
            practice="garden",
            method="visit",
            verified_on=D(2025, 2, 1),
            visit=taught,
        )
    assert exc.value.field == "verified_on"
    later = _visit(cascade, "b0", D(2025, 4, 1), practice="compost")
    adoption = services.practice_adoption_verify(
        user=cascade.users["yachachiq"],
        programme=programme,
        household=household,
        practice="garden",
        method="visit",
        verified_on=D(2025, 1, 1),  # ignored: the visit's date counts
        visit=later,
    )
    assert adoption.verified_on == D(2025, 4, 1)
    with pytest.raises(DomainError):
        services.practice_adoption_verify(
            user=cascade.users["officer"],
            programme=programme,
            household=household,
            practice="garden",
            method="contest",
            verified_on=D(2025, 5, 1),
            evidence="Concurso",
        )


def test_contest_verification_needs_evidence(cascade):
    _assign(cascade, ["b0"])
    _visit(cascade, "b0", D(2025, 2, 1))
    with pytest.raises(DomainError) as exc:
        services.practice_adoption_verify(
            user=cascade.users["officer"],
            programme=cascade.programmes["marenass"],
            household=cascade.households["b0"],
            practice="garden",
            method="contest",
            verified_on=D(2025, 5, 1),
        )
    assert exc.value.field == "evidence"


def test_training_event_by_a_yachaq_with_attendance(cascade):
    event = services.training_event_record(
        user=cascade.users["officer"],
        programme=cascade.programmes["marenass"],
        trainer=cascade.yachaq,
        topic="Huertos familiares",
        practice="garden",
        held_on=D(2025, 1, 20),
        place="Local comunal",
        district=cascade.areas["030201"],
        attendees=[cascade.persons["yachachiq"], cascade.persons["head_b"]],
        cost=pen("300.00"),
    )
    assert event.attendance.count() == 2
    with pytest.raises(DomainError) as exc:
        services.training_event_record(
            user=cascade.users["officer"],
            programme=cascade.programmes["marenass"],
            trainer=cascade.yachachiq,
            topic="x",
            held_on=D(2025, 1, 20),
            place="x",
            district=cascade.areas["030201"],
            attendees=[cascade.persons["head_b"]],
        )
    assert exc.value.field == "trainer"
    with pytest.raises(DomainError) as exc:
        services.training_event_record(
            user=cascade.users["treasurer"],
            programme=cascade.programmes["marenass"],
            trainer=cascade.yachaq,
            topic="x",
            held_on=D(2025, 1, 20),
            place="x",
            district=cascade.areas["030201"],
            attendees=[cascade.persons["head_b"]],
        )
    assert exc.value.code == "forbidden"


def test_visits_roll_up_into_coverage_and_cost_per_household(cascade):
    world = cascade
    programme = world.programmes["marenass"]
    _assign(world, ["b0", "b1", "b3", "b4"])  # 2 women-headed, 2 men-headed; the 4th warns
    _visit(world, "b0", D(2025, 2, 1))
    _visit(world, "b0", D(2025, 3, 1), practice="compost")
    _visit(world, "b3", D(2025, 2, 2))
    services.practice_adoption_verify(
        user=world.users["officer"],
        programme=programme,
        household=world.households["b0"],
        practice="garden",
        method="contest",
        verified_on=D(2025, 5, 1),
        evidence="Concurso interfamiliar",
    )
    # The organization pays its yachachiq S/ 600 (own money) and a yachaq event costs S/ 300.
    contract = services.service_contract_create(
        user=world.users["treasurer"],
        organization=world.organizations["b"],
        provider=world.yachachiq,
        programme=programme,
        topic="Asistencia a familias",
        starts_on=D(2025, 1, 10),
        ends_on=D(2025, 6, 30),
        days=20,
        daily_rate=pen("30"),
        selection="assembly",
        grant=pen("0"),
        own=pen("600"),
        other=pen("0"),
    )
    confirmation = services.service_confirm(
        user=world.users["treasurer"],
        contract=contract,
        confirmed_on=D(2025, 3, 31),
        days_delivered=20,
        work_done="Visitas",
        amount=pen("600"),
        signed_by=world.persons["head_b"],
    )
    services.service_pay(
        user=world.users["treasurer"],
        confirmation=confirmation,
        paid_on=D(2025, 4, 1),
        grant=pen("0"),
        own=pen("600"),
        other=pen("0"),
        receipt="RH-1",
    )
    services.training_event_record(
        user=world.users["officer"],
        programme=programme,
        trainer=world.yachaq,
        topic="Huertos",
        held_on=D(2025, 1, 20),
        place="Local comunal",
        district=world.areas["030201"],
        attendees=[world.persons["yachachiq"]],
        cost=pen("300"),
    )
    assert ServiceContract.objects.count() == 1

    report = selectors.cascade_report(user=world.users["officer"], programme=programme, level=2)
    (row,) = report["by_area"]
    assert (row.key, row.planned, row.assisted, row.visits) == ("0302", 4, 2, 3)
    assert (row.adopting, row.adoptions) == (1, 1)
    assert row.coverage == 50
    assert str(row.visits_per_household) == "1.5"
    assert row.cost_minor == 90_000 and row.cost_per_household == 45_000
    by_sex = {r.key: r for r in report["by_sex"]}
    assert (by_sex["F"].planned, by_sex["F"].assisted, by_sex["F"].visits) == (2, 1, 2)
    assert (by_sex["M"].planned, by_sex["M"].assisted, by_sex["M"].visits) == (2, 1, 1)
    assert by_sex["F"].cost_minor + by_sex["M"].cost_minor == 90_000
    assert report["total"].cost_per_household == 45_000

    # The yachachiq's own account sees its households; the treasurer sees none of them.
    own = selectors.cascade_report(user=world.users["yachachiq"], programme=programme)
    assert own["total"].visits == 3
    assert (
        selectors.cascade_report(user=world.users["treasurer"], programme=programme)[
            "total"
        ].planned
        == 0
    )


def test_loads_listed_against_the_limits(cascade):
    _assign(cascade, ["b0", "b1", "b2", "b3"])
    (row,) = selectors.yachachiq_loads(
        user=cascade.users["officer"], programme=cascade.programmes["marenass"]
    )
    assert (row["load"], row["status"]) == (4, "warning")
