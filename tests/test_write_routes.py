"""Every route that changes data has a case in tests/write_routes.py (the walk that makes each
one, tests/audit/test_audit_walk.py, checks it announces exactly one write and leaves one
audit row), and the routes served by plain functions write nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from contracts import access
from tests.ui.test_signin import WRITES as UI_POSTS
from tests.write_routes import (
    CASES,
    UI_NOT_WRITES,
    api_function_routes,
    api_routes,
    ui_routes,
)

pytestmark = pytest.mark.django_db
WRITER = ("release-manager", "rm-s3cret-4242")


@pytest.fixture
def users(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]  # test-fires reach the local receiver


@pytest.fixture
def announced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[access.Actor | None, access.Write]]:
    """Every write announced from now on, after the apps' own handlers have seen it."""
    seen: list = []
    monkeypatch.setattr(access, "_handlers", [*access.registered(), lambda actor, write: seen.append((actor, write))])
    return seen


def signed_in(user: tuple[str, str]) -> Client:
    client = Client(HTTP_ACCEPT="text/html")
    assert client.post("/ui/login", {"username": user[0], "password": user[1]}).status_code == 303
    return client


def test_every_write_route_has_a_case() -> None:
    writes = api_routes()
    covered = {(case.route, case.method) for case in CASES if not case.ui}
    assert sorted(writes - covered) == [], "write routes without a case in tests/write_routes.py"
    assert sorted(covered - writes) == [], "cases for routes that take no such write"
    # tests/ui/test_signin.py proves its WRITES names every UI route that takes a POST.
    assert {case.route for case in CASES if case.ui} == set(UI_POSTS) - UI_NOT_WRITES
    assert set(UI_POSTS) <= set(ui_routes())


def test_the_routes_served_by_plain_functions_write_nothing(api, announced) -> None:
    functions = api_function_routes()
    assert set(functions) >= {"index", "heartbeat", "triggered-webhook-logs", "pact-badge"}
    for name, template in functions.items():
        path = re.sub(r"<(?:\w+:)?(\w+)>", "x", template)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert api.generic(method, path, "{}").status_code in (404, 405), (name, method)
    assert announced == []
