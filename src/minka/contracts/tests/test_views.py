"""The contract pages: a manager and an officer take a contract from proposal to liquidation
in the browser's forms; scope and four-eyes hold on every page."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minka.contracts.models import Atf, Contract, ContractState
from minka.contracts.tests.conftest import D


def _post(client, name, args, data, files=None):
    response = client.post(reverse(name, args=args), {**data, **(files or {})})
    assert response.status_code == 302, (
        getattr(response, "context", {})
        and response.context.get("form")
        and response.context["form"].errors
    )
    return response


def test_contract_from_proposal_to_liquidation_through_the_pages(
    funded, client, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    world = funded
    manager, officer, treasurer = (
        world.users["manager"],
        world.users["officer"],
        world.users["treasurer"],
    )

    client.force_login(manager)
    form = {
        "organization": world.organizations["b"].code,
        "members": "",
        "local_office": world.offices["andahuaylas"].pk,
        "funding_source": world.source.pk,
        "instrument": "pdn",
        "title": "Crianza de cuyes mejorados",
        "term_months": "18",
        "justification": "Piloto de la gerencia",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "8",
        "lines-0-concept": "ta",
        "lines-0-project": "6000.00",
        "lines-0-organization": "2000",
        "lines-0-other": "",
        "lines-1-concept": "assets",
        "lines-1-project": "4000",
        "lines-1-organization": "2000",
        "lines-1-other": "0",
    }
    response = client.post(reverse("contracts-create"), form)
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.state == ContractState.PROPOSAL
    _post(client, "contract-decide", [contract.pk], {"decision": "approve", "reason": ""})

    client.force_login(officer)
    _post(client, "contract-sign", [contract.pk], {"signed_on": "2025-02-01"})
    page = client.get(reverse("contracts-detail", args=[contract.pk]))
    assert page.status_code == 200 and "S/ 10,000.00" in page.text

    client.force_login(treasurer)
    assert client.get(reverse("contracts-detail", args=[contract.pk])).status_code == 200
    _post(
        client,
        "contract-deposit-add",
        [contract.pk],
        {
            "kind": "cash",
            "slip_number": "BN-1",
            "deposited_on": "2025-02-03",
            "amount": "2000",
            "description": "",
        },
    )

    client.force_login(officer)
    _post(client, "contract-atf-prepare", [contract.pk, 1], {})
    atf = Atf.objects.get()
    assert atf.prepared_by == officer
    client.post(reverse("atf-approve", args=[atf.pk]))  # the preparer: refused with a message
    atf.refresh_from_db()
    assert atf.state == "prepared"
    client.force_login(manager)
    _post(client, "atf-approve", [atf.pk], {})
    client.force_login(officer)
    _post(client, "atf-execute", [atf.pk], {"bank_reference": "OP-1", "executed_on": "2025-02-10"})

    client.force_login(treasurer)
    lines = {
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-spent_on": "2025-03-01",
        "lines-0-receipt_type": "factura",
        "lines-0-receipt_number": "F001-1",
        "lines-0-supplier_ruc": "20100030595",
        "lines-0-concept": "ta",
        "lines-0-amount": "5000",
        "lines-1-spent_on": "",
        "lines-1-receipt_type": "factura",
        "lines-1-receipt_number": "",
        "lines-1-supplier_ruc": "",
        "lines-1-concept": "ta",
        "lines-1-amount": "",
    }
    scan = SimpleUploadedFile("f001-1.jpg", b"\xff\xd8\xff receipt", content_type="image/jpeg")
    _post(
        client,
        "contract-expense-add",
        [contract.pk],
        {"period_end": "2025-03-31", **lines},
        {"lines-0-scan": scan},
    )
    report = contract.expense_reports.get()
    assert report.lines.get().scan.name.endswith(".jpg")
    client.force_login(officer)
    _post(client, "expense-report-review", [report.pk], {"decision": "approve", "note": ""})
    client.force_login(treasurer)
    _post(client, "contract-tranche2-request", [contract.pk], {})
    client.force_login(officer)
    _post(
        client,
        "contract-midterm",
        [contract.pk],
        {"decision": "approve", "decided_on": "2025-06-01", "reference": "Acta 7"},
    )
    _post(client, "contract-atf-prepare", [contract.pk, 2], {})
    second = Atf.objects.get(tranche__number=2)
    client.force_login(manager)
    _post(client, "atf-approve", [second.pk], {})
    _post(
        client, "atf-execute", [second.pk], {"bank_reference": "OP-2", "executed_on": "2025-06-05"}
    )
    client.force_login(officer)
    files = {
        name: SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4", content_type="application/pdf")
        for name in ("final_report", "closing_minute", "bank_statement")
    }
    response = client.post(
        reverse("contract-liquidate", args=[contract.pk]),
        {
            "refund": "5000.00",
            "refund_reference": "DEP-9",
            "rating": "very_good",
            "favourable": "on",
            "note": "",
            "liquidated_on": "2025-10-01",
            **files,
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.LIQUIDATED
    worklist = client.get(reverse("contracts-worklist"))
    assert worklist.status_code == 200


def test_out_of_scope_contracts_are_404(funded, make_contract, client):
    contract = make_contract()
    for username, status in (
        ("officer", 200),
        ("auditor", 200),
        ("treasurer", 200),
        ("juror", 404),
        ("provider", 404),
    ):
        client.force_login(funded.users[username])
        assert client.get(reverse("contracts-detail", args=[contract.pk])).status_code == status, (
            username
        )
    client.force_login(funded.users["auditor"])
    assert client.get(reverse("contract-sign", args=[contract.pk])).status_code == 404
    assert client.get(reverse("contract-liquidate", args=[contract.pk])).status_code == 404


def test_list_and_worklist_render(funded, make_contract, client):
    make_contract()
    client.force_login(funded.users["officer"])
    listing = client.get(reverse("contracts-list"))
    assert listing.status_code == 200 and re.search(r"MARENASS-\d{4}-0001", listing.text)
    assert client.get(reverse("contracts-worklist")).status_code == 200
    assert client.get(reverse("contracts-export", args=["csv"])).status_code == 200


def test_api_lists_and_details_contracts_in_scope(funded, make_contract, client):
    from minka.core.models import ApiToken

    contract = make_contract()
    _token, key = ApiToken.issue(user=funded.users["officer"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = client.get("/api/v1/contracts", **headers).json()
    assert [c["code"] for c in body["items"]] == [contract.code]
    detail = client.get(f"/api/v1/contracts/{contract.pk}", **headers).json()
    assert detail["position_minor"]["to_disburse"] == 1_000_000
    assert [t["amount_minor"] for t in detail["tranches"]] == [700_000, 300_000]
    _token, juror_key = ApiToken.issue(user=funded.users["juror"], name="t")
    assert (
        client.get(
            f"/api/v1/contracts/{contract.pk}", HTTP_AUTHORIZATION=f"Bearer {juror_key}"
        ).status_code
        == 404
    )


def test_bank_batch_download_marks_the_atfs(funded, make_contract, client):
    from minka.contracts import services as contract_services
    from minka.contracts.tests.conftest import pen

    contract = make_contract()
    contract_services.counterpart_deposit_record(
        user=funded.users["treasurer"],
        contract=contract,
        kind="cash",
        slip_number="1",
        deposited_on=D(2025, 2, 3),
        amount=pen("2000"),
    )
    atf = contract_services.atf_prepare(
        user=funded.users["officer"], contract=contract, tranche=contract.tranches.get(number=1)
    )
    contract_services.atf_approve(user=funded.users["manager"], atf=atf)
    client.force_login(funded.users["manager"])
    programme = funded.programmes["marenass"]
    response = client.post(
        reverse("contracts-bank-batch"), {"programme": programme.pk, "file_format": "csv"}
    )
    assert response.status_code == 200 and atf.number in response.content.decode("utf-8-sig")
    again = client.post(
        reverse("contracts-bank-batch"), {"programme": programme.pk, "file_format": "csv"}
    )
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    xml = client.post(
        reverse("contracts-bank-batch"),
        {"programme": programme.pk, "file_format": "xml", "again": "on"},
    )
    assert xml.context["form"].non_field_errors()  # no disbursement account recorded yet
    client.force_login(funded.users["officer"])
    assert (
        client.post(
            reverse("contracts-bank-batch"), {"programme": programme.pk, "file_format": "csv"}
        ).status_code
        == 200
    )
