"""The audit log page in a real browser, on a broker with users (under gunicorn): changes
made through the API, a token's and the web UI's show with who, what, when and from where;
the filters work; axe finds nothing serious, in light and dark; the read-only
user has no way in (`make screenshots` writes the README's pictures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.ui import webhooks_scene
from tests.ui.browser import axe_and_screenshot, links_land
from tests.ui.conftest import USERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def changes(scene, live_broker_with_users) -> None:
    """The seeded broker (its writes are the system's), then changes as people and pipelines
    make them: the read-write user through the API, a CI pipeline's token (rows as a token's
    writes are recorded), and the UI's webhook form below."""
    from audit.models import AuditEntry

    webhooks_scene.seed_webhooks()
    # The seed's own rows an hour ago, so the people's changes lead the page.
    AuditEntry.objects.update(at=timezone.now() - timedelta(hours=1))
    api = httpx.Client(base_url=live_broker_with_users, auth=USERS["write"], timeout=20)
    for path, body in (
        ("/pacticipants/web-shop/versions/3.1.0/tags/production", {}),
        ("/pacticipants/orders-api/labels/team-orders", {}),
        ("/pacticipants/mobile-app", {"displayName": "Mobile app"}),
    ):
        assert api.put(path, json=body, headers={"X-Request-Id": "gh-run-8812"}).status_code in (200, 201)
    # Made over the last half hour, as in a broker in use.
    for minutes, target in (
        (24, "web-shop 3.1.0 tag production"),
        (17, "orders-api label team-orders"),
        (9, "mobile-app"),
    ):
        AuditEntry.objects.filter(target=target).update(at=timezone.now() - timedelta(minutes=minutes))
    AuditEntry.objects.create(
        at=timezone.now() - timedelta(minutes=3),
        actor_kind="token", actor_name="ci-pipeline", token_name="deploy-prod", action="deployment.record",
        target="orders-api 4.2.7 in production", applications=["orders-api"], environment="production",
        ip="203.0.113.40", via="api", request_id="8c1f9e2b7d4a4f0f9e51b2c3d4e5f607",
        details={"version": "4.2.7", "applicationInstance": None},
    )  # fmt: skip


@pytest.fixture
def open_page(browser, live_broker_with_users) -> Iterator:
    """A signed-in browser on the broker with users, at `path`."""
    contexts = []

    def open_(path: str, access: str = "write", **context_options):
        context = browser.new_context(
            base_url=live_broker_with_users, viewport={"width": 1280, "height": 800}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(f"/ui/login?next={path}")
        page.get_by_label("Username").fill(USERS[access][0])
        page.get_by_label("Password").fill(USERS[access][1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_audit_log_page(open_page, changes, live_broker_with_users, scheme: str) -> None:
    page = open_page("/ui/webhooks/new", color_scheme=scheme)
    # A change through the web UI: a new webhook.
    page.get_by_label("Description", exact=True).fill("Tell #releases about deployments")
    page.get_by_label("contract_published: a pact is published", exact=True).check()
    page.get_by_label("URL", exact=True).fill("https://chat.example.com/hooks/T024/B07/s3cr3t-path")
    page.get_by_role("button", name="Create webhook").click()
    page.wait_for_url("**/ui/webhooks/*")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/ui/audit")
    assert page.title() == "Audit log · Accord"
    table = page.get_by_role("table", name="Every change, newest first")
    first = table.locator("tbody tr").first
    assert "webhook.create" in first.inner_text() and "admin" in first.inner_text()
    assert "web UI" in first.inner_text() and "s3cr3t-path" not in page.content()
    assert "token deploy-prod" in table.inner_text() and "gh-run-8812" in table.inner_text()
    links_land(page, live_broker_with_users, at_least=5)
    axe_and_screenshot(page, "audit", scheme)

    # Filters: every tag change (pages: tests/ui/test_audit_pages.py).
    page.get_by_label("Action").fill("tag.")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/ui/audit?*action=tag.*")
    rows = page.get_by_role("table", name="Changes matching the filters, newest first").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert "web-shop 3.1.0 tag production" in rows.first.inner_text()
    page.get_by_role("link", name="Reset").click()
    page.wait_for_url("**/ui/audit")
    expect(page.get_by_role("table", name="Every change, newest first")).to_be_visible()


def test_the_read_only_user_has_no_way_in(open_page, changes) -> None:
    page = open_page("/ui/webhooks", access="read")
    page.wait_for_url("**/ui/webhooks")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").count() == 0
    assert page.goto("/ui/audit").status == 403
    assert "reading the audit log needs the admin scope" in page.get_by_role("alert").inner_text()
