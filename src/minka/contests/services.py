"""Every write of the Pacha Mama Raymi contests: set-up, enrolment, assets before and after,
jury and sheets, the published results (which commit the prizes in the ledger), third-party
prizes, and the prize payments (four eyes, executed through the ledger)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.clar import scoring
from minka.contests import ranking
from minka.contests.models import (
    Activity,
    ActivityCriterion,
    AssetRecord,
    Contest,
    ContestJuror,
    ContestState,
    Level,
    Moment,
    Participant,
    PaymentState,
    Prize,
    PrizeKind,
    PrizePayment,
    PrizeTier,
    ScoreSheet,
    Standing,
    TalkingMap,
    Theme,
    ThirdPartyPrize,
)
from minka.core.audit import audit_record
from minka.core.errors import DomainError
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.ledger.models import AccountKind
from minka.ledger.services import LegSpec, account_for, journal_post
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    Community,
    Household,
    Organization,
    Person,
)

CENT = Decimal("0.01")


def _centi(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _require_run(user: Any, contest: Contest) -> None:
    if not can(user, "change", contest):
        raise DomainError(_("You may not run this contest."), code="forbidden")


def _locked(contest: Contest) -> Contest:
    return (
        Contest.objects.select_for_update(of=("self",))
        .select_related("programme", "organization", "territory", "area", "funding_source")
        .get(pk=contest.pk)
    )


def _require_not_decided(contest: Contest) -> None:
    if contest.state == ContestState.DECIDED:
        raise DomainError(_("The results are published; the contest is closed."), code="closed")


def _may_change_area(user: Any, area: Any, programme: Any) -> bool:
    grants = user_scope(user).change
    if grants.everything:
        return True
    return programme.pk in grants.programme_ids or any(
        area.path.startswith(path) for path in grants.area_paths
    )


def _money(value: Money, currency: str, name: str) -> int:
    if value.currency != currency:
        raise DomainError(_("Amounts are in %(currency)s.") % {"currency": currency}, field=name)
    if value.amount_minor < 0:
        raise DomainError(_("Amounts cannot be negative."), field=name)
    return value.amount_minor


# --- set-up -----------------------------------------------------------------------------------


@transaction.atomic
def contest_create(
    *,
    user: Any,
    programme: Any,
    level: str,
    name: str,
    held_on: datetime.date,
    funding_source: Any,
    prize_pool: Money,
    theme: str = Theme.NATURAL_RESOURCES,
    organization: Organization | None = None,
    plan: Any = None,
    territory: Any = None,
    area: Any = None,
    number: int | None = None,
    place: str = "",
    participation_incentive: Money | None = None,
    winners: int = 3,
    factor: Decimal = Decimal(1),
    other_costs: Money | None = None,
    third_party_note: str = "",
    eligible_count: int | None = None,
    publish_family_names: bool = False,
) -> Contest:
    """Set up a contest. Inter-family contests belong to an organization's plan (numbered 1st to
    5th), inter-community contests to a territory; prizes are paid 100 % by the programme."""
    currency = programme.currency
    if level not in Level.values:
        raise DomainError(_("Choose the contest's level."), field="level")
    if theme not in Theme.values:
        raise DomainError(_("Choose the contest's theme."), field="theme")
    if not name.strip():
        raise DomainError(_("Give the contest a name."), field="name")
    if funding_source is None or funding_source.programme_id != programme.pk:
        raise DomainError(
            _("The funding source must be one of the programme's."), field="funding_source"
        )
    if level == Level.INTER_FAMILY:
        if organization is None:
            raise DomainError(
                _("An inter-family contest belongs to an organization's plan."),
                field="organization",
            )
        if number is None or not 1 <= number <= ranking.MAX_FAMILY_CONTEST_NUMBER:
            raise DomainError(_("Inter-family contests are numbered 1st to 5th."), field="number")
        if Contest.objects.filter(
            level=Level.INTER_FAMILY, organization=organization, number=number
        ).exists():
            raise DomainError(
                _("This organization already has its contest number %(number)d.")
                % {"number": number},
                field="number",
            )
        if plan is not None and plan.organization_id != organization.pk:
            raise DomainError(_("The plan must be the organization's."), field="plan")
        area = organization.district
        if organization.community_id is None:
            raise DomainError(
                _("The organization belongs to no community: its families cannot compete."),
                field="organization",
            )
        if eligible_count is None:
            eligible_count = (
                plan.families.count()
                if plan is not None
                else Household.objects.filter(community=organization.community).count()
            )
    else:
        number = None
        if level == Level.INTER_COMMUNITY:
            if territory is None:
                raise DomainError(
                    _("An inter-community contest runs within a territory or watershed."),
                    field="territory",
                )
            area = area or territory.area
            if eligible_count is None:
                eligible_count = territory.communities.count()
        if area is None:
            raise DomainError(_("Say in which area the contest runs."), field="area")
        if eligible_count is None:
            eligible_count = Community.objects.filter(district__path__startswith=area.path).count()
    if territory is not None and territory.programme_id not in (None, programme.pk):
        raise DomainError(_("The territory belongs to another programme."), field="territory")
    if not _may_change_area(user, area, programme):
        raise DomainError(_("You may not run contests in this area."), code="forbidden")
    pool = _money(prize_pool, currency, "prize_pool")
    if pool <= 0:
        raise DomainError(_("The prize pool must be positive."), field="prize_pool")
    incentive = _money(
        participation_incentive or Money.zero(currency), currency, "participation_incentive"
    )
    other = _money(other_costs or Money.zero(currency), currency, "other_costs")
    if winners < 1:
        raise DomainError(_("A contest has at least one winner."), field="winners")
    if factor <= 0 or (factor * 100) != (factor * 100).to_integral_value():
        raise DomainError(_("The factor is positive, with at most two decimals."), field="factor")
    sequence = Contest.objects.filter(programme=programme, held_on__year=held_on.year).count() + 1
    code = f"{programme.code}-PMR-{held_on.year}-{sequence:04d}"
    while Contest.objects.filter(code=code).exists():
        sequence += 1
        code = f"{programme.code}-PMR-{held_on.year}-{sequence:04d}"
    contest = Contest.objects.create(
        programme=programme,
        code=code,
        name=name.strip(),
        level=level,
        theme=theme,
        number=number,
        organization=organization if level == Level.INTER_FAMILY else None,
        plan=plan,
        territory=territory,
        area=area,
        held_on=held_on,
        place=place.strip(),
        funding_source=funding_source,
        currency=currency,
        prize_pool_minor=pool,
        participation_incentive_minor=incentive,
        winners=winners,
        factor_centi=_centi(factor),
        other_costs_minor=other,
        third_party_note=third_party_note.strip(),
        eligible_count=eligible_count or 0,
        publish_family_names=publish_family_names,
        created_by=user,
    )
    audit_record(
        actor=user,
        action="contest.created",
        obj=contest,
        programme=programme,
        data={"code": code, "level": level, "pool": pool},
    )
    return contest


@transaction.atomic
def activity_add(
    *,
    user: Any,
    contest: Contest,
    code: str,
    name: str,
    unit: str = "",
    criteria: Sequence[tuple[str, str, Decimal]] = (),
) -> Activity:
    """Add an activity (at most 3 in an inter-family contest) with its criteria."""
    contest = _locked(contest)
    _require_run(user, contest)
    if contest.state != ContestState.SETUP:
        raise DomainError(_("Activities are set before the contest opens."))
    existing = contest.activities.count()
    if contest.level == Level.INTER_FAMILY and existing >= ranking.MAX_FAMILY_ACTIVITIES:
        raise DomainError(
            _("An inter-family contest has at most %(count)d activities.")
            % {"count": ranking.MAX_FAMILY_ACTIVITIES},
            field="name",
            code="too_many_activities",
        )
    if not code.strip() or not name.strip():
        raise DomainError(_("Give the activity a code and a name."), field="name")
    if contest.activities.filter(code=code.strip()).exists():
        raise DomainError(_("This contest already has that activity."), field="code")
    activity = Activity.objects.create(
        contest=contest, code=code.strip(), name=name.strip(), unit=unit.strip(), order=existing
    )
    for criterion_code, label, max_points in criteria:
        _criterion_create(activity, criterion_code, label, max_points)
    return activity


def _criterion_create(
    activity: Activity, code: str, label: str, max_points: Decimal
) -> ActivityCriterion:
    if not code.strip() or not label.strip():
        raise DomainError(_("Give the criterion a code and a label."), field="label")
    if max_points <= 0 or (max_points * 100) != (max_points * 100).to_integral_value():
        raise DomainError(
            _("The maximum is positive, with at most two decimals."), field="max_points"
        )
    if activity.criteria.filter(code=code.strip()).exists():
        raise DomainError(_("The activity already has that criterion."), field="code")
    return ActivityCriterion.objects.create(
        activity=activity,
        code=code.strip(),
        label=label.strip(),
        max_points_centi=_centi(max_points),
        order=activity.criteria.count(),
    )


@transaction.atomic
def criterion_add(
    *, user: Any, activity: Activity, code: str, label: str, max_points: Decimal
) -> ActivityCriterion:
    contest = _locked(activity.contest)
    _require_run(user, contest)
    if contest.state != ContestState.SETUP:
        raise DomainError(_("Criteria are set before the contest opens."))
    return _criterion_create(activity, code, label, max_points)


def _categories(contest: Contest) -> int:
    return 3 if contest.uses_categories else 1


@transaction.atomic
def tiers_set(*, user: Any, contest: Contest, amounts: Sequence[Money]) -> list[PrizeTier]:
    """Replace the ranked prize tiers (1st, 2nd, …): positive, never rising, one for each
    winner, and within the prize pool for every activity (and category)."""
    contest = _locked(contest)
    _require_run(user, contest)
    if contest.state != ContestState.SETUP:
        raise DomainError(_("Prize tiers are set before the contest opens."))
    values = [_money(a, contest.currency, "amounts") for a in amounts]
    if not values or any(v <= 0 for v in values):
        raise DomainError(_("Give a positive prize for each place."), field="amounts")
    if any(later > earlier for earlier, later in zip(values, values[1:], strict=False)):
        raise DomainError(_("A lower place never wins more than a higher one."), field="amounts")
    if len(values) < contest.winners:
        raise DomainError(
            _("There are %(winners)d winners: give a prize for each of them.")
            % {"winners": contest.winners},
            field="amounts",
        )
    activities = max(contest.activities.count(), 1)
    if not ranking.tiers_fit(
        values,
        winners=contest.winners,
        activities=activities,
        categories=_categories(contest),
        pool_minor=contest.prize_pool_minor,
    ):
        raise DomainError(
            _("These prizes exceed the prize pool of %(pool)s.")
            % {"pool": contest.money(contest.prize_pool_minor)},
            field="amounts",
            code="over_pool",
        )
    contest.tiers.all().delete()
    return PrizeTier.objects.bulk_create(
        [
            PrizeTier(contest=contest, rank=rank, amount_minor=value)
            for rank, value in enumerate(values, start=1)
        ]
    )


@transaction.atomic
def contest_open(*, user: Any, contest: Contest) -> Contest:
    """Open the contest for scoring once its activities, criteria and tiers are complete."""
    contest = _locked(contest)
    _require_run(user, contest)
    if contest.state != ContestState.SETUP:
        raise DomainError(_("The contest is already open."))
    activities = list(contest.activities.prefetch_related("criteria"))
    if not activities:
        raise DomainError(_("Add at least one activity first."))
    for activity in activities:
        if not activity.criteria.all():
            raise DomainError(_("The activity %(name)s has no criteria.") % {"name": activity.name})
    tiers = list(contest.tiers.values_list("amount_minor", flat=True))
    if len(tiers) < contest.winners:
        raise DomainError(_("Set a prize for each winning place first."))
    if not ranking.tiers_fit(
        tiers,
        winners=contest.winners,
        activities=len(activities),
        categories=_categories(contest),
        pool_minor=contest.prize_pool_minor,
    ):
        raise DomainError(_("The prizes exceed the prize pool."), code="over_pool")
    contest.state = ContestState.OPEN
    contest.save(update_fields=["state"])
    audit_record(actor=user, action="contest.opened", obj=contest, programme=contest.programme)
    return contest


# --- enrolment and assets ---------------------------------------------------------------------


def _head(household: Household) -> Person | None:
    heads = [p for p in household.members.all() if p.relationship == "head"]
    return heads[0] if heads else None


def _next_number(contest: Contest) -> int:
    return (contest.participants.aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def participants_enrol(
    *,
    user: Any,
    contest: Contest,
    household_dnis: Sequence[str] = (),
    all_households: bool = False,
    organizations: Sequence[Organization] = (),
    category: str = "",
) -> list[Participant]:
    """Enrol households (inter-family: by the DNI of the head of household, or every household
    of the organization's community) or organizations (every other level)."""
    contest = _locked(contest)
    _require_run(user, contest)
    _require_not_decided(contest)
    if contest.uses_categories:
        if category not in ("A", "B", "C"):
            raise DomainError(
                _("A final contest puts each entry in category A, B or C."), field="category"
            )
    elif category:
        raise DomainError(_("Only final contests have categories."), field="category")
    number = _next_number(contest)
    created: list[Participant] = []
    if contest.level == Level.INTER_FAMILY:
        organization = contest.organization
        assert organization is not None
        if organizations:
            raise DomainError(
                _("Families compete in an inter-family contest."), field="organizations"
            )
        community_id = organization.community_id or 0
        households = Household.objects.filter(community_id=community_id)
        if all_households:
            chosen = list(households.prefetch_related("members").order_by("code"))
            already = set(contest.participants.values_list("household_id", flat=True))
            chosen = [h for h in chosen if h.pk not in already]
        else:
            dnis = [d.strip() for d in household_dnis if d.strip()]
            if not dnis:
                raise DomainError(_("Give the DNIs of the heads of household."), field="dnis")
            if len(set(dnis)) != len(dnis):
                raise DomainError(_("A family is listed twice."), field="dnis")
            persons = {
                p.dni: p
                for p in Person.objects.filter(
                    dni__in=dnis, relationship="head", household__isnull=False
                ).select_related("household")
            }
            unknown = [d for d in dnis if d not in persons]
            if unknown:
                raise DomainError(
                    _("These DNIs are not registered heads of household: %(dnis)s.")
                    % {"dnis": ", ".join(unknown)},
                    field="dnis",
                )
            outside = [
                d
                for d in dnis
                if getattr(persons[d].household, "community_id", None) != community_id
            ]
            if outside:
                raise DomainError(
                    _("These families are not of the organization's community: %(dnis)s.")
                    % {"dnis": ", ".join(outside)},
                    field="dnis",
                )
            ids = [persons[d].household_id or 0 for d in dnis]
            enrolled = set(
                contest.participants.filter(household_id__in=ids).values_list(
                    "household__code", flat=True
                )
            )
            if enrolled:
                raise DomainError(
                    _("Already enrolled: %(codes)s.") % {"codes": ", ".join(sorted(enrolled))},
                    field="dnis",
                )
            chosen = list(
                households.filter(pk__in=ids).prefetch_related("members").order_by("code")
            )
        for household in chosen:
            head = _head(household)
            created.append(
                Participant(
                    contest=contest,
                    number=number,
                    household=household,
                    organization=organization,
                    community_id=household.community_id,
                    head_sex=head.sex if head else "",
                    family_name=(
                        f"{head.paternal_surname} {head.maternal_surname}".strip() if head else ""
                    ),
                    enrolled_by=user,
                )
            )
            number += 1
    else:
        if household_dnis or all_households:
            raise DomainError(
                _("Organizations and communities compete at this level."), field="organizations"
            )
        if not organizations:
            raise DomainError(_("Choose the organizations to enrol."), field="organizations")
        territory_communities = (
            set(contest.territory.communities.values_list("pk", flat=True))
            if contest.territory_id and contest.territory is not None
            else None
        )
        for organization in organizations:
            if territory_communities is not None and (
                organization.community_id not in territory_communities
            ):
                raise DomainError(
                    _("%(name)s is not in the territory %(territory)s.")
                    % {"name": organization.name, "territory": contest.territory},
                    field="organizations",
                )
            if territory_communities is None and not organization.district.path.startswith(
                contest.area.path
            ):
                raise DomainError(
                    _("%(name)s is outside the contest's area.") % {"name": organization.name},
                    field="organizations",
                )
            if contest.participants.filter(
                organization=organization, household__isnull=True
            ).exists():
                raise DomainError(
                    _("%(name)s is already enrolled.") % {"name": organization.name},
                    field="organizations",
                )
            created.append(
                Participant(
                    contest=contest,
                    number=number,
                    organization=organization,
                    community_id=organization.community_id,
                    category=category,
                    enrolled_by=user,
                )
            )
            number += 1
    if not created:
        raise DomainError(_("Nobody new to enrol."), field="dnis")
    try:
        with transaction.atomic():
            participants = Participant.objects.bulk_create(created)
    except IntegrityError as exc:
        raise DomainError(_("Someone was enrolled at the same time; try again.")) from exc
    return participants


def _quantity_centi(quantity: Decimal | int) -> int:
    quantity = Decimal(quantity)
    if quantity < 0 or (quantity * 100) != (quantity * 100).to_integral_value():
        raise DomainError(
            _("The quantity is zero or more, with at most two decimals."), field="quantity"
        )
    return _centi(quantity)


@transaction.atomic
def asset_record(
    *,
    user: Any,
    participant: Participant,
    activity: Activity,
    moment: str,
    quantity: Decimal,
    unit: str,
    value: Money,
    description: str = "",
    photo: Any = None,
) -> AssetRecord:
    """Record (or correct) what a participant has in an activity before or after the contest."""
    contest = _locked(participant.contest)
    _require_run(user, contest)
    _require_not_decided(contest)
    if activity.contest_id != contest.pk or participant.contest_id != contest.pk:
        raise DomainError(_("The activity is not of this contest."), field="activity")
    if moment not in Moment.values:
        raise DomainError(_("Before or after?"), field="moment")
    defaults: dict[str, Any] = {
        "quantity_centi": _quantity_centi(quantity),
        "unit": (unit or activity.unit).strip(),
        "value_minor": _money(value, contest.currency, "value"),
        "description": description.strip(),
        "recorded_by": user,
    }
    if photo:
        defaults["photo"] = photo
    record, _created = AssetRecord.objects.update_or_create(
        participant=participant, activity=activity, moment=moment, defaults=defaults
    )
    return record


@transaction.atomic
def talking_map_submit(
    *,
    user: Any,
    participant: Participant,
    past_map: Any,
    present_map: Any,
    future_map: Any,
    commitments: str,
    plan: Any = None,
) -> TalkingMap:
    """The three maps of a community in a talking-map contest, its commitments and its plan."""
    contest = _locked(participant.contest)
    _require_run(user, contest)
    _require_not_decided(contest)
    if contest.theme != Theme.TALKING_MAPS:
        raise DomainError(_("Talking maps compete in talking-map contests."))
    if not commitments.strip():
        raise DomainError(_("Write down the community's commitments."), field="commitments")
    if not (past_map and present_map and future_map):
        raise DomainError(_("The three maps are needed: past, present and future."))
    if plan is not None and plan.organization_id != participant.organization_id:
        raise DomainError(_("The plan must be the community organization's."), field="plan")
    entry, _created = TalkingMap.objects.update_or_create(
        participant=participant,
        defaults={
            "past_map": past_map,
            "present_map": present_map,
            "future_map": future_map,
            "commitments": commitments.strip(),
            "plan": plan,
        },
    )
    return entry


# --- jury and sheets --------------------------------------------------------------------------


@transaction.atomic
def juror_add(
    *,
    user: Any,
    contest: Contest,
    juror_user: Any,
    institution: str,
    organization: Organization | None = None,
    community: Any = None,
) -> ContestJuror:
    """At most 3 jurors (4 in territory contests): the rule is checked with the contest locked,
    so two simultaneous additions cannot both pass."""
    contest = _locked(contest)
    _require_run(user, contest)
    _require_not_decided(contest)
    limit = ranking.max_jurors(contest.theme)
    if contest.jurors.count() >= limit:
        raise DomainError(
            _("This contest has its %(limit)d jurors already.") % {"limit": limit},
            field="username",
            code="jury_full",
        )
    if not juror_user.role_assignments.filter(
        role=Role.JUROR, programme=contest.programme
    ).exists():
        raise DomainError(
            _("Give the user the juror role in this programme first."), field="username"
        )
    if contest.jurors.filter(user=juror_user).exists():
        raise DomainError(_("This person is already on the jury."), field="username")
    if not institution.strip():
        raise DomainError(_("Say which institution the juror comes from."), field="institution")
    return ContestJuror.objects.create(
        contest=contest,
        user=juror_user,
        institution=institution.strip(),
        organization=organization,
        community=community,
    )


def _conflict(juror: ContestJuror, participant: Participant) -> bool:
    return (
        juror.organization_id is not None and juror.organization_id == participant.organization_id
    ) or (juror.community_id is not None and juror.community_id == participant.community_id)


def sheet_submit(
    *,
    user: Any,
    contest: Contest,
    participant: Participant,
    activity: Activity,
    points: dict[str, Decimal],
) -> ScoreSheet:
    """A juror's sheet for one participant in one activity. A juror never scores its own
    organization or community: the attempt is refused and logged in the audit trail."""
    juror = ContestJuror.objects.filter(contest=contest, user=user).first()
    if juror is None:
        raise DomainError(_("You are not on this contest's jury."), code="forbidden")
    if participant.contest_id != contest.pk or activity.contest_id != contest.pk:
        raise DomainError(_("This participant or activity is not of this contest."))
    if _conflict(juror, participant):
        with transaction.atomic():
            audit_record(
                actor=user,
                action="contest.conflict_refused",
                obj=participant,
                programme=contest.programme_id,
                data={"contest": contest.pk, "juror": juror.pk, "activity": activity.pk},
            )
        raise DomainError(
            _(
                "You cannot score your own organization or community; "
                "this attempt has been recorded."
            ),
            code="conflict",
        )
    with transaction.atomic():
        contest = _locked(contest)
        if contest.state != ContestState.OPEN:
            raise DomainError(_("Sheets are accepted while the contest is open."))
        criteria = list(activity.criteria.all())
        try:
            values = {code: Decimal(str(value)) for code, value in points.items()}
        except ArithmeticError as exc:
            raise DomainError(_("Points are numbers."), field="points") from exc
        try:
            total = scoring.sheet_total(
                values,
                [scoring.Criterion(c.code, Decimal(c.max_points_centi) / 100) for c in criteria],
            )
        except scoring.ScoringError as exc:
            raise DomainError(str(exc), field=exc.criterion or "points") from exc
        sheet, _created = ScoreSheet.objects.update_or_create(
            juror=juror,
            participant=participant,
            activity=activity,
            defaults={
                "contest": contest,
                "points": {code: str(value.quantize(CENT)) for code, value in values.items()},
                "total_centi": _centi(total),
            },
        )
        return sheet


# --- results ----------------------------------------------------------------------------------


@dataclass
class Line:
    """One participant in one activity's ranking."""

    participant: Participant
    activity: Activity
    totals: dict[int, int] = field(default_factory=dict)  # juror id → sheet total (hundredths)
    mean: int | None = None
    score: int | None = None
    created_minor: int = 0
    rank: int | None = None
    prize_minor: int = 0


@dataclass
class Results:
    contest: Contest
    activities: list[Activity]
    lines: dict[int, list[Line]]  # activity id → lines in published order (unscored last)
    participants: list[Participant]
    ranked_minor: int
    incentive_minor: int
    tie_break: tuple[str, ...] = ranking.TIE_BREAK_RULE

    @property
    def total_minor(self) -> int:
        return self.ranked_minor + self.incentive_minor


def asset_values(contest: Contest) -> dict[tuple[int, int], dict[str, int]]:
    """(participant, activity) → {"before": value, "after": value} in one query."""
    values: dict[tuple[int, int], dict[str, int]] = {}
    for participant_id, activity_id, moment, value in AssetRecord.objects.filter(
        participant__contest=contest
    ).values_list("participant_id", "activity_id", "moment", "value_minor"):
        values.setdefault((participant_id, activity_id), {})[moment] = value
    return values


def contest_results(contest: Contest) -> Results:
    """Scores, rankings and prizes as they stand (nothing is written): a bounded number of
    queries whatever the number of participants."""
    from minka.contests.leverage import asset_created

    activities = list(contest.activities.all())
    participants = list(
        contest.participants.select_related("organization", "community", "household")
    )
    by_id = {p.pk: p for p in participants}
    tiers = list(contest.tiers.order_by("rank").values_list("amount_minor", flat=True))
    values = asset_values(contest)
    sheets: dict[tuple[int, int], dict[int, int]] = {}
    for participant_id, activity_id, juror_id, total in ScoreSheet.objects.filter(
        contest=contest
    ).values_list("participant_id", "activity_id", "juror_id", "total_centi"):
        sheets.setdefault((participant_id, activity_id), {})[juror_id] = total
    factor = Decimal(contest.factor_centi) / 100
    lines: dict[int, list[Line]] = {}
    ranked_minor = 0
    for activity in activities:
        rows: dict[int, Line] = {}
        entries = []
        for participant in participants:
            key = (participant.pk, activity.pk)
            pair = values.get(key, {})
            line = Line(
                participant=participant,
                activity=activity,
                totals=sheets.get(key, {}),
                created_minor=asset_created(pair.get("before"), pair.get("after")),
            )
            if line.totals:
                juror_totals = [Decimal(v) / 100 for v in line.totals.values()]
                line.mean = _centi(ranking.contest_score(juror_totals, 1))
                line.score = _centi(ranking.contest_score(juror_totals, factor))
            rows[participant.pk] = line
            entries.append(
                ranking.Entry(
                    id=participant.pk,
                    score=None if line.score is None else Decimal(line.score) / 100,
                    created_minor=line.created_minor,
                    number=participant.number,
                    category=participant.category,
                )
            )
        awards = ranking.award(entries, tiers, contest.winners, by_category=contest.uses_categories)
        ordered = []
        for item in awards:
            line = rows[item.id]
            line.rank, line.prize_minor = item.rank, item.prize_minor
            ranked_minor += item.prize_minor
            ordered.append(line)
        ordered += [line for line in rows.values() if line.score is None]
        lines[activity.pk] = ordered
    del by_id
    return Results(
        contest=contest,
        activities=activities,
        lines=lines,
        participants=participants,
        ranked_minor=ranked_minor,
        incentive_minor=len(participants) * contest.participation_incentive_minor,
    )


def _committed(contest: Contest) -> Any:
    return account_for(
        programme=contest.programme,
        kind=AccountKind.COMMITTED,
        currency=contest.currency,
        commitment=contest.commitment_ref,
        concept="prizes",
    )


def _budget(contest: Contest) -> Any:
    return account_for(
        programme=contest.programme,
        kind=AccountKind.BUDGET,
        currency=contest.currency,
        funding_source=contest.funding_source,
    )


@transaction.atomic
def contest_decide(*, user: Any, contest: Contest) -> Contest:
    """Publish the results: standings, ranked prizes by tier (one per participant and activity)
    and participation incentives; the prize money is committed in the ledger (COMMITTED ←
    BUDGET), refused if the budget of the funding source is short."""
    contest = _locked(contest)
    _require_run(user, contest)
    if contest.state != ContestState.OPEN:
        raise DomainError(_("Only an open contest can publish its results."))
    results = contest_results(contest)
    if not any(line.score is not None for rows in results.lines.values() for line in rows):
        raise DomainError(_("Nobody has been scored yet."))
    if results.total_minor > contest.prize_pool_minor:
        raise DomainError(
            _("The prizes (%(total)s) exceed the prize pool (%(pool)s).")
            % {
                "total": contest.money(results.total_minor),
                "pool": contest.money(contest.prize_pool_minor),
            },
            code="over_pool",
        )
    standings = []
    prizes = []
    for activity_lines in results.lines.values():
        for line in activity_lines:
            standings.append(
                Standing(
                    contest=contest,
                    participant=line.participant,
                    activity=line.activity,
                    score_centi=line.score,
                    mean_centi=line.mean,
                    rank=line.rank,
                )
            )
            if line.prize_minor:
                prizes.append(
                    Prize(
                        contest=contest,
                        participant=line.participant,
                        activity=line.activity,
                        kind=PrizeKind.RANKED,
                        rank=line.rank,
                        amount_minor=line.prize_minor,
                    )
                )
    if contest.participation_incentive_minor:
        prizes += [
            Prize(
                contest=contest,
                participant=participant,
                kind=PrizeKind.PARTICIPATION,
                amount_minor=contest.participation_incentive_minor,
            )
            for participant in results.participants
        ]
    Standing.objects.bulk_create(standings)
    Prize.objects.bulk_create(prizes)
    if results.total_minor:
        amount = contest.money(results.total_minor)
        contest.commitment_journal = journal_post(
            programme=contest.programme,
            kind="commitment",
            legs=[LegSpec(_committed(contest), amount), LegSpec(_budget(contest), -amount)],
            memo=_("Prizes of contest %(code)s") % {"code": contest.code},
            effective_date=contest.held_on,
            idempotency_key=f"contest:{contest.pk}:commit",
            actor=user,
            reference=contest.code,
        )
    contest.state, contest.decided_at, contest.decided_by = (
        ContestState.DECIDED,
        timezone.now(),
        user,
    )
    contest.save(update_fields=["state", "decided_at", "decided_by", "commitment_journal"])
    audit_record(
        actor=user,
        action="contest.decided",
        obj=contest,
        programme=contest.programme,
        data={
            "ranked": results.ranked_minor,
            "incentives": results.incentive_minor,
            "prizes": len(prizes),
        },
    )
    return contest


@transaction.atomic
def third_party_prize_record(
    *,
    user: Any,
    contest: Contest,
    participant: Participant,
    source: str,
    amount: Money,
    activity: Activity | None = None,
) -> ThirdPartyPrize:
    """Prize money given by someone else (a municipality, an NGO), recorded by source."""
    contest = _locked(contest)
    _require_run(user, contest)
    if participant.contest_id != contest.pk:
        raise DomainError(_("This participant is not of this contest."), field="participant")
    if activity is not None and activity.contest_id != contest.pk:
        raise DomainError(_("The activity is not of this contest."), field="activity")
    if not source.strip():
        raise DomainError(_("Say who gives the prize."), field="source")
    value = _money(amount, contest.currency, "amount")
    if value <= 0:
        raise DomainError(_("The amount must be positive."), field="amount")
    return ThirdPartyPrize.objects.create(
        contest=contest,
        participant=participant,
        activity=activity,
        source=source.strip(),
        amount_minor=value,
        recorded_by=user,
    )


# --- payments ---------------------------------------------------------------------------------


def verified_account(organization: Organization, currency: str) -> BankAccount | None:
    return (
        BankAccount.objects.filter(
            organization=organization,
            status=AccountStatus.VERIFIED,
            institution__sbs_regulated=True,
            currency=currency,
        )
        .select_related("institution")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def payment_prepare(
    *,
    user: Any,
    contest: Contest,
    organization: Organization,
    participant: Participant | None = None,
) -> PrizePayment:
    """Prepare the transfer of the unpaid prizes of one winner (`participant`) or, as a batch,
    of every participant the organization receives prizes for (the organization then pays its
    families)."""
    contest = _locked(contest)
    _require_run(user, contest)
    if contest.state != ContestState.DECIDED:
        raise DomainError(_("Prizes are paid after the results are published."))
    prizes = Prize.objects.select_for_update(of=("self",)).filter(
        contest=contest, payment__isnull=True, participant__organization=organization
    )
    if participant is not None:
        if participant.contest_id != contest.pk or participant.organization_id != organization.pk:
            raise DomainError(_("This winner is not paid through that organization."))
        prizes = prizes.filter(participant=participant)
    rows = list(prizes.values_list("pk", "amount_minor"))
    ids, total = [pk for pk, _amount in rows], sum(amount for _pk, amount in rows)
    if not ids:
        raise DomainError(_("No unpaid prize is left for this organization."), code="nothing")
    account = verified_account(organization, contest.currency)
    if account is None:
        raise DomainError(
            _(
                "%(name)s has no verified account at an SBS-regulated institution; "
                "verify one before any money moves."
            )
            % {"name": organization.name},
            code="no_account",
        )
    sequence = PrizePayment.objects.filter(contest=contest).count() + 1
    payment = PrizePayment.objects.create(
        contest=contest,
        number=f"ATF-{contest.code}-{sequence:03d}",
        organization=organization,
        bank_account=account,
        amount_minor=total,
        prepared_by=user,
    )
    Prize.objects.filter(pk__in=ids).update(payment=payment)
    audit_record(
        actor=user,
        action="contest.payment_prepared",
        obj=payment,
        programme=contest.programme,
        data={"number": payment.number, "amount": total, "prizes": len(ids)},
    )
    return payment


def _locked_payment(payment: PrizePayment) -> tuple[Contest, PrizePayment]:
    contest = _locked(payment.contest)
    return contest, PrizePayment.objects.select_for_update(of=("self",)).select_related(
        "organization"
    ).get(pk=payment.pk)


@transaction.atomic
def payment_approve(*, user: Any, payment: PrizePayment) -> PrizePayment:
    contest, payment = _locked_payment(payment)
    _require_run(user, contest)
    if payment.state != PaymentState.PREPARED:
        raise DomainError(_("Only a prepared payment can be approved."))
    if payment.prepared_by_id == getattr(user, "pk", None):
        raise DomainError(
            _("The person who prepared a payment cannot approve it."), code="four_eyes"
        )
    payment.state, payment.approved_by, payment.approved_at = (
        PaymentState.APPROVED,
        user,
        timezone.now(),
    )
    payment.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(
        actor=user,
        action="contest.payment_approved",
        obj=payment,
        programme=contest.programme,
        data={"number": payment.number},
    )
    return payment


@transaction.atomic
def payment_execute(
    *, user: Any, payment: PrizePayment, bank_reference: str, executed_on: datetime.date
) -> PrizePayment:
    """Record the bank transfer: the prizes leave the contest's commitment and reach the
    organization (HELD ← COMMITTED), and, since prizes are used on arrival, are accounted for
    (SPENT ← HELD); two journals, each posted once (idempotency keys per payment)."""
    contest, payment = _locked_payment(payment)
    _require_run(user, contest)
    if payment.state != PaymentState.APPROVED:
        raise DomainError(_("Only an approved payment can be executed."))
    reference = bank_reference.strip()
    if not reference:
        raise DomainError(_("Give the bank's reference of the transfer."), field="bank_reference")
    amount = contest.money(payment.amount_minor)
    programme, currency, ref = contest.programme, contest.currency, contest.commitment_ref
    held = account_for(
        programme=programme,
        kind=AccountKind.HELD,
        currency=currency,
        organization=payment.organization,
        commitment=ref,
    )
    spent = account_for(
        programme=programme,
        kind=AccountKind.SPENT,
        currency=currency,
        organization=payment.organization,
        commitment=ref,
        concept="prizes",
    )
    memo = _("Prizes of contest %(code)s to %(name)s") % {
        "code": contest.code,
        "name": payment.organization.name,
    }
    journal = journal_post(
        programme=programme,
        kind="disbursement",
        legs=[LegSpec(held, amount), LegSpec(_committed(contest), -amount)],
        memo=memo,
        effective_date=executed_on,
        idempotency_key=f"contest-payment:{payment.pk}:disburse",
        actor=user,
        reference=reference,
    )
    journal_post(
        programme=programme,
        kind="spending",
        legs=[LegSpec(spent, amount), LegSpec(held, -amount)],
        memo=memo,
        effective_date=executed_on,
        idempotency_key=f"contest-payment:{payment.pk}:spend",
        actor=user,
        reference=reference,
    )
    payment.state, payment.executed_by, payment.executed_on = (
        PaymentState.EXECUTED,
        user,
        executed_on,
    )
    payment.bank_reference, payment.journal = reference, journal
    payment.save(update_fields=["state", "executed_by", "executed_on", "bank_reference", "journal"])
    return payment


@transaction.atomic
def payment_cancel(*, user: Any, payment: PrizePayment, reason: str) -> PrizePayment:
    """Cancel a payment not yet executed; its prizes become payable again."""
    contest, payment = _locked_payment(payment)
    _require_run(user, contest)
    if payment.state in (PaymentState.EXECUTED, PaymentState.CANCELLED):
        raise DomainError(_("An executed or cancelled payment cannot be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the payment is cancelled."), field="reason")
    payment.state = PaymentState.CANCELLED
    payment.save(update_fields=["state"])
    Prize.objects.filter(payment=payment).update(payment=None)
    audit_record(
        actor=user,
        action="contest.payment_cancelled",
        obj=payment,
        programme=contest.programme,
        data={"reason": reason.strip()},
    )
    return payment
