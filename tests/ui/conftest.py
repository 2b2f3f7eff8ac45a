"""Browser tests: Playwright drives Debian's Chromium against Accord under gunicorn."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import _child_env, start_gunicorn

CHROMIUM = "/usr/bin/chromium"
# The users of `live_broker_with_users`: (username, password) by the access they give.
USERS = {"write": ("admin", "w-pass-7d1c"), "read": ("viewer", "r-pass-3b9e")}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Chromium. Missing Chromium fails the test: `make test` installs it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django then
    # refuses ORM calls (the tests' seeding) as if they came from async code. They do not.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


_scene: list = []  # the scene as tests.ui.snapshot took it, once per session


@pytest.fixture
def scene(transactional_db) -> None:
    """The seeded broker, committed so the server process sees it (flushed after the test):
    seeded through the services once, then copied back for each later test."""
    from tests.ui import snapshot
    from tests.ui.scene import seed_scene

    if _scene:
        snapshot.put_back(_scene[0])
    else:
        seed_scene()
        _scene.append(snapshot.take())


@pytest.fixture
def page_at(browser, live_broker) -> Iterator:
    """Open a page of the live broker: `page_at("/?q=web", color_scheme="dark")`."""
    contexts = []

    def open_page(path: str = "/", **context_options):
        context = browser.new_context(base_url=live_broker, viewport={"width": 1280, "height": 800}, **context_options)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def live_broker_with_users(test_db_name, tmp_path_factory) -> Iterator[str]:
    """Accord under gunicorn with a read-write and a read-only user (USERS), set as a
    deployment sets them (the Pact Broker's variables): its base URL."""
    env = _child_env(
        test_db_name,
        PACT_BROKER_BASIC_AUTH_USERNAME=USERS["write"][0],
        PACT_BROKER_BASIC_AUTH_PASSWORD=USERS["write"][1],
        PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME=USERS["read"][0],
        PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD=USERS["read"][1],
    )
    server, url = start_gunicorn("gunicorn-users", env, tmp_path_factory.mktemp("server-users"))
    yield url
    server.stop()
