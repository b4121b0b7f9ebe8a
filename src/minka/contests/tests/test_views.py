"""The whole flow in the browser's shoes: an officer runs an inter-family and an
inter-community contest from set-up to paid prizes, the acta and the public page; roles that
may not act are refused."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from minka.contests import services
from minka.contests.models import Contest, ContestState, PaymentState, PrizePayment
from minka.contests.tests.conftest import D, family_contest, pen, seat
from minka.ledger.models import Account
from minka.ledger.services import balance

pytestmark = pytest.mark.django_db


def post(client, name, args, data, status=302):
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


def test_officer_runs_an_inter_family_contest_end_to_end(contests, client):
    world = contests
    officer = client
    officer.force_login(world.users["officer"])
    post(
        officer,
        "contests-create",
        [],
        {
            "level": "family",
            "theme": "resources",
            "name": "Primer concurso interfamiliar",
            "held_on": "2025-09-01",
            "place": "Local comunal",
            "funding_source": world.source.pk,
            "organization": world.organizations["b"].pk,
            "number": 1,
            "prize_pool": "3000",
            "participation_incentive": "20",
            "winners": 2,
            "factor": "1",
            "other_costs": "150",
        },
    )
    contest = Contest.objects.get()
    post(
        officer,
        "contest-activity-add",
        [contest.pk],
        {
            "code": "terrazas",
            "name": "Terrazas",
            "unit": "m²",
            "criteria": "avance; Avance físico; 60\ncalidad; Calidad; 40",
        },
    )
    post(officer, "contest-tiers", [contest.pk], {"amounts": "300\n150"})
    for juror in world.jurors[:2]:
        post(
            officer,
            "contest-juror-add",
            [contest.pk],
            {"username": juror.username, "institution": "Agencia Agraria"},
        )
    post(officer, "contest-enrol", [contest.pk], {"dnis": " ".join(h.dni for h in world.heads[:3])})
    participants = list(contest.participants.all())
    activity = contest.activities.get()
    for n, p in enumerate(participants):
        post(
            officer,
            "contest-participant",
            [contest.pk, p.pk],
            {
                f"a{activity.pk}_before_quantity": "10",
                f"a{activity.pk}_before_value": "100",
                f"a{activity.pk}_after_quantity": "40",
                f"a{activity.pk}_after_value": str(600 + n * 100),
                f"a{activity.pk}_after_photo": png(),
            },
        )
    post(officer, "contest-open", [contest.pk], {})
    contest.refresh_from_db()
    assert contest.state == ContestState.OPEN
    for juror in world.jurors[:2]:
        client.force_login(juror)
        page = client.get(reverse("contests-detail", args=[contest.pk]))
        assert page.status_code == 200
        for n, p in enumerate(participants):
            sheet_url = reverse("contest-sheet", args=[contest.pk, p.pk, activity.pk])
            assert client.get(sheet_url).status_code == 200
            post(
                client,
                "contest-sheet",
                [contest.pk, p.pk, activity.pk],
                {"avance": str(30 + n * 10), "calidad": "30"},
            )
    client.force_login(world.users["officer"])
    assert client.get(reverse("contest-blank-sheets", args=[contest.pk])).status_code == 200
    page = client.get(reverse("contest-results", args=[contest.pk]))
    assert page.status_code == 200
    post(client, "contest-results", [contest.pk], {})
    contest.refresh_from_db()
    assert contest.state == ContestState.DECIDED
    post(
        client,
        "contest-payment-prepare",
        [contest.pk],
        {"organization": world.organizations["b"].pk},
    )
    payment = PrizePayment.objects.get()
    assert payment.amount_minor == 30000 + 15000 + 3 * 2000
    post(client, "contest-payment-approve", [payment.pk], {})  # refused: same person
    payment.refresh_from_db()
    assert payment.state == PaymentState.PREPARED
    client.force_login(world.users["manager"])
    post(client, "contest-payment-approve", [payment.pk], {})
    client.force_login(world.users["officer"])
    post(
        client,
        "contest-payment-execute",
        [payment.pk],
        {"bank_reference": "OP-99", "executed_on": "2025-09-15"},
    )
    payment.refresh_from_db()
    assert payment.state == PaymentState.EXECUTED
    spent = Account.objects.get(commitment=contest.commitment_ref, kind="spent")
    assert balance(spent).amount_minor == payment.amount_minor
    detail = client.get(reverse("contests-detail", args=[contest.pk]))
    assert detail.status_code == 200
    # assets created 500 + 600 + 700 = 1,800 for 510 of prizes → leverage 3.53
    assert detail.context["metrics"].leverage is not None
    assert str(detail.context["metrics"].leverage) == "3.53"
    acta = client.get(reverse("contest-acta", args=[contest.pk]))
    assert acta.status_code == 200
    assert acta["Content-Type"] in ("application/pdf", "text/html; charset=utf-8")
    client.logout()
    public = client.get(reverse("contest-public-results", args=[contest.pk]))
    assert public.status_code == 200
    text = public.content.decode()
    for head in world.heads[:3]:
        assert head.dni not in text and head.maternal_surname not in text
    Contest.objects.filter(pk=contest.pk).update(publish_family_names=True)
    text = client.get(reverse("contest-public-results", args=[contest.pk])).content.decode()
    assert world.heads[2].maternal_surname in text
    assert world.heads[2].dni not in text


def test_officer_runs_an_inter_community_contest_with_per_winner_payments(contests, client):
    world = contests
    client.force_login(world.users["officer"])
    post(
        client,
        "contests-create",
        [],
        {
            "level": "community",
            "theme": "resources",
            "name": "Concurso intercomunal del Chumbao",
            "held_on": "2025-10-01",
            "funding_source": world.source.pk,
            "territory": world.territories["chumbao"].pk,
            "prize_pool": "30000",
            "participation_incentive": "1500",
            "winners": 2,
            "factor": "1.2",
        },
    )
    contest = Contest.objects.get()
    assert contest.area == world.areas["0302"]
    post(
        client,
        "contest-activity-add",
        [contest.pk],
        {
            "code": "terrazas",
            "name": "Terrazas",
            "unit": "ha",
            "criteria": "avance; Avance; 70\norganizacion; Organización comunal; 30",
        },
    )
    post(client, "contest-tiers", [contest.pk], {"amounts": "11000\n7500"})
    organizations = [world.organizations["d"], world.organizations["e"]]
    post(client, "contest-enrol", [contest.pk], {"organizations": [o.pk for o in organizations]})
    seat(world, contest, 3)
    services.contest_open(user=world.users["officer"], contest=contest)
    activity = contest.activities.get()
    participants = list(contest.participants.order_by("number"))
    for p, after in zip(participants, ("207000", "60000"), strict=True):
        services.asset_record(
            user=world.users["officer"],
            participant=p,
            activity=activity,
            moment="before",
            quantity=0,
            unit="ha",
            value=pen("0"),
        )
        services.asset_record(
            user=world.users["officer"],
            participant=p,
            activity=activity,
            moment="after",
            quantity=9,
            unit="ha",
            value=pen(after),
        )
    for juror in world.jurors[:3]:
        for p, points in zip(participants, (("60", "25"), ("50", "20")), strict=True):
            services.sheet_submit(
                user=juror,
                contest=contest,
                participant=p,
                activity=activity,
                points={"avance": points[0], "organizacion": points[1]},
            )
    post(client, "contest-results", [contest.pk], {})
    for p in participants:
        post(
            client,
            "contest-payment-prepare",
            [contest.pk],
            {"organization": p.organization_id, "participant": p.pk},
        )
    assert PrizePayment.objects.count() == 2
    amounts = sorted(PrizePayment.objects.values_list("amount_minor", flat=True))
    assert amounts == [900000, 1250000]
    response = client.get(
        reverse("contests-metrics"), {"territory": world.territories["chumbao"].pk}
    )
    assert response.status_code == 200
    overall = response.context["overall"]
    assert overall.created_minor == 26_700_000 and overall.prizes_minor == 2_150_000
    assert str(overall.leverage) == "12.42"


def test_pages_are_refused_outside_scope(contests, client):
    contest = family_contest(contests)
    for username in ("monitor", "juror", "auditor", "provider"):
        client.force_login(contests.users[username])
        assert client.get(reverse("contest-enrol", args=[contest.pk])).status_code == 404
        assert client.post(reverse("contest-open", args=[contest.pk])).status_code == 404
    client.force_login(contests.users["provider"])
    assert client.get(reverse("contests-detail", args=[contest.pk])).status_code == 404
    for username in ("monitor", "auditor", "manager", "officer", "treasurer"):
        client.force_login(contests.users[username])
        assert client.get(reverse("contests-detail", args=[contest.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("contests-list")).status_code == 302
    # the public page exists only once the results are published
    assert client.get(reverse("contest-public-results", args=[contest.pk])).status_code == 404


def test_list_and_detail_pages_have_bounded_queries(
    contests, client, django_assert_max_num_queries
):
    contest = family_contest(contests)
    seat(contests, contest, 3)
    services.participants_enrol(
        user=contests.users["officer"], contest=contest, all_households=True
    )
    client.force_login(contests.users["officer"])
    with django_assert_max_num_queries(30):
        assert client.get(reverse("contests-detail", args=[contest.pk])).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("contests-list")).status_code == 200


def test_api_reads_and_juror_sheet(contests, client):
    contest = family_contest(contests)
    seat(contests, contest, 1)
    participant = services.participants_enrol(
        user=contests.users["officer"], contest=contest, household_dnis=[contests.heads[0].dni]
    )[0]
    services.contest_open(user=contests.users["officer"], contest=contest)
    activity = contest.activities.first()
    client.force_login(contests.users["officer"])
    listing = client.get("/api/v1/contests").json()
    assert listing["count"] == 1
    detail = client.get(f"/api/v1/contests/{contest.pk}").json()
    assert len(detail["activities"]) == 2 and detail["tiers"][0]["amount_minor"] == 30000
    client.force_login(contests.jurors[0])
    from django.middleware.csrf import get_token  # noqa: F401 - session API without CSRF in tests

    response = client.post(
        f"/api/v1/contests/{contest.pk}/sheets",
        {
            "participant_id": participant.pk,
            "activity_id": activity.pk,
            "points": {"avance": "50", "calidad": "45"},
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "calidad"
    response = client.post(
        f"/api/v1/contests/{contest.pk}/sheets",
        {
            "participant_id": participant.pk,
            "activity_id": activity.pk,
            "points": {"avance": "50", "calidad": "30"},
        },
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["total_centi"] == 8000
    results = client.get(f"/api/v1/contests/{contest.pk}/results").json()
    assert results["standings"][0]["rank"] == 1
    client.force_login(contests.users["provider"])
    assert client.get(f"/api/v1/contests/{contest.pk}").status_code == 404
    client.force_login(contests.users["officer"])
    assert client.get("/api/v1/contests/metrics").status_code == 200
    D  # noqa: B018 - keep the shared date helper imported for readers
