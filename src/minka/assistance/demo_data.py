"""A realistic demo market and training cascade.

- Every provider gets a public profile and the territories it serves (technicians their
  province and sometimes a neighbouring one, firms their department, community providers
  their district), so some districts are left without supply.
- Organizations with a running grant contract hire technicians and firms through the real
  services: contract, confirmations signed by the board, payments through the ledger (grant
  part from the funds they hold, own part as counterpart), completion and, for the demo
  treasurer's organization, the rating. About a third of them hire again with their own money
  after the grant. Ratings of the other organizations (which have no user account in the demo)
  are loaded as paper records.
- Each community's yachachiq get the households of their community (up to the programme's
  cap), visit about three in five of them once to three times, and some practices are
  verified as adopted at a later visit; yachaq train the yachachiq; each community pays its
  yachachiq with its own money and the municipality's (bulk inserts: no grant money moves).

Deterministic for a seed (`random.Random(f"{seed}:assistance")`); only audit timestamps come
from the clock.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from minka.assistance import services
from minka.assistance.models import (
    Attendance,
    CascadeAssignment,
    CascadeSettings,
    HouseholdVisit,
    Practice,
    PracticeAdoption,
    ProviderCoverage,
    ProviderProfile,
    ProviderRating,
    ServiceConfirmation,
    ServiceContract,
    ServicePayment,
    ServiceState,
    TrainingEvent,
)
from minka.contracts.models import Contract, ContractState
from minka.core.models import Role, User
from minka.core.money import Money
from minka.geo.models import AdminArea
from minka.ledger.models import AccountKind, Leg
from minka.programmes.models import Programme
from minka.registry.models import BoardPosition, Household, Provider, ProviderKind

D = datetime.date
RATES = {  # soles per day: (low, high)
    ProviderKind.TECHNICIAN: (150, 300),
    ProviderKind.FIRM: (400, 800),
    ProviderKind.YACHAQ: (60, 100),
    ProviderKind.YACHACHIQ: (30, 50),
    ProviderKind.ANIMATOR: (40, 60),
}
MARKET_CONTRACTS = {"small": 10, "marenass": 36, "highlands": 60}
TOPICS = [
    "Instalación de riego por aspersión",
    "Manejo de pastos cultivados",
    "Crianza tecnificada de cuyes",
    "Elaboración de queso fresco",
    "Sanidad animal en vacunos",
    "Gestión empresarial y costos",
    "Comercialización en ferias",
    "Conservación de suelos y terrazas",
    "Tejido y acabado textil",
    "Huertos familiares",
]
WORK = [
    "Capacitación práctica en parcelas de las familias",
    "Visitas de asistencia técnica y demostración",
    "Talleres y seguimiento en campo",
]
COMMENTS = [
    "Cumplió con las visitas y explicó con paciencia.",
    "Buen técnico, pero faltó a dos visitas.",
    "Las familias aplicaron lo aprendido.",
    "Recomendamos volver a contratarlo.",
    "Llegó tarde varias veces; el trabajo fue regular.",
    "",
]
CASCADE_PRACTICES = [
    Practice.HOME_GARDEN,
    Practice.KITCHEN,
    Practice.GUINEA_PIGS,
    Practice.COMPOST,
    Practice.PASTURES,
    Practice.IRRIGATION,
    Practice.ANIMAL_HEALTH,
]


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    rng = random.Random(f"{seed}:assistance")
    programmes = list(Programme.objects.prefetch_related("coverage_areas").order_by("code"))
    if not programmes or not Provider.objects.exists():
        return 0
    coverage = {p.pk: [a.path for a in p.coverage_areas.all()] for p in programmes}

    def programme_of(path: str) -> Programme | None:
        return next(
            (p for p in programmes if any(path.startswith(c) for c in coverage[p.pk])), None
        )

    for programme in programmes:
        CascadeSettings.objects.get_or_create(programme=programme)
    profiles = _profiles(rng)
    made = _market(rng, scale, programmes)
    cascade = _cascade(rng, programme_of)
    log(
        f"assistance: {profiles:,} provider profiles; {made['contracts']} market contracts "
        f"({made['rehires']} rehired with own money, {made['ratings']} ratings); "
        f"{cascade['assigned']:,} households in {cascade['yachachiq']:,} yachachiq plans, "
        f"{cascade['visits']:,} visits, {cascade['adoptions']:,} practices adopted, "
        f"{cascade['events']:,} training events"
    )
    return profiles + made["contracts"] + cascade["visits"]


# --- profiles --------------------------------------------------------------------------------


def _profiles(rng: random.Random) -> int:
    providers = list(
        Provider.objects.select_related("district")
        .order_by("pk")
        .only("pk", "kind", "profession", "skills", "district__path", "district__parent_id")
    )
    provinces: dict[str, list[int]] = defaultdict(list)  # department path → province ids
    province_id: dict[str, int] = {}
    department_id: dict[str, int] = {}
    for area in AdminArea.objects.filter(level__lte=2).only("pk", "path", "level"):
        if area.level == 2:
            provinces[area.path[:2]].append(area.pk)
            province_id[area.path] = area.pk
        else:
            department_id[area.path] = area.pk
    profiles, served = [], []
    for provider in providers:
        low, high = RATES.get(provider.kind, (100, 200))
        profiles.append(
            ProviderProfile(
                provider_id=provider.pk,
                summary=f"{provider.profession}: {provider.skills}.",
                daily_rate_minor=rng.randrange(low, high + 1, 10) * 100,
                currency="PEN",
                available=rng.random() < 0.9,
            )
        )
        path = provider.district.path
        areas: set[int] = set()
        # Technicians serve their province, firms one or two provinces of their department;
        # community providers their own district: remote districts are left without supply.
        if provider.kind in (ProviderKind.TECHNICIAN, ProviderKind.FIRM):
            if path[:4] in province_id:
                areas.add(province_id[path[:4]])
            if provinces[path[:2]] and rng.random() < (
                0.5 if provider.kind == ProviderKind.FIRM else 0.2
            ):
                areas.add(rng.choice(provinces[path[:2]]))
        if not areas:
            areas.add(provider.district_id)
        served.extend(ProviderCoverage(provider_id=provider.pk, area_id=a) for a in sorted(areas))
    ProviderProfile.objects.bulk_create(profiles, batch_size=2000)
    ProviderCoverage.objects.bulk_create(served, batch_size=2000)
    return len(profiles)


# --- market through the services -------------------------------------------------------------


def _held(contract: Contract) -> int:
    total = Leg.objects.filter(
        account__programme_id=contract.programme_id,
        account__commitment=contract.commitment_ref,
        account__kind=AccountKind.HELD,
    ).aggregate(total=Sum("amount_minor"))["total"]
    return int(total or 0)


def _market(rng: random.Random, scale: str, programmes: list[Programme]) -> dict[str, int]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["manager", "officer", "admin", "treasurer"])
    }
    officer, manager = users.get("officer"), users.get("manager")
    treasurer = users.get("treasurer")
    treasurer_orgs = set()
    if treasurer is not None:
        treasurer_orgs = set(
            treasurer.role_assignments.filter(role=Role.ORG_REP).values_list(
                "organization_id", flat=True
            )
        )
    running = list(
        Contract.objects.filter(state__in=services.GRANT_RUNNING - {ContractState.SIGNED})
        .select_related("organization__district", "programme")
        .order_by("pk")
    )
    # The treasurer's organization first, so its pages show the whole flow.
    running.sort(key=lambda c: (0 if c.organization_id in treasurer_orgs else 1, c.pk))
    technicians = list(
        Provider.objects.filter(kind__in=[ProviderKind.TECHNICIAN, ProviderKind.FIRM])
        .select_related("market_profile")
        .prefetch_related("coverage__area")
        .order_by("pk")
    )
    if not technicians or manager is None:
        return {"contracts": 0, "rehires": 0, "ratings": 0}
    talent = {p.pk: min(5.0, max(1.5, rng.gauss(3.9, 0.7))) for p in technicians}

    def serving(path: str) -> list[Provider]:
        found = [
            p for p in technicians if any(path.startswith(c.area.path) for c in p.coverage.all())
        ]
        return found or technicians

    def actor_for(contract: Contract) -> Any:
        if contract.organization_id in treasurer_orgs:
            return treasurer
        if officer is not None and services.may_act_for(officer, contract.organization):
            return officer
        return manager

    made = {"contracts": 0, "rehires": 0, "ratings": 0}
    paper_ratings: list[ProviderRating] = []
    count = MARKET_CONTRACTS.get(scale, 10)
    for index, grant_contract in enumerate(running[:count]):
        organization = grant_contract.organization
        signer = (
            BoardPosition.objects.filter(
                organization=organization,
                role__in=["president", "treasurer"],
                term_end__isnull=True,
            )
            .select_related("person")
            .order_by("role")
            .first()
        )
        if signer is None:
            continue
        actor = actor_for(grant_contract)
        provider = rng.choice(serving(organization.district.path))
        profile = getattr(provider, "market_profile", None)
        rate = profile.daily_rate_minor if profile and profile.daily_rate_minor else 20_000
        days = rng.randint(4, 10)
        total = days * rate
        room = min(services.grant_ta_room(grant_contract), _held(grant_contract))
        grant = min(room, total * rng.choice([80, 85, 90]) // 100) // 100 * 100
        grant = max(grant, 0)
        own = total - grant
        start = (grant_contract.signed_on or D(2024, 3, 1)) + datetime.timedelta(
            days=rng.randint(15, 40)
        )
        featured = organization.pk in treasurer_orgs
        stage = (
            "active_waiting"
            if featured
            else rng.choice(
                ["completed", "completed", "completed", "active_paid", "active_waiting", "active"]
            )
        )
        contract = services.service_contract_create(
            user=actor,
            organization=organization,
            provider=provider,
            grant_contract=grant_contract,
            topic=rng.choice(TOPICS),
            description="Asistencia técnica según el plan de negocio aprobado.",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=days * 4),
            days=days,
            daily_rate=Money(rate, "PEN"),
            selection=rng.choice(
                ["competition", "competition", "assembly", "recommendation", "directory"]
            ),
            selection_note="Tres postulantes evaluados en asamblea." if index % 2 == 0 else "",
            grant=Money(grant, "PEN"),
            own=Money(own, "PEN"),
            other=Money(0, "PEN"),
        )
        made["contracts"] += 1
        if stage == "active":
            continue
        half = days // 2
        parts = [(half, total * half // days), (days - half, total - total * half // days)]
        paid_grant = paid_own = 0
        for number, (part_days, amount) in enumerate(parts, start=1):
            on = start + datetime.timedelta(days=number * days * 2)
            confirmation = services.service_confirm(
                user=actor,
                contract=contract,
                confirmed_on=on,
                days_delivered=part_days,
                work_done=rng.choice(WORK),
                amount=Money(amount, "PEN"),
                signed_by=signer.person,
            )
            if number == len(parts) and stage == "active_waiting":
                break  # confirmed, waiting for the organization to pay
            grant_part = (
                grant - paid_grant
                if number == len(parts)
                else min(grant - paid_grant, amount * grant // total)
            )
            own_part = amount - grant_part
            services.service_pay(
                user=actor,
                confirmation=confirmation,
                paid_on=on + datetime.timedelta(days=3),
                grant=Money(grant_part, "PEN"),
                own=Money(own_part, "PEN"),
                other=Money(0, "PEN"),
                receipt=f"E001-{contract.pk:04d}{number}",
            )
            paid_grant += grant_part
            paid_own += own_part
            if stage == "active_paid":
                break  # the first part paid, the rest still to be delivered
        if stage != "completed":
            continue
        end = start + datetime.timedelta(days=days * 4)
        services.service_complete(
            user=actor,
            contract=contract,
            completed_on=end,
            men_assisted=rng.randint(5, 25),
            women_assisted=rng.randint(8, 30),
        )
        paper_ratings.append(_rating(rng, contract, signer.person, talent[provider.pk], end))
        made["ratings"] += 1
        # One organization in three hires again with its own money after the grant.
        if rng.random() < 0.65:
            again = rng.choice([provider, *serving(organization.district.path)[:3]])
            profile = getattr(again, "market_profile", None)
            rate = profile.daily_rate_minor if profile and profile.daily_rate_minor else 20_000
            later = end + datetime.timedelta(days=rng.randint(200, 400))
            if later > D(2026, 6, 30):
                continue
            days = rng.randint(3, 8)
            rehire = services.service_contract_create(
                user=actor,
                organization=organization,
                provider=again,
                programme=grant_contract.programme,
                topic=rng.choice(TOPICS),
                starts_on=later,
                ends_on=later + datetime.timedelta(days=days * 3),
                days=days,
                daily_rate=Money(rate, "PEN"),
                selection="renewal" if again == provider else "recommendation",
                grant=Money(0, "PEN"),
                own=Money(days * rate, "PEN"),
                other=Money(0, "PEN"),
            )
            confirmation = services.service_confirm(
                user=actor,
                contract=rehire,
                confirmed_on=later + datetime.timedelta(days=days * 3),
                days_delivered=days,
                work_done=rng.choice(WORK),
                amount=Money(days * rate, "PEN"),
                signed_by=signer.person,
            )
            services.service_pay(
                user=actor,
                confirmation=confirmation,
                paid_on=confirmation.confirmed_on + datetime.timedelta(days=2),
                grant=Money(0, "PEN"),
                own=Money(days * rate, "PEN"),
                other=Money(0, "PEN"),
                receipt=f"E002-{rehire.pk:04d}",
            )
            closed = confirmation.confirmed_on + datetime.timedelta(days=3)
            services.service_complete(
                user=actor,
                contract=rehire,
                completed_on=closed,
                men_assisted=rng.randint(3, 15),
                women_assisted=rng.randint(5, 20),
            )
            paper_ratings.append(_rating(rng, rehire, signer.person, talent[again.pk], closed))
            made["rehires"] += 1
            made["contracts"] += 1
            made["ratings"] += 1
    ProviderRating.objects.bulk_create(paper_ratings)
    if treasurer is not None and treasurer_orgs:
        made["contracts"] += _treasurer_own_money(rng, treasurer, programmes, serving, talent, made)
    return made


def _treasurer_own_money(rng, treasurer, programmes, serving, talent, made) -> int:
    """The demo treasurer's organization, when it has no running grant contract, hires on its
    own: one service completed and rated by the treasurer, one with a part confirmed and
    waiting for the treasurer to pay it."""
    from minka.registry.models import Organization

    organization = Organization.objects.select_related("district").get(
        pk__in=treasurer.role_assignments.filter(role=Role.ORG_REP).values("organization_id")
    )
    if ServiceContract.objects.filter(organization=organization).exists():
        return 0
    programme = next(
        (
            p
            for p in programmes
            if any(organization.district.path.startswith(a.path) for a in p.coverage_areas.all())
        ),
        None,
    )
    signer = (
        BoardPosition.objects.filter(
            organization=organization, role="treasurer", term_end__isnull=True
        )
        .select_related("person")
        .first()
    )
    if programme is None or signer is None:
        return 0
    providers = serving(organization.district.path)
    created = 0
    for number, waiting in enumerate([False, True]):
        provider = providers[number % len(providers)]
        profile = getattr(provider, "market_profile", None)
        rate = profile.daily_rate_minor if profile and profile.daily_rate_minor else 20_000
        days = 6 if waiting else 4
        start = D(2025, 3, 3) if not waiting else D(2026, 8, 3)
        contract = services.service_contract_create(
            user=treasurer,
            organization=organization,
            provider=provider,
            programme=programme,
            topic="Crianza tecnificada de cuyes" if waiting else "Elaboración de queso fresco",
            description="Asistencia técnica pagada con los fondos propios del grupo.",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=60),
            days=days,
            daily_rate=Money(rate, "PEN"),
            selection="assembly",
            selection_note="Elegido en asamblea del grupo entre dos postulantes.",
            grant=Money(0, "PEN"),
            own=Money(days * rate, "PEN"),
            other=Money(0, "PEN"),
        )
        created += 1
        half = days // 2
        first = services.service_confirm(
            user=treasurer,
            contract=contract,
            confirmed_on=start + datetime.timedelta(days=14),
            days_delivered=half,
            work_done=rng.choice(WORK),
            amount=Money(half * rate, "PEN"),
            signed_by=signer.person,
        )
        services.service_pay(
            user=treasurer,
            confirmation=first,
            paid_on=first.confirmed_on + datetime.timedelta(days=2),
            grant=Money(0, "PEN"),
            own=Money(half * rate, "PEN"),
            other=Money(0, "PEN"),
            receipt=f"E001-{contract.pk:04d}1",
        )
        second = services.service_confirm(
            user=treasurer,
            contract=contract,
            confirmed_on=start + datetime.timedelta(days=40),
            days_delivered=days - half,
            work_done=rng.choice(WORK),
            amount=Money((days - half) * rate, "PEN"),
            signed_by=signer.person,
        )
        if waiting:
            continue
        services.service_pay(
            user=treasurer,
            confirmation=second,
            paid_on=second.confirmed_on + datetime.timedelta(days=2),
            grant=Money(0, "PEN"),
            own=Money((days - half) * rate, "PEN"),
            other=Money(0, "PEN"),
            receipt=f"E001-{contract.pk:04d}2",
        )
        end = start + datetime.timedelta(days=45)
        services.service_complete(
            user=treasurer,
            contract=contract,
            completed_on=end,
            men_assisted=0,
            women_assisted=rng.randint(12, 20),
        )
        services.provider_rate(
            user=treasurer,
            contract=contract,
            quality=5,
            punctuality=4,
            relevance=5,
            communication=5,
            would_hire_again=True,
            comment="Nos enseñó a hacer queso que ya vendemos en la feria.",
            signed_by=signer.person,
            rated_on=end + datetime.timedelta(days=3),
        )
        made["ratings"] += 1
    return created


def _rating(rng, contract, person, talent: float, end: datetime.date) -> ProviderRating:
    def score() -> int:
        return min(5, max(1, round(rng.gauss(talent, 0.6))))

    quality = score()
    return ProviderRating(
        contract=contract,
        provider_id=contract.provider_id,
        organization_id=contract.organization_id,
        quality=quality,
        punctuality=score(),
        relevance=score(),
        communication=score(),
        would_hire_again=quality >= 3,
        comment=rng.choice(COMMENTS),
        signed_by=person,
        rated_by=None,  # a paper record: the demo has no account for this organization
        rated_on=end + datetime.timedelta(days=rng.randint(1, 10)),
    )


# --- cascade (bulk) --------------------------------------------------------------------------


def _cascade(rng: random.Random, programme_of: Callable[[str], Any]) -> dict[str, int]:
    yachachiq = list(
        Provider.objects.filter(kind=ProviderKind.YACHACHIQ, person__household__isnull=False)
        .values_list("pk", "person__household__community_id", "person_id", "district__path")
        .order_by("pk")
    )
    by_community: dict[int, list[tuple[int, int]]] = defaultdict(list)
    paths: dict[int, str] = {}
    for pk, community_id, person_id, path in yachachiq:
        by_community[community_id].append((pk, person_id))
        paths[community_id] = path
    households: dict[int, list[int]] = defaultdict(list)
    for pk, community_id in (
        Household.objects.filter(community_id__in=by_community)
        .values_list("pk", "community_id")
        .order_by("pk")
    ):
        households[community_id].append(pk)
    limits = {
        s.programme_id: (s.households_per_yachachiq, s.hard_cap)
        for s in CascadeSettings.objects.all()
    }
    assignments: list[tuple[int, int, int, datetime.date]] = []
    plan: list[tuple[int, int, int]] = []  # (household, yachachiq, programme)
    for community_id in sorted(by_community):
        programme = programme_of(paths[community_id])
        if programme is None:
            continue
        cap = limits.get(programme.pk, (40, 60))[1]
        teachers = by_community[community_id]
        homes = households[community_id]
        share = -(-len(homes) // len(teachers))  # ceiling: split evenly
        start = D(2024, rng.randint(2, 5), rng.randint(1, 28))
        for number, (provider_id, _person) in enumerate(teachers):
            for household_id in homes[number * share : (number + 1) * share][:cap]:
                assignments.append((programme.pk, provider_id, household_id, start))
                plan.append((household_id, provider_id, programme.pk))
    _insert(
        CascadeAssignment,
        ["programme_id", "yachachiq_id", "household_id", "assigned_on"],
        assignments,
    )

    visits: list[tuple[int, int, int, datetime.date, str, str]] = []
    taught: dict[int, list[tuple[datetime.date, str]]] = {}
    for household_id, provider_id, programme_id in plan:
        if rng.random() >= 0.6:
            continue
        day = D(2024, 6, 1) + datetime.timedelta(days=rng.randint(0, 120))
        history = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            practice = rng.choice(CASCADE_PRACTICES).value
            visits.append((programme_id, provider_id, household_id, day, practice, ""))
            history.append((day, practice))
            day += datetime.timedelta(days=rng.randint(20, 60))
        taught[household_id] = history
    _insert(
        HouseholdVisit,
        ["programme_id", "yachachiq_id", "household_id", "visited_on", "practice", "note"],
        visits,
    )
    visit_ids = {
        (household_id, day): pk
        for pk, household_id, day in HouseholdVisit.objects.values_list(
            "pk", "household_id", "visited_on"
        )
    }

    # Adoption verified at a later visit (the one after the teaching) or in the next contest.
    programme_by_household = {h: p for h, _y, p in plan}
    adoptions: list[tuple[Any, ...]] = []
    for household_id, history in taught.items():
        seen: set[str] = set()
        programme_id = programme_by_household[household_id]
        for index, (day, practice) in enumerate(history):
            if practice in seen or rng.random() >= 0.4:
                continue
            if index + 1 < len(history):
                later = history[index + 1][0]
                visit_id = visit_ids[(household_id, later)]
                adoptions.append(
                    (programme_id, household_id, practice, later, "visit", visit_id, "")
                )
            else:
                verified = day + datetime.timedelta(days=rng.randint(30, 90))
                adoptions.append(
                    (
                        programme_id,
                        household_id,
                        practice,
                        verified,
                        "contest",
                        None,
                        "Concurso interfamiliar Pacha Mama Raymi",
                    )
                )
            seen.add(practice)
    _insert(
        PracticeAdoption,
        [
            "programme_id",
            "household_id",
            "practice",
            "verified_on",
            "method",
            "visit_id",
            "evidence",
        ],
        adoptions,
    )

    events = _training(rng, by_community, paths, programme_of)
    _cascade_contracts(rng, by_community, paths, programme_of)
    return {
        "assigned": len(assignments),
        "yachachiq": len({row[1] for row in assignments}),
        "visits": len(visits),
        "adoptions": len(adoptions),
        "events": events,
    }


def _insert(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs for the cascade's large tables (tens of thousands of rows at
    marenass scale): the ORM's per-object work would dominate the demo's load time."""
    if not rows:
        return
    columns = [model._meta.get_field(name.removesuffix("_id")).column for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    width = len(columns)
    per_statement = max(1, 900 // width)  # under SQLite's 999-parameter limit
    placeholders = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), per_statement):
            chunk = rows[offset : offset + per_statement]
            values = ", ".join([placeholders] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608 - fixed names
                [_adapt(value) for row in chunk for value in row],
            )


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _training(rng, by_community, paths, programme_of) -> int:
    """Each yachaq trains the yachachiq of its community twice."""
    yachaq = list(
        Provider.objects.filter(
            kind=ProviderKind.YACHAQ, person__household__community_id__in=list(by_community)
        )
        .values_list("pk", "person__household__community_id", "district_id")
        .order_by("pk")
    )
    events: list[TrainingEvent] = []
    attendees: list[list[int]] = []
    for provider_id, community_id, district_id in yachaq:
        programme = programme_of(paths[community_id])
        if programme is None:
            continue
        for number in range(2):
            practice = rng.choice(CASCADE_PRACTICES)
            events.append(
                TrainingEvent(
                    programme_id=programme.pk,
                    trainer_id=provider_id,
                    topic=str(Practice(practice).label),
                    practice=practice,
                    held_on=D(2024, 4 + number * 3, rng.randint(1, 28)),
                    place="Local comunal",
                    district_id=district_id,
                    cost_minor=rng.randrange(150, 400, 10) * 100,
                    currency=programme.currency,
                )
            )
            attendees.append([person for _pk, person in by_community[community_id]])
    TrainingEvent.objects.bulk_create(events, batch_size=2000)
    Attendance.objects.bulk_create(
        [
            Attendance(event_id=event.pk, person_id=person)
            for event, people in zip(events, attendees, strict=True)
            for person in people
        ],
        batch_size=5000,
    )
    return len(events)


def _cascade_contracts(rng, by_community, paths, programme_of) -> None:
    """Each community's organization pays its yachachiq for the year: own money and the
    municipality's, outside the programme's books (no grant money)."""
    from minka.registry.models import Organization

    presidents = dict(
        BoardPosition.objects.filter(role="president", term_end__isnull=True).values_list(
            "organization_id", "person_id"
        )
    )
    payer: dict[int, int] = {}
    for pk, community_id in (
        Organization.objects.filter(community_id__in=list(by_community), pk__in=list(presidents))
        .order_by("kind", "pk")
        .values_list("pk", "community_id")
    ):
        payer.setdefault(community_id, pk)
    sequences: dict[int, int] = defaultdict(int)
    for row in ServiceContract.objects.values("programme_id").annotate(n=Count("pk")).order_by():
        sequences[row["programme_id"]] = row["n"]
    codes = dict(Programme.objects.values_list("pk", "code"))
    contracts: list[ServiceContract] = []
    confirmations: list[tuple[ServiceContract, int]] = []
    for community_id in sorted(by_community):
        organization_id = payer.get(community_id)
        programme = programme_of(paths[community_id])
        if organization_id is None or programme is None:
            continue
        for provider_id, _person in by_community[community_id]:
            sequences[programme.pk] += 1
            days = 24  # two days a month: a community para-technician's stipend
            rate = rng.randrange(30, 41, 5) * 100
            own = days * rate * rng.choice([40, 50, 60]) // 100
            contracts.append(
                ServiceContract(
                    code=f"AT-{codes[programme.pk]}-{sequences[programme.pk]:05d}",
                    programme_id=programme.pk,
                    organization_id=organization_id,
                    provider_id=provider_id,
                    topic="Yachachiq: asistencia a las familias del plan",
                    starts_on=D(2024, 5, 1),
                    ends_on=D(2024, 12, 31),
                    days=days,
                    daily_rate_minor=rate,
                    currency=programme.currency,
                    selection="assembly",
                    selection_note="Elegido en asamblea comunal.",
                    grant_minor=0,
                    own_minor=own,
                    other_minor=days * rate - own,
                    other_payer="Municipalidad distrital",
                    state=ServiceState.COMPLETED,
                    completed_on=D(2024, 12, 31),
                    men_assisted=rng.randint(10, 30),
                    women_assisted=rng.randint(15, 40),
                )
            )
            confirmations.append((contracts[-1], presidents[organization_id]))
    ServiceContract.objects.bulk_create(contracts, batch_size=2000)
    rows = [
        ServiceConfirmation(
            contract_id=contract.pk,
            number=1,
            confirmed_on=D(2024, 12, 20),
            days_delivered=contract.days,
            work_done="Visitas a las familias del plan y reuniones de seguimiento",
            amount_minor=contract.total_minor,
            signed_by_id=person,
        )
        for contract, person in confirmations
    ]
    ServiceConfirmation.objects.bulk_create(rows, batch_size=2000)
    ServicePayment.objects.bulk_create(
        [
            ServicePayment(
                confirmation_id=row.pk,
                contract_id=row.contract_id,
                paid_on=D(2024, 12, 28),
                own_minor=contract.own_minor,
                other_minor=contract.other_minor,
                receipt=f"RH-{contract.code[-5:]}",
            )
            for row, (contract, _person) in zip(rows, confirmations, strict=True)
        ],
        batch_size=2000,
    )
