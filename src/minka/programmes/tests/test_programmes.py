"""Programme settings: coverage, local offices, funding sources, and who may change them."""

from __future__ import annotations

from django.urls import reverse

from minka.programmes.models import FundingSource, LocalOffice


def test_manager_edits_coverage_with_ubigeo_codes(login, world):
    programme = world.programmes["marenass"]
    client = login("manager")
    url = reverse("programmes-edit", args=[programme.pk])
    form = client.get(url).context["form"]
    assert form.initial["areas_codes"] == "03"
    data = {
        "code": programme.code,
        "name": programme.name,
        "currency": "PEN",
        "starts_on": "2024-01-01",
        "ends_on": "2030-12-31",
        "areas_codes": "03, 0801",
    }
    response = client.post(url, data | {"areas_codes": "03, 99"})
    assert "99" in str(response.context["form"].errors["areas_codes"])
    assert client.post(url, data).status_code == 302
    assert sorted(a.code for a in programme.coverage_areas.all()) == ["03", "0801"]


def test_officer_cannot_change_programme_settings(login, world):
    client = login("officer")
    programme = world.programmes["marenass"]
    assert client.get(reverse("programmes-detail", args=[programme.pk])).status_code == 200
    assert client.get(reverse("programmes-edit", args=[programme.pk])).status_code == 404
    assert client.get(reverse("programme-funding-add", args=[programme.pk])).status_code == 404


def test_only_administrators_create_programmes(login, world):
    assert login("manager").get(reverse("programmes-create")).status_code == 404
    assert login("admin").get(reverse("programmes-create")).status_code == 200


def test_manager_opens_a_local_office_only_in_its_programme(login, world):
    client = login("manager")
    response = client.post(
        reverse("offices-create"),
        {
            "programme": world.programmes["marenass"].pk,
            "name": "Abancay",
            "town": "Abancay",
            "areas_codes": "0301",
        },
    )
    assert response.status_code == 302
    assert [a.code for a in LocalOffice.objects.get(name="Abancay").areas.all()] == ["0301"]
    response = client.post(
        reverse("offices-create"),
        {
            "programme": world.programmes["corredor"].pk,
            "name": "Sicuani",
            "town": "Sicuani",
            "areas_codes": "0801",
        },
    )
    assert response.status_code == 200
    assert not LocalOffice.objects.filter(name="Sicuani").exists()


def test_funding_source_amounts_are_exact_minor_units(login, world):
    programme = world.programmes["marenass"]
    client = login("manager")
    url = reverse("programme-funding-add", args=[programme.pk])
    response = client.post(
        url,
        {"name": "Tesoro Público", "kind": "national", "amount": "13500000.10", "currency": "PEN"},
    )
    assert response.status_code == 302
    source = FundingSource.objects.get(programme=programme, name="Tesoro Público")
    assert source.amount_minor == 1_350_000_010 and source.currency == "PEN"
    duplicate = client.post(
        url, {"name": "Tesoro Público", "kind": "national", "amount": "1", "currency": "PEN"}
    )
    assert "name" in duplicate.context["form"].errors
    bad = client.post(url, {"name": "X", "kind": "other", "amount": "1.001", "currency": "PEN"})
    assert "amount" in bad.context["form"].errors
