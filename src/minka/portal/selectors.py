"""Public reads: what the transparency portal and the IATI file show.

Nothing here takes a user: everything is public. So nothing here returns a person. Persons are
only ever counted (households reached, members, women among them) inside SQL aggregates; the
rows that leave this module carry programmes, funding sources, organizations, districts, CLAR
events and amounts.

Money comes from the ledger (sums of legs), never from contract fields: a leg counts under its
journal's kind, or, for a reversal, under the kind of the journal it reverses (see
`minka.ledger.reports.effective_kinds`), so a reversed movement nets to zero.

| figure | legs summed |
|---|---|
| allocated | FUNDING legs of the source, sign flipped, in the source's currency |
| budget (IATI) | BUDGET legs of allocation journals, in the budget's currency |
| committed | COMMITTED legs of commitment and decommitment journals (net of releases) |
| disbursed (transferred) | HELD legs of disbursement journals |
| refunded | HELD legs of refund journals, sign flipped |
| accounted | SPENT legs of spending journals |

"Funded" organizations are the parties of contracts that were signed and not cancelled
(`FUNDED_STATES`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from minka.clar.models import ClarEvent, EventState, Outcome
from minka.contracts.models import Contract, ContractParty, ContractState, MisuseFlag
from minka.core.errors import DomainError
from minka.ledger.models import AccountKind, Journal, JournalKind, Leg
from minka.ledger.reports import effective_kinds
from minka.portal import iati
from minka.portal.models import IatiPublisher
from minka.programmes.models import FundingKind, FundingSource, Programme
from minka.registry.models import Community, Household, Organization, OrganizationKind, Person

FUNDED_STATES = (
    ContractState.SIGNED,
    ContractState.TRANCHE_1_PAID,
    ContractState.TRANCHE_2_REQUESTED,
    ContractState.TRANCHE_2_APPROVED,
    ContractState.TRANCHE_2_PAID,
    ContractState.LIQUIDATED,
)
STAGE_KINDS = (AccountKind.COMMITTED, AccountKind.HELD, AccountKind.SPENT)

# DAC 5-digit purpose codes (Sector codelist, vocabulary 1) of each instrument.
INSTRUMENT_SECTORS = {
    "pgrn": "31130",  # agricultural land resources: soil and water conservation, terraces
    "pdn": "31120",  # agricultural development: farm and rural business development
    "pit": "43040",  # rural development: integrated territorial plans
    "idl": "43040",  # rural development: municipal local investment
    "other": "31120",
}
DEFAULT_SECTOR = "31120"


def _programmes(programme: Programme | None) -> Q:
    return Q() if programme is None else Q(pk=programme.pk)


def public_programmes() -> list[Programme]:
    """Every programme, with its covered areas and whether it publishes an IATI file."""
    return list(
        Programme.objects.select_related("iati_publisher")
        .prefetch_related("coverage_areas")
        .order_by("code")
    )


def get_public_programme(code: str) -> Programme:
    try:
        return (
            Programme.objects.select_related("iati_publisher")
            .prefetch_related("coverage_areas")
            .get(code=code)
        )
    except Programme.DoesNotExist as exc:
        raise Http404 from exc


def publisher_of(programme: Programme) -> IatiPublisher | None:
    try:
        return programme.iati_publisher
    except IatiPublisher.DoesNotExist:
        return None


# --- ledger rows -------------------------------------------------------------------------------


def _with_effective_kinds(rows: list[dict[str, Any]], programme_ids: Iterable[int]) -> None:
    """Replace each row's (own_kind, reversal_id) by `journal_kind`, its effective kind."""
    kinds: dict[int, str] = {}
    if any(row["reversal_id"] for row in rows):
        chain = Journal.objects.filter(programme_id__in=list(programme_ids)).filter(
            Q(kind=JournalKind.REVERSAL) | Q(reversed_by__isnull=False)
        )
        kinds = effective_kinds(
            {
                pk: (kind, reverses)
                for pk, kind, reverses in chain.values_list("pk", "kind", "reverses_id")
            }
        )
    for row in rows:
        reversal_id, own = row.pop("reversal_id"), row.pop("own_kind")
        row["journal_kind"] = kinds.get(reversal_id, own) if reversal_id else own
        row["total"] = int(row["total"] or 0)


def _reversal_id() -> Any:
    from django.db.models import Case, When

    return Case(
        When(journal__kind=JournalKind.REVERSAL, then=F("journal_id")),
        default=Value(None),
        output_field=IntegerField(),
    )


def _stage_rows(
    programme: Programme | None, *, as_of: datetime.date | None = None, per_journal: bool = False
) -> list[dict[str, Any]]:
    """Leg totals on the commitment, held and spent accounts, per programme, organization,
    commitment, account kind and effective journal kind (and journal, when asked)."""
    legs = Leg.objects.filter(account__kind__in=STAGE_KINDS)
    if programme is not None:
        legs = legs.filter(journal__programme=programme)
    if as_of is not None:
        legs = legs.filter(journal__effective_date__lte=as_of)
    keys: dict[str, Any] = {
        "programme_id": F("journal__programme_id"),
        "organization_id": F("account__organization_id"),
        "commitment": F("account__commitment"),
        "account_kind": F("account__kind"),
        "own_kind": F("journal__kind"),
        "reversal_id": _reversal_id(),
    }
    if per_journal:
        keys.update(day=F("journal__effective_date"))
    fields = ["currency", "journal_id"] if per_journal else ["currency"]
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in legs.values(*fields, **keys).annotate(total=Sum("amount_minor")).order_by()
    ]
    _with_effective_kinds(rows, {row["programme_id"] for row in rows})
    return rows


# (account kind, effective journal kind) -> (figure, sign).
FIGURES: dict[tuple[str, str], tuple[str, int]] = {
    (AccountKind.COMMITTED, JournalKind.COMMITMENT): ("committed", 1),
    (AccountKind.COMMITTED, JournalKind.DECOMMITMENT): ("committed", 1),
    (AccountKind.HELD, JournalKind.DISBURSEMENT): ("disbursed", 1),
    (AccountKind.HELD, JournalKind.REFUND): ("refunded", -1),
    (AccountKind.SPENT, JournalKind.SPENDING): ("accounted", 1),
}
MONEY_FIGURES = ("committed", "disbursed", "accounted", "refunded")


def _figure(row: dict[str, Any]) -> tuple[str, int] | None:
    found = FIGURES.get((row["account_kind"], row["journal_kind"]))
    if found is None:
        return None
    name, sign = found
    return name, sign * row["total"]


# --- tables ------------------------------------------------------------------------------------


@dataclass
class FundingRow:
    programme_code: str
    source: str
    kind: str
    kind_label: str
    currency: str
    agreed_minor: int
    allocated_minor: int  # in the source's currency

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme_code,
            "source": self.source,
            "kind": self.kind,
            "currency": self.currency,
            "agreed": iati.decimal_amount(self.agreed_minor, self.currency),
            "allocated": iati.decimal_amount(self.allocated_minor, self.currency),
        }


def funding_table(programme: Programme | None = None) -> list[FundingRow]:
    """Each funding source: what was agreed and how much of it was made budget."""
    legs = Leg.objects.filter(
        account__kind=AccountKind.FUNDING, account__funding_source__isnull=False
    )
    if programme is not None:
        legs = legs.filter(journal__programme=programme)
    drawn = dict(
        legs.values_list("account__funding_source_id")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    sources = FundingSource.objects.select_related("programme").order_by("programme__code", "name")
    if programme is not None:
        sources = sources.filter(programme=programme)
    return [
        FundingRow(
            programme_code=source.programme.code,
            source=source.name,
            kind=source.kind,
            kind_label=str(FundingKind(source.kind).label),
            currency=source.currency,
            agreed_minor=source.amount_minor,
            allocated_minor=-int(drawn.get(source.pk) or 0),
        )
        for source in sources
    ]


@dataclass
class OrganizationRow:
    programme_code: str
    code: str
    name: str
    kind: str
    kind_label: str
    district: str
    ubigeo: str
    province: str
    department: str
    currency: str
    contracts: int = 0
    committed: int = 0
    disbursed: int = 0
    accounted: int = 0
    refunded: int = 0

    def as_dict(self) -> dict[str, Any]:
        money = {
            name: iati.decimal_amount(getattr(self, name), self.currency) for name in MONEY_FIGURES
        }
        return {
            "programme": self.programme_code,
            "organization_code": self.code,
            "organization": self.name,
            "type": self.kind,
            "district": self.district,
            "ubigeo": self.ubigeo,
            "province": self.province,
            "department": self.department,
            "contracts": self.contracts,
            "currency": self.currency,
            **money,
        }


def organization_table(programme: Programme | None = None) -> list[OrganizationRow]:
    """Contracts and money by organization: committed, transferred, accounted for, refunded.

    Money is attributed to the organization its ledger accounts name."""
    totals: dict[tuple[int, int, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(MONEY_FIGURES, 0)
    )
    for row in _stage_rows(programme):
        figure = _figure(row)
        if figure is None or row["organization_id"] is None:
            continue
        name, amount = figure
        totals[(row["programme_id"], row["organization_id"], row["currency"])][name] += amount
    contracts = ContractParty.objects.filter(contract__state__in=FUNDED_STATES)
    if programme is not None:
        contracts = contracts.filter(contract__programme=programme)
    counts = {
        (programme_id, org_id): n
        for programme_id, org_id, n in contracts.values_list(
            "contract__programme_id", "organization_id"
        )
        .annotate(n=Count("contract_id", distinct=True))
        .order_by()
    }
    keys = set(totals) | {(p, o, "") for p, o in counts if not any(k[:2] == (p, o) for k in totals)}
    org_ids = {org for _p, org, _c in keys}
    info = {
        row["pk"]: row
        for row in Organization.objects.filter(pk__in=org_ids).values(
            "pk",
            "code",
            "name",
            "kind",
            district_name=F("district__name"),
            district_code=F("district__code"),
            province=F("district__parent__name"),
            department=F("district__parent__parent__name"),
        )
    }
    codes = dict(
        Programme.objects.filter(pk__in={p for p, _o, _c in keys}).values_list("pk", "code")
    )
    currencies = dict(Programme.objects.filter(pk__in=codes).values_list("pk", "currency"))
    rows = []
    for programme_id, org_id, currency in keys:
        org = info.get(org_id)
        if org is None:
            continue
        values = totals.get((programme_id, org_id, currency), dict.fromkeys(MONEY_FIGURES, 0))
        rows.append(
            OrganizationRow(
                programme_code=codes.get(programme_id, ""),
                code=org["code"],
                name=org["name"],
                kind=org["kind"],
                kind_label=str(OrganizationKind(org["kind"]).label) if org["kind"] else "",
                district=org["district_name"] or "",
                ubigeo=org["district_code"] or "",
                province=org["province"] or "",
                department=org["department"] or "",
                currency=currency or currencies.get(programme_id, "PEN"),
                contracts=counts.get((programme_id, org_id), 0),
                **values,
            )
        )
    return sorted(
        rows, key=lambda r: (r.programme_code, r.department, r.district, r.name, r.currency)
    )


def _funded_organizations(programme: Programme | None) -> Any:
    parties = ContractParty.objects.filter(contract__state__in=FUNDED_STATES)
    if programme is not None:
        parties = parties.filter(contract__programme=programme)
    return parties.values("organization_id")


@dataclass
class Indicators:
    """Counts only: never who."""

    communities: int = 0
    households: int = 0
    organizations: int = 0
    womens_groups: int = 0
    members: int = 0
    women_members: int = 0
    transferred: dict[str, int] = field(default_factory=dict)  # currency -> minor units

    @property
    def womens_groups_percent(self) -> Decimal | None:
        return _percent(self.womens_groups, self.organizations)

    @property
    def women_members_percent(self) -> Decimal | None:
        return _percent(self.women_members, self.members)

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {"indicator": "communities_reached", "value": self.communities, "unit": "communities"},
            {"indicator": "households_reached", "value": self.households, "unit": "households"},
            {
                "indicator": "organizations_funded",
                "value": self.organizations,
                "unit": "organizations",
            },
            {
                "indicator": "womens_groups_funded",
                "value": self.womens_groups,
                "unit": "organizations",
            },
            {
                "indicator": "members_of_funded_organizations",
                "value": self.members,
                "unit": "persons",
            },
            {"indicator": "women_among_members", "value": self.women_members, "unit": "persons"},
            {
                "indicator": "women_among_members_percent",
                "value": str(self.women_members_percent or ""),
                "unit": "%",
            },
        ]
        for currency, amount in sorted(self.transferred.items()):
            rows.append(
                {
                    "indicator": "money_transferred",
                    "value": iati.decimal_amount(amount, currency),
                    "unit": currency,
                }
            )
        return rows


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def indicators(
    programme: Programme | None = None, *, as_of: datetime.date | None = None
) -> Indicators:
    """Communities, households and organizations reached, women's share, money transferred:
    four aggregate queries (five with reversals), whatever the programme's size."""
    funded = _funded_organizations(programme)
    orgs = Organization.objects.filter(pk__in=funded).aggregate(
        total=Count("pk"),
        women=Count("pk", filter=Q(kind=OrganizationKind.WOMENS_GROUP)),
        communities=Count("community", distinct=True),
    )
    households = (
        Household.objects.filter(members__memberships__organization__in=funded)
        .values("pk")
        .distinct()
        .count()
    )
    members = Person.objects.filter(memberships__organization__in=funded).aggregate(
        total=Count("pk", distinct=True),
        women=Count("pk", distinct=True, filter=Q(sex="F")),
    )
    transferred: dict[str, int] = defaultdict(int)
    legs = Leg.objects.filter(account__kind=AccountKind.HELD)
    if programme is not None:
        legs = legs.filter(journal__programme=programme)
    if as_of is not None:
        legs = legs.filter(journal__effective_date__lte=as_of)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in (
            legs.values(
                "currency",
                programme_id=F("journal__programme_id"),
                account_kind=F("account__kind"),
                own_kind=F("journal__kind"),
                reversal_id=_reversal_id(),
            )
            .annotate(total=Sum("amount_minor"))
            .order_by()
        )
    ]
    _with_effective_kinds(rows, {row["programme_id"] for row in rows})
    for row in rows:
        if row["journal_kind"] == JournalKind.DISBURSEMENT:
            transferred[row["currency"]] += row["total"]
    return Indicators(
        communities=orgs["communities"] or 0,
        households=households,
        organizations=orgs["total"] or 0,
        womens_groups=orgs["women"] or 0,
        members=members["total"] or 0,
        women_members=members["women"] or 0,
        transferred=dict(transferred),
    )


def clar_events(programme: Programme | None = None) -> list[dict[str, Any]]:
    """Decided CLAR events with what they funded, each with its public results page."""
    events = ClarEvent.objects.filter(state=EventState.DECIDED)
    if programme is not None:
        events = events.filter(programme=programme)
    funded = Outcome.objects.filter(event=OuterRef("pk"), funded=True)
    rows = (
        events.annotate(
            initiatives=Count("outcomes", distinct=True),
            funded_count=Count("outcomes", filter=Q(outcomes__funded=True), distinct=True),
            funded_minor=Coalesce(
                Sum("outcomes__amount_minor", filter=Q(outcomes__funded=True)), 0
            ),
            any_funded=Exists(funded),
        )
        .values(
            "pk",
            "name",
            "held_on",
            "place",
            "kind",
            "initiatives",
            "funded_count",
            "funded_minor",
            programme_code=F("programme__code"),
            currency=F("programme__currency"),
            area_name=F("area__name"),
        )
        .order_by("-held_on", "-pk")
    )
    result: list[dict[str, Any]] = []
    for found in rows:
        row: dict[str, Any] = dict(found)
        row["url"] = reverse("clar-public-results", args=[row["pk"]])
        row["funded"] = iati.decimal_amount(int(row["funded_minor"]), row["currency"])
        result.append(row)
    return result


def contest_results(programme: Programme | None = None) -> list[dict[str, Any]]:
    """Decided contests with a link to their public results, when the contests app is
    installed (it is optional)."""
    if not apps.is_installed("minka.contests"):
        return []
    contest_model = apps.get_model("contests", "Contest")
    contests = contest_model.objects.filter(state="decided")
    if programme is not None:
        contests = contests.filter(programme=programme)
    rows: list[dict[str, Any]] = []
    for found in contests.values(
        "pk", "name", "held_on", programme_code=F("programme__code")
    ).order_by("-held_on", "-pk"):
        row: dict[str, Any] = dict(found)
        try:
            row["url"] = reverse("contest-public-results", args=[row["pk"]])
        except NoReverseMatch:
            row["url"] = ""
        rows.append(row)
    return rows


@dataclass
class DistrictPoint:
    ubigeo: str
    name: str
    province: str
    department: str
    latitude: float | None
    longitude: float | None
    communities: int
    funded_organizations: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "ubigeo": self.ubigeo,
            "district": self.name,
            "province": self.province,
            "department": self.department,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "communities": self.communities,
            "funded_organizations": self.funded_organizations,
        }


def district_table(programme: Programme | None = None) -> list[DistrictPoint]:
    """The districts where the programmes' communities live, with the district's coordinates,
    how many communities and how many funded organizations each has."""
    programmes = Programme.objects.filter(_programmes(programme))
    paths = list(programmes.values_list("coverage_areas__path", flat=True).distinct())
    paths = [path for path in paths if path]
    if not paths:
        return []
    covered = Q()
    for path in paths:
        covered |= Q(district__path__startswith=path)
    rows = (
        Community.objects.filter(covered)
        .values(
            "district_id",
            ubigeo=F("district__code"),
            district_name=F("district__name"),
            province=F("district__parent__name"),
            department=F("district__parent__parent__name"),
            lat=F("district__latitude"),
            lon=F("district__longitude"),
        )
        .annotate(communities=Count("pk"))
        .order_by("ubigeo")
    )
    funded_by_district = dict(
        Organization.objects.filter(pk__in=_funded_organizations(programme))
        .values_list("district_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        DistrictPoint(
            ubigeo=row["ubigeo"],
            name=row["district_name"],
            province=row["province"] or "",
            department=row["department"] or "",
            latitude=row["lat"],
            longitude=row["lon"],
            communities=row["communities"],
            funded_organizations=funded_by_district.get(row["district_id"], 0),
        )
        for row in rows
    ]


# --- IATI --------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def _funding_org(source: FundingSource) -> iati.Org:
    if source.kind in (FundingKind.IFAD_LOAN, FundingKind.IFAD_GRANT):
        return iati.Org(iati.Text(iati.IFAD_NAME, "en"), ref=iati.IFAD_REF, type="40", role="1")
    types: dict[str, str] = {FundingKind.NATIONAL: "10", FundingKind.MUNICIPAL: "11"}
    kind = types.get(source.kind, "90")
    return iati.Org(iati.Text(source.name), type=kind, role="1")


def _community_org(name: str, ruc: str | None, kind: str, role: str = "") -> iati.Org:
    """A community organization: its name and, when it has one, its RUC (PE-RUC agency)."""
    return iati.Org(
        iati.Text(name),
        ref=f"PE-RUC-{ruc}" if ruc else "",
        type="11" if kind == OrganizationKind.MUNICIPALITY else "90",
        role=role,
    )


def _programme_status(programme: Programme, today: datetime.date) -> str:
    if today < programme.starts_on:
        return iati.STATUS_PIPELINE
    if today > programme.ends_on:
        return iati.STATUS_FINALISATION
    return iati.STATUS_IMPLEMENTATION


def _contract_status(state: str, suspended: bool) -> str:
    if state == ContractState.LIQUIDATED:
        return iati.STATUS_CLOSED
    if state == ContractState.CANCELLED:
        return iati.STATUS_CANCELLED
    return iati.STATUS_SUSPENDED if suspended else iati.STATUS_IMPLEMENTATION


TRANSACTION_OF: dict[tuple[str, str], str] = {
    (AccountKind.COMMITTED, JournalKind.COMMITMENT): iati.COMMITMENT,
    (AccountKind.COMMITTED, JournalKind.DECOMMITMENT): iati.COMMITMENT,
    (AccountKind.HELD, JournalKind.DISBURSEMENT): iati.DISBURSEMENT,
    (AccountKind.HELD, JournalKind.REFUND): iati.DISBURSEMENT,  # a return: negative
    (AccountKind.SPENT, JournalKind.SPENDING): iati.EXPENDITURE,
}
TRANSACTION_TEXT: dict[tuple[str, str], str] = {
    (iati.COMMITMENT, JournalKind.COMMITMENT): "Commitment of the grant",
    (iati.COMMITMENT, JournalKind.DECOMMITMENT): "Release of an unused commitment",
    (iati.DISBURSEMENT, JournalKind.DISBURSEMENT): "Transfer to the organization's bank account",
    (iati.DISBURSEMENT, JournalKind.REFUND): "Refund of unused funds by the organization",
    (iati.EXPENDITURE, JournalKind.SPENDING): "Spending accounted for with receipts",
}


def _transactions(
    rows: Iterable[dict[str, Any]],
    *,
    provider: iati.Org | None,
    receiver: iati.Org | None,
) -> list[iati.Transaction]:
    """One IATI transaction per journal and type, from per-journal leg totals."""
    grouped: dict[tuple[str, int, datetime.date, str, str], int] = defaultdict(int)
    for row in rows:
        kind = TRANSACTION_OF.get((row["account_kind"], row["journal_kind"]))
        if kind is None:
            continue
        grouped[(kind, row["journal_id"], row["day"], row["currency"], row["journal_kind"])] += row[
            "total"
        ]
    result = []
    for (kind, journal, day, currency, journal_kind), amount in sorted(
        grouped.items(), key=lambda item: (item[0][2], item[0][1], item[0][0])
    ):
        if not amount:
            continue
        text = TRANSACTION_TEXT.get((kind, journal_kind), "")
        result.append(
            iati.Transaction(
                type=kind,
                date=day,
                amount_minor=amount,
                currency=currency,
                description=iati.Text(text, "en") if text else None,
                provider=provider if kind != iati.EXPENDITURE else receiver,
                receiver=receiver if kind != iati.EXPENDITURE else None,
                ref=f"minka-journal-{journal}",
            )
        )
    return result


def _budgets(programme: Programme, allocations: Iterable[dict[str, Any]]) -> list[iati.Budget]:
    """Allocations per calendar year (within the programme's dates) as committed budgets."""
    by_year: dict[tuple[int, str], int] = defaultdict(int)
    for row in allocations:
        by_year[(row["day"].year, row["currency"])] += row["total"]
    budgets = []
    for (year, currency), amount in sorted(by_year.items()):
        if amount <= 0:
            continue
        start = max(datetime.date(year, 1, 1), programme.starts_on)
        end = min(datetime.date(year, 12, 31), programme.ends_on)
        if start > end:
            start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        budgets.append(iati.Budget(start=start, end=end, amount_minor=amount, currency=currency))
    return budgets


def _results(programme: Programme, figures: Indicators, today: datetime.date) -> list[iati.Result]:
    if today < programme.starts_on:
        return []
    start, end = programme.starts_on, min(today, programme.ends_on)
    baseline_year = programme.starts_on.year

    def unit(title: str, value: int | str, description: str = "") -> iati.Indicator:
        return iati.Indicator(
            title=iati.Text(title, "en"),
            measure=iati.MEASURE_UNIT,
            baseline_year=baseline_year,
            baseline_value="0",
            period_start=start,
            period_end=end,
            actual_value=str(value),
            description=iati.Text(description, "en") if description else None,
        )

    outputs = [
        unit(
            "Organizations funded",
            figures.organizations,
            "Community organizations party to a signed grant contract (not cancelled).",
        ),
        unit(
            "Households reached",
            figures.households,
            "Households with at least one member in a funded organization.",
        ),
        unit(
            "Communities reached", figures.communities, "Communities of the funded organizations."
        ),
    ]
    for currency, amount in sorted(figures.transferred.items()):
        outputs.append(
            unit(
                f"Money transferred to organizations ({currency})",
                iati.decimal_amount(amount, currency),
                "Disbursements to the organizations' bank accounts, net of reversals.",
            )
        )
    share = figures.women_members_percent
    if share is not None:
        outputs.append(
            iati.Indicator(
                title=iati.Text("Women among the members of funded organizations", "en"),
                measure=iati.MEASURE_PERCENTAGE,
                baseline_year=baseline_year,
                baseline_value="0",
                period_start=start,
                period_end=end,
                actual_value=str(share),
            )
        )
    return [
        iati.Result(
            type=iati.RESULT_OUTPUT,
            title=iati.Text("Public money transferred to community organizations", "en"),
            indicators=outputs,
        )
    ]


def iati_publication(
    programmes: Iterable[Programme], *, now: datetime.datetime | None = None
) -> iati.Publication:
    """The IATI activities of the programmes (each with its contracts) as of `now`.

    Every programme must have its IATI publisher (the executing institution's identifier)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    programmes = list(programmes)
    publication: iati.Publication | None = None
    for programme in programmes:
        publisher = publisher_of(programme)
        if publisher is None:
            raise DomainError(
                f"{programme.code}: the executing institution's IATI organisation identifier "
                "is not recorded (IATI publisher, in the administration).",
                field="programme",
            )
        reporter = iati.Org(
            iati.Text(publisher.organisation_name or programme.institution or programme.name),
            ref=publisher.organisation_ref,
            type=publisher.organisation_type,
        )
        if publication is None:
            publication = iati.Publication(generated_at=now)
        publication.activities.extend(_programme_activities(programme, reporter, today))
    if publication is None:
        raise DomainError("There is no programme to publish.", field="programme")
    return publication


def _programme_activities(
    programme: Programme, reporter: iati.Org, today: datetime.date
) -> list[iati.Activity]:
    identifier = f"{reporter.ref}-{iati.identifier_part(programme.code)}"
    sources = {source.pk: source for source in programme.funding_sources.all()}

    allocations: list[dict[str, Any]] = [
        dict(r)
        for r in (
            Leg.objects.filter(
                journal__programme=programme,
                journal__effective_date__lte=today,
                account__kind=AccountKind.BUDGET,
            )
            .values(
                "currency",
                "journal_id",
                programme_id=F("journal__programme_id"),
                source=F("account__funding_source_id"),
                day=F("journal__effective_date"),
                own_kind=F("journal__kind"),
                reversal_id=_reversal_id(),
            )
            .annotate(total=Sum("amount_minor"))
            .order_by()
        )
    ]
    _with_effective_kinds(allocations, [programme.pk])
    allocations = [a for a in allocations if a["journal_kind"] == JournalKind.ALLOCATION]

    contracts = list(
        Contract.objects.filter(programme=programme)
        .filter(
            Q(state__in=FUNDED_STATES) | Q(state=ContractState.CANCELLED, signed_on__isnull=False)
        )
        .select_related("organization__district", "funding_source", "liquidation")
        .prefetch_related("parties__organization")
        .annotate(
            suspended=Exists(
                MisuseFlag.objects.filter(contract=OuterRef("pk"), lifted_on__isnull=True)
            )
        )
        .order_by("code")
    )
    stage = _stage_rows(programme, as_of=today, per_journal=True)
    by_commitment: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in stage:
        by_commitment[row["commitment"]].append(row)

    figures = indicators(programme, as_of=today)

    # Sectors of the programme: its contracts' sectors, weighted by what was committed.
    committed_by_sector: dict[str, int] = defaultdict(int)
    for contract in contracts:
        sector = INSTRUMENT_SECTORS.get(contract.instrument, DEFAULT_SECTOR)
        for row in by_commitment.get(contract.commitment_ref, []):
            figure = _figure(row)
            if figure and figure[0] == "committed":
                committed_by_sector[sector] += figure[1]
    split = iati.split_percentages(sorted(committed_by_sector.items()))
    sectors: list[tuple[str, Decimal | None]] = (
        [(code, percentage) for code, percentage in split]
        if len(split) > 1
        else [(split[0][0] if split else DEFAULT_SECTOR, None)]
    )

    funders: dict[tuple[str, str], iati.Org] = {}
    for source in sources.values():
        org = _funding_org(source)
        funders.setdefault((org.ref, org.name.text), org)
    participants: list[iati.Org] = list(funders.values())
    for role in (iati.ROLE_ACCOUNTABLE, iati.ROLE_EXTENDING, iati.ROLE_IMPLEMENTING):
        participants.append(
            iati.Org(reporter.name, ref=reporter.ref, type=reporter.type, role=role)
        )
    seen_orgs: set[int] = set()
    districts: dict[int, Any] = {}
    for contract in contracts:
        for party in contract.parties.all():
            member = party.organization
            if member.pk not in seen_orgs:
                seen_orgs.add(member.pk)
                participants.append(
                    _community_org(member.name, member.ruc, member.kind, iati.ROLE_IMPLEMENTING)
                )
        districts.setdefault(contract.organization.district_id, contract.organization.district)

    dates = [
        (iati.DATE_PLANNED_START, programme.starts_on),
        (iati.DATE_PLANNED_END, programme.ends_on),
    ]
    if programme.starts_on <= today:
        dates.insert(1, (iati.DATE_ACTUAL_START, programme.starts_on))

    incoming = []
    for row in sorted(allocations, key=lambda r: (r["day"], r["journal_id"])):
        if not row["total"]:
            continue
        found = sources.get(row["source"])
        incoming.append(
            iati.Transaction(
                type=iati.INCOMING_FUNDS,
                date=row["day"],
                amount_minor=row["total"],
                currency=row["currency"],
                description=iati.Text(
                    f"Budget allocated from {found.name}" if found else "Budget allocated", "en"
                ),
                provider=_funding_org(found) if found else None,
                receiver=iati.Org(
                    reporter.name, ref=reporter.ref, type=reporter.type, activity_id=identifier
                ),
                ref=f"minka-journal-{row['journal_id']}",
            )
        )
    contract_refs = {contract.commitment_ref for contract in contracts}
    others = [row for row in stage if row["commitment"] not in contract_refs]
    other_transactions = _transactions(
        others,
        provider=iati.Org(reporter.name, ref=reporter.ref, type=reporter.type),
        receiver=None,
    )

    child_ids = {
        contract.pk: _child_identifier(identifier, programme, contract) for contract in contracts
    }
    parent = iati.Activity(
        identifier=identifier,
        hierarchy=1,
        reporting_org=reporter,
        title=iati.Text(programme.name),
        description=iati.Text(
            programme.description
            or f"{programme.name}: public money transferred to community organizations "
            "that plan, compete in public (CLAR), contract and account for it."
        ),
        status=_programme_status(programme, today),
        dates=dates,
        participants=participants,
        default_currency=programme.currency,
        sectors=sectors,
        locations=[_location(area) for area in sorted(districts.values(), key=lambda a: a.code)],
        budgets=_budgets(programme, allocations),
        transactions=incoming + other_transactions,
        related=[(iati.RELATED_CHILD, child_ids[c.pk]) for c in contracts],
        results=_results(programme, figures, today),
    )
    activities = [parent]
    for contract in contracts:
        activities.append(
            _contract_activity(
                contract, reporter, identifier, child_ids[contract.pk], by_commitment, today
            )
        )
    return activities


def _child_identifier(parent: str, programme: Programme, contract: Contract) -> str:
    """The programme's identifier and the contract's code, without repeating the programme's
    code that contract codes start with (MARENASS-2025-0001 → <programme id>-2025-0001)."""
    code = contract.code
    if code.upper().startswith(f"{programme.code.upper()}-"):
        code = code[len(programme.code) + 1 :]
    return f"{parent}-{iati.identifier_part(code)}"


def _location(area: Any) -> iati.Location:
    return iati.Location(
        ref=f"PE-UBIGEO-{area.code}",
        name=iati.Text(area.name),
        description=iati.Text(f"District, UBIGEO {area.code} (INEI)", "en"),
        latitude=area.latitude,
        longitude=area.longitude,
    )


def _contract_activity(
    contract: Contract,
    reporter: iati.Org,
    parent_id: str,
    identifier: str,
    by_commitment: dict[str, list[dict[str, Any]]],
    today: datetime.date,
) -> iati.Activity:
    lead = contract.organization
    receiver = _community_org(lead.name, lead.ruc, lead.kind)
    provider = iati.Org(reporter.name, ref=reporter.ref, type=reporter.type, activity_id=parent_id)
    participants = [
        _funding_org(contract.funding_source),
        iati.Org(reporter.name, ref=reporter.ref, type=reporter.type, role=iati.ROLE_ACCOUNTABLE),
        iati.Org(reporter.name, ref=reporter.ref, type=reporter.type, role=iati.ROLE_EXTENDING),
    ]
    participants += [
        _community_org(
            p.organization.name, p.organization.ruc, p.organization.kind, iati.ROLE_IMPLEMENTING
        )
        for p in contract.parties.all()
    ]
    signed = contract.signed_on
    dates: list[tuple[str, datetime.date]] = []
    if signed is not None:
        dates.append(
            (iati.DATE_ACTUAL_START if signed <= today else iati.DATE_PLANNED_START, signed)
        )
        planned_end = _add_months(signed, contract.term_months)
        dates.append((iati.DATE_PLANNED_END, planned_end))
        liquidation = (
            getattr(contract, "liquidation", None)
            if contract.state == ContractState.LIQUIDATED
            else None
        )
        if liquidation is not None and signed <= liquidation.liquidated_on <= today:
            dates.append((iati.DATE_ACTUAL_END, liquidation.liquidated_on))
    else:  # pragma: no cover - funded contracts are signed
        dates.append((iati.DATE_PLANNED_START, contract.created_at.date()))
    instrument = contract.get_instrument_display()
    return iati.Activity(
        identifier=identifier,
        hierarchy=2,
        reporting_org=reporter,
        title=iati.Text(f"{contract.code} · {contract.title}"),
        description=iati.Text(
            f"Grant with conditions (Donación con Carga) to {lead.name}, district of "
            f"{lead.district.name} (UBIGEO {lead.district.code}): {instrument}.",
            "en",
        ),
        status=_contract_status(contract.state, bool(getattr(contract, "suspended", False))),
        dates=dates,
        participants=participants,
        default_currency=contract.currency,
        sectors=[(INSTRUMENT_SECTORS.get(contract.instrument, DEFAULT_SECTOR), None)],
        locations=[_location(lead.district)],
        transactions=_transactions(
            by_commitment.get(contract.commitment_ref, []), provider=provider, receiver=receiver
        ),
        related=[(iati.RELATED_PARENT, parent_id)],
    )
