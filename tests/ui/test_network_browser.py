"""The network page in a real browser: the graph renders with its hubs and cycles, the
centre form works, every link lands, the zoom buttons appear, axe finds nothing serious,
in light and dark (and `make screenshots` writes the README's pictures)."""

from __future__ import annotations

import pytest

from tests.builders import TestData
from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def system(scene) -> None:
    """The seeded broker plus providers that call each other in a ring (a cycle)."""
    td = TestData()
    for consumer, provider in [
        ("orders-api", "payments-api"),
        ("payments-api", "inventory-service"),
        ("inventory-service", "orders-api"),
    ]:
        td.publish(consumer, "9.0.0", provider=provider, branch="main")
        td.verify("9.1.0")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_network_page(page_at, system, live_broker, scheme: str) -> None:
    page = page_at("/ui/network", color_scheme=scheme)
    assert page.title() == "Network · Accord"
    graph = page.get_by_role("group", name="All applications")
    assert graph.is_visible()
    assert page.locator("svg .node").count() == 13
    hubs = page.get_by_role("list", name="Hubs")
    assert hubs.get_by_role("link", name="payments-api").is_visible()
    cycle = page.get_by_role("list", name="Cycles").locator("li").first
    assert cycle.inner_text() == "3 applications: inventory-service, orders-api, payments-api"
    assert page.locator("svg .node-drift").count() == 1  # payments-api has an open incident
    rows = page.get_by_role(
        "table", name="The applications drawn above, by name, with how many they consume and are consumed by"
    )
    assert rows.locator("tbody tr").count() == 13
    assert page.get_by_role("group", name="Zoom").is_visible()  # the JavaScript enhancement
    links_land(page, live_broker, at_least=20)
    axe_and_screenshot(page, "network", scheme)
    # The form: centre on one application, two steps out.
    page.get_by_label("Centre on application").fill("web-shop")
    page.get_by_label("Depth").select_option("1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**around=web-shop**")
    assert page.get_by_role("group", name="Applications within 1 step of web-shop").is_visible()
    assert 1 < page.locator("svg .node").count() < 13
    # A node is a link to the application.
    assert page.locator("svg .node-centre").get_attribute("aria-label").startswith("web-shop (centre): ")
    page.locator("svg a.node-centre").click()
    page.wait_for_url("**/ui/applications/web-shop")
