"""Demo Pacha Mama Raymi contests over three successive years (2024-2026) in the Andahuaylas
office's area: inter-family contests (1st, 2nd, 3rd) of several organizations, a yearly
inter-community contest in a watershed, a CLAR-level talking-map contest and a final contest
with categories A/B/C and four jurors (territory theme).

Participants, assets and sheets are bulk-inserted (deterministic for a seed:
random.Random(f"{seed}:contests")); the set-up, the results (which commit the prizes in the
ledger) and the payments go through the real services. Orders of magnitude follow the brief:
family prizes of S/ 30-280 (≈ USD 8-75, about USD 20 a family on average), community prizes up
to S/ 11,500 (≈ USD 3,000), and one community whose assets reproduce Muñapucro's: 9.2 ha of
terraces × S/ 22,500/ha, 70 corrals × S/ 450 and S/ 185,000 of improved houses, built over the
three contests."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Count

from minka.contests import services
from minka.contests.models import AssetRecord, Contest, Participant, ScoreSheet
from minka.core.models import Role, RoleAssignment, User
from minka.core.money import Money
from minka.geo.models import Territory
from minka.programmes.models import Programme
from minka.registry.models import AccountStatus, Organization, Person

FAMILY_CONTESTS = {"small": 3, "marenass": 10, "highlands": 14}
MAX_FAMILIES = {"small": 30, "marenass": 80, "highlands": 90}
YEARS = (2024, 2025, 2026)
# Share of a community's families taking part in its 1st, 2nd and 3rd contest.
TAKE_UP = (0.35, 0.55, 0.72)
CRITERIA = [
    ("avance", "Avance físico y calidad de la obra", Decimal(50)),
    ("aporte", "Aporte de la familia (mano de obra, insumos)", Decimal(30)),
    ("manejo", "Manejo y sostenibilidad", Decimal(20)),
]
# (code, name, unit, soles per unit, range of units built in a year)
FAMILY_ACTIVITIES = {
    2024: [
        ("terrazas", "Terrazas de formación lenta", "m²", Decimal("2.25"), (20, 160)),
        ("biohuerto", "Biohuerto familiar", "m²", Decimal(4), (10, 45)),
        ("cocina", "Cocina mejorada", "unidad", Decimal(320), (1, 1)),
    ],
    2025: [
        ("terrazas", "Terrazas de formación lenta", "m²", Decimal("2.25"), (20, 160)),
        ("cuyes", "Galpón de cuyes", "m²", Decimal(55), (2, 6)),
        ("biohuerto", "Biohuerto familiar", "m²", Decimal(4), (10, 45)),
    ],
    2026: [
        ("terrazas", "Terrazas de formación lenta", "m²", Decimal("2.25"), (20, 160)),
        ("cuyes", "Galpón de cuyes", "m²", Decimal(55), (2, 6)),
        ("riego", "Riego por aspersión", "m²", Decimal("1.2"), (80, 300)),
    ],
}
FAMILY_TIERS = ["250", "150", "100", "75", "50"]
COMMUNITY_ACTIVITIES = [
    ("terrazas", "Terrazas", "ha", Decimal(22_500)),
    ("corrales", "Corrales", "unidad", Decimal(450)),
    ("viviendas", "Viviendas mejoradas", "S/", Decimal(1)),
]
# Muñapucro, built over three contests: (terraces ha, corrals, houses S/) at the end of each year.
MUNAPUCRO = [
    (Decimal(0), 0, 0),
    (Decimal("3.0"), 25, 60_000),
    (Decimal("6.3"), 50, 125_000),
    (Decimal("9.2"), 70, 185_000),
]
COMMUNITY_TIERS = ["3500", "2000", "1200"]


def _pen(soles: Any) -> Money:
    return Money.from_decimal(str(soles), "PEN")


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    programme = Programme.objects.filter(code="MARENASS").first()
    officer = User.objects.filter(username="officer").first()
    if programme is None or officer is None:
        return 0
    rng = random.Random(f"{seed}:contests")
    manager = User.objects.get(username="manager")
    office = officer.role_assignments.get(role=Role.OFFICER).local_office
    area = office.areas.order_by("path").first()
    source = programme.funding_sources.order_by("-amount_minor").first()
    jurors = _jurors(programme)
    run = _Run(rng, programme, officer, manager, source, area, jurors)
    organizations = list(
        Organization.objects.filter(district__path__startswith=area.path, community__isnull=False)
        .exclude(kind="municipality")
        .order_by("code")
    )
    verified = set(
        Organization.objects.filter(
            pk__in=[o.pk for o in organizations],
            bank_accounts__status=AccountStatus.VERIFIED,
            bank_accounts__institution__sbs_regulated=True,
        ).values_list("pk", flat=True)
    )
    rng.shuffle(organizations)
    # Families are paid through their organization: the inter-family contests go to
    # organizations with a verified account (one per community).
    family_orgs: list[Organization] = []
    communities: set[int] = set()
    for organization in organizations:
        if organization.pk in verified and organization.community_id not in communities:
            family_orgs.append(organization)
            communities.add(organization.community_id)
        if len(family_orgs) == FAMILY_CONTESTS.get(scale, 3):
            break
    territory = (
        Territory.objects.filter(
            programme=programme, communities__district__path__startswith=area.path
        )
        .annotate(n=Count("communities"))
        .order_by("-n", "code")
        .first()
    )
    count = 0
    for index, year in enumerate(YEARS):
        for organization in family_orgs:
            run.family_contest(organization, year, index, max_families=MAX_FAMILIES[scale])
            count += 1
        if territory is not None and run.community_contest(territory, year, index):
            count += 1
        if year == 2025 and run.clar_contest("maps", year, organizations[-8:]):
            count += 1
        if year == 2026 and run.clar_contest("territory", year, organizations[:9], final=True):
            count += 1
    log(
        f"contests: {count} contests over {len(YEARS)} years, "
        f"{Participant.objects.filter(contest__programme=programme).count():,} participants, "
        f"{run.payments} prize payments"
    )
    return count


def _jurors(programme: Programme) -> list[User]:
    users = [User.objects.get(username="juror")]
    password = make_password("minka-demo")
    for n, (first, last) in enumerate(
        [("Teodoro", "Quispe Ccori"), ("Luzmila", "Huamaní Rojas"), ("Wilber", "Chipana Soto")],
        start=2,
    ):
        user, _created = User.objects.get_or_create(
            username=f"demo-jurado-{n}",
            defaults={"first_name": first, "last_name": last, "password": password},
        )
        RoleAssignment.objects.get_or_create(user=user, role=Role.JUROR, programme=programme)
        users.append(user)
    return users


class _Run:
    def __init__(self, rng, programme, officer, manager, source, area, jurors) -> None:
        self.rng, self.programme, self.officer, self.manager = rng, programme, officer, manager
        self.source, self.area, self.jurors = source, area, jurors
        self.payments = 0
        self.community_assets: dict[int, list[tuple[Decimal, int, int]]] = {}

    # --- set-up helpers ---------------------------------------------------------------------

    def _setup(self, contest: Contest, activities, tiers, jurors: int = 3) -> list[Any]:
        created = [
            services.activity_add(
                user=self.officer,
                contest=contest,
                code=code,
                name=name,
                unit=unit,
                criteria=CRITERIA,
            )
            for code, name, unit, *_rest in activities
        ]
        services.tiers_set(user=self.officer, contest=contest, amounts=[_pen(t) for t in tiers])
        for user, institution in zip(
            self.jurors[:jurors],
            [
                "Agencia Agraria Andahuaylas",
                "Municipalidad Provincial",
                "Federación Campesina",
                "Gobierno Regional",
            ],
            strict=False,
        ):
            services.juror_add(
                user=self.officer, contest=contest, juror_user=user, institution=institution
            )
        return created

    def _sheets(
        self,
        contest: Contest,
        participants,
        activities,
        quality: dict[int, float],
        skip: float = 0.0,
    ) -> set[tuple[int, int]]:
        """Bulk sheets; returns the (participant, activity) pairs that compete."""
        seats = list(contest.jurors.order_by("pk"))
        sheets = []
        pairs = set()
        for participant in participants:
            for activity in activities:
                if self.rng.random() < skip:
                    continue
                pairs.add((participant.pk, activity.pk))
                for seat in seats:
                    points = {}
                    total = 0
                    for code, _label, maximum in CRITERIA:
                        share = min(
                            1.0, max(0.3, quality[participant.pk] + self.rng.uniform(-0.12, 0.12))
                        )
                        value = int(maximum * 100 * Decimal(str(round(share, 2))))
                        value -= value % 50  # half points
                        points[code] = f"{Decimal(value) / 100:.2f}"
                        total += value
                    sheets.append(
                        ScoreSheet(
                            contest=contest,
                            participant=participant,
                            activity=activity,
                            juror=seat,
                            points=points,
                            total_centi=total,
                        )
                    )
        ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
        return pairs

    def _decide_and_pay(self, contest: Contest, year: int, *, pay: bool, approve: bool) -> None:
        services.contest_decide(user=self.officer, contest=contest)
        contest.refresh_from_db()
        if not (pay or approve):
            return
        organizations = (
            Organization.objects.filter(
                contest_entries__prizes__contest=contest,
                contest_entries__prizes__payment__isnull=True,
            )
            .distinct()
            .order_by("code")
        )
        for organization in organizations:
            if services.verified_account(organization, contest.currency) is None:
                continue
            payment = services.payment_prepare(
                user=self.officer, contest=contest, organization=organization
            )
            self.payments += 1
            if approve or pay:
                services.payment_approve(user=self.manager, payment=payment)
            if pay:
                services.payment_execute(
                    user=self.officer,
                    payment=payment,
                    bank_reference=f"OP-{year}-{payment.pk:05d}",
                    executed_on=contest.held_on + datetime.timedelta(days=20),
                )

    # --- the contests -----------------------------------------------------------------------

    def family_contest(
        self, organization: Organization, year: int, index: int, max_families: int
    ) -> Contest:
        rng = self.rng
        activities = FAMILY_ACTIVITIES[year]
        contest = services.contest_create(
            user=self.officer,
            programme=self.programme,
            level="family",
            name=f"{index + 1}.º concurso interfamiliar — {organization.community}",
            held_on=datetime.date(year, 8, 1) + datetime.timedelta(days=rng.randint(0, 60)),
            place=f"Local comunal de {organization.community}",
            funding_source=self.source,
            organization=organization,
            number=index + 1,
            prize_pool=_pen(8000),
            participation_incentive=_pen(40),
            winners=5,
            factor=Decimal(1),
            other_costs=_pen(rng.choice([300, 450, 600])),
            third_party_note="Municipalidad distrital: premios en especie" if index == 2 else "",
        )
        created = self._setup(contest, activities, FAMILY_TIERS)
        heads = list(
            Person.objects.filter(
                household__community_id=organization.community_id, relationship="head"
            )
            .order_by("household__code")
            .values_list("household_id", "sex", "paternal_surname", "maternal_surname")
        )
        target = min(max_families, max(4, round(len(heads) * TAKE_UP[index])))
        chosen = sorted(rng.sample(heads, min(target, len(heads))))
        participants = Participant.objects.bulk_create(
            [
                Participant(
                    contest=contest,
                    number=n,
                    household_id=household_id,
                    organization=organization,
                    community_id=organization.community_id,
                    head_sex=sex,
                    family_name=f"{paternal} {maternal}".strip(),
                    enrolled_by=self.officer,
                )
                for n, (household_id, sex, paternal, maternal) in enumerate(chosen, start=1)
            ],
            batch_size=1000,
        )
        quality = {p.pk: rng.uniform(0.45, 0.95) for p in participants}
        pairs = self._sheets(contest, participants, created, quality, skip=0.2)
        records = []
        for participant in participants:
            for activity, (_c, _n, unit, price, (low, high)) in zip(
                created, activities, strict=True
            ):
                if (participant.pk, activity.pk) not in pairs:
                    continue
                before_units = rng.randint(0, high)
                built = max(low, round(rng.randint(low, high) * quality[participant.pk]))
                for moment, units in (("before", before_units), ("after", before_units + built)):
                    records.append(
                        AssetRecord(
                            participant=participant,
                            activity=activity,
                            moment=moment,
                            quantity_centi=units * 100,
                            unit=unit,
                            value_minor=int(units * price * 100),
                            recorded_by=self.officer,
                        )
                    )
        AssetRecord.objects.bulk_create(records, batch_size=2000)
        services.contest_open(user=self.officer, contest=contest)
        self._decide_and_pay(contest, year, pay=year < 2026, approve=year == 2026)
        if index == 2 and participants:
            winner = contest.prizes.filter(rank=1).select_related("participant").first()
            if winner is not None:
                services.third_party_prize_record(
                    user=self.officer,
                    contest=contest,
                    participant=winner.participant,
                    source="Municipalidad Distrital",
                    amount=_pen(150),
                )
        return contest

    def community_contest(self, territory: Territory, year: int, index: int) -> Contest | None:
        rng = self.rng
        organizations = list(
            Organization.objects.filter(
                community__territories=territory, district__path__startswith=self.area.path
            )
            .exclude(kind="municipality")
            .order_by("community_id", "code")
        )
        by_community: dict[int, Organization] = {}
        for organization in organizations:
            by_community.setdefault(organization.community_id, organization)
        chosen = list(by_community.values())[:8]
        if len(chosen) < 3:
            return None
        contest = services.contest_create(
            user=self.officer,
            programme=self.programme,
            level="community",
            name=f"Concurso intercomunal {territory.name} {year}",
            held_on=datetime.date(year, 10, 20),
            place="Andahuaylas, plaza de armas",
            funding_source=self.source,
            territory=territory,
            area=self.area,
            prize_pool=_pen(40_000),
            participation_incentive=_pen(1000),
            winners=3,
            factor=Decimal("1.00"),
            other_costs=_pen(2500),
            third_party_note="Gobierno Regional de Apurímac: S/ 3,000 al primer puesto",
        )
        created = self._setup(contest, COMMUNITY_ACTIVITIES, COMMUNITY_TIERS)
        participants = services.participants_enrol(
            user=self.officer, contest=contest, organizations=chosen
        )
        # The first community is Muñapucro-like; the others build a fifth to a half as much.
        quality = {
            p.pk: (0.95 if n == 0 else rng.uniform(0.45, 0.85)) for n, p in enumerate(participants)
        }
        scale = {
            p.pk: (Decimal(1) if n == 0 else Decimal(str(round(rng.uniform(0.2, 0.5), 2))))
            for n, p in enumerate(participants)
        }
        self._sheets(contest, participants, created, quality)
        start, end = MUNAPUCRO[index], MUNAPUCRO[index + 1]
        records = []
        for participant in participants:
            factor = scale[participant.pk]
            for activity, (_c, _n, unit, price), before, after in zip(
                created, COMMUNITY_ACTIVITIES, start, end, strict=True
            ):
                for moment, units in (
                    ("before", Decimal(before) * factor),
                    ("after", Decimal(after) * factor),
                ):
                    units = units.quantize(Decimal("0.01"))
                    records.append(
                        AssetRecord(
                            participant=participant,
                            activity=activity,
                            moment=moment,
                            quantity_centi=int(units * 100),
                            unit=unit,
                            value_minor=int(units * price * 100),
                            recorded_by=self.officer,
                        )
                    )
        AssetRecord.objects.bulk_create(records, batch_size=2000)
        services.contest_open(user=self.officer, contest=contest)
        self._decide_and_pay(contest, year, pay=year < 2026, approve=False)
        winner = contest.prizes.filter(rank=1).select_related("participant").first()
        if winner is not None:
            services.third_party_prize_record(
                user=self.officer,
                contest=contest,
                participant=winner.participant,
                source="Gobierno Regional de Apurímac",
                amount=_pen(3000),
            )
        return contest

    def clar_contest(
        self, theme: str, year: int, organizations: list[Organization], final: bool = False
    ) -> Contest | None:
        rng = self.rng
        if len(organizations) < 3:
            return None
        contest = services.contest_create(
            user=self.officer,
            programme=self.programme,
            level="final" if final else "clar",
            theme=theme,
            name=(
                "Concurso final de territorios 2026"
                if final
                else f"Concurso de mapas parlantes {year}"
            ),
            held_on=datetime.date(year, 11, 25) if final else datetime.date(year, 6, 15),
            place="CLAR Andahuaylas",
            funding_source=self.source,
            area=self.area,
            prize_pool=_pen(60_000 if final else 20_000),
            participation_incentive=_pen(500),
            winners=1 if final else 3,
            factor=Decimal("1.10") if final else Decimal(1),
            other_costs=_pen(1800),
        )
        if theme == "maps":
            activities = [("mapas", "Mapas parlantes (pasado, presente y futuro)", "", 0)]
            tiers = ["5000", "3000", "2000"]
        else:
            activities = [("territorio", "Gestión del territorio", "", 0)]
            tiers = ["8000"]
        created = self._setup(contest, activities, tiers, jurors=4 if theme == "territory" else 3)
        participants = []
        if final:
            per = max(1, len(organizations) // 3)
            for n, category in enumerate("ABC"):
                group = organizations[n * per : (n + 1) * per]
                if group:
                    participants += services.participants_enrol(
                        user=self.officer, contest=contest, category=category, organizations=group
                    )
        else:
            participants = services.participants_enrol(
                user=self.officer, contest=contest, organizations=organizations
            )
        quality = {p.pk: rng.uniform(0.5, 0.95) for p in participants}
        self._sheets(contest, participants, created, quality)
        services.contest_open(user=self.officer, contest=contest)
        self._decide_and_pay(contest, year, pay=not final, approve=False)
        return contest
