"""The application pages in a real browser: they render, search and page, every link lands,
light and dark, axe finds nothing serious, and the badges' Markdown copies."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.ui.browser import assert_nothing_serious, links_land, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(scene) -> None:
    """The seeded broker, with what a team fills in for its application: repository and label."""
    from contracts.models import Label, Pacticipant

    Pacticipant.objects.filter(name="web-shop").update(repository_url="https://git.example/shop/web-shop")
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="web-shop"), name="customer-facing")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_applications_list(page_at, shop, live_broker, scheme: str) -> None:
    page = page_at("/ui/applications", color_scheme=scheme)
    assert page.title() == "Applications · Accord"
    assert page.locator("#results tbody tr").count() == 13
    assert page.locator(".badge-label", has_text="team-orders").count() == 1
    assert_nothing_serious(page)
    screenshot(page, f"applications-{scheme}")
    links_land(page, live_broker, at_least=6)
    # Search, with htmx (as you type) and without JavaScript (the button).
    page.get_by_label("Search by name").fill("api")
    page.wait_for_url("**q=api**")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
    assert page.locator("#results tbody th a").all_inner_texts() == ["orders-api", "payments-api"]
    page.get_by_role("link", name="orders-api").click()
    page.wait_for_url("**/ui/applications/orders-api")
    assert page.get_by_role("heading", name="orders-api", level=1).is_visible()


def test_the_applications_list_without_javascript(page_at, shop) -> None:
    page = page_at("/ui/applications", java_script_enabled=False)
    page.get_by_label("Search by name").fill("shop")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=shop**")
    assert page.locator("#results tbody th a").all_inner_texts() == ["web-shop"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_application_page(page_at, shop, live_broker, scheme: str) -> None:
    page = page_at("/ui/applications/web-shop", color_scheme=scheme, permissions=["clipboard-read", "clipboard-write"])
    assert page.title() == "web-shop · Accord"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
    deploy = page.get_by_role("table", name="can-i-deploy of version")
    assert deploy.locator("tbody tr").count() == 2
    assert page.locator("#deploy-title + p code").inner_text()
    runs = page.get_by_role("table", name="deployed or released")
    assert "deployed" in runs.inner_text()
    assert page.get_by_role("table", name="As consumer").locator("tbody tr").count() == 4
    assert page.get_by_role("table", name="Versions of web-shop").locator("tbody tr").count() > 0
    assert_nothing_serious(page)
    screenshot(page, f"application-{scheme}")
    links_land(page, live_broker, at_least=6)
    # The badges open without JavaScript (details), draw, and their Markdown copies.
    page.get_by_text("status badges for READMEs").click()
    first = page.locator(".badges li").first
    image = first.locator("img")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    first.get_by_role("button", name="Copy Markdown").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("[![web-shop/") and "/latest/badge)" in copied
    # "The matrix" link asks the can-i-deploy page the same question.
    deploy.get_by_role("link").first.click()
    page.wait_for_url("**/ui/can-i-deploy?pacticipant=web-shop**")
    assert page.locator(".verdict-word").is_visible()


def test_an_unknown_application_is_a_404_page(page_at, shop, live_broker) -> None:
    context_page = page_at("/ui/applications")
    response = context_page.goto("/ui/applications/nobody")
    assert response is not None and response.status == 404
    assert context_page.get_by_role("heading", name="No application named “nobody”").is_visible()
    assert urlsplit(context_page.url).path == "/ui/applications/nobody"


@pytest.mark.parametrize("path", ["/ui/applications", "/ui/applications/web-shop"])
def test_narrow_screens_keep_the_page_usable(page_at, shop, path: str) -> None:
    page = page_at(path)
    page.set_viewport_size({"width": 375, "height": 800})
    # The page itself never scrolls sideways; wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
