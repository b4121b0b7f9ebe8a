"""The API: token and session auth, scoped lists and details, filters and pagination."""

from __future__ import annotations

import pytest

from minka.core.models import ApiToken


@pytest.fixture
def bearer(world):
    def _bearer(username: str) -> dict[str, str]:
        _token, key = ApiToken.issue(user=world.users[username], name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return _bearer


def test_openapi_is_public_and_lists_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/communities",
        "/api/v1/persons",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/areas",
    ):
        assert path in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_anonymous_and_bad_tokens_are_refused(client, world):
    assert client.get("/api/v1/communities").status_code == 401
    assert client.get("/api/v1/communities", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_token_auth_is_scoped(client, world, bearer):
    response = client.get("/api/v1/communities", **bearer("officer"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["code"] == "C-b"
    token = ApiToken.objects.get(user=world.users["officer"])
    assert token.last_used_at is not None


def test_session_auth_works(client, world):
    client.force_login(world.users["manager"])
    assert client.get("/api/v1/communities").json()["count"] == 2


def test_detail_out_of_scope_is_404(client, world, bearer):
    headers = bearer("officer")
    assert (
        client.get(f"/api/v1/communities/{world.communities['b'].pk}", **headers).status_code == 200
    )
    assert (
        client.get(f"/api/v1/communities/{world.communities['c'].pk}", **headers).status_code == 404
    )
    assert client.get(f"/api/v1/persons/{world.persons['head_a'].pk}", **headers).status_code == 404


def test_person_filters_and_pagination(client, world, bearer):
    headers = bearer("admin")
    women = client.get("/api/v1/persons", {"sex": "F"}, **headers).json()
    assert women["count"] == 3 and all(p["sex"] == "F" for p in women["items"])
    page = client.get("/api/v1/persons", {"limit": 2, "offset": 0}, **headers).json()
    assert len(page["items"]) == 2 and page["count"] == len(world.persons)
    by_dni = client.get("/api/v1/persons", {"q": world.persons["head_b"].dni}, **headers).json()
    assert [p["id"] for p in by_dni["items"]] == [world.persons["head_b"].pk]


def test_organization_detail_has_board_and_members(client, world, bearer):
    organization = world.organizations["b"]
    body = client.get(f"/api/v1/organizations/{organization.pk}", **bearer("treasurer")).json()
    assert body["board"][0]["role"] == "president"
    assert [m["person_id"] for m in body["memberships"]] == [world.persons["head_b"].pk]


def test_treasurer_sees_only_its_organization(client, world, bearer):
    body = client.get("/api/v1/organizations", **bearer("treasurer")).json()
    assert [o["code"] for o in body["items"]] == ["O-b"]


def test_programme_detail(client, world, bearer):
    programme = world.programmes["marenass"]
    body = client.get(f"/api/v1/programmes/{programme.pk}", **bearer("manager")).json()
    assert body["funding_sources"][0]["amount_minor"] == 1_230_000_000
    assert body["coverage_area_codes"] == ["03"]
    assert (
        client.get(
            f"/api/v1/programmes/{world.programmes['corredor'].pk}", **bearer("manager")
        ).status_code
        == 404
    )


def test_areas_are_reference_data(client, world, bearer):
    body = client.get("/api/v1/areas", {"level": 3}, **bearer("juror")).json()
    assert {a["code"] for a in body["items"]} == {"030101", "030201", "080101"}
    area = client.get("/api/v1/areas/030201", **bearer("juror")).json()
    assert area["parent_code"] == "0302" and area["poverty_rate"] == 45.2


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "up"


def test_token_page_shows_the_key_once(client, world):
    client.force_login(world.users["manager"])
    response = client.post("/account/tokens/new/", {"name": "Excel"})
    key = response.context["new_key"]
    assert key.startswith("mk_")
    assert key not in client.get("/account/tokens/").text
    token = ApiToken.objects.get(user=world.users["manager"])
    assert token.digest == ApiToken.digest_of(key)
