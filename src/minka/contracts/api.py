"""Read endpoints for contracts: their lines, tranches, ATFs and money position, scoped."""

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.contracts import selectors, services

router = Router(tags=["contracts"])


class LineOut(Schema):
    concept: str
    description: str
    project_minor: int
    organization_minor: int
    other_minor: int


class TrancheOut(Schema):
    number: int
    amount_minor: int
    state: str
    paid_on: date | None


class AtfOut(Schema):
    number: str
    tranche_number: int
    amount_minor: int
    state: str
    bank_reference: str

    @staticmethod
    def resolve_tranche_number(obj) -> int:
        return obj.tranche.number


class ContractOut(Schema):
    id: int
    code: str
    programme_id: int
    organization_id: int
    instrument: str
    title: str
    currency: str
    state: str
    term_months: int
    signed_on: date | None


class ContractDetailOut(ContractOut):
    lines: list[LineOut]
    tranches: list[TrancheOut]
    atfs: list[AtfOut]
    position_minor: dict[str, int]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_tranches(obj) -> list:
        return list(obj.tranches.all())

    @staticmethod
    def resolve_atfs(obj) -> list:
        return list(obj.atfs.select_related("tranche"))

    @staticmethod
    def resolve_position_minor(obj) -> dict[str, int]:
        return {key: money.amount_minor for key, money in services.money_position(obj).items()}


@router.get("/contracts", response=list[ContractOut])
@paginate(LimitOffsetPagination)
def list_contracts(
    request: HttpRequest, q: str | None = None, state: str | None = None, area: str | None = None
):
    params = {k: v for k, v in {"q": q, "state": state, "area": area}.items() if v}
    return selectors.contract_list(user=request.user, params=params)


@router.get("/contracts/{contract_id}", response=ContractDetailOut)
def get_contract(request: HttpRequest, contract_id: int):
    return selectors.get_contract_for_user(user=request.user, pk=contract_id)
