"""The README's access table (section "Access control"), cell by cell, against the API.

The table is read from README.md, so the documentation cannot drift from the code: a cell
changed in one must be changed in the other, a row or a column the test does not know
fails, and every cell runs as its own test on a fresh scene:

- team A ("orders") owns web-shop and orders-api, team B ("payments") owns payments-api,
  legacy-app belongs to no team;
- web-shop 0.9 and 1.0 published pacts for orders-api (verified by orders-api 2.0), and
  legacy-app 1.0 too;
- production is restricted to team A; test is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.access.helpers import READER, WRITER, basic, bearer, make_token, own, restrict
from tests.builders import publish_body
from tests.conftest import ROOT

START = "<!-- access-table"
END = "<!-- end of access-table -->"


def readme_table() -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(column headings, [(action, cells)]) of the README's access table."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(START) : text.index(END)]
    rows = [line for line in block.splitlines() if line.startswith("|")]
    split = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    header, _, *body = split
    return header[1:], [(cells[0], cells[1:]) for cells in body]


@dataclass
class Scene:
    tokens: dict[str, str]
    sha: str
    environments: dict[str, str]  # name -> uuid


def build_scene(td) -> Scene:
    td.publish("web-shop", "0.9", provider="orders-api")
    td.publish("web-shop", "1.0", provider="orders-api").verify("2.0")
    td.publish("legacy-app", "1.0", provider="orders-api")
    td.version("payments-api", "1.0")
    test, production = td.environment("test"), td.environment("production", production=True)
    tokens = {
        "Read token": make_token("dashboards", "read"),
        "Write token, team A": make_token("orders-ci", "write", teams=("orders",)),
        "Write token, team B": make_token("payments-ci", "write", teams=("payments",)),
        "Write token, no team": make_token("loose-ci", "write"),
        "Admin token": make_token("ops", "admin", kind="user"),
    }
    own("orders", "web-shop", "orders-api")
    own("payments", "payments-api")
    restrict("production", "orders")
    return Scene(tokens, td.contract.sha, {"test": str(test.uuid), "production": str(production.uuid)})


# ---------------------------------------------------------------- the rows: one request each

Request = Callable[[object, Scene, dict], object]


def _deploy(pacticipant: str, version: str, environment: str) -> Request:
    def send(api, scene: Scene, auth: dict):
        path = f"/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/"
        return api.post(path + scene.environments[environment], {}, **auth)

    return send


ACTIONS: dict[str, Request] = {
    "Publish a pact for `web-shop` (team A)": lambda api, s, auth: api.post(
        "/contracts/publish", publish_body("web-shop", "1.1", provider="orders-api"), **auth
    ),
    "Publish a pact for `legacy-app` (no team)": lambda api, s, auth: api.post(
        "/contracts/publish", publish_body("legacy-app", "1.1", provider="orders-api"), **auth
    ),
    "Publish a verification result for `orders-api`": lambda api, s, auth: api.post(
        f"/pacts/provider/orders-api/consumer/web-shop/pact-version/{s.sha}/verification-results",
        {"success": True, "providerApplicationVersion": "2.1"},
        **auth,
    ),
    "Tag a version of `web-shop`": lambda api, s, auth: api.put(
        "/pacticipants/web-shop/versions/1.0/tags/qa", {}, **auth
    ),
    "Add a version of `web-shop` to a branch": lambda api, s, auth: api.put(
        "/pacticipants/web-shop/branches/feat-x/versions/1.0", {}, **auth
    ),
    "Record a deployment of `web-shop` to `test`": _deploy("web-shop", "1.0", "test"),
    "Record a deployment of `web-shop` to `production`": _deploy("web-shop", "1.0", "production"),
    "Record a deployment of `legacy-app` to `production`": _deploy("legacy-app", "1.0", "production"),
    "Delete a version of `web-shop`": lambda api, s, auth: api.delete("/pacticipants/web-shop/versions/0.9", **auth),
    "Manage webhooks": lambda api, s, auth: api.post(
        "/webhooks",
        {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/hook"}},
        **auth,
    ),  # fmt: skip
    "Manage environments": lambda api, s, auth: api.post(
        "/environments", {"name": "staging", "production": False}, **auth
    ),  # fmt: skip
    "Manage teams and restrictions": lambda api, s, auth: api.post("/admin/teams", {"name": "platform"}, **auth),
    "Manage accounts and tokens": lambda api, s, auth: api.post(
        "/admin/accounts/orders-ci/tokens", {"name": "another", "scopes": ["read"]}, **auth
    ),
    "Read the audit log": lambda api, s, auth: api.get("/audit?application=web-shop", **auth),
    "Read the matrix and can-i-deploy": lambda api, s, auth: api.get(
        "/can-i-deploy?pacticipant=web-shop&version=1.0&environment=production", **auth
    ),
}


# ---------------------------------------------------------------- the columns: who asks


def _configure(settings, role: str) -> None:
    """Users configured (so tokens authenticate) for every role but the open broker's."""
    settings.ACCORD_ALLOW_PUBLIC_READ = False
    settings.ACCORD_REQUIRE_AUTH = False
    if role == "Anonymous, no users configured":
        settings.ACCORD_BASIC_AUTH_USERNAME = settings.ACCORD_BASIC_AUTH_PASSWORD = None
        settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME = settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = None
    else:
        settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
        settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER


def _credentials(role: str, scene: Scene) -> dict:
    if role.startswith("Anonymous"):
        return {}
    if role == "Read-only user":
        return basic(READER)
    if role == "Basic-auth write user":
        return basic(WRITER)
    return bearer(scene.tokens[role])


ROLES = (
    "Anonymous, no users configured",
    "Anonymous, users configured",
    "Read-only user",
    "Read token",
    "Write token, team A",
    "Write token, team B",
    "Write token, no team",
    "Admin token",
    "Basic-auth write user",
)
COLUMNS, ROWS = readme_table()
CELLS = [(action, role, expected) for action, cells in ROWS for role, expected in zip(COLUMNS, cells, strict=True)]


def test_the_table_has_every_role_and_action() -> None:
    assert tuple(COLUMNS) == ROLES
    assert [action for action, _ in ROWS] == list(ACTIONS)
    assert all(re.fullmatch(r"yes|401|403|409", expected) for _, _, expected in CELLS)


@pytest.mark.parametrize(("action", "role", "expected"), CELLS, ids=[f"{a} | {r}" for a, r, _ in CELLS])
def test_each_cell_of_the_readme_table(api, td, settings, action: str, role: str, expected: str) -> None:
    scene = build_scene(td)
    _configure(settings, role)
    response = ACTIONS[action](api, scene, _credentials(role, scene))
    if expected == "yes":
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])
    else:
        assert response.status_code == int(expected), (response.status_code, response.content[:300])
        if expected == "403":
            assert response.json()["error"].startswith("Forbidden: "), response.json()
