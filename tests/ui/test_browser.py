"""The home page in a real browser: renders, searches, filters, sorts, pages (with and
without JavaScript), every link lands, light and dark, and axe finds nothing serious."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)


def table_rows(page) -> list[str]:
    return page.locator("#results tbody tr").all_inner_texts()


def test_home_renders_the_integrations(page_at, scene) -> None:
    page = page_at("/")
    assert page.title() == "Integrations · Accord"
    assert page.locator("#results tbody tr").count() == 25
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").is_visible()
    for status in ("verified", "failed", "pending", "stale"):
        assert page.locator(f".badge-{status}").count() > 0, status
    drifting = page_at("/?q=admin-console").locator(".badge-drifting", has_text="production: drifting")
    assert drifting.count() == 1
    # Relative time shown, absolute on hover.
    shown = page.locator("time[title$='UTC']").first.inner_text()
    assert shown.endswith("ago") or shown == "just now"


def test_search_filter_sort_and_pages_with_javascript(page_at, scene) -> None:
    page = page_at("/")
    page.get_by_label("Search by name").fill("web-shop")
    page.wait_for_url("**q=web-shop**")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length < 10")
    assert all("web-shop" in row for row in table_rows(page))

    page.goto("/")
    page.get_by_label("Status").select_option("failed")
    page.wait_for_url("**status=failed**")
    rows = table_rows(page)
    assert rows and all("failed" in row for row in rows)

    page.get_by_label("Status").select_option("")
    page.get_by_label("Label").select_option("team-payments")
    page.wait_for_url("**label=team-payments**")
    assert all("payments-api" in row for row in table_rows(page))

    page.goto("/")
    page.get_by_label("Sort by").select_option("latest_pact")
    page.wait_for_url("**sort=latest_pact**")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**after=**")
    assert 0 < len(table_rows(page)) <= 25
    query = parse_qs(urlsplit(page.url).query)
    assert query["sort"] == ["latest_pact"]
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url("**before=**")
    assert len(table_rows(page)) == 25


def test_search_and_pages_without_javascript(page_at, scene) -> None:
    page = page_at("/", java_script_enabled=False)
    page.get_by_label("Search by name").fill("orders")
    page.get_by_label("Environment").select_option("production")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=orders**")
    rows = table_rows(page)
    assert rows and all("orders-api" in row for row in rows)
    page.goto("/?sort=name")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**after=**")
    assert len(table_rows(page)) > 0
    # Copy buttons need JavaScript; without it the command text is still there to select.
    assert page.locator("button.copy:visible").count() == 0


def test_every_link_on_the_page_lands(page_at, scene, live_broker) -> None:
    links_land(page_at("/"), live_broker, at_least=6)


def test_the_empty_state_offers_the_publish_command_with_a_copy_button(page_at, transactional_db, live_broker) -> None:
    page = page_at("/")
    command = page.locator(".empty code").inner_text()
    assert command.startswith("pact broker publish ./pacts") and command.endswith(f"--broker-base-url {live_broker}")
    assert page.get_by_role("button", name="Copy command").is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_light_and_dark_and_axe_finds_nothing_serious(page_at, scene, scheme: str) -> None:
    axe_and_screenshot(page_at("/", color_scheme=scheme), "home", scheme)


def test_narrow_screens_keep_the_page_usable(page_at, scene) -> None:
    page = page_at("/")
    page.set_viewport_size({"width": 375, "height": 800})
    # The page itself never scrolls sideways; the table scrolls inside its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_label("Search by name").is_visible()


@pytest.mark.parametrize(
    "accept", ["application/hal+json", "application/hal+json, application/json", "application/json", "*/*"]
)
def test_the_index_still_answers_hal_json_to_api_clients(live_broker, accept: str) -> None:
    response = httpx.get(live_broker + "/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/hal+json")
    assert "pb:publish-contracts" in response.json()["_links"]


def test_static_files_are_served(live_broker) -> None:
    for path in ("/static/ui/accord.css", "/static/ui/accord.js", "/static/django_htmx/htmx-2.min.js"):
        assert httpx.get(live_broker + path).status_code == 200, path
