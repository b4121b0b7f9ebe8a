"""Registry pages: lists, search, detail, edit with history, export and scope on every page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from minka.registry.models import AccountStatus, Community, Person

LIST_PAGES = [
    "communities-list",
    "households-list",
    "persons-list",
    "organizations-list",
    "providers-list",
    "institutions-list",
    "bank-accounts-list",
    "programmes-list",
    "offices-list",
    "territories-list",
    "areas-list",
]


def test_pages_need_a_login(client, world):
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", LIST_PAGES)
def test_every_list_renders_with_bounded_queries(login, world, name, django_assert_max_num_queries):
    client = login("admin")
    with django_assert_max_num_queries(12):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_community_list_shows_only_the_officers_area(login, world):
    response = login("officer").get(reverse("communities-list"))
    assert "Comunidad B" in response.text
    assert "Comunidad A" not in response.text and "Comunidad C" not in response.text


def test_search_person_by_dni(login, world):
    person = world.persons["head_b"]
    response = login("officer").get(reverse("persons-list"), {"q": person.dni})
    assert person.full_name in response.text
    assert response.context["page"].paginator.count == 1


def test_search_does_not_leak_out_of_scope(login, world):
    outsider = world.persons["head_c"]
    response = login("officer").get(reverse("persons-list"), {"q": outsider.dni})
    assert response.context["page"].paginator.count == 0


def test_htmx_search_returns_only_the_rows(login, world):
    response = login("admin").get(reverse("persons-list"), {"q": "Quispe"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert "<table>" in response.text


def test_area_filter(login, world):
    response = login("admin").get(reverse("communities-list"), {"area": "08"})
    assert [c.code for c in response.context["page"].object_list] == ["C-c"]


def test_detail_out_of_scope_is_404(login, world):
    client = login("officer")
    assert (
        client.get(reverse("communities-detail", args=[world.communities["b"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("communities-detail", args=[world.communities["c"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("persons-detail", args=[world.persons["head_a"].pk])).status_code == 404
    )


def test_read_only_roles_cannot_edit(login, world):
    for username in ("auditor", "monitor", "treasurer"):
        client = login(username)
        url = reverse("communities-edit", args=[world.communities["b"].pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "X"}).status_code == 404
        assert client.get(reverse("communities-create")).status_code == 404


def test_edit_records_history_and_shows_it(login, world):
    client = login("officer")
    community = world.communities["b"]
    url = reverse("communities-edit", args=[community.pk])
    response = client.post(
        url,
        {"code": community.code, "name": "Muñapucro", "district": "030201", "altitude_m": "3850"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Muñapucro"
    last = community.history.first()
    assert last.history_user == world.users["officer"]
    page = client.get(reverse("communities-detail", args=[community.pk]))
    assert "Muñapucro" in page.text
    assert page.context["history"][0]["changes"]


def test_edit_cannot_move_a_record_out_of_scope(login, world):
    client = login("officer")
    community = world.communities["b"]
    response = client.post(
        reverse("communities-edit", args=[community.pk]),
        {"code": community.code, "name": community.name, "district": "080101"},
    )
    assert response.status_code == 200
    assert "territory you are responsible for" in response.text or "territorio" in response.text
    community.refresh_from_db()
    assert community.district.code == "030201"


def test_edit_names_the_bad_field(login, world):
    client = login("admin")
    person = world.persons["head_b"]
    response = client.post(
        reverse("persons-edit", args=[person.pk]),
        {
            "dni": "1234",
            "first_names": person.first_names,
            "paternal_surname": person.paternal_surname,
            "sex": "F",
            "district": "999999",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "dni" in errors and "district" in errors
    person.refresh_from_db()
    assert person.dni != "1234"


def test_duplicate_dni_is_refused_with_a_message(login, world):
    client = login("admin")
    existing = world.persons["head_a"]
    response = client.post(
        reverse("persons-create"),
        {
            "dni": existing.dni,
            "first_names": "Otra",
            "paternal_surname": "Persona",
            "sex": "F",
            "district": "030101",
        },
    )
    assert response.status_code == 200
    assert "dni" in response.context["form"].errors or response.context["form"].non_field_errors()
    assert Person.objects.filter(dni=existing.dni).count() == 1


def test_officer_creates_a_community_in_its_area(login, world):
    client = login("officer")
    response = client.post(
        reverse("communities-create"), {"code": "C-new", "name": "Pampamarca", "district": "030201"}
    )
    assert response.status_code == 302
    assert Community.objects.filter(code="C-new").exists()
    response = client.post(
        reverse("communities-create"), {"code": "C-out", "name": "Fuera", "district": "080101"}
    )
    assert response.status_code == 200
    assert not Community.objects.filter(code="C-out").exists()


def test_csv_export_is_scoped_and_neutralises_formulas(login, world):
    organization = world.organizations["b"]
    organization.name = '=HYPERLINK("http://x")'
    organization.save()
    response = login("officer").get(reverse("organizations-export", args=["csv"]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["organization_code"] for r in rows} == {"O-b"}
    assert all(r["organization_name"].startswith("'=") for r in rows)


def test_xlsx_export_of_persons(login, world):
    response = login("manager").get(reverse("persons-export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    dnis = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = {p.dni for k, p in world.persons.items() if k.endswith(("_a", "_b"))}
    assert dnis == expected


def test_bank_account_verification(login, world):
    client = login("officer")
    account = world.accounts["b"]
    url = reverse("bank-account-verify", args=[account.pk])
    response = client.post(url, {"decision": "verified", "note": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (
        account.status == AccountStatus.VERIFIED and account.verified_by == world.users["officer"]
    )


def test_account_at_unregulated_institution_cannot_be_verified(login, world):
    account = world.accounts["b"]
    account.institution = world.institutions["coop"]
    account.save()
    response = login("officer").post(
        reverse("bank-account-verify", args=[account.pk]), {"decision": "verified"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDING


def test_rejection_needs_a_note(login, world):
    account = world.accounts["b"]
    response = login("officer").post(
        reverse("bank-account-verify", args=[account.pk]), {"decision": "rejected"}
    )
    assert "note" in response.context["form"].errors


def test_home_counts_follow_scope(login, world):
    response = login("officer").get(reverse("home"))
    assert response.context["communities"] == 1
    assert response.context["households"] == 1
    response = login("admin").get(reverse("home"))
    assert response.context["communities"] == 3


def test_spanish_by_default_and_switchable(client, world):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert 'lang="es"' in response.text
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    response = client.get(reverse("login"))
    assert 'lang="en"' in response.text
    assert "Log in" in response.text
