"""A CLAR from call to decision: eligibility with reasons, jury and conflicts of interest,
attendance by DNI, score sheets, ranking, the rule and the optimiser, outcomes with reasons,
draft contracts, the acta and the public results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from minka.clar import services
from minka.clar.models import Call, ClarEvent, InitiativeState, Outcome
from minka.contracts.models import ContractState
from minka.contracts.services import LineInput
from minka.core.errors import DomainError
from minka.core.models import AuditEvent, Role, RoleAssignment, User
from minka.core.money import Money
from minka.registry.models import BoardPosition, Household, Person

D = datetime.date


def pen(amount: str) -> Money:
    return Money.from_decimal(amount, "PEN")


SEQUENCE = iter(range(1, 10_000_000))


def families(world, key: str, count: int) -> list[str]:
    """Register `count` heads of household in community `key` and return their DNIs."""
    community = world.communities[key]
    dnis = []
    for _ in range(count):
        n = next(SEQUENCE)
        household = Household.objects.create(code=f"H-{key}-{n}", community=community)
        person = Person.objects.create(
            dni=f"7{n:07d}",
            first_names=f"Familia {n}",
            paternal_surname="Mamani",
            sex="F",
            district=community.district,
            household=household,
            relationship="head",
        )
        dnis.append(person.dni)
    return dnis


@pytest.fixture
def clar(funded):
    world = funded
    programme = world.programmes["marenass"]
    for key in ("a", "b"):
        organization = world.organizations[key]
        if not organization.board.filter(role="treasurer").exists():
            BoardPosition.objects.create(
                organization=organization,
                person=world.persons[f"spouse_{key}"],
                role="treasurer",
                term_start=D(2024, 1, 1),
            )
    call = Call.objects.create(
        programme=programme,
        code="CV-2026-1",
        name="Primera convocatoria",
        opens_on=D(2026, 1, 1),
        closes_on=D(2026, 12, 31),
        funding_source=world.source,
        max_amount_minor=2_000_000,
        min_counterpart_percent=20,
    )
    event = ClarEvent.objects.create(
        programme=programme,
        call=call,
        name="CLAR Apurímac 2026",
        held_on=D(2026, 6, 1),
        place="Andahuaylas",
        area=world.areas["03"],
        budget_minor=2_500_000,
    )
    jurors = []
    for n in range(3):
        user = User.objects.create_user(
            username=f"jurado{n}", password="x", first_name=f"Jurado {n}"
        )
        RoleAssignment.objects.create(user=user, role=Role.JUROR, programme=programme)
        jurors.append(
            services.juror_add(
                user=world.users["manager"],
                event=event,
                juror_user=user,
                institution="Municipalidad",
            )
        )
    world.call, world.event, world.jurors = call, event, jurors
    return world


def plan(world, key, title, project="10000", own="3000", count=4, officer="manager"):
    initiative = services.initiative_create(
        user=world.users[officer],
        call=world.call,
        organization=world.organizations[key],
        instrument="pdn",
        title=title,
        lines=[LineInput("ta", pen(project), pen(own), pen("0"))],
        family_dnis=families(world, key, count)
        if not hasattr(world, f"dnis_{key}")
        else getattr(world, f"dnis_{key}"),
    )
    return services.initiative_submit(
        user=world.users[officer], initiative=initiative, on=D(2026, 3, 1)
    )


def score(world, initiative, field: dict, public: dict, present=None):
    services.attendance_record(
        user=world.users["manager"],
        event=world.event,
        initiative=initiative,
        present_dnis=present
        if present is not None
        else list(initiative.families.values_list("person__dni", flat=True)),
    )
    for juror in world.jurors:
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="field",
            points={k: Decimal(v) for k, v in field.items()},
        )
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="public",
            points={k: Decimal(v) for k, v in public.items()},
        )


FIELD = {
    "board": 2,
    "management": 2,
    "women_youth": 2,
    "coherence": 2,
    "resources": 2,
    "timeline": 2,
    "related": 1,
    "cofinancing": 2,
}  # 15 + attendance 10 = 25 → ×2 = 50
PUBLIC = {"clarity": 8, "identity": 8, "participation": 8, "map": 8, "market": 8}  # 40


def test_eligibility_states_every_reason(clar):
    world = clar
    initiative = services.initiative_create(
        user=world.users["manager"],
        call=world.call,
        organization=world.organizations["a"],
        instrument="pdn",
        title="Queso",
        lines=[LineInput("ta", pen("30000"), pen("1000"), pen("0"))],
        family_dnis=[],
    )
    with translation.override("en"):
        initiative = services.initiative_submit(
            user=world.users["manager"], initiative=initiative, on=D(2027, 1, 5)
        )
    codes = {r["code"] for r in initiative.eligibility}
    assert initiative.state == InitiativeState.INELIGIBLE
    assert codes == {"call_closed", "counterpart_low", "amount_high", "no_families"}


def test_a_family_in_two_plans_of_one_call(clar):
    world = clar
    first = plan(world, "b", "Cuyes")
    world.dnis_b = list(first.families.values_list("person__dni", flat=True))
    second = plan(world, "b", "Truchas")
    assert second.state == InitiativeState.INELIGIBLE
    assert {r["code"] for r in second.eligibility} == {"family_in_other_plans"}


def test_whole_clar_with_rule_optimiser_outcomes_and_contracts(clar, client):
    world = clar
    strong = plan(world, "b", "Cuyes mejorados", project="20000", own="6000")  # S/ 20,000
    weaker = plan(world, "a", "Queso fresco", project="8000")
    third = plan(world, "a", "Artesanía", project="4000", count=4)
    score(world, strong, FIELD, PUBLIC)  # 50 + 40 = 90
    score(world, weaker, FIELD | {"board": 1}, PUBLIC)  # 48 + 40 = 88
    score(
        world,
        third,
        FIELD,
        PUBLIC | {"clarity": 0, "identity": 0, "participation": 0, "map": 0, "market": 5},
        present=list(third.families.values_list("person__dni", flat=True))[:1],
    )  # 1 of 4: disqualified
    results = services.event_results(world.event)
    assert results.ranking[:2] == [strong.pk, weaker.pk]
    assert results.rows[strong.pk].score == 9000 and results.rows[weaker.pk].score == 8800
    assert results.rows[third.pk].disqualified
    # Envelope S/ 25,000: the rule funds the best (S/ 20,000) and cannot fit the second (S/ 8,000).
    assert results.rule.funded == [strong.pk]
    assert (
        set(results.optimiser.funded) == {strong.pk}
        or results.optimiser.total_score >= results.rule.total_score
    )

    client.force_login(world.users["manager"])
    page = client.get(reverse("clar-results", args=[world.event.pk]))
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    response = client.post(reverse("clar-results", args=[world.event.pk]), {"method": "rule"})
    assert response.status_code == 302
    outcomes = {o.initiative_id: o for o in Outcome.objects.filter(event=world.event)}
    assert outcomes[strong.pk].funded and outcomes[strong.pk].reason == "funded"
    assert outcomes[weaker.pk].reason == "envelope_exhausted" and outcomes[weaker.pk].approved
    assert outcomes[third.pk].reason == "disqualified"
    contract = outcomes[strong.pk].contract
    assert (
        contract.state == ContractState.APPROVED
        and contract.organization == world.organizations["b"]
    )
    assert sum(line.project_minor for line in contract.lines.all()) == 2_000_000
    assert AuditEvent.objects.filter(action="clar.decided").exists()
    with pytest.raises(DomainError):
        services.event_decide(user=world.users["manager"], event=world.event, method="rule")

    acta = client.get(reverse("clar-acta", args=[world.event.pk]))
    assert acta.status_code == 200 and acta.content[:4] in (b"%PDF", b"<!do")
    client.logout()
    public = client.get(reverse("clar-public-results", args=[world.event.pk]))
    assert public.status_code == 200
    for person in Person.objects.all():
        assert person.dni not in public.text
    assert world.organizations["b"].name in public.text


def test_a_juror_never_scores_its_own_organization(clar):
    world = clar
    initiative = plan(world, "b", "Cuyes")
    juror = world.jurors[0]
    juror.organization = world.organizations["b"]
    juror.save()
    services.attendance_record(
        user=world.users["manager"],
        event=world.event,
        initiative=initiative,
        present_dnis=list(initiative.families.values_list("person__dni", flat=True)),
    )
    with pytest.raises(DomainError) as info:
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="field",
            points={k: Decimal(v) for k, v in FIELD.items()},
        )
    assert info.value.code == "conflict"
    assert AuditEvent.objects.filter(
        action="clar.conflict_refused", object_id=str(initiative.pk)
    ).exists()
    assert not initiative.sheets.exists()


def test_sheets_are_checked(clar):
    world = clar
    initiative = plan(world, "b", "Cuyes")
    juror = world.jurors[1]
    with pytest.raises(DomainError):  # no attendance yet
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="field",
            points={k: Decimal(v) for k, v in FIELD.items()},
        )
    services.attendance_record(
        user=world.users["manager"],
        event=world.event,
        initiative=initiative,
        present_dnis=list(initiative.families.values_list("person__dni", flat=True)),
    )
    with pytest.raises(DomainError) as info:
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="field",
            points={k: Decimal(v) for k, v in FIELD.items()} | {"board": Decimal("2.5")},
        )
    assert info.value.field == "points"
    with pytest.raises(DomainError):  # not on the jury
        services.sheet_submit(
            user=world.users["officer"],
            event=world.event,
            initiative=initiative,
            stage="public",
            points={k: Decimal(v) for k, v in PUBLIC.items()},
        )
    juror.scores_public = False
    juror.save()
    with pytest.raises(DomainError):
        services.sheet_submit(
            user=juror.user,
            event=world.event,
            initiative=initiative,
            stage="public",
            points={k: Decimal(v) for k, v in PUBLIC.items()},
        )


def test_juror_needs_the_role_and_sits_once(clar):
    world = clar
    with pytest.raises(DomainError):
        services.juror_add(
            user=world.users["manager"],
            event=world.event,
            juror_user=world.users["officer"],
            institution="X",
        )
    with pytest.raises(DomainError):
        services.juror_add(
            user=world.users["manager"],
            event=world.event,
            juror_user=world.jurors[0].user,
            institution="X",
        )


def test_juror_sees_its_event_and_scores_on_the_phone_page(clar, client):
    world = clar
    initiative = plan(world, "b", "Cuyes")
    services.attendance_record(
        user=world.users["manager"],
        event=world.event,
        initiative=initiative,
        present_dnis=list(initiative.families.values_list("person__dni", flat=True)),
    )
    client.force_login(world.jurors[0].user)
    assert client.get(reverse("clar-events-detail", args=[world.event.pk])).status_code == 200
    url = reverse("clar-sheet", args=[world.event.pk, initiative.pk, "field"])
    assert client.post(url, {k: str(v) for k, v in FIELD.items()}).status_code == 302
    assert initiative.sheets.get().total_centi == 5000
    assert client.get(reverse("clar-results", args=[world.event.pk])).status_code == 404
    assert client.get(reverse("clar-blank-sheets", args=[world.event.pk])).status_code == 200


def test_envelopes_by_instrument_are_allocated_separately(clar):
    from minka.clar.models import Envelope

    world = clar
    Envelope.objects.create(call=world.call, instrument="pdn", amount_minor=1_000_000)
    Envelope.objects.create(call=world.call, instrument="pgrn", amount_minor=5_000_000)
    business = plan(world, "b", "Cuyes", project="8000")
    resources = services.initiative_create(
        user=world.users["manager"],
        call=world.call,
        organization=world.organizations["a"],
        instrument="pgrn",
        title="Terrazas",
        lines=[LineInput("ta", pen("9000"), pen("3000"), pen("0"))],
        family_dnis=families(world, "a", 4),
    )
    resources = services.initiative_submit(
        user=world.users["manager"], initiative=resources, on=D(2026, 3, 1)
    )
    bigger = plan(world, "a", "Queso", project="9000")
    for initiative in (business, bigger):
        score(world, initiative, FIELD, PUBLIC)
    pgrn_field = {
        "board": 3,
        "management": 3,
        "women_youth": 3,
        "coherence": 2,
        "resources": 2,
        "timeline": 2,
    }
    pgrn_public = {"clarity": 10, "identity": 10, "participation": 10, "map": 10}
    score(world, resources, pgrn_field, pgrn_public)
    results = services.event_results(world.event)
    # PDN envelope S/ 10,000: one of the two business plans fits; the PGRN has its own money.
    assert results.envelope_minor == 6_000_000
    assert set(results.rule.funded) == {business.pk, resources.pk}
    assert results.rule.reasons[bigger.pk].code == "envelope_exhausted"
    assert [results.rule.reasons[pk].rank for pk in results.ranking] == [1, 2, 3]


def test_api_reads_initiatives_and_outcomes(clar, client):
    from minka.core.models import ApiToken

    world = clar
    initiative = plan(world, "b", "Cuyes", project="20000", own="6000")
    score(world, initiative, FIELD, PUBLIC)
    services.event_decide(user=world.users["manager"], event=world.event, method="rule")
    _token, key = ApiToken.issue(user=world.users["officer"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    items = client.get("/api/v1/clar/initiatives", **headers).json()["items"]
    assert [i["code"] for i in items] == [initiative.code] and items[0][
        "project_minor"
    ] == 2_000_000
    event = client.get(f"/api/v1/clar/events/{world.event.pk}", **headers).json()
    assert event["outcomes"][0]["funded"] and event["outcomes"][0]["reason"] == "funded"
    _token, juror_key = ApiToken.issue(user=world.users["nobody"], name="t")
    assert (
        client.get("/api/v1/clar/initiatives", HTTP_AUTHORIZATION=f"Bearer {juror_key}").json()[
            "count"
        ]
        == 0
    )


def test_midterm_clar_releases_the_second_tranche(clar, make_contract, client):
    from minka.contracts import services as contract_services
    from minka.contracts.tests.conftest import pay_first_tranche, receipts

    world = clar
    contract = make_contract()
    pay_first_tranche(world, contract)
    report = contract_services.expense_report_submit(
        user=world.users["treasurer"],
        contract=contract,
        period_end=D(2025, 3, 31),
        lines=receipts("5000.00"),
    )
    contract_services.expense_report_review(
        user=world.users["officer"], report=report, approve=True
    )
    contract_services.tranche2_request(user=world.users["treasurer"], contract=contract)
    midterm = ClarEvent.objects.create(
        programme=world.programmes["marenass"],
        kind="midterm",
        name="CLAR intermedio",
        held_on=D(2025, 6, 1),
        place="Andahuaylas",
        area=world.areas["0302"],  # the officer's province: the officer runs it
    )
    client.force_login(world.users["officer"])
    page = client.get(reverse("clar-events-detail", args=[midterm.pk]))
    assert contract in list(page.context["midterm"])
    response = client.post(
        reverse("clar-midterm", args=[midterm.pk, contract.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.TRANCHE_2_APPROVED and contract.midterm_reference
