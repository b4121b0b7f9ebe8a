"""The pages and the API: an organization's treasurer hires, confirms, pays and rates a
provider in the browser; scope holds on every page; list pages keep their query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from minka.assistance.models import (
    ProviderProfile,
    ProviderRating,
    ServiceConfirmation,
    ServiceContract,
    ServicePayment,
)
from minka.assistance.tests.conftest import D, hire
from minka.core.models import Role, RoleAssignment
from minka.ledger.models import AccountKind, Leg


def _post(client, name, args, data):
    response = client.post(reverse(name, args=args), data)
    form = response.context.get("form") if response.context else None
    assert response.status_code == 302, form.errors if form is not None else response
    return response


def test_treasurer_hires_confirms_pays_and_rates_in_the_browser(running, profiles, client):
    world = running
    client.force_login(world.users["treasurer"])
    assert client.get(reverse("assistance-home")).status_code == 200
    listing = client.get(reverse("market-providers-list"), {"q": "riego"})
    assert listing.status_code == 200
    profile = ProviderProfile.objects.get(provider=world.providers["a"])
    page = client.get(reverse("market-providers-detail", args=[profile.pk]))
    assert page.status_code == 200 and page.context["provider"] == world.providers["a"]

    form = client.get(reverse("ta-contract-create"), {"provider": world.providers["a"].pk})
    assert form.context["form"].initial["organization"] == world.organizations["b"].code
    assert form.context["form"].initial["grant_contract"] == world.grant.code
    _post(
        client,
        "ta-contract-create",
        [],
        {
            "organization": world.organizations["b"].code,
            "provider": world.providers["a"].code,
            "grant_contract": world.grant.code,
            "topic": "Riego por aspersión",
            "starts_on": "2025-03-01",
            "ends_on": "2025-04-30",
            "days": "10",
            "daily_rate": "200.00",
            "selection": "assembly",
            "selection_note": "Dos postulantes",
            "grant": "1500",
            "own": "500",
            "other": "",
        },
    )
    contract = ServiceContract.objects.get()
    _post(
        client,
        "ta-contract-confirm",
        [contract.pk],
        {
            "confirmed_on": "2025-03-20",
            "days_delivered": "10",
            "work_done": "Dos módulos instalados",
            "amount": "2000.00",
            "signed_by": world.persons["spouse_b"].pk,
        },
    )
    confirmation = ServiceConfirmation.objects.get()
    pay_form = client.get(reverse("ta-confirmation-pay", args=[confirmation.pk]))
    assert pay_form.context["form"].initial["grant"] == 1500
    _post(
        client,
        "ta-confirmation-pay",
        [confirmation.pk],
        {
            "paid_on": "2025-03-25",
            "grant": "1500",
            "own": "500",
            "other": "0",
            "receipt": "E001-55",
        },
    )
    payment = ServicePayment.objects.get()
    assert payment.grant_journal is not None
    spent = Leg.objects.filter(
        account__kind=AccountKind.SPENT, account__commitment=world.grant.commitment_ref
    )
    assert sum(spent.values_list("amount_minor", flat=True)) == 150_000
    _post(
        client,
        "ta-contract-complete",
        [contract.pk],
        {"completed_on": "2025-04-30", "men_assisted": "8", "women_assisted": "15", "note": ""},
    )
    detail = client.get(reverse("ta-contracts-detail", args=[contract.pk]))
    assert detail.context["may_rate"] is True
    _post(
        client,
        "ta-contract-rate",
        [contract.pk],
        {
            "quality": "5",
            "punctuality": "4",
            "relevance": "5",
            "communication": "5",
            "would_hire_again": "on",
            "comment": "Muy bueno",
            "signed_by": world.persons["head_b"].pk,
            "rated_on": "2025-05-02",
        },
    )
    rating = ProviderRating.objects.get()
    assert rating.rated_by == world.users["treasurer"]
    page = client.get(reverse("market-providers-detail", args=[profile.pk]))
    assert page.context["record"]["reputation"].ratings == 1


def test_payment_refused_on_the_page_names_the_problem(running, client):
    world = running
    contract = hire(world)
    client.force_login(world.users["treasurer"])
    _post(
        client,
        "ta-contract-confirm",
        [contract.pk],
        {
            "confirmed_on": "2025-03-20",
            "days_delivered": "2",
            "work_done": "x",
            "amount": "400",
            "signed_by": world.persons["spouse_b"].pk,
        },
    )
    confirmation = ServiceConfirmation.objects.get()
    response = client.post(
        reverse("ta-confirmation-pay", args=[confirmation.pk]),
        {"paid_on": "2025-03-25", "grant": "0", "own": "0", "other": "400", "receipt": "E1"},
    )
    assert response.status_code == 200
    assert "other" in response.context["form"].errors
    assert not ServicePayment.objects.exists()


def test_pages_refuse_outsiders(running, client):
    world = running
    contract = hire(world)
    provider_a = get_user_model().objects.create_user(username="tech_a")
    RoleAssignment.objects.create(
        user=provider_a, role=Role.PROVIDER, provider=world.providers["a"]
    )
    cases = {
        "treasurer": 200,
        "officer": 200,
        "auditor": 200,
        "provider": 404,  # provider B: not its contract
        "juror": 404,
        "nobody": 404,
    }
    for username, status in cases.items():
        client.force_login(world.users[username])
        response = client.get(reverse("ta-contracts-detail", args=[contract.pk]))
        assert response.status_code == status, username
    client.force_login(provider_a)
    assert client.get(reverse("ta-contracts-detail", args=[contract.pk])).status_code == 200
    assert client.get(reverse("ta-contract-confirm", args=[contract.pk])).status_code == 404
    client.force_login(world.users["officer"])
    assert client.get(reverse("ta-contract-rate", args=[contract.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("ta-contracts-detail", args=[contract.pk]))
    assert response.status_code == 302  # to the login page


def test_provider_edits_its_own_public_profile(world, client):
    client.force_login(world.users["provider"])
    response = client.get(reverse("market-provider-mine"))
    assert response.status_code == 302
    _post(
        client,
        "market-provider-edit",
        [world.providers["b"].pk],
        {"summary": "Riego", "daily_rate": "180", "available": "on", "areas": "0302 030101"},
    )
    profile = ProviderProfile.objects.get(provider=world.providers["b"])
    assert profile.daily_rate_minor == 18_000
    response = client.get(reverse("market-provider-edit", args=[world.providers["a"].pk]))
    assert response.status_code == 404


def test_directory_searches_by_skill_and_territory(profiles, client, django_assert_max_num_queries):
    world = profiles
    from minka.assistance.models import ProviderCoverage

    ProviderCoverage.objects.create(provider=world.providers["c"], area=world.areas["03"])
    client.force_login(world.users["treasurer"])
    url = reverse("market-providers-list")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"area": "0302"})

    def names(resp):
        return {cells[0][1] for _url, cells in resp.context["rows"]}

    # Provider B lives in 030201; provider C serves all of department 03.
    assert names(response) == {world.providers["b"].name, world.providers["c"].name}
    assert names(client.get(url, {"q": "pastos"})) == {p.name for p in world.providers.values()}
    assert names(client.get(url, {"q": "alpacas"})) == set()


def test_contract_list_query_count_is_bounded(running, client, django_assert_max_num_queries):
    for _ in range(5):
        hire(running, grant="0", own="2000.00")
    client.force_login(running.users["officer"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ta-contracts-list"))
    assert response.status_code == 200 and len(response.context["rows"]) == 5


def test_cascade_pages(world, client):
    client.force_login(world.users["officer"])
    response = client.get(reverse("assistance-cascade"), {"level": "3"})
    assert response.status_code == 200 and response.context["level"] == 3
    for name in ("training-events-list", "household-visits-list", "practice-adoptions-list"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("cascade-assign")).status_code == 200
    client.force_login(world.users["manager"])
    _post(
        client,
        "cascade-settings",
        [world.programmes["marenass"].pk],
        {"households_per_yachachiq": "35", "hard_cap": "50"},
    )
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("cascade-settings", args=[world.programmes["marenass"].pk]),
        {"households_per_yachachiq": "35", "hard_cap": "50"},
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_visit_recorded_by_the_yachachiq_rolls_up(world, client):
    from minka.assistance import services
    from minka.registry.models import Provider

    district = world.areas["030201"]
    yachachiq = Provider.objects.create(
        code="YCH-9",
        kind="yachachiq",
        name="Yachachiq",
        person=world.persons["spouse_b"],
        district=district,
    )
    account = get_user_model().objects.create_user(username="ych")
    RoleAssignment.objects.create(user=account, role=Role.PROVIDER, provider=yachachiq)
    services.yachachiq_assign(
        user=world.users["officer"],
        programme=world.programmes["marenass"],
        yachachiq=yachachiq,
        households=[world.households["b"]],
        assigned_on=D(2025, 1, 1),
    )
    client.force_login(account)
    form = client.get(reverse("household-visit-create"))
    assert form.context["form"].initial["yachachiq"] == "YCH-9"
    _post(
        client,
        "household-visit-create",
        [],
        {
            "programme": world.programmes["marenass"].pk,
            "yachachiq": "YCH-9",
            "household": "H-b",
            "visited_on": "2025-02-01",
            "practice": "garden",
            "note": "",
        },
    )
    plan = client.get(reverse("yachachiq-plan", args=[yachachiq.pk]))
    assert plan.status_code == 200 and plan.context["plan"][0].visits == 1
    client.force_login(world.users["officer"])
    report = client.get(reverse("assistance-cascade")).context["report"]
    assert (report["total"].planned, report["total"].assisted) == (1, 1)


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def api(client):
    def _get(user, path, **params):
        client.force_login(user)
        return client.get(f"/api/v1/assistance/{path}", params)

    return _get


def test_api_directory_contracts_and_indicators(running, profiles, api):
    world = running
    contract = hire(world)
    providers = api(world.users["treasurer"], "providers", q="riego").json()
    assert providers["count"] == 3
    assert "dni" not in providers["items"][0]
    mine = api(world.users["treasurer"], "contracts").json()
    assert [c["code"] for c in mine["items"]] == [contract.code]
    assert api(world.users["juror"], "contracts").json()["count"] == 0
    detail = api(world.users["officer"], f"contracts/{contract.pk}").json()
    assert detail["grant_minor"] == 150_000 and detail["confirmations"] == []
    assert api(world.users["provider"], f"contracts/{contract.pk}").status_code == 404
    market = api(world.users["manager"], f"market/{world.programmes['marenass'].pk}").json()
    assert market["value_minor"] == 200_000 and market["own_share_percent"] == "25.0"
    cascade = api(world.users["manager"], f"cascade/{world.programmes['marenass'].pk}").json()
    assert cascade["total"]["planned"] == 0
    assert (
        api(world.users["treasurer"], f"market/{world.programmes['marenass'].pk}").status_code
        == 404
    )
    record = api(world.users["treasurer"], f"providers/{world.providers['a'].pk}").json()
    assert record["contracts"] == 1 and record["reputation"]["ratings"] == 0
