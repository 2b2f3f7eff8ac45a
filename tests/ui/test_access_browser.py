"""The Access pages in a real browser, signed in as the admin of a broker with users: each
renders, its forms work (a token is created, shown once and works; revoked, it no longer
does), every link lands, axe finds nothing serious, in light and dark (`make screenshots`
writes the README's pictures)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.access.helpers import make_token, own, restrict
from tests.ui.browser import axe_and_screenshot, links_land
from tests.ui.conftest import USERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def access_scene(scene) -> None:
    """The seeded broker, plus people and pipelines in three teams that own its applications,
    and production restricted to the release team."""
    from access.models import Account

    make_token("ana.lima", "admin", kind="user", name="laptop", teams=("orders",))
    make_token("orders-ci", "write", teams=("orders",))
    make_token("payments-ci", "write", teams=("payments",))
    make_token("release-bot", "write", teams=("release",), name="deploy")
    make_token("dashboards", "read", name="wallboard")
    Account.objects.create(name="old-jenkins", kind="system", display_name="Jenkins (retired)", active=False)
    own("orders", "orders-api", "web-shop", "checkout-ui")
    own("payments", "payments-api")
    restrict("production", "release")


@pytest.fixture
def admin_page(browser, live_broker_with_users) -> Iterator:
    """A browser signed in as the broker's read-write user (an admin), opened at `path`."""
    contexts = []

    def open_(path: str, **context_options):
        context = browser.new_context(
            base_url=live_broker_with_users, viewport={"width": 1280, "height": 800}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        page.get_by_label("Username").fill(USERS["write"][0])
        page.get_by_label("Password").fill(USERS["write"][1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**{path}")
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_access_overview(admin_page, access_scene, live_broker_with_users, scheme: str) -> None:
    page = admin_page("/ui/access", color_scheme=scheme)
    assert page.title() == "Access · Accord"
    assert (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Access").get_attribute("aria-current")
        == "page"
    )
    accounts = page.get_by_role("table", name="Every account by name")
    assert accounts.locator("tbody tr").count() == 6
    assert "deactivated" in accounts.locator("tr", has_text="old-jenkins").inner_text()
    teams = page.get_by_role("table", name="Every team by name")
    assert "orders-api" in teams.locator("tr", has_text="orders").first.inner_text()
    links_land(page, live_broker_with_users, at_least=12)
    axe_and_screenshot(page, "access", scheme)
    # A team, from the form.
    page.get_by_label("Name", exact=True).last.fill("platform")
    page.get_by_role("button", name="Add team").click()
    page.wait_for_url("**/ui/access/teams/platform")
    assert page.get_by_role("heading", level=1).inner_text() == "Team platform"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_token_is_created_shown_once_and_revoked(admin_page, access_scene, scheme: str) -> None:
    page = admin_page("/ui/access/accounts/payments-ci", color_scheme=scheme)
    page.get_by_label("Name", exact=True).fill("deploy")
    page.get_by_label("write: also publish pacts").check()
    page.get_by_label("Expires").select_option(label="in a year")
    page.get_by_role("button", name="Create token").click()
    created = page.get_by_role("region", name="Token “deploy” created")
    expect(created).to_be_visible()
    value = created.locator(".copyable code").inner_text()
    assert value.startswith("acc_")
    expect(created.get_by_role("button", name="Copy token")).to_be_visible()  # the clipboard is there
    # The token works with the API at once.
    assert page.request.get("/pacticipants", headers={"Authorization": f"Bearer {value}"}).status == 200
    tokens = page.get_by_role("table", name="This account's tokens")
    assert tokens.locator("tbody tr").count() == 2
    axe_and_screenshot(page, "access-token", scheme)

    page.get_by_role("button", name="Revoke deploy").click()
    page.wait_for_url("**/ui/access/accounts/payments-ci?revoked=*")
    assert value not in page.content()  # shown once, never again
    assert (
        "revoked"
        in page.get_by_role("table", name="This account's tokens").locator("tr", has_text="deploy").inner_text()
    )
    assert page.request.get("/pacticipants", headers={"Authorization": f"Bearer {value}"}).status == 401


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_team_and_the_restricted_environments(admin_page, access_scene, live_broker_with_users, scheme: str) -> None:
    from access.models import EnvironmentRestriction, Membership

    page = admin_page("/ui/access/teams/orders", color_scheme=scheme)
    assert page.get_by_role("heading", level=1).inner_text() == "Team orders"
    page.get_by_label("Add an account").select_option("dashboards")
    page.get_by_role("button", name="Add member").click()
    page.wait_for_load_state()
    assert Membership.objects.filter(team__name="orders", account__name="dashboards").exists()
    page.get_by_role("button", name="Remove dashboards").click()
    page.wait_for_load_state()
    assert not Membership.objects.filter(account__name="dashboards").exists()
    links_land(page, live_broker_with_users, at_least=6)
    axe_and_screenshot(page, "access-team", scheme)

    page.goto("/ui/access/environments")
    production = page.get_by_role("region", name="production")
    assert "Teams allowed: release" in production.inner_text()
    production.get_by_label("orders").check()
    production.get_by_role("button", name="Save the teams").click()
    page.wait_for_url("**/ui/access/environments#env-production")
    restriction = EnvironmentRestriction.objects.get(environment__name="production")
    assert sorted(restriction.teams.values_list("name", flat=True)) == ["orders", "release"]
    links_land(page, live_broker_with_users, at_least=5)
    axe_and_screenshot(page, "access-environments", scheme)
