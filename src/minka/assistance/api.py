"""Read endpoints of the assistance market and the cascade. Lists go through the same scoped
selectors as the pages: the provider directory is open to every signed-in caller, contracts,
payments and visits only within the caller's scope."""

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.assistance import selectors
from minka.core.selectors import get_for_user
from minka.programmes.models import Programme

router = Router(tags=["assistance"])


class ProviderOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    district_code: str
    profession: str
    skills: list[str]
    territories: list[str]
    summary: str
    daily_rate_minor: int | None
    currency: str
    available: bool
    rating_count: int
    rating_mean: float | None

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.provider_id

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.provider.code

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.provider.kind

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.provider.district.code

    @staticmethod
    def resolve_profession(obj) -> str:
        return obj.provider.profession

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return obj.provider.skill_list

    @staticmethod
    def resolve_territories(obj) -> list[str]:
        return [c.area.code for c in obj.provider.coverage.all()]

    @staticmethod
    def resolve_rating_count(obj) -> int:
        return getattr(obj, "rating_count", 0) or 0

    @staticmethod
    def resolve_rating_mean(obj) -> float | None:
        value = getattr(obj, "rating_mean", None)
        return round(float(value), 2) if value is not None else None


class ReputationOut(Schema):
    ratings: int
    organizations: int
    mean: Decimal | None
    weighted: Decimal
    would_hire_again: Decimal | None
    by_criterion: dict[str, Decimal | None]


class ProviderRecordOut(Schema):
    provider: ProviderOut
    contracts: int
    completed: int
    organizations: int
    value_minor: int
    reputation: ReputationOut


class ConfirmationOut(Schema):
    id: int
    number: int
    confirmed_on: date
    days_delivered: int
    amount_minor: int
    paid: bool


class PaymentOut(Schema):
    id: int
    confirmation_id: int
    paid_on: date
    grant_minor: int
    own_minor: int
    other_minor: int
    receipt: str
    grant_journal_id: int | None
    own_journal_id: int | None


class ContractOut(Schema):
    id: int
    code: str
    programme_id: int
    organization_id: int
    provider_id: int
    grant_contract_id: int | None
    topic: str
    starts_on: date
    ends_on: date
    days: int
    daily_rate_minor: int
    currency: str
    selection: str
    grant_minor: int
    own_minor: int
    other_minor: int
    state: str
    men_assisted: int | None
    women_assisted: int | None


class ContractDetailOut(ContractOut):
    confirmations: list[ConfirmationOut]
    payments: list[PaymentOut]

    @staticmethod
    def resolve_confirmations(obj) -> list:
        return list(obj.confirmations.select_related("payment", "contract"))

    @staticmethod
    def resolve_payments(obj) -> list:
        return list(obj.payments.all())


class RatingOut(Schema):
    id: int
    contract_id: int
    provider_id: int
    organization_id: int
    quality: int
    punctuality: int
    relevance: int
    communication: int
    would_hire_again: bool
    comment: str
    rated_on: date


class EventOut(Schema):
    id: int
    programme_id: int
    trainer_id: int
    topic: str
    practice: str
    held_on: date
    place: str
    district_code: str
    cost_minor: int
    attendees: int

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.district.code


class VisitOut(Schema):
    id: int
    programme_id: int
    yachachiq_id: int
    household_id: int
    visited_on: date
    practice: str


class MarketOut(Schema):
    programme_id: int
    currency: str
    contracts: int
    value_minor: int
    grant_minor: int
    own_minor: int
    other_minor: int
    own_share_percent: Decimal | None
    grant_clients: int
    rehiring: int
    rehiring_percent: Decimal | None
    paid_minor: dict[str, int]
    districts: int
    districts_without_provider: list[str]


class CoverageRowOut(Schema):
    key: str
    label: str
    planned: int
    assisted: int
    visits: int
    adopting: int
    adoptions: int
    cost_minor: int
    coverage_percent: Decimal | None
    visits_per_household: Decimal | None
    cost_per_household_minor: int | None


class CascadeOut(Schema):
    programme_id: int
    currency: str
    level: int
    total: CoverageRowOut
    by_area: list[CoverageRowOut]
    by_sex: list[CoverageRowOut]


def _row(row) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "planned": row.planned,
        "assisted": row.assisted,
        "visits": row.visits,
        "adopting": row.adopting,
        "adoptions": row.adoptions,
        "cost_minor": row.cost_minor,
        "coverage_percent": row.coverage,
        "visits_per_household": row.visits_per_household,
        "cost_per_household_minor": row.cost_per_household,
    }


def _programme(request: HttpRequest, programme_id: int) -> Programme:
    return get_for_user(Programme.objects.all(), user=request.user, pk=programme_id)


@router.get("/assistance/providers", response=list[ProviderOut])
@paginate(LimitOffsetPagination)
def list_providers(
    request: HttpRequest,
    q: str | None = None,
    kind: str | None = None,
    area: str | None = None,
    available: bool = False,
):
    params = {
        "q": q or "",
        "kind": kind or "",
        "area": area or "",
        "available": "1" if available else "",
    }
    return selectors.provider_directory(user=request.user, params=params).prefetch_related(
        "provider__coverage__area"
    )


@router.get("/assistance/providers/{provider_id}", response=ProviderRecordOut)
def get_provider(request: HttpRequest, provider_id: int):
    profile = selectors.get_profile(user=request.user, provider_pk=provider_id)
    record = selectors.provider_record(provider=profile.provider)
    rep = record["reputation"]
    return {
        "provider": profile,
        "contracts": record["totals"]["count"],
        "completed": record["totals"]["completed"],
        "organizations": record["totals"]["organizations"],
        "value_minor": record["totals"]["value"],
        "reputation": {
            "ratings": rep.ratings,
            "organizations": rep.organizations,
            "mean": rep.mean,
            "weighted": rep.weighted,
            "would_hire_again": rep.would_hire_again,
            "by_criterion": dict(rep.by_criterion),
        },
    }


@router.get("/assistance/contracts", response=list[ContractOut])
@paginate(LimitOffsetPagination)
def list_contracts(
    request: HttpRequest,
    q: str | None = None,
    state: str | None = None,
    area: str | None = None,
    provider: int | None = None,
    organization: int | None = None,
):
    params = {
        k: str(v)
        for k, v in {
            "q": q,
            "state": state,
            "area": area,
            "provider": provider,
            "organization": organization,
        }.items()
        if v
    }
    return selectors.service_contract_list(user=request.user, params=params)


@router.get("/assistance/contracts/{contract_id}", response=ContractDetailOut)
def get_contract(request: HttpRequest, contract_id: int):
    return selectors.get_service_contract_for_user(user=request.user, pk=contract_id)


@router.get("/assistance/ratings", response=list[RatingOut])
@paginate(LimitOffsetPagination)
def list_ratings(request: HttpRequest, provider: int | None = None):
    params = {"provider": str(provider)} if provider else {}
    return selectors.rating_list(user=request.user, params=params)


@router.get("/assistance/events", response=list[EventOut])
@paginate(LimitOffsetPagination)
def list_events(request: HttpRequest, area: str | None = None):
    return selectors.event_list(user=request.user, params={"area": area or ""})


@router.get("/assistance/visits", response=list[VisitOut])
@paginate(LimitOffsetPagination)
def list_visits(
    request: HttpRequest,
    area: str | None = None,
    practice: str | None = None,
    yachachiq: int | None = None,
):
    params = {"area": area or "", "practice": practice or "", "yachachiq": str(yachachiq or "")}
    return selectors.visit_list(user=request.user, params=params)


@router.get("/assistance/market/{programme_id}", response=MarketOut)
def market(request: HttpRequest, programme_id: int):
    programme = _programme(request, programme_id)
    figures = selectors.market_indicators(user=request.user, programme=programme)
    m = figures["market"]
    return {
        "programme_id": programme.pk,
        "currency": programme.currency,
        "contracts": m.contracts,
        "value_minor": m.value_minor,
        "grant_minor": m.grant_minor,
        "own_minor": m.own_minor,
        "other_minor": m.other_minor,
        "own_share_percent": m.own_share,
        "grant_clients": m.grant_clients,
        "rehiring": m.rehiring,
        "rehiring_percent": m.rehiring_share,
        "paid_minor": figures["paid"],
        "districts": figures["supply"]["districts"],
        "districts_without_provider": [d["path"] for d in figures["supply"]["gaps"]],
    }


@router.get("/assistance/cascade/{programme_id}", response=CascadeOut)
def cascade(request: HttpRequest, programme_id: int, level: int = 2):
    if level not in (1, 2, 3):
        raise Http404
    programme = _programme(request, programme_id)
    report = selectors.cascade_report(user=request.user, programme=programme, level=level)
    return {
        "programme_id": programme.pk,
        "currency": programme.currency,
        "level": report["level"],
        "total": _row(report["total"]),
        "by_area": [_row(r) for r in report["by_area"]],
        "by_sex": [_row(r) for r in report["by_sex"]],
    }
