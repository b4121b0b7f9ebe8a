"""The demo loader on the test world: profiles, plans, visits and adoptions consistent with the
services' rules (raw inserts run on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from minka.assistance import demo_data, selectors
from minka.assistance.models import (
    CascadeAssignment,
    HouseholdVisit,
    PracticeAdoption,
    ProviderProfile,
    ServicePayment,
)
from minka.registry.models import Provider


def test_demo_cascade_is_consistent(world):
    Provider.objects.create(
        code="YCH-b",
        kind="yachachiq",
        name="Yachachiq B",
        person=world.persons["spouse_b"],
        district=world.areas["030201"],
    )
    Provider.objects.create(
        code="YQ-b",
        kind="yachaq",
        name="Yachaq B",
        person=world.persons["head_b"],
        district=world.areas["030201"],
    )
    lines: list[str] = []
    demo_data.seed(scale="small", seed=3, log=lines.append)
    assert ProviderProfile.objects.count() == Provider.objects.count()
    assert CascadeAssignment.objects.get().household == world.households["b"]
    for visit in HouseholdVisit.objects.all():
        assert visit.yachachiq.code == "YCH-b" and visit.household == world.households["b"]
    for adoption in PracticeAdoption.objects.select_related("visit"):
        first = HouseholdVisit.objects.filter(
            household=adoption.household, practice=adoption.practice
        ).order_by("visited_on")[0]
        assert adoption.verified_on > first.visited_on
    payment = ServicePayment.objects.get()
    assert payment.grant_minor == 0 and payment.grant_journal is None
    report = selectors.cascade_report(
        user=world.users["admin"], programme=world.programmes["marenass"]
    )
    assert report["total"].planned == 1
    assert report["total"].cost_minor == payment.total_minor + sum(
        e.cost_minor for e in world.programmes["marenass"].training_events.all()
    )
    assert lines and "assistance:" in lines[0]
