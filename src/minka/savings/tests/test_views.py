"""The savings pages: a treasurer runs her group's fund in the browser, an officer computes and
pays a month of incentives with a manager's approval, the programme sees its figures; scope holds
on every page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from minka.savings import services
from minka.savings.models import IncentiveBatch, Loan, TransferState
from minka.savings.tests.conftest import D, pen


def _post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context.get("form") and response.context["form"].errors
    )
    return response


@pytest.fixture
def seeded_fund(funded, group):
    world = funded
    fund = services.fund_create(
        user=world.users["officer"], group=group, seed_capital=pen("5000"), created_on=D(2025, 1, 2)
    )
    transfer = services.seed_transfer_prepare(user=world.users["officer"], fund=fund)
    services.seed_transfer_approve(user=world.users["manager"], transfer=transfer)
    services.seed_transfer_execute(
        user=world.users["officer"],
        transfer=transfer,
        bank_reference="OP-S",
        executed_on=D(2025, 1, 6),
    )
    return fund


def test_treasurer_runs_her_groups_fund_in_the_browser(funded, group, seeded_fund, client):
    world = funded
    fund = seeded_fund
    client.force_login(world.users["treasurer"])
    assert client.get(reverse("savings-home")).url == reverse(
        "savings-groups-detail", args=[group.pk]
    )
    page = client.get(reverse("savings-groups-detail", args=[group.pk]))
    assert page.status_code == 200 and "Qullqi waqaychay" in page.content.decode()
    _post(
        client,
        reverse("savings-saver-add", args=[group.pk]),
        {
            "dni": world.persons["head_b"].dni,
            "institution": world.institutions["caja"].pk,
            "number": "CC-77",
            "opened_on": "2025-01-08",
            "opening_deposit": "60.00",
        },
    )
    account = group.accounts.get()
    _post(
        client,
        reverse("savings-balances", args=[group.pk]),
        {
            "month": "2025-01",
            f"a{account.pk}": "60.00",
        },
    )
    _post(
        client,
        reverse("savings-product-add", args=[fund.pk]),
        {
            "name": "Queso fresco",
            "method": "declining",
            "monthly_rate": "2.5",
            "instalments": "6",
        },
    )
    product = fund.products.get()
    assert product.monthly_rate_bp == 250
    response = _post(
        client,
        reverse("savings-loan-add", args=[fund.pk]),
        {
            "member": world.persons["head_b"].pk,
            "product": product.pk,
            "principal": "1200",
            "purpose": "cheese",
            "purpose_detail": "Feria de Combapata",
            "disbursed_on": "2025-02-01",
        },
    )
    loan = Loan.objects.get()
    assert response.url == reverse("savings-loan", args=[loan.pk])
    first = loan.schedule.first()
    _post(
        client,
        reverse("savings-repayment-add", args=[loan.pk]),
        {
            "paid_on": "2025-03-01",
            "amount": str(first.total_minor / 100),
            "receipt_number": "R-1",
        },
    )
    page = client.get(reverse("savings-loan", args=[loan.pk]))
    assert page.status_code == 200 and "Kutichiy" in page.content.decode()
    passbook = client.get(reverse("savings-passbook", args=[group.pk, world.persons["head_b"].pk]))
    text = passbook.content.decode()
    assert passbook.status_code == 200 and "@media print" in text and "CC-77" in text
    fund_page = client.get(reverse("savings-fund", args=[fund.pk]))
    assert fund_page.status_code == 200
    assert fund_page.context["figures"].active_loans == 1
    # The treasurer does not compute incentives nor approve payments.
    assert client.get(reverse("savings-incentives", args=[group.pk])).status_code == 404


def test_a_bad_form_names_the_field_and_saves_nothing(funded, group, client):
    client.force_login(funded.users["treasurer"])
    with translation.override("en"):
        response = client.post(
            reverse("savings-saver-add", args=[group.pk]),
            {
                "dni": "12",
                "institution": funded.institutions["caja"].pk,
                "number": "N",
                "opened_on": "2025-01-08",
                "opening_deposit": "60",
            },
        )
    assert response.status_code == 200
    assert "dni" in response.context["form"].errors
    assert not group.accounts.exists()


def test_officer_computes_and_a_manager_approves_a_month_of_incentives(
    funded, group, saver, client
):
    world = funded
    services.balances_record(
        user=world.users["treasurer"],
        group=group,
        month=D(2025, 1, 1),
        balances={saver.pk: pen("80")},
    )
    client.force_login(world.users["officer"])
    url = reverse("savings-incentives", args=[group.pk])
    preview = client.get(url, {"month": "2025-01"})
    assert preview.context["preview"].total_minor == 8_000
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', preview.content.decode()).group(1)
    _post(client, url, {"month": "2025-01", "request_key": key})
    _post(client, url, {"month": "2025-01", "request_key": key})  # a double click: one batch
    batch = IncentiveBatch.objects.get()
    # The preparer sees no approval and is refused if she tries.
    client.post(reverse("savings-batch-approve", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == TransferState.PREPARED
    client.force_login(world.users["manager"])
    _post(client, reverse("savings-batch-approve", args=[batch.pk]), {})
    client.force_login(world.users["officer"])
    _post(
        client,
        reverse("savings-batch-execute", args=[batch.pk]),
        {
            "bank_reference": "OP-2025-01",
            "executed_on": "2025-02-04",
        },
    )
    batch.refresh_from_db()
    assert batch.state == TransferState.EXECUTED and batch.disburse_journal_id
    worklist = client.get(reverse("savings-worklist"))
    assert worklist.status_code == 200


def test_programme_report_shows_savings_and_capitalization(
    funded, group, saver, seeded_fund, client
):
    world = funded
    services.balances_record(
        user=world.users["treasurer"],
        group=group,
        month=D(2025, 1, 1),
        balances={saver.pk: pen("80")},
    )
    client.force_login(world.users["manager"])
    response = client.get(reverse("savings-report"), {"programme": world.programmes["marenass"].pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.savers, report.saved_minor, report.fund_count) == (1, 8_000, 1)
    assert report.seed_minor == 500_000
    assert report.by_province[0]["name"] == "Andahuaylas"
    assert report.usd(375) == 100  # at the 3.75 recorded in the fixture
    api = client.get(f"/api/v1/savings/report?programme_id={world.programmes['marenass'].pk}")
    assert api.status_code == 200 and api.json()["savers"] == 1


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("treasurer", 200),
        ("officer", 200),
        ("manager", 200),
        ("auditor", 200),
        ("juror", 404),
        ("provider", 404),
        ("nobody", 404),
    ],
)
def test_group_page_within_scope_only(funded, group, client, username, status):
    client.force_login(funded.users[username])
    assert client.get(reverse("savings-groups-detail", args=[group.pk])).status_code == status


def test_treasurer_does_not_see_another_group(funded, client):
    other = services.group_enrol(
        user=funded.users["manager"],
        organization=funded.organizations["a"],
        programme=funded.programmes["marenass"],
        started_on=D(2025, 1, 1),
    )
    client.force_login(funded.users["treasurer"])
    assert client.get(reverse("savings-groups-detail", args=[other.pk])).status_code == 404
    assert client.get(f"/api/v1/savings/groups/{other.pk}").status_code == 404
    listed = client.get("/api/v1/savings/groups").json()
    assert [g["id"] for g in listed["items"]] == []


def test_group_and_fund_pages_use_a_bounded_number_of_queries(funded, group, seeded_fund, client):
    world = funded
    for index in range(6):
        person = world.persons["head_b"] if index == 0 else None
        if person is None:
            from minka.conftest import make_person

            person = make_person(world, f"saver{index}", district=world.areas["030201"])
        services.saver_register(
            user=world.users["officer"],
            group=group,
            dni=person.dni,
            institution=world.institutions["caja"],
            number=f"Q-{index}",
            opened_on=D(2025, 1, 5),
            opening_deposit=pen("10"),
        )
    product = services.product_create(
        user=world.users["officer"],
        fund=seeded_fund,
        name="P",
        method="flat",
        monthly_rate_bp=200,
        instalments=3,
    )
    for account in group.accounts.all():
        services.loan_disburse(
            user=world.users["officer"],
            fund=seeded_fund,
            member=account.person,
            product=product,
            principal=pen("100"),
            purpose="shop",
            disbursed_on=D(2025, 2, 1),
        )
    client.force_login(world.users["treasurer"])
    with CaptureQueriesContext(connection) as group_queries:
        assert client.get(reverse("savings-groups-detail", args=[group.pk])).status_code == 200
    with CaptureQueriesContext(connection) as fund_queries:
        assert client.get(reverse("savings-fund", args=[seeded_fund.pk])).status_code == 200
    assert len(group_queries) <= 30, len(group_queries)
    assert len(fund_queries) <= 30, len(fund_queries)
