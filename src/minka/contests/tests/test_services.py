"""Contest rules end to end through the services: set-up, enrolment, assets, jury limits and
conflicts, sheets, factor, ties, tiers, one prize per activity, the ledger and four eyes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from minka.contests import selectors, services
from minka.contests.models import (
    ContestState,
    PaymentState,
    Prize,
    PrizeKind,
    PrizePayment,
    Standing,
)
from minka.contests.tests.conftest import D, family_contest, pen, seat
from minka.core.errors import DomainError
from minka.core.models import AuditEvent
from minka.ledger.models import Account, Journal, Leg
from minka.ledger.services import balance

pytestmark = pytest.mark.django_db


def score(world, contest, juror_index, participant, activity, avance, calidad):
    return services.sheet_submit(
        user=world.jurors[juror_index],
        contest=contest,
        participant=participant,
        activity=activity,
        points={"avance": Decimal(avance), "calidad": Decimal(calidad)},
    )


def enrolled(world, contest, count=4):
    return services.participants_enrol(
        user=world.users["officer"],
        contest=contest,
        household_dnis=[h.dni for h in world.heads[:count]],
    )


def assets(world, participant, activity, before, after):
    for moment, value in (("before", before), ("after", after)):
        services.asset_record(
            user=world.users["officer"],
            participant=participant,
            activity=activity,
            moment=moment,
            quantity=Decimal("10.5"),
            unit="m²",
            value=pen(value),
        )


# --- set-up rules -----------------------------------------------------------------------------


def test_family_contest_is_numbered_and_counts_its_eligible_families(contests):
    contest = family_contest(contests)
    assert contest.number == 1 and contest.area == contests.areas["030201"]
    assert contest.eligible_count == 7  # the world's household of B + 6 families
    with pytest.raises(DomainError) as error:
        family_contest(contests, number=1)
    assert error.value.field == "number"
    with pytest.raises(DomainError):
        family_contest(contests, number=6)


def test_at_most_three_activities_in_an_inter_family_contest(contests):
    contest = family_contest(contests, activities=3)
    with pytest.raises(DomainError) as error:
        services.activity_add(
            user=contests.users["officer"], contest=contest, code="riego", name="Riego"
        )
    assert error.value.code == "too_many_activities"


def test_tiers_must_fit_the_pool_and_cover_the_winners(contests):
    contest = family_contest(contests)
    with pytest.raises(DomainError) as error:  # 2 activities × 3,000 > 5,000
        services.tiers_set(
            user=contests.users["officer"],
            contest=contest,
            amounts=[pen("1500"), pen("1000"), pen("500")],
        )
    assert error.value.code == "over_pool"
    with pytest.raises(DomainError):  # 3 winners, 2 tiers
        services.tiers_set(
            user=contests.users["officer"], contest=contest, amounts=[pen("300"), pen("200")]
        )
    with pytest.raises(DomainError):  # rising tiers
        services.tiers_set(
            user=contests.users["officer"],
            contest=contest,
            amounts=[pen("100"), pen("200"), pen("300")],
        )


def test_only_staff_in_scope_set_up_contests(contests):
    for username in ("juror", "treasurer", "monitor", "auditor", "provider"):
        with pytest.raises(DomainError):
            family_contest(contests, user=username)
    # the manager of CORREDOR's area cannot run MARENASS contests: an officer elsewhere neither
    contest = family_contest(contests)
    with pytest.raises(DomainError):
        services.contest_open(user=contests.users["monitor"], contest=contest)


def test_enrolment_by_dni_of_the_head_of_household(contests):
    contest = family_contest(contests)
    participants = enrolled(contests, contest, 3)
    assert [p.number for p in participants] == [1, 2, 3]
    assert participants[0].head_sex == "F" and participants[1].head_sex == "M"
    with pytest.raises(DomainError):  # twice
        enrolled(contests, contest, 1)
    with pytest.raises(DomainError) as error:  # a family of another community
        services.participants_enrol(
            user=contests.users["officer"],
            contest=contest,
            household_dnis=[contests.persons["head_a"].dni],
        )
    assert error.value.field == "dnis"
    rest = services.participants_enrol(
        user=contests.users["officer"], contest=contest, all_households=True
    )
    assert len(rest) == 4  # the other three families and the world's household of B


def test_inter_community_enrols_organizations_of_the_territory(contests):
    contest = services.contest_create(
        user=contests.users["officer"],
        programme=contests.programmes["marenass"],
        level="community",
        name="Concurso intercomunal",
        held_on=D(2025, 10, 1),
        funding_source=contests.source,
        prize_pool=pen("30000"),
        territory=contests.territories["chumbao"],
    )
    assert contest.eligible_count == 3
    with pytest.raises(DomainError):
        services.participants_enrol(
            user=contests.users["officer"],
            contest=contest,
            organizations=[contests.organizations["a"]],
        )
    services.participants_enrol(
        user=contests.users["officer"],
        contest=contest,
        organizations=[contests.organizations["d"], contests.organizations["e"]],
    )
    assert contest.participants.count() == 2


# --- jury -------------------------------------------------------------------------------------


def test_at_most_three_jurors_and_four_in_territory_contests(contests):
    contest = family_contest(contests)
    seat(contests, contest, 3)
    with pytest.raises(DomainError) as error:
        services.juror_add(
            user=contests.users["officer"],
            contest=contest,
            juror_user=contests.jurors[3],
            institution="ONG",
        )
    assert error.value.code == "jury_full"
    territory = services.contest_create(
        user=contests.users["officer"],
        programme=contests.programmes["marenass"],
        level="clar",
        theme="territory",
        name="Concurso de territorio",
        held_on=D(2025, 11, 1),
        funding_source=contests.source,
        prize_pool=pen("20000"),
        area=contests.areas["0302"],
    )
    seat(contests, territory, 4)
    assert territory.jurors.count() == 4


def test_a_juror_needs_the_role_in_the_programme(contests):
    contest = family_contest(contests)
    with pytest.raises(DomainError):
        services.juror_add(
            user=contests.users["officer"],
            contest=contest,
            juror_user=contests.users["monitor"],
            institution="X",
        )


def test_conflict_of_interest_is_refused_and_logged(contests):
    contest = family_contest(contests)
    juror = services.juror_add(
        user=contests.users["officer"],
        contest=contest,
        juror_user=contests.jurors[0],
        institution="Comunidad",
        community=contests.communities["b"],
    )
    participant = enrolled(contests, contest, 1)[0]
    services.contest_open(user=contests.users["officer"], contest=contest)
    with pytest.raises(DomainError) as error:
        score(contests, contest, 0, participant, contest.activities.first(), 50, 30)
    assert error.value.code == "conflict"
    event = AuditEvent.objects.get(action="contest.conflict_refused")
    assert event.data["juror"] == juror.pk
    assert not contest.sheets.exists()


def test_sheets_are_checked_against_the_criteria(contests):
    contest = family_contest(contests)
    seat(contests, contest, 1)
    participant = enrolled(contests, contest, 1)[0]
    activity = contest.activities.first()
    with pytest.raises(DomainError):  # not open yet
        score(contests, contest, 0, participant, activity, 50, 30)
    services.contest_open(user=contests.users["officer"], contest=contest)
    with pytest.raises(DomainError) as error:
        score(contests, contest, 0, participant, activity, 61, 30)
    assert error.value.field == "avance"
    with pytest.raises(DomainError):  # not a juror
        services.sheet_submit(
            user=contests.users["officer"],
            contest=contest,
            participant=participant,
            activity=activity,
            points={"avance": 1, "calidad": 1},
        )
    sheet = score(contests, contest, 0, participant, activity, "50.5", 30)
    assert sheet.total_centi == 8050


# --- results ----------------------------------------------------------------------------------


def run_family_contest(world, factor=Decimal("1.5")):
    contest = family_contest(world, factor=factor)
    seat(world, contest, 3)
    p1, p2, p3, p4 = enrolled(world, contest, 4)
    terrazas, cuyes = list(contest.activities.all())
    services.contest_open(user=world.users["officer"], contest=contest)
    # Terrazas: p1 80/70/60 → mean 70; p2 and p3 tie at 60 (p3 created more assets); p4 40.
    for j, (a, c) in enumerate([(50, 30), (40, 30), (30, 30)]):
        score(world, contest, j, p1, terrazas, a, c)
    for participant in (p2, p3):
        for j in range(3):
            score(world, contest, j, participant, terrazas, 40, 20)
    for j in range(3):
        score(world, contest, j, p4, terrazas, 20, 20)
    assets(world, p2, terrazas, "100", "600")
    assets(world, p3, terrazas, "100", "900")
    # Cuyes: only p1 and p2 scored; p1 first again
    score(world, contest, 0, p1, cuyes, 60, 40)
    score(world, contest, 0, p2, cuyes, 30, 40)
    return contest, (p1, p2, p3, p4), (terrazas, cuyes)


def test_score_is_mean_of_jurors_times_factor_and_ties_follow_the_published_rule(contests):
    contest, (p1, p2, p3, p4), (terrazas, cuyes) = run_family_contest(contests)
    results = services.contest_results(contest)
    lines = results.lines[terrazas.pk]
    assert [(line.participant, line.rank) for line in lines] == [(p1, 1), (p3, 2), (p2, 3), (p4, 4)]
    assert lines[0].mean == 7000 and lines[0].score == 10500  # 70 × 1.5
    assert [line.prize_minor for line in lines] == [30000, 20000, 10000, 0]
    cuyes_lines = results.lines[cuyes.pk]
    assert [(line.participant, line.rank) for line in cuyes_lines[:2]] == [(p1, 1), (p2, 2)]
    assert cuyes_lines[2].rank is None and cuyes_lines[2].prize_minor == 0
    assert results.ranked_minor == 30000 + 20000 + 10000 + 30000 + 20000
    assert results.incentive_minor == 4 * 2000


def test_decide_commits_the_prizes_one_per_participant_and_activity(contests):
    contest, (p1, p2, p3, p4), (terrazas, cuyes) = run_family_contest(contests)
    budget_before = balance(services._budget(contest)).amount_minor
    services.contest_decide(user=contests.users["officer"], contest=contest)
    contest.refresh_from_db()
    assert contest.state == ContestState.DECIDED
    total = 110000 + 8000
    assert balance(services._committed(contest)).amount_minor == total
    assert balance(services._budget(contest)).amount_minor == budget_before - total
    assert Prize.objects.filter(contest=contest, kind=PrizeKind.RANKED).count() == 5
    assert Prize.objects.filter(contest=contest, kind=PrizeKind.PARTICIPATION).count() == 4
    assert (
        Standing.objects.filter(contest=contest, activity=terrazas, rank=2).get().participant == p3
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Prize.objects.create(
            contest=contest,
            participant=p1,
            activity=terrazas,
            kind=PrizeKind.RANKED,
            rank=1,
            amount_minor=100,
        )
    with pytest.raises(DomainError):
        services.contest_decide(user=contests.users["officer"], contest=contest)


def test_decide_is_refused_when_the_budget_is_short(contests):
    contest, _participants, _activities = run_family_contest(contests)
    source = contests.source
    source.programme.funding_sources.update()  # no change; drain the budget instead
    from minka.ledger.services import LegSpec, account_for, journal_post

    budget = services._budget(contest)
    other = account_for(
        programme=contest.programme, kind="committed", currency="PEN", commitment="drain"
    )
    left = balance(budget)
    journal_post(
        programme=contest.programme,
        kind="commitment",
        legs=[LegSpec(other, left), LegSpec(budget, -left)],
        memo="drain",
        effective_date=D(2025, 1, 3),
        idempotency_key="drain",
    )
    with pytest.raises(DomainError) as error:
        services.contest_decide(user=contests.users["officer"], contest=contest)
    assert error.value.code == "insufficient"
    assert not Prize.objects.filter(contest=contest).exists()


def test_prizes_over_the_pool_are_refused(contests):
    contest, _p, _a = run_family_contest(contests)
    type(contest).objects.filter(pk=contest.pk).update(prize_pool_minor=100000)
    with pytest.raises(DomainError) as error:
        services.contest_decide(user=contests.users["officer"], contest=contest)
    assert error.value.code == "over_pool"


# --- payments ---------------------------------------------------------------------------------


def test_batch_payment_four_eyes_and_ledger_balances(contests):
    contest, _p, _a = run_family_contest(contests)
    services.contest_decide(user=contests.users["officer"], contest=contest)
    organization = contests.organizations["b"]
    payment = services.payment_prepare(
        user=contests.users["officer"], contest=contest, organization=organization
    )
    assert payment.amount_minor == 118000 and payment.prizes.count() == 9
    with pytest.raises(DomainError) as error:
        services.payment_approve(user=contests.users["officer"], payment=payment)
    assert error.value.code == "four_eyes"
    with pytest.raises(DomainError):
        services.payment_execute(
            user=contests.users["officer"],
            payment=payment,
            bank_reference="OP-1",
            executed_on=D(2025, 9, 10),
        )
    services.payment_approve(user=contests.users["manager"], payment=payment)
    with pytest.raises(DomainError):
        services.payment_execute(
            user=contests.users["officer"],
            payment=payment,
            bank_reference=" ",
            executed_on=D(2025, 9, 10),
        )
    services.payment_execute(
        user=contests.users["officer"],
        payment=payment,
        bank_reference="OP-1",
        executed_on=D(2025, 9, 10),
    )
    payment.refresh_from_db()
    assert payment.state == PaymentState.EXECUTED
    ref = contest.commitment_ref
    accounts = Account.objects.filter(commitment=ref)
    by_kind = {a.kind: balance(a).amount_minor for a in accounts}
    assert by_kind == {"committed": 0, "held": 0, "spent": 118000}
    for journal in Journal.objects.filter(reference__in=["OP-1", contest.code]):
        assert sum(journal.legs.values_list("amount_minor", flat=True)) == 0
    # commitment (committed leg), disbursement (2 legs), spending (2 legs); budget has no ref
    assert Leg.objects.filter(account__commitment=ref).count() == 5
    with pytest.raises(DomainError):  # nothing left to pay
        services.payment_prepare(
            user=contests.users["officer"], contest=contest, organization=organization
        )


def test_the_database_refuses_self_approval(contests):
    contest, _p, _a = run_family_contest(contests)
    services.contest_decide(user=contests.users["officer"], contest=contest)
    payment = services.payment_prepare(
        user=contests.users["officer"], contest=contest, organization=contests.organizations["b"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PrizePayment.objects.filter(pk=payment.pk).update(approved_by=contests.users["officer"])


def test_cancelled_payment_frees_its_prizes_and_per_winner_payments(contests):
    contest, (p1, *_rest), _a = run_family_contest(contests)
    services.contest_decide(user=contests.users["officer"], contest=contest)
    organization = contests.organizations["b"]
    payment = services.payment_prepare(
        user=contests.users["officer"], contest=contest, organization=organization, participant=p1
    )
    assert payment.amount_minor == 30000 + 30000 + 2000
    services.payment_cancel(user=contests.users["officer"], payment=payment, reason="Error")
    assert not Prize.objects.filter(payment__isnull=False).exists()
    again = services.payment_prepare(
        user=contests.users["officer"], contest=contest, organization=organization, participant=p1
    )
    assert again.amount_minor == payment.amount_minor


def test_payment_needs_a_verified_account(contests):
    contest, _p, _a = run_family_contest(contests)
    services.contest_decide(user=contests.users["officer"], contest=contest)
    contests.accounts["b"].status = "pending"
    contests.accounts["b"].save()
    with pytest.raises(DomainError) as error:
        services.payment_prepare(
            user=contests.users["officer"],
            contest=contest,
            organization=contests.organizations["b"],
        )
    assert error.value.code == "no_account"


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_leverage_and_participation(contests):
    contest, (p1, p2, p3, p4), (terrazas, cuyes) = run_family_contest(contests)
    services.contest_decide(user=contests.users["officer"], contest=contest)
    services.third_party_prize_record(
        user=contests.users["officer"],
        contest=contest,
        participant=p1,
        source="Municipalidad",
        amount=pen("200"),
    )
    from minka.contests.models import Contest

    result = selectors.metrics(Contest.objects.filter(pk=contest.pk))
    assert result.participants == 4 and result.eligible == 7
    assert result.participation_rate == Decimal("57.14")
    assert result.created_minor == 50000 + 80000
    assert result.prizes_minor == 118000 and result.third_party_minor == 20000
    assert result.leverage == Decimal("0.94")  # 1,300 / 1,380
    assert result.programme_leverage == Decimal("1.10")
    assert result.participants_by_sex == {"F": 2, "M": 2, "other": 0}
    assert sum(result.prizes_by_sex.values()) == 118000
    rows = selectors.adoption(Contest.objects.filter(pk=contest.pk))
    assert rows[0].activity == "Terrazas" and rows[0].points[0].adopters == 2
