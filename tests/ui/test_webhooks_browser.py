"""The webhooks pages in a real browser: each renders, its forms work, every link on it
lands, axe finds nothing serious, in light and dark, and no secret reaches the page
(`make screenshots` writes the README's pictures)."""

from __future__ import annotations

import pytest

from tests.ui import webhooks_scene
from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hooks(scene) -> dict:
    """The seeded broker plus three webhooks (CI, chat, drift) and their deliveries."""
    seeded = webhooks_scene.seed_webhooks()
    return {"ci": seeded["ci"].uuid, "failed": str(seeded["failed"].uuid)}


def no_secret_on(page) -> None:
    html = page.content()
    for secret in webhooks_scene.SECRETS:
        assert secret not in html, secret


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_webhooks_list_page(page_at, hooks, live_broker, scheme: str) -> None:
    page = page_at("/ui/webhooks", color_scheme=scheme)
    assert page.title() == "Webhooks · Accord"
    table = page.get_by_role("table", name="Webhooks, in the order they were created")
    assert table.locator("tbody tr").count() == 3
    assert "token=**********" in table.inner_text()
    no_secret_on(page)
    links_land(page, live_broker, at_least=6)
    axe_and_screenshot(page, "webhooks", scheme)
    page.get_by_role("link", name="Trigger orders-api CI build").click()
    page.wait_for_url(f"**/ui/webhooks/{hooks['ci']}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_webhook_page(page_at, hooks, live_broker, scheme: str) -> None:
    page = page_at(f"/ui/webhooks/{hooks['ci']}", color_scheme=scheme)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Trigger orders-api CI build")
    assert page.get_by_role("table", name="newest deliveries").locator("tbody tr").count() == 3
    no_secret_on(page)
    links_land(page, live_broker, at_least=6)
    axe_and_screenshot(page, "webhook", scheme)
    # Test-fire: the outcome (the CI host does not resolve here) and its redacted logs.
    page.get_by_role("button", name="Test-fire now").click()
    page.wait_for_url("**tested=**")
    outcome = page.get_by_role("region", name="Test result")
    assert "failure" in outcome.inner_text() and "Attempt 1" in outcome.inner_text()
    no_secret_on(page)
    # Disable, then enable again.
    page.get_by_role("button", name="Disable").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).locator(".badge").inner_text() == "disabled"
    page.get_by_role("button", name="Enable").click()
    page.wait_for_load_state()
    assert "enabled" in page.get_by_role("heading", level=1).locator(".badge").inner_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_webhook_delivery_page(page_at, hooks, live_broker, scheme: str) -> None:
    page = page_at(f"/ui/webhooks/{hooks['ci']}/deliveries/{hooks['failed']}", color_scheme=scheme)
    assert page.locator("article.attempt").count() == 2
    assert page.get_by_text("connection refused by ci.example.com").is_visible()
    no_secret_on(page)
    links_land(page, live_broker, at_least=3)
    axe_and_screenshot(page, "webhook-delivery", scheme)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_webhook_form_page(page_at, hooks, live_broker, scheme: str) -> None:
    # The edit form: secrets shown as masks or "unchanged", never their values.
    page = page_at(f"/ui/webhooks/{hooks['ci']}/edit", color_scheme=scheme)
    assert page.get_by_label("Password", exact=True).get_attribute("placeholder") == "unchanged"
    assert "Authorization: **********" in page.get_by_label("Headers", exact=True).input_value()
    no_secret_on(page)
    links_land(page, live_broker, at_least=3)
    axe_and_screenshot(page, "webhook-form", scheme)
    # Saved unchanged but for the description: lands on the webhook, secrets kept.
    page.get_by_label("Description", exact=True).fill("Trigger the orders-api build")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/ui/webhooks/{hooks['ci']}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Trigger the orders-api build")
    assert "Password set (hidden)" in page.locator("main").inner_text().replace("\n", " ")
    # The new form: the API's rule shown next to its field, then a webhook created.
    page.goto("/ui/webhooks/new")
    page.get_by_label("Description", exact=True).fill("Nightly report")
    page.get_by_label("contract_published: a pact is published", exact=True).check()
    page.get_by_label("URL", exact=True).fill("http://reports.example.com/hook")
    page.get_by_role("button", name="Create webhook").click()
    assert page.locator("#id_url_errors").inner_text().startswith("Scheme must be https")
    assert page.get_by_label("URL", exact=True).get_attribute("aria-invalid") == "true"
    page.get_by_label("URL", exact=True).fill("https://reports.example.com/hook")
    page.get_by_role("button", name="Create webhook").click()
    page.wait_for_url("**/ui/webhooks/*")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nightly report")
    # Deleted again: asked first, then gone from the list, which says so.
    page.get_by_role("link", name="Delete…").click()
    page.wait_for_url("**/delete")
    page.get_by_role("button", name="Delete the webhook").click()
    page.wait_for_url("**/ui/webhooks?deleted=*")
    assert "Deleted the webhook “Nightly report”." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Nightly report").count() == 0
