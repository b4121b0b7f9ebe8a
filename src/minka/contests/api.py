"""Contest endpoints: contests, their results and metrics (scoped reads), and a juror's score
sheet from a field device (the one write, through the same service as the page)."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from minka.contests import selectors, services
from minka.contests.models import Activity, Contest
from minka.core.errors import DomainError

router = Router(tags=["contests"])


class CriterionOut(Schema):
    code: str
    label: str
    max_points_centi: int


class ActivityOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.all())


class TierOut(Schema):
    rank: int
    amount_minor: int


class ContestOut(Schema):
    id: int
    code: str
    name: str
    programme_id: int
    level: str
    theme: str
    number: int | None
    organization_id: int | None
    territory_id: int | None
    held_on: date
    currency: str
    prize_pool_minor: int
    participation_incentive_minor: int
    winners: int
    factor_centi: int
    eligible_count: int
    state: str


class ContestDetailOut(ContestOut):
    activities: list[ActivityOut]
    tiers: list[TierOut]
    participants: int

    @staticmethod
    def resolve_activities(obj) -> list:
        return list(obj.activities.prefetch_related("criteria"))

    @staticmethod
    def resolve_tiers(obj) -> list:
        return list(obj.tiers.all())

    @staticmethod
    def resolve_participants(obj) -> int:
        return obj.participants.count()


class StandingOut(Schema):
    activity: str
    participant_number: int
    organization: str
    community: str | None
    category: str
    mean_centi: int | None
    score_centi: int | None
    rank: int | None
    prize_minor: int
    assets_created_minor: int


class ResultsOut(Schema):
    contest: str
    state: str
    tie_break: list[str]
    ranked_minor: int
    incentive_minor: int
    standings: list[StandingOut]


class MetricsOut(Schema):
    currency: str
    contests: int
    eligible: int
    participants: int
    participation_rate: Decimal | None
    created_minor: int
    prizes_minor: int
    paid_minor: int
    third_party_minor: int
    leverage: Decimal | None
    programme_leverage: Decimal | None
    participants_by_sex: dict[str, int]
    prizes_by_sex: dict[str, int]


class SheetIn(Schema):
    participant_id: int
    activity_id: int
    points: dict[str, Decimal]


class SheetOut(Schema):
    participant_id: int
    activity_id: int
    total_centi: int


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    code: str


@router.get("/contests", response=list[ContestOut])
@paginate(LimitOffsetPagination)
def list_contests(
    request: HttpRequest,
    q: str | None = None,
    level: str | None = None,
    state: str | None = None,
    year: int | None = None,
):
    params = {
        k: str(v) for k, v in {"q": q, "level": level, "state": state, "year": year}.items() if v
    }
    return selectors.contest_list(user=request.user, params=params)


@router.get("/contests/metrics", response=MetricsOut)
def contests_metrics(
    request: HttpRequest,
    programme: int | None = None,
    territory: int | None = None,
    organization: int | None = None,
):
    from minka.geo.models import Territory
    from minka.programmes.models import Programme
    from minka.registry.models import Organization

    chosen_programme = get_object_or_404(Programme, pk=programme) if programme else None
    chosen_territory = get_object_or_404(Territory, pk=territory) if territory else None
    chosen_organization = get_object_or_404(Organization, pk=organization) if organization else None
    contests = selectors.contests_for_metrics(
        user=request.user,
        programme=chosen_programme,
        territory=chosen_territory,
        organization=chosen_organization,
    )
    return selectors.metrics(
        contests,
        organization=chosen_organization,
        currency=chosen_programme.currency if chosen_programme else "PEN",
    )


@router.get("/contests/{contest_id}", response=ContestDetailOut)
def get_contest(request: HttpRequest, contest_id: int):
    return selectors.get_contest_for_user(user=request.user, pk=contest_id)


@router.get("/contests/{contest_id}/results", response=ResultsOut)
def contest_results(request: HttpRequest, contest_id: int):
    contest = selectors.get_contest_for_user(user=request.user, pk=contest_id)
    results = services.contest_results(contest)
    standings = [
        {
            "activity": activity.code,
            "participant_number": line.participant.number,
            "organization": line.participant.organization.name,
            "community": line.participant.community.name if line.participant.community else None,
            "category": line.participant.category,
            "mean_centi": line.mean,
            "score_centi": line.score,
            "rank": line.rank,
            "prize_minor": line.prize_minor,
            "assets_created_minor": line.created_minor,
        }
        for activity in results.activities
        for line in results.lines[activity.pk]
    ]
    return {
        "contest": contest.code,
        "state": contest.state,
        "tie_break": list(results.tie_break),
        "ranked_minor": results.ranked_minor,
        "incentive_minor": results.incentive_minor,
        "standings": standings,
    }


@router.get("/contests/{contest_id}/metrics", response=MetricsOut)
def contest_metrics(request: HttpRequest, contest_id: int):
    contest = selectors.get_contest_for_user(user=request.user, pk=contest_id)
    return selectors.metrics(Contest.objects.filter(pk=contest.pk), currency=contest.currency)


@router.post("/contests/{contest_id}/sheets", response={200: SheetOut, 400: ErrorOut})
def submit_sheet(request: HttpRequest, contest_id: int, payload: SheetIn):
    """A juror's sheet for one participant in one activity (same rules as the page)."""
    contest = selectors.get_contest_for_user(user=request.user, pk=contest_id)
    participant = selectors.get_participant(contest=contest, pk=payload.participant_id)
    activity = get_object_or_404(Activity, pk=payload.activity_id, contest=contest)
    try:
        sheet = services.sheet_submit(
            user=request.user,
            contest=contest,
            participant=participant,
            activity=activity,
            points=payload.points,
        )
    except DomainError as exc:
        return Status(400, {"detail": str(exc), "field": exc.field, "code": exc.code})
    return Status(
        200,
        {
            "participant_id": participant.pk,
            "activity_id": activity.pk,
            "total_centi": sheet.total_centi,
        },
    )
