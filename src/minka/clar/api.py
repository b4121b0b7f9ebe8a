"""Read endpoints of the CLAR: calls, initiatives with eligibility, events and their outcomes."""

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from minka.clar import selectors
from minka.clar.models import Outcome
from minka.clar.reasons import describe

router = Router(tags=["clar"])


class CallOut(Schema):
    id: int
    code: str
    name: str
    programme_id: int
    opens_on: date
    closes_on: date
    min_amount_minor: int
    max_amount_minor: int
    min_counterpart_percent: int


class InitiativeOut(Schema):
    id: int
    code: str
    call_id: int
    organization_id: int
    instrument: str
    variant: str
    title: str
    state: str
    submitted_seq: int | None
    project_minor: int
    eligibility: list[str]

    @staticmethod
    def resolve_project_minor(obj) -> int:
        return sum(line.project_minor for line in obj.lines.all())

    @staticmethod
    def resolve_eligibility(obj) -> list[str]:
        return [describe(r["code"], r.get("params")) for r in obj.eligibility]


class OutcomeOut(Schema):
    initiative_id: int
    rank: int | None
    score_centi: int | None
    approved: bool
    funded: bool
    amount_minor: int
    reason: str
    reason_text: str
    contract_id: int | None

    @staticmethod
    def resolve_reason_text(obj) -> str:
        return describe(obj.reason, obj.reason_params)


class EventOut(Schema):
    id: int
    name: str
    kind: str
    held_on: date
    place: str
    budget_minor: int
    state: str
    method: str


class EventDetailOut(EventOut):
    outcomes: list[OutcomeOut]

    @staticmethod
    def resolve_outcomes(obj) -> list:
        return list(Outcome.objects.filter(event=obj).order_by("rank", "id"))


@router.get("/clar/calls", response=list[CallOut])
@paginate(LimitOffsetPagination)
def list_calls(request: HttpRequest, q: str | None = None):
    return selectors.call_list(user=request.user, params={"q": q} if q else {})


@router.get("/clar/initiatives", response=list[InitiativeOut])
@paginate(LimitOffsetPagination)
def list_initiatives(request: HttpRequest, call: int | None = None, state: str | None = None):
    params = {k: str(v) for k, v in {"call": call, "state": state}.items() if v}
    return selectors.initiative_list(user=request.user, params=params).prefetch_related("lines")


@router.get("/clar/initiatives/{initiative_id}", response=InitiativeOut)
def get_initiative(request: HttpRequest, initiative_id: int):
    return selectors.get_initiative_for_user(user=request.user, pk=initiative_id)


@router.get("/clar/events", response=list[EventOut])
@paginate(LimitOffsetPagination)
def list_events(request: HttpRequest):
    return selectors.event_list(user=request.user)


@router.get("/clar/events/{event_id}", response=EventDetailOut)
def get_event(request: HttpRequest, event_id: int):
    return selectors.get_event_for_user(user=request.user, pk=event_id)
