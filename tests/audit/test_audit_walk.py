"""The write routes' walk: every write route of the API and the web UI (tests/write_routes.py,
from the URL resolver: a new route without a case fails), made as a named user, announces
exactly one write (contracts.access.write) with its action, applications, environment and
admin flag, and leaves one audit row with that actor, address and request id; and no row
holds a secret or a contract's content."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test import Client

from audit.models import AuditEntry
from contracts import access
from tests.builders import pact_document, publish_body
from tests.client import ApiClient
from tests.ui import webhooks_scene
from tests.write_routes import CASES, UI_WEBHOOK, Case, basic, build_scene, send

pytestmark = pytest.mark.django_db
WRITER = ("release-manager", "rm-s3cret-4242")
# Through the load balancer: the address recorded is the client's, not the proxy's.
PROXY = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.23"}


@pytest.fixture
def users(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]  # test-fires reach the local receiver
    settings.ACCORD_TRUSTED_PROXIES = ["10.0.0.0/8"]


@pytest.fixture
def announced(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every write announced from now on, after the apps' own handlers have seen it."""
    seen: list = []
    monkeypatch.setattr(access, "_handlers", [*access.registered(), lambda actor, write: seen.append(write)])
    return seen


def signed_in() -> Client:
    client = Client(HTTP_ACCEPT="text/html")
    assert client.post("/ui/login", {"username": WRITER[0], "password": WRITER[1]}).status_code == 303
    return client


def writer(ui: bool):
    return signed_in() if ui else ApiClient(**basic(*WRITER))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_write_route_announces_one_write_and_leaves_one_audit_row_with_its_actor(
    case: Case, td, receiver, users, announced
) -> None:
    scene = build_scene(td, receiver.url)
    before = list(AuditEntry.objects.values_list("id", flat=True))
    assert before and not AuditEntry.objects.exclude(actor_kind="system").exists()  # the scene: the system's
    client = writer(case.ui)
    announced.clear()  # the scene's own writes (the system's) are not the request's
    response = send(client, case, scene, HTTP_X_REQUEST_ID=f"walk-{case.route}", **PROXY)
    assert response.status_code < 400, (response.status_code, response.content[:300])
    assert [(w.action, w.applications, w.environment, w.admin) for w in announced] == [
        (case.action, case.applications, case.environment, case.admin)
    ]

    entry = AuditEntry.objects.exclude(id__in=before).get()
    assert (entry.actor_kind, entry.actor_name, entry.action) == ("user", WRITER[0], case.action)
    assert (entry.applications, entry.environment) == (list(case.applications), case.environment)
    assert (entry.via, entry.ip, entry.request_id) == (
        "ui" if case.ui else "api",
        "198.51.100.23",
        f"walk-{case.route}",
    )
    assert response["X-Request-Id"] == f"walk-{case.route}" and entry.target


# ---------------------------------------------------------------- no secret, no contract


LIVE = ("live-h3ader-s3cret", "live-passw0rd-s3cret", "live-client-s3cret")
TARGET_TOKEN, RUN_TOKEN = "vt-t0ken-s3cret", "run-t0ken-s3cret"
HOOK = ("hook-h3ader-s3cret", "hook-passw0rd-s3cret", "hook-userinfo-s3cret", "hook-query-s3cret", "T024S3CRET")
UI_HOOK = ("ui-h3ader-s3cret", "ui-passw0rd-s3cret")
SECRETS = (*webhooks_scene.SECRETS, *LIVE, TARGET_TOKEN, RUN_TOKEN, *HOOK, *UI_HOOK)
# Words only a contract's content holds.
CONTRACT_WORDS = ("an-order-for-the-audit-walk", "/orders/audit-walk-1")


def _audit_text() -> str:
    """Every text column of every audit row, as PostgreSQL holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT concat_ws(' ', actor_name, token_name, action, target, array_to_string(applications, ' '), "
            "environment, host(ip), request_id, via, details::text) FROM audit_auditentry"
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def test_no_audit_row_holds_a_secret_or_a_contract(td, receiver, users) -> None:
    scene = build_scene(td, receiver.url)  # its webhook holds webhooks_scene.SECRETS
    api, browser = writer(False), writer(True)
    hook = {
        "description": "Tell chat",
        "events": [{"name": "contract_published"}],
        "request": {
            "method": "POST",
            "url": f"https://bot:{HOOK[2]}@chat.example.com/hooks/{HOOK[4]}?token={HOOK[3]}",
            "headers": {"X-Api-Key": HOOK[0]},
            "username": "bot",
            "password": HOOK[1],
            "body": {"text": "published"},
        },
    }
    document = pact_document("Web", "API")
    document["interactions"][0].update(description=CONTRACT_WORDS[0])
    document["interactions"][0]["request"]["path"] = CONTRACT_WORDS[1]
    contract = publish_body("Web", "3.0", provider="API")
    contract["contracts"][0]["content"] = base64.b64encode(json.dumps(document).encode()).decode()
    auth = {"type": "oauth2", "tokenUrl": "https://auth.example/token", "clientId": "accord", "clientSecret": LIVE[2]}
    writes = [
        api.post("/webhooks", hook),
        api.put(f"/webhooks/{scene.webhook}", hook),
        api.post(f"/webhooks/{scene.webhook}/execute", {}),
        api.put(
            "/pacticipants/API/live-targets/production",
            {"baseUrl": f"https://m:{LIVE[1]}@api.example/x", "headers": {"X-Live": LIVE[0]}, "auth": auth},
        ),
        api.put(
            "/pacticipants/API/verification-targets/ci",
            {"baseUrl": "https://api.example", "headers": {"Authorization": f"Bearer {TARGET_TOKEN}"}},
        ),
        api.post(
            "/verification-runs",
            {
                "provider": "API",
                "providerVersion": "2.1",
                "baseUrl": "https://api.example",
                "headers": {"Authorization": f"Bearer {RUN_TOKEN}"},
            },
        ),
        api.post("/contracts/publish", contract),
        api.put("/pacts/provider/API/consumer/Web/version/3.1", json.dumps(document)),
        browser.post(
            "/ui/webhooks/new",
            {**UI_WEBHOOK, "headers": f"X-Token: {UI_HOOK[0]}", "username": "u", "password": UI_HOOK[1]},
        ),
    ]
    assert [response.status_code for response in writes] == [201, 200, 200, 200, 201, 201, 200, 201, 303]
    assert AuditEntry.objects.exclude(actor_kind="system").count() == len(writes)

    stored = _audit_text()
    shown = api.get("/audit?size=500").content.decode() + browser.get("/ui/audit").content.decode()
    for secret in SECRETS:
        assert secret not in stored, f"{secret} is in the audit log"
        assert secret not in shown, f"{secret} is shown by the audit log"
    for words in CONTRACT_WORDS:
        assert words not in stored and words not in shown, f"a contract's content ({words}) is in the audit log"
    # What it does keep of a URL: where it sends.
    assert "https://chat.example.com" in stored and "https://api.example" in stored
