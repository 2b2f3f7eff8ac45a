"""Signing in, in a real browser against a broker with users (under gunicorn, two
workers): the login page (axe, light and dark), a write through a UI form, the API's JSON
read with the session, signing out, and an htmx request after the session ended."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.ui import webhooks_scene
from tests.ui.browser import assert_nothing_serious, axe_and_screenshot
from tests.ui.conftest import USERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ci(scene) -> str:
    """The seeded broker plus its webhooks: the CI webhook's uuid."""
    return webhooks_scene.seed_webhooks()["ci"].uuid


@pytest.fixture
def open_page(browser, live_broker_with_users) -> Iterator:
    """A fresh browser (no cookies) on the broker with users, opened at `path`."""
    contexts = []

    def open_(path: str, **context_options):
        context = browser.new_context(
            base_url=live_broker_with_users, viewport={"width": 1280, "height": 800}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        return page

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, access: str) -> None:
    username, password = USERS[access]
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def account(page) -> str:
    return " ".join(page.locator(".site-header .account").inner_text().split())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_login_page(open_page, ci, live_broker_with_users, scheme: str) -> None:
    page = open_page("/ui/webhooks", color_scheme=scheme)
    assert page.url == f"{live_broker_with_users}/ui/login?next=%2Fui%2Fwebhooks"
    assert page.title() == "Sign in · Accord"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Accord"
    assert page.get_by_role("navigation", name="Main").count() == 0  # nothing to browse yet
    assert page.evaluate("document.activeElement.id") == "id_username"
    axe_and_screenshot(page, "login", scheme)
    # A wrong password: said in words, the username kept, the password gone.
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    assert page.get_by_label("Username").input_value() == "admin"
    assert page.get_by_label("Password").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "id_password"  # to type it again
    assert_nothing_serious(page)


def test_sign_in_disable_a_webhook_read_the_api_and_sign_out(open_page, ci, live_broker_with_users) -> None:
    from contracts.models import Pacticipant
    from webhooks.models import Webhook

    page = open_page(f"/ui/webhooks/{ci}")
    sign_in(page, "write")
    page.wait_for_url(f"**/ui/webhooks/{ci}")
    assert account(page) == "Signed in as admin read-write Sign out"
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("disabled")
    assert Webhook.objects.get(uuid=ci).enabled is False
    # The UI links to the API's JSON: the session reads it (on either gunicorn worker).
    for _ in range(4):
        assert page.request.get(f"/webhooks/{ci}").json()["enabled"] is False
    # ...but writes nothing through it.
    refused = page.request.put("/pacticipants/Sneaky", data={"name": "Sneaky"})
    assert refused.status == 401 and not Pacticipant.objects.filter(name="Sneaky").exists()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/login?signed_out")
    assert page.get_by_role("status").inner_text() == "You have signed out."
    assert page.request.get(f"/webhooks/{ci}").status == 401
    page.goto(f"/ui/webhooks/{ci}")
    assert page.url.endswith(f"/ui/login?next=%2Fui%2Fwebhooks%2F{ci}")


def test_the_read_only_user_reads_and_changes_nothing(open_page, ci) -> None:
    page = open_page(f"/ui/webhooks/{ci}")
    sign_in(page, "read")
    page.wait_for_url(f"**/ui/webhooks/{ci}")
    assert account(page) == "Signed in as viewer read-only Sign out"
    assert page.get_by_role("button", name="Disable").count() == 0
    assert page.get_by_role("button", name="Test-fire now").count() == 0
    assert_nothing_serious(page)  # the header's badge and button included


def test_an_htmx_request_after_the_session_ended_goes_to_sign_in(open_page, scene, live_broker_with_users) -> None:
    from django.contrib.sessions.models import Session

    page = open_page("/?status=failed")
    sign_in(page, "read")
    page.wait_for_url("**/?status=failed")
    Session.objects.all().delete()  # signed out elsewhere, or expired
    page.get_by_label("Search by name").fill("web")
    page.wait_for_url("**/ui/login?next=**")
    assert page.url == f"{live_broker_with_users}/ui/login?next=%2F%3Fstatus%3Dfailed"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Accord"
