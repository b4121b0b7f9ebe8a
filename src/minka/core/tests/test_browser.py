"""Browser smoke test: Playwright drives Debian's Chromium against a live Minka.

Log in, search a person by DNI, open a community, switch the language. Skipped where Chromium
is absent unless MINKA_REQUIRE_BROWSER=1 (set by CI), which turns the absence into a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minka.conftest import PASSWORD

CHROMIUM = Path(os.environ.get("MINKA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server):
    if not CHROMIUM.exists():
        if os.environ.get("MINKA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required for the browser tests but {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
    # in the same thread are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1024, "height": 800})
        yield context.new_page()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    _close_server_thread_connections()


def _close_server_thread_connections() -> None:
    """A request the browser aborted (htmx cancels superseded searches) can leave its server
    thread's connection open, which blocks dropping the PostgreSQL test database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.mark.django_db(transaction=True)
def test_officer_logs_in_finds_a_person_opens_a_community_and_switches_language(
    page, live_server, world
):
    person = world.persons["head_b"]
    community = world.communities["b"]

    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "es"
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".card").count() >= 6

    page.goto(f"{live_server.url}/registry/persons/")
    page.fill("[data-testid=search]", person.dni)
    # htmx replaces the rows as the user types
    page.wait_for_function(
        "document.querySelectorAll('#rows tbody tr').length === 1", timeout=10_000
    )
    assert person.full_name in page.inner_text("#rows")

    page.goto(f"{live_server.url}/registry/communities/")
    page.click(f"text={community.name}")
    page.wait_for_url(f"**/registry/communities/{community.pk}/")
    assert page.inner_text("h1") == community.name
    assert "Andahuaylas" in page.inner_text(".fields")

    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Households" in page.locator(".menu").text_content()
    page.click("[data-testid=lang-es]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Hogares" in page.locator(".menu").text_content()
