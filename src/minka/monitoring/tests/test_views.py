"""The dashboard, drill-down, community page, reports (screen, XLSX, PDF), map, plan, manual
indicators and surveys pages, per role. Assertions use data, never the UI language."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from minka.conftest import weasyprint_or_skip
from minka.monitoring import services
from minka.monitoring.models import AssetValuation
from minka.monitoring.tests.conftest import pay_first_tranche
from minka.monitoring.tests.test_services import munapucro

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(funded, make_contract):
    contract = make_contract()
    pay_first_tranche(funded, contract)
    munapucro(funded)
    return funded


def test_manager_sees_results_and_return_per_sol_on_one_page(results, login):
    programme = results.programmes["marenass"]
    page = login("manager").get(reverse("monitoring-dashboard"), {"programme": programme.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-code="return_per_sol"><small>' in text and "3.18 ×" in text
    assert "S/ 7,000.00" in text  # transferred
    assert "<svg" in text and "Terrazas" in text
    assert "Apurímac" in text  # the department row to drill into
    assert "area=03" in text


def test_drill_down_to_district_and_community(results, login):
    programme = results.programmes["marenass"]
    client = login("manager")
    for area, child in (("03", "Andahuaylas"), ("0302", "Andahuaylas"), ("030201", "Muñapucro")):
        page = client.get(
            reverse("monitoring-dashboard"), {"programme": programme.pk, "area": area}
        )
        assert page.status_code == 200
        assert child in page.content.decode()
    community = results.communities["b"]
    link = reverse("monitoring-community", args=[community.pk])
    district = client.get(
        reverse("monitoring-dashboard"), {"programme": programme.pk, "area": "030201"}
    )
    assert link in district.content.decode()
    page = client.get(link, {"programme": programme.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "3.18 ×" in text and "S/ 207,000.00" in text and "S/ 423,500.00" in text


def test_officer_sees_its_province_only_and_others_get_404(results, login):
    programme = results.programmes["marenass"]
    page = login("officer").get(
        reverse("monitoring-dashboard"), {"programme": programme.pk, "area": "03"}
    )
    assert page.status_code == 200
    assert "Abancay" not in page.content.decode()  # province 0301 is not its office's
    community_a = results.communities["a"]
    assert (
        login("officer")
        .get(reverse("monitoring-community", args=[community_a.pk]), {"programme": programme.pk})
        .status_code
        == 404
    )
    for name in ("treasurer", "juror", "provider"):
        client = login(name)
        page = client.get(reverse("monitoring-dashboard"), {"programme": programme.pk})
        assert page.status_code == 404
        assert (
            client.get(reverse("monitoring-report", args=[programme.pk, "district"])).status_code
            == 404
        )


def test_anonymous_is_sent_to_login(client, results):
    page = client.get(reverse("monitoring-dashboard"))
    assert page.status_code == 302 and "login" in page["Location"]
    api = client.get(
        f"/api/v1/monitoring/programmes/{results.programmes['marenass'].pk}/indicators"
    )
    assert api.status_code == 401


@pytest.mark.parametrize(
    "code",
    ["district", "state", "budget", "contributions", "participants", "contracts", "liquidations"],
)
def test_reports_on_screen_and_as_xlsx(results, login, code):
    from openpyxl import load_workbook

    programme = results.programmes["marenass"]
    client = login("manager")
    page = client.get(reverse("monitoring-report", args=[programme.pk, code]))
    assert page.status_code == 200
    assert 'data-testid="report-table"' in page.content.decode()
    download = client.get(reverse("monitoring-report-export", args=[programme.pk, code, "xlsx"]))
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet.max_row >= 1


def test_district_report_carries_the_figures(results, login):
    from openpyxl import load_workbook

    programme = results.programmes["marenass"]
    download = login("manager").get(
        reverse("monitoring-report-export", args=[programme.pk, "district", "xlsx"])
    )
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    header, data = rows[0], rows[1]
    assert data[0] == "030201"
    assert (
        data[
            header.index(str(header[header.index(next(h for h in header if h and "UBIGEO" in h))]))
        ]
        == "030201"
    )
    values = dict(zip(header, data, strict=True))
    assert Decimal(str(values[[h for h in header if h][-1]])) == Decimal("3.18")  # return per sol
    assert 7000 in data  # transferred, in soles


def test_report_as_pdf(results, login):
    weasyprint_or_skip()
    programme = results.programmes["marenass"]
    page = login("manager").get(
        reverse("monitoring-report-export", args=[programme.pk, "contracts", "pdf"])
    )
    assert page.status_code in (200, 503)
    if page.status_code == 200:
        assert page.content.startswith(b"%PDF")


def test_unknown_report_or_format_is_404(results, login):
    programme = results.programmes["marenass"]
    client = login("manager")
    assert client.get(reverse("monitoring-report", args=[programme.pk, "nope"])).status_code == 404
    assert (
        client.get(
            reverse("monitoring-report-export", args=[programme.pk, "district", "exe"])
        ).status_code
        == 404
    )


def test_map_page_and_leaflet_from_the_package(results, login):
    programme = results.programmes["marenass"]
    client = login("manager")
    page = client.get(reverse("monitoring-map"), {"programme": programme.pk})
    assert page.status_code == 200
    assert 'id="monitoring-map-data"' in page.content.decode()
    asset = client.get(reverse("monitoring-leaflet", args=["leaflet.js"]))
    if asset.status_code == 200:
        assert b"leaflet" in b"".join(asset.streaming_content).lower()
    assert client.get(reverse("monitoring-leaflet", args=["../__init__.py"])).status_code == 404


def test_valuation_form_records_an_asset(results, login):
    programme = results.programmes["marenass"]
    community = results.communities["b"]
    url = reverse("monitoring-valuation-add", args=[community.pk]) + f"?programme={programme.pk}"
    page = login("officer").post(
        url,
        {
            "item": "Zanjas",
            "moment": "after",
            "quantity": "120",
            "unit": "m",
            "unit_value": "15",
            "valued_on": "2025-07-01",
        },
    )
    assert page.status_code == 302
    assert AssetValuation.objects.get(item="Zanjas").total_minor == 180_000
    assert login("juror").get(url).status_code == 404


def test_indicator_reports_flow_through_pages(results, login):
    programme = results.programmes["marenass"]
    indicator = services.indicator_define(
        user=results.users["monitor"], programme=programme, code="M1", name="Niños"
    )
    submit = reverse("monitoring-indicator-report-submit", args=[programme.pk])
    page = login("monitor").post(
        submit, {"indicator": indicator.pk, "year": 2025, "value": 12, "sex": ""}
    )
    assert page.status_code == 302
    report = indicator.reports.get()
    assert (
        login("monitor")
        .get(reverse("monitoring-indicator-report-review", args=[report.pk]))
        .status_code
        == 404
    )
    done = login("manager").post(
        reverse("monitoring-indicator-report-review", args=[report.pk]), {"decision": "approve"}
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.state == "approved"
    assert login("officer").get(submit).status_code == 404


def test_survey_import_page_shows_row_errors(results, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    programme = results.programmes["marenass"]
    url = reverse("monitoring-survey-import", args=[programme.pk])
    bad = SimpleUploadedFile("s.csv", b"household;income;asset_value\nH-zzz;1;1\n")
    page = login("monitor").post(url, {"round": "baseline", "year": 2024, "file": bad})
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in page.content.decode()
    good = SimpleUploadedFile("s.csv", b"household;income;asset_value\nH-a;1;1\n")
    assert (
        login("monitor").post(url, {"round": "baseline", "year": 2024, "file": good}).status_code
        == 302
    )
    assert (
        login("manager").get(reverse("monitoring-surveys"), {"programme": programme.pk}).status_code
        == 200
    )


def test_api_indicators_and_return_per_sol(results, login):
    programme = results.programmes["marenass"]
    client = login("manager")
    body = client.get(
        f"/api/v1/monitoring/programmes/{programme.pk}/indicators", {"group": "district"}
    ).json()
    assert body["totals"]["transferred"] == 700_000
    assert body["rows"][0]["key"] == "030201"
    rps = client.get(f"/api/v1/monitoring/programmes/{programme.pk}/return-per-sol").json()
    assert Decimal(str(rps["ratio"])) == Decimal("3.18") and rps["created_minor"] == 42_350_000
    assert client.get("/api/v1/monitoring/indicators").status_code == 200
    report = client.get(f"/api/v1/monitoring/programmes/{programme.pk}/reports/state").json()
    assert report["rows"]
    assert (
        login("treasurer")
        .get(f"/api/v1/monitoring/programmes/{programme.pk}/indicators")
        .status_code
        == 404
    )


def test_dashboard_query_count_is_bounded(results, login, django_assert_max_num_queries):
    programme = results.programmes["marenass"]
    client = login("manager")
    with django_assert_max_num_queries(60):
        client.get(reverse("monitoring-dashboard"), {"programme": programme.pk, "area": "0302"})
