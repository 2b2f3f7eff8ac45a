"""The secrets pages in a real browser: the list, the create / edit / delete forms, every
link lands, axe finds nothing serious, in light and dark, and no value reaches a page
(`make screenshots` writes the README's pictures)."""

from __future__ import annotations

import pytest

from tests.ui import webhooks_scene
from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)
NEW_VALUE = "ghp_TYPED-IN-THE-BROWSER-9"


@pytest.fixture
def secrets(scene) -> dict:
    """The seeded broker, its webhooks and three secrets."""
    webhooks_scene.seed_webhooks()
    return {name: str(secret.uuid) for name, secret in webhooks_scene.seed_secrets().items()}


def no_value_on(page) -> None:
    html = page.content()
    for value in (*webhooks_scene.SECRET_VALUES, NEW_VALUE):
        assert value not in html, value
    for field in page.locator("input[type=password]").all():
        assert field.input_value() == ""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_secrets_page(page_at, secrets, live_broker, scheme: str) -> None:
    page = page_at("/ui/webhooks/secrets", color_scheme=scheme)
    assert page.title() == "Webhook secrets · Accord"
    table = page.get_by_role("table", name="Secrets by name")
    assert table.locator("tbody tr").count() == 3
    assert "${user.GithubToken}" in table.inner_text()
    no_value_on(page)
    links_land(page, live_broker, at_least=8)
    axe_and_screenshot(page, "webhook-secrets", scheme)
    # Create one: a rule broken first, shown next to its field, and the value not sent back.
    page.get_by_label("Name", exact=True).fill("Deploy Token")
    page.get_by_label("Value", exact=True).fill(NEW_VALUE)
    page.get_by_role("button", name="Create secret").click()
    assert page.locator("#id_name_errors").inner_text().startswith("Must start with a letter")
    assert page.get_by_label("Name", exact=True).get_attribute("aria-invalid") == "true"
    no_value_on(page)
    page.get_by_label("Name", exact=True).fill("DeployToken")
    page.get_by_label("Value", exact=True).fill(NEW_VALUE)
    page.get_by_role("button", name="Create secret").click()
    page.wait_for_url("**/ui/webhooks/secrets?saved=DeployToken")
    assert "Saved the secret “DeployToken”." in page.get_by_role("status").inner_text()
    assert page.get_by_role("table", name="Secrets by name").locator("tbody tr").count() == 4
    no_value_on(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_secret_form_page(page_at, secrets, live_broker, scheme: str) -> None:
    page = page_at(f"/ui/webhooks/secrets/{secrets['GithubToken']}", color_scheme=scheme)
    assert page.get_by_role("heading", level=1).inner_text() == "Edit the secret GithubToken"
    assert page.get_by_label("New value", exact=True).get_attribute("placeholder") == "unchanged"
    assert page.get_by_label("Name", exact=True).input_value() == "GithubToken"
    no_value_on(page)
    links_land(page, live_broker, at_least=2)
    axe_and_screenshot(page, "webhook-secret-form", scheme)
    # A new value replaces the stored one; back on the list, which says so.
    page.get_by_label("New value", exact=True).fill(NEW_VALUE)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/ui/webhooks/secrets?saved=GithubToken")
    no_value_on(page)
    # Deleted: asked first, then gone from the list, which says so.
    page.get_by_role("link", name="Delete… SlackBotToken").click()
    page.wait_for_url("**/delete")
    assert "Delete the secret SlackBotToken?" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Delete the secret").click()
    page.wait_for_url("**/ui/webhooks/secrets?deleted=SlackBotToken")
    assert "Deleted the secret “SlackBotToken”." in page.locator("main").inner_text()
    assert page.get_by_role("table", name="Secrets by name").locator("tbody tr").count() == 2
