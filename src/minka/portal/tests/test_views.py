"""The public portal: open without login, bounded queries, open data, and never a person."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from minka.portal import iati, selectors
from minka.portal.tests.conftest import shared
from minka.registry.models import Person

pytestmark = pytest.mark.django_db

PAGES = [
    ("portal-home", []),
    ("portal-programme", ["MARENASS"]),
    ("portal-programme", ["CORREDOR"]),
    ("portal-results", []),
    ("portal-organizations", []),
    ("portal-data", []),
]
TABLES = [
    "programmes",
    "funding",
    "organizations",
    "indicators",
    "clar-events",
    "contests",
    "districts",
]


def every_public_response(client):
    for name, args in PAGES:
        yield reverse(name, args=args), client.get(reverse(name, args=args))
    for table in TABLES:
        for fmt in ("csv", "json"):
            url = reverse("portal-data-file", args=[table, fmt])
            yield url, client.get(url)
            yield url, client.get(url, {"programme": "MARENASS"})
    for url in (reverse("portal-iati"), reverse("portal-programme-iati", args=["MARENASS"])):
        yield url, client.get(url)


def test_pages_and_downloads_are_public_and_carry_no_personal_data(client, in_motion):
    persons = list(Person.objects.all())
    assert persons  # the world has household members, board members and technicians
    for url, response in every_public_response(client):
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        for person in persons:
            assert person.dni not in body, (url, "DNI")
            assert person.full_name not in body, (url, person.full_name)
            assert f"{person.first_names} {person.paternal_surname}" not in body, url


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_use_a_bounded_number_of_queries(
    client, in_motion, django_assert_max_num_queries, name, args
):
    with django_assert_max_num_queries(20):
        assert client.get(reverse(name, args=args)).status_code == 200


def test_programme_page_shows_money_by_source_and_organization(client, in_motion):
    with translation.override("en"):
        response = client.get(reverse("portal-programme", args=["MARENASS"]))
    rows = {r.code: r for r in response.context["organizations"]}
    row = rows["O-b"]
    assert (row.committed, row.disbursed, row.accounted, row.refunded) == (
        3_000_000,
        700_000,
        500_000,
        0,
    )  # 10,000 + 20,000 committed (the cancelled 3,000 released); 7,000 sent; 5,000 spent
    assert row.contracts == 2 and row.district == "Andahuaylas" and row.ubigeo == "030201"
    funding = response.context["funding"]
    assert [(f.source, f.agreed_minor, f.allocated_minor, f.currency) for f in funding] == [
        ("IFAD loan", 1_230_000_000, 10_000_000, "USD")
    ]
    figures = response.context["figures"]
    assert (figures.organizations, figures.households, figures.communities) == (1, 1, 1)
    assert figures.transferred == {"PEN": 700_000}
    assert response.context["publishes_iati"] is True
    assert reverse("portal-programme-iati", args=["MARENASS"]).encode() in response.content
    # The map: districts with coordinates become points.
    plot = response.context["plot"]
    assert len(plot.dots) == 2 and response.context["unplaced"] == 0
    assert b"<circle" in response.content


def test_open_data_downloads(client, in_motion):
    response = client.get(
        reverse("portal-data-file", args=["organizations", "json"]), {"programme": "MARENASS"}
    )
    data = json.loads(response.content)
    assert data["programme"] == "MARENASS"
    assert data["rows"][0]["organization"] == "Asociación B"
    assert data["rows"][0]["committed"] == "30000.00"
    assert data["rows"][0]["disbursed"] == "7000.00"
    csv = client.get(reverse("portal-data-file", args=["indicators", "csv"])).content
    text = csv.decode("utf-8-sig")
    assert text.splitlines()[0] == "indicator,value,unit"
    assert "households_reached,1,households" in text
    assert "money_transferred,7000.00,PEN" in text
    assert client.get(reverse("portal-data-file", args=["persons", "csv"])).status_code == 404
    assert client.get(reverse("portal-data-file", args=["funding", "xlsx"])).status_code == 404
    assert client.get(reverse("portal-programme", args=["NOPE"])).status_code == 404


def test_iati_download_is_valid(client, in_motion):
    response = client.get(reverse("portal-programme-iati", args=["MARENASS"]))
    assert response["Content-Type"].startswith("application/xml")
    schema = iati.load_schema(shared("schema-2.03"))
    assert schema.validate(iati.etree.fromstring(response.content))
    # CORREDOR has not recorded its IATI publisher: no file.
    assert client.get(reverse("portal-programme-iati", args=["CORREDOR"])).status_code == 404


def test_clar_results_link_the_public_results_pages(client, in_motion):
    from minka.clar.models import ClarEvent

    event = ClarEvent.objects.create(
        programme=in_motion.programmes["marenass"],
        name="CLAR Andahuaylas 2025",
        held_on="2025-03-01",
        place="Andahuaylas",
        area=in_motion.areas["0302"],
        state="decided",
    )
    ClarEvent.objects.create(
        programme=in_motion.programmes["marenass"],
        name="CLAR planificado",
        held_on="2025-09-01",
        place="Abancay",
        area=in_motion.areas["0301"],
    )
    response = client.get(reverse("portal-results"))
    assert [e["name"] for e in response.context["events"]] == ["CLAR Andahuaylas 2025"]
    assert reverse("clar-public-results", args=[event.pk]).encode() in response.content


def test_contest_links_only_when_the_contests_app_is_installed(in_motion, monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(apps, "is_installed", lambda name: False)
    assert selectors.contest_results() == []
