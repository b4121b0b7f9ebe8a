"""Read endpoints for the registry. Every list goes through the same scoped selectors as the
pages, so the API never shows more than the user's scope."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.registry import selectors

router = Router(tags=["registry"])


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    district_code: str
    latitude: float | None
    longitude: float | None
    altitude_m: int | None

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.district.code


class HouseholdOut(Schema):
    id: int
    code: str
    community_id: int
    sector: str
    member_count: int


class PersonOut(Schema):
    id: int
    dni: str | None
    first_names: str
    paternal_surname: str
    maternal_surname: str
    sex: str
    birth_date: date | None
    household_id: int | None
    relationship: str
    district_code: str

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.district.code


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    community_id: int | None
    district_code: str
    ruc: str | None
    registered_on: date | None

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.district.code


class BoardPositionOut(Schema):
    role: str
    person_id: int
    term_start: date
    term_end: date | None


class MembershipOut(Schema):
    person_id: int
    joined_on: date | None
    left_on: date | None


class OrganizationDetailOut(OrganizationOut):
    board: list[BoardPositionOut]
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_board(obj, context) -> list:
        return list(selectors.board_of(user=context["request"].user, organization=obj))

    @staticmethod
    def resolve_memberships(obj, context) -> list:
        return list(selectors.memberships_of(user=context["request"].user, organization=obj))


class ProviderOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    ruc: str | None
    district_code: str
    profession: str
    skills: list[str]

    @staticmethod
    def resolve_district_code(obj) -> str:
        return obj.district.code

    @staticmethod
    def resolve_skills(obj) -> list[str]:
        return obj.skill_list


class InstitutionOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    sbs_regulated: bool
    sbs_code: str


class BankAccountOut(Schema):
    id: int
    organization_id: int
    institution_id: int
    number: str
    cci: str
    currency: str
    status: str
    verified_at: datetime | None


class Search(FilterSchema):
    q: str | None = None
    area: str | None = None


class PersonFilter(Search):
    sex: str | None = None


class KindFilter(Search):
    kind: str | None = None


class StatusFilter(Search):
    status: str | None = None


def _params(filters: FilterSchema) -> dict:
    return {k: v for k, v in filters.model_dump().items() if v is not None}


@router.get("/communities", response=list[CommunityOut])
@paginate(LimitOffsetPagination)
def list_communities(request: HttpRequest, filters: Query[Search]):
    return selectors.community_list(user=request.user, params=_params(filters))


@router.get("/communities/{community_id}", response=CommunityOut)
def get_community(request: HttpRequest, community_id: int):
    return selectors.get_community_for_user(user=request.user, pk=community_id)


@router.get("/households", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def list_households(request: HttpRequest, filters: Query[Search], community: int | None = None):
    params = _params(filters) | ({"community": str(community)} if community else {})
    return selectors.household_list(user=request.user, params=params)


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request: HttpRequest, household_id: int):
    return selectors.get_household_for_user(user=request.user, pk=household_id)


@router.get("/persons", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def list_persons(request: HttpRequest, filters: Query[PersonFilter]):
    return selectors.person_list(user=request.user, params=_params(filters))


@router.get("/persons/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int):
    return selectors.get_person_for_user(user=request.user, pk=person_id)


@router.get("/organizations", response=list[OrganizationOut])
@paginate(LimitOffsetPagination)
def list_organizations(request: HttpRequest, filters: Query[KindFilter]):
    return selectors.organization_list(user=request.user, params=_params(filters))


@router.get("/organizations/{organization_id}", response=OrganizationDetailOut)
def get_organization(request: HttpRequest, organization_id: int):
    return selectors.get_organization_for_user(user=request.user, pk=organization_id)


@router.get("/providers", response=list[ProviderOut])
@paginate(LimitOffsetPagination)
def list_providers(request: HttpRequest, filters: Query[KindFilter]):
    return selectors.provider_list(user=request.user, params=_params(filters))


@router.get("/providers/{provider_id}", response=ProviderOut)
def get_provider(request: HttpRequest, provider_id: int):
    return selectors.get_provider_for_user(user=request.user, pk=provider_id)


@router.get("/financial-institutions", response=list[InstitutionOut])
@paginate(LimitOffsetPagination)
def list_institutions(request: HttpRequest, q: str | None = None, regulated: str | None = None):
    params = {k: v for k, v in {"q": q, "regulated": regulated}.items() if v}
    return selectors.institution_list(user=request.user, params=params)


@router.get("/bank-accounts", response=list[BankAccountOut])
@paginate(LimitOffsetPagination)
def list_bank_accounts(request: HttpRequest, filters: Query[StatusFilter]):
    return selectors.bank_account_list(user=request.user, params=_params(filters))


@router.get("/bank-accounts/{account_id}", response=BankAccountOut)
def get_bank_account(request: HttpRequest, account_id: int):
    return selectors.get_bank_account_for_user(user=request.user, pk=account_id)
