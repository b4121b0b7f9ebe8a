"""Read endpoints for the gazetteer and territories."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.geo import selectors

router = Router(tags=["territories"])


class AreaOut(Schema):
    id: int
    code: str
    reniec_code: str
    name: str
    level: int
    parent_code: str | None
    latitude: float | None
    longitude: float | None
    altitude_m: int | None
    poverty_rate: float | None
    extreme_poverty_rate: float | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class TerritoryOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    programme_id: int | None
    area_code: str
    community_count: int

    @staticmethod
    def resolve_area_code(obj) -> str:
        return obj.area.code


@router.get("/areas", response=list[AreaOut])
@paginate(LimitOffsetPagination)
def list_areas(
    request: HttpRequest, q: str | None = None, level: int | None = None, area: str | None = None
):
    params = {k: str(v) for k, v in {"q": q, "level": level, "area": area}.items() if v}
    return selectors.area_list(user=request.user, params=params)


@router.get("/areas/{code}", response=AreaOut)
def get_area(request: HttpRequest, code: str):
    area = selectors.area_list(user=request.user).filter(code=code).first()
    return selectors.get_area_for_user(user=request.user, pk=area.pk if area else 0)


@router.get("/territories", response=list[TerritoryOut])
@paginate(LimitOffsetPagination)
def list_territories(request: HttpRequest, q: str | None = None):
    return selectors.territory_list(user=request.user, params={"q": q} if q else {})
