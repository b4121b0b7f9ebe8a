"""Reads of the contests, scoped: lists, one contest, payments, metrics and adoption."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from minka.contests import leverage
from minka.contests.models import (
    AssetRecord,
    Contest,
    ContestJuror,
    Level,
    Moment,
    Participant,
    PaymentState,
    Prize,
    PrizePayment,
    ThirdPartyPrize,
)
from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param


def _juror_contests(user: Any) -> Any:
    if not getattr(user, "is_authenticated", False):
        return []
    return ContestJuror.objects.filter(user=user).values("contest_id")


def contest_list(*, user: Any, params: Any = None) -> QuerySet[Contest]:
    """Contests in the user's scope, and those whose jury the user sits on."""
    queryset = (
        restrict(Contest.objects.all(), user) | Contest.objects.filter(pk__in=_juror_contests(user))
    ).select_related("programme", "organization", "territory")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(place__icontains=query)
        )
    for name in ("level", "state", "theme"):
        value = param(params, name)
        if value:
            queryset = queryset.filter(**{name: value})
    year = param(params, "year")
    if year.isdigit():
        queryset = queryset.filter(held_on__year=int(year))
    return queryset.distinct().order_by("-held_on", "-id")


def get_contest_for_user(*, user: Any, pk: Any, action: Action = "view") -> Contest:
    """Staff by scope; a juror also reads the contests whose jury it sits on."""
    queryset = Contest.objects.select_related(
        "programme", "organization__community", "territory", "area", "funding_source", "plan"
    )
    if (
        action == "view"
        and ContestJuror.objects.filter(
            contest_id=pk, user_id=getattr(user, "pk", None) or 0
        ).exists()
    ):
        return queryset.get(pk=pk)
    return get_for_user(queryset, user=user, pk=pk, action=action)


def get_participant(*, contest: Contest, pk: Any) -> Participant:
    """A participant of a contest the caller already holds (so already scoped)."""
    from django.http import Http404

    try:
        return Participant.objects.select_related(
            "household", "organization", "community", "contest"
        ).get(contest=contest, pk=pk)
    except (Participant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_payment_for_user(*, user: Any, pk: Any, action: Action = "view") -> PrizePayment:
    return get_for_user(
        PrizePayment.objects.select_related("contest__programme", "organization", "bank_account"),
        user=user,
        pk=pk,
        action=action,
    )


def participant_rows(contest: Contest) -> list[dict[str, Any]]:
    """Participants with their number of sheets and asset records: three queries."""
    participants = list(
        contest.participants.select_related("household", "organization", "community")
    )
    sheets = dict(
        contest.sheets.values("participant_id")
        .annotate(n=Count("pk"))
        .values_list("participant_id", "n")
    )
    assets: dict[int, dict[str, int]] = defaultdict(lambda: {"before": 0, "after": 0})
    for participant_id, moment, value in AssetRecord.objects.filter(
        participant__contest=contest
    ).values_list("participant_id", "moment", "value_minor"):
        assets[participant_id][moment] += value
    return [
        {
            "participant": p,
            "sheets": sheets.get(p.pk, 0),
            "before": assets[p.pk]["before"] if p.pk in assets else None,
            "after": assets[p.pk]["after"] if p.pk in assets else None,
        }
        for p in participants
    ]


# --- metrics ----------------------------------------------------------------------------------


@dataclass
class Metrics:
    """What a set of contests achieved (money in minor units of `currency`)."""

    currency: str
    contests: int = 0
    eligible: int = 0
    participants: int = 0
    participation_rate: Decimal | None = None
    assets_before_minor: int = 0
    assets_after_minor: int = 0
    created_minor: int = 0
    prizes_minor: int = 0
    paid_minor: int = 0
    third_party_minor: int = 0
    other_costs_minor: int = 0
    leverage: Decimal | None = None  # assets created / all prize money
    programme_leverage: Decimal | None = None  # assets created / the programme's prizes
    participants_by_sex: dict[str, int] = field(default_factory=dict)
    prizes_by_sex: dict[str, int] = field(default_factory=dict)
    winners_by_sex: dict[str, int] = field(default_factory=dict)


def metrics(
    contests: QuerySet[Contest], *, organization: Any = None, currency: str = "PEN"
) -> Metrics:
    """Participation, assets, prizes and leverage in a handful of SQL aggregates."""
    contest_ids = list(contests.values_list("pk", flat=True))
    participants = Participant.objects.filter(contest_id__in=contest_ids)
    if organization is not None:
        participants = participants.filter(organization=organization)
        contest_ids = list(participants.values_list("contest_id", flat=True).distinct().order_by())
    chosen = Contest.objects.filter(pk__in=contest_ids)
    result = Metrics(currency=currency, contests=len(contest_ids))
    totals = chosen.aggregate(other=Sum("other_costs_minor"))
    result.other_costs_minor = int(totals["other"] or 0)
    if organization is None:
        result.eligible = int(chosen.aggregate(e=Sum("eligible_count"))["e"] or 0)
    else:
        result.eligible = (
            int(
                chosen.filter(level=Level.INTER_FAMILY).aggregate(e=Sum("eligible_count"))["e"] or 0
            )
            + chosen.exclude(level=Level.INTER_FAMILY).count()
        )
    by_sex = dict(
        participants.values("head_sex").annotate(n=Count("pk")).values_list("head_sex", "n")
    )
    result.participants = sum(by_sex.values())
    result.participants_by_sex = dict(leverage.by_sex(by_sex.items()))
    result.participation_rate = leverage.participation_rate(result.participants, result.eligible)
    records = AssetRecord.objects.filter(participant__in=participants)
    after = records.filter(moment=Moment.AFTER).aggregate(v=Sum("value_minor"))["v"] or 0
    has_after = AssetRecord.objects.filter(
        participant_id=OuterRef("participant_id"),
        activity_id=OuterRef("activity_id"),
        moment=Moment.AFTER,
    )
    before = (
        records.filter(moment=Moment.BEFORE)
        .filter(Exists(has_after))
        .aggregate(v=Sum("value_minor"))["v"]
        or 0
    )
    result.assets_before_minor = int(
        records.filter(moment=Moment.BEFORE).aggregate(v=Sum("value_minor"))["v"] or 0
    )
    result.assets_after_minor = int(after)
    result.created_minor = int(after) - int(before)
    prizes = Prize.objects.filter(participant__in=participants)
    rows = prizes.values("participant__head_sex").annotate(
        total=Sum("amount_minor"),
        winners=Count("participant", distinct=True, filter=Q(kind="ranked")),
    )
    result.prizes_by_sex = dict(
        leverage.by_sex((r["participant__head_sex"], int(r["total"] or 0)) for r in rows)
    )
    result.winners_by_sex = dict(
        leverage.by_sex((r["participant__head_sex"], int(r["winners"] or 0)) for r in rows)
    )
    result.prizes_minor = sum(result.prizes_by_sex.values())
    result.paid_minor = int(
        prizes.filter(payment__state=PaymentState.EXECUTED).aggregate(v=Sum("amount_minor"))["v"]
        or 0
    )
    result.third_party_minor = int(
        ThirdPartyPrize.objects.filter(participant__in=participants).aggregate(
            v=Sum("amount_minor")
        )["v"]
        or 0
    )
    result.leverage = leverage.leverage(
        result.created_minor, result.prizes_minor + result.third_party_minor
    )
    result.programme_leverage = leverage.leverage(result.created_minor, result.prizes_minor)
    return result


def contests_for_metrics(
    *, user: Any, programme: Any = None, territory: Any = None, organization: Any = None
) -> QuerySet[Contest]:
    """Decided contests the user may read, narrowed to a programme, territory or organization."""
    queryset = restrict(Contest.objects.filter(state="decided"), user)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if territory is not None:
        queryset = queryset.filter(
            Q(territory=territory) | Q(organization__community__territories=territory)
        ).distinct()
    if organization is not None:
        queryset = queryset.filter(
            Q(organization=organization) | Q(participants__organization=organization)
        ).distinct()
    return queryset


@dataclass
class AdoptionRow:
    activity: str
    eligible: int
    points: list[leverage.AdoptionPoint]


def adoption(contests: QuerySet[Contest]) -> list[AdoptionRow]:
    """For each activity (by code) of the inter-family contests, how many families have taken it
    up (created assets in it) by each successive year, against the eligible families."""
    family = contests.filter(level=Level.INTER_FAMILY)
    eligible_by_org: dict[int, int] = {}
    for organization_id, eligible in family.values_list("organization_id", "eligible_count"):
        eligible_by_org[organization_id] = max(eligible_by_org.get(organization_id, 0), eligible)
    eligible = sum(eligible_by_org.values())
    names: dict[str, str] = {}
    adopters: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    pairs: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    keys: dict[tuple[int, int], tuple[str, int, int]] = {}
    for (
        participant_id,
        activity_id,
        code,
        name,
        year,
        household_id,
        moment,
        value,
    ) in AssetRecord.objects.filter(participant__contest__in=family).values_list(
        "participant_id",
        "activity_id",
        "activity__code",
        "activity__name",
        "participant__contest__held_on__year",
        "participant__household_id",
        "moment",
        "value_minor",
    ):
        names.setdefault(code, name)
        pairs[(participant_id, activity_id)][moment] = value
        keys[(participant_id, activity_id)] = (code, year, household_id or 0)
    for key, values in pairs.items():
        if leverage.asset_created(values.get("before"), values.get("after")) > 0:
            code, year, household_id = keys[key]
            adopters[code][year].add(household_id)
    rows = []
    for code in sorted(adopters, key=lambda c: names[c]):
        years = sorted(adopters[code])
        rows.append(
            AdoptionRow(
                activity=names[code],
                eligible=eligible,
                points=leverage.adoption(
                    [(str(year), adopters[code][year]) for year in years], eligible
                ),
            )
        )
    return rows


def payments_of(contest: Contest) -> QuerySet[PrizePayment]:
    return contest.payments.select_related(
        "organization", "bank_account__institution", "prepared_by", "approved_by"
    ).annotate(prize_count=Count("prizes"))
