"""A demo CLAR through the real services: a call, initiatives with their families, a decided
CLAR (jury, attendance, sheets, outcomes, draft contracts) and a second one still to be run.
Deterministic for a seed (random.Random(f"{seed}:clar"))."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from minka.clar import services
from minka.clar.models import Call, ClarEvent, InitiativeState, Rubric, RubricCriterion
from minka.clar.rubrics import install as install_default_rubrics
from minka.contracts.services import LineInput
from minka.core.models import Role, RoleAssignment, User
from minka.core.money import Money
from minka.geo.models import AdminArea
from minka.programmes.models import Programme
from minka.registry.models import Organization, Person

COUNTS = {"small": 8, "marenass": 24, "highlands": 40}
TITLES = [
    "Crianza de cuyes",
    "Queso fresco",
    "Fibra de alpaca",
    "Trucha",
    "Miel",
    "Papa nativa",
    "Tejidos",
    "Pastos cultivados",
    "Riego por aspersión",
    "Terrazas",
]


def _pen(soles: int) -> Money:
    return Money(soles * 100, "PEN")


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    programme = Programme.objects.filter(code="MARENASS").first()
    office_user = User.objects.filter(username="officer").first()
    if programme is None or office_user is None:
        return 0
    # A demo reset empties the rubric tables with the programmes; the shipped defaults return.
    install_default_rubrics(Rubric, RubricCriterion)
    rng = random.Random(f"{seed}:clar")
    manager = User.objects.get(username="manager")
    office = office_user.role_assignments.get(role=Role.OFFICER).local_office
    area = office.areas.order_by("path").first()
    source = programme.funding_sources.order_by("-amount_minor").first()
    call = Call.objects.create(
        programme=programme,
        code=f"{programme.code}-CV-2026",
        name="Convocatoria 2026 — planes de negocio y de recursos naturales",
        opens_on=datetime.date(2026, 1, 5),
        closes_on=datetime.date(2026, 12, 18),
        funding_source=source,
        min_amount_minor=500_000,
        max_amount_minor=2_500_000,
        min_counterpart_percent=20,
    )
    organizations = list(
        Organization.objects.filter(
            district__path__startswith=area.path,
            board__role="treasurer",
            board__term_end__isnull=True,
        )
        .exclude(kind="municipality")
        .distinct()
        .order_by("code")
    )
    rng.shuffle(organizations)
    initiatives = []
    for organization in organizations[: COUNTS.get(scale, 8)]:
        heads = list(
            Person.objects.filter(household__community=organization.community, relationship="head")
            .exclude(dni__isnull=True)
            .order_by("dni")
            .values_list("dni", flat=True)
        )
        if len(heads) < 3:
            continue
        chosen = rng.sample(heads, min(len(heads), rng.randint(4, 12)))
        project = rng.randrange(8_000, 24_000, 500)
        instrument = rng.choice(["pdn", "pdn", "pgrn"])
        initiative = services.initiative_create(
            user=office_user,
            call=call,
            organization=organization,
            instrument=instrument,
            title=f"{rng.choice(TITLES)} — {organization.community or organization.district.name}",
            lines=[
                LineInput("ta", _pen(project * 40 // 100), _pen(project * 15 // 100), _pen(0)),
                LineInput(
                    "assets",
                    _pen(project - project * 40 // 100),
                    _pen(project * 15 // 100),
                    _pen(0),
                ),
            ],
            family_dnis=[d for d in chosen if not _in_other_plan(call, d)],
        )
        initiatives.append(
            services.initiative_submit(
                user=office_user, initiative=initiative, on=datetime.date(2026, 3, 1)
            )
        )
    eligible = [i for i in initiatives if i.state == InitiativeState.ELIGIBLE]
    jurors = _jurors(programme)
    decided = _event(
        programme,
        call,
        area,
        "CLAR Andahuaylas — primera asignación 2026",
        datetime.date(2026, 4, 20),
        budget=sum(sum(line.project_minor for line in i.lines.all()) for i in eligible) * 6 // 10,
    )
    pending = _event(
        programme,
        call,
        area,
        "CLAR Andahuaylas — segunda ronda 2026",
        datetime.date(2026, 12, 10),
        budget=6_000_000,
    )
    for event in (decided, pending):
        for number, user in enumerate(jurors, start=1):
            services.juror_add(
                user=manager,
                event=event,
                juror_user=user,
                institution=["Municipalidad Provincial", "Agencia Agraria", "Federación Campesina"][
                    number - 1
                ],
            )
    half = len(eligible) // 2 + 1
    for initiative in eligible[:half]:
        _score(rng, decided, initiative, jurors, office_user)
    if any(i.sheets.exists() for i in eligible[:half]):
        services.event_decide(user=office_user, event=decided, method="rule")
    for initiative in eligible[half:]:
        _score(rng, pending, initiative, jurors[:1], office_user, public=False)
    log(f"clar: 1 call, {len(initiatives)} initiatives, 2 CLAR events (one decided)")
    return len(initiatives)


def _in_other_plan(call: Call, dni: str) -> bool:
    return call.initiatives.filter(families__person__dni=dni).exists()


def _jurors(programme: Programme) -> list[User]:
    users = [User.objects.get(username="juror")]
    password = make_password("minka-demo")
    for n, (first, last) in enumerate(
        [("Teodoro", "Quispe Ccori"), ("Luzmila", "Huamaní Rojas")], start=2
    ):
        user, _created = User.objects.get_or_create(
            username=f"demo-jurado-{n}",
            defaults={"first_name": first, "last_name": last, "password": password},
        )
        RoleAssignment.objects.get_or_create(user=user, role=Role.JUROR, programme=programme)
        users.append(user)
    return users


def _event(programme, call, area: AdminArea, name, held_on, budget) -> ClarEvent:
    return ClarEvent.objects.create(
        programme=programme,
        call=call,
        name=name,
        held_on=held_on,
        place="Andahuaylas, local comunal",
        area=area,
        organiser_kind="municipality",
        organiser_name="Municipalidad Provincial de Andahuaylas",
        field_from=held_on - datetime.timedelta(days=20),
        field_to=held_on - datetime.timedelta(days=3),
        budget_minor=max(budget, 100_000),
        min_women_share_percent=15,
        other_attendees=(
            "Presidentes y tesoreros de las organizaciones concursantes\n"
            "Representante de la Agencia Agraria"
        ),
    )


def _score(rng, event, initiative, jurors, recorder, public=True) -> None:
    dnis = list(initiative.families.values_list("person__dni", flat=True))
    present = rng.sample(dnis, max(1, round(len(dnis) * rng.choice([0.45, 0.7, 0.85, 1.0]))))
    services.attendance_record(
        user=recorder, event=event, initiative=initiative, present_dnis=present
    )
    # Some plans fall below half of their families present: the rule excludes them.
    for user in jurors:
        rubric = services.rubric_for(event, initiative.instrument, "field")
        points = {
            c.code: Decimal(rng.randint(c.max_points_centi // 2, c.max_points_centi)) / 100
            for c in rubric.criteria.all()
            if not c.from_attendance
        }
        services.sheet_submit(
            user=user, event=event, initiative=initiative, stage="field", points=points
        )
        if public:
            rubric = services.rubric_for(event, initiative.instrument, "public")
            points = {
                c.code: Decimal(rng.randint(c.max_points_centi * 4 // 10, c.max_points_centi)) / 100
                for c in rubric.criteria.all()
            }
            services.sheet_submit(
                user=user, event=event, initiative=initiative, stage="public", points=points
            )
