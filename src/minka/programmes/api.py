"""Read endpoints for programmes, their funding sources and local offices."""

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.programmes import selectors

router = Router(tags=["programmes"])


class FundingSourceOut(Schema):
    name: str
    kind: str
    amount_minor: int
    currency: str


class LocalOfficeOut(Schema):
    id: int
    name: str
    town: str
    area_codes: list[str]

    @staticmethod
    def resolve_area_codes(obj) -> list[str]:
        return [a.code for a in obj.areas.all()]


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    institution: str
    currency: str
    starts_on: date
    ends_on: date


class ProgrammeDetailOut(ProgrammeOut):
    funding_sources: list[FundingSourceOut]
    local_offices: list[LocalOfficeOut]
    coverage_area_codes: list[str]

    @staticmethod
    def resolve_funding_sources(obj, context) -> list:
        return list(selectors.funding_sources_of(user=context["request"].user, programme=obj))

    @staticmethod
    def resolve_local_offices(obj, context) -> list:
        return list(selectors.offices_of(user=context["request"].user, programme=obj))

    @staticmethod
    def resolve_coverage_area_codes(obj) -> list[str]:
        return [a.code for a in obj.coverage_areas.all()]


@router.get("/programmes", response=list[ProgrammeOut])
@paginate(LimitOffsetPagination)
def list_programmes(request: HttpRequest, q: str | None = None):
    return selectors.programme_list(user=request.user, params={"q": q} if q else {})


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut)
def get_programme(request: HttpRequest, programme_id: int):
    return selectors.get_programme_for_user(user=request.user, pk=programme_id)
