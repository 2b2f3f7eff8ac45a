"""The audit log: a row for every write, in the write's transaction; GET /audit with its
filters and keyset pages; who may read it; retention."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_prune
from contracts import access
from contracts.models import Pacticipant
from tests.builders import publish_body
from tests.client import ApiClient

pytestmark = pytest.mark.django_db
WRITER = ("release-manager", "rm-s3cret-4242")
READER = ("auditor", "au-s3cret-1717")


def basic(user: tuple[str, str]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()}


@pytest.fixture
def users(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER


@pytest.fixture
def writer(users) -> ApiClient:
    return ApiClient(**basic(WRITER))


# ---------------------------------------------------------------- recording


def test_a_write_through_the_api_is_recorded_with_who_what_when_and_where(writer) -> None:
    before = timezone.now()
    response = writer.post(
        "/contracts/publish",
        publish_body("web-shop", "1.2.0", provider="orders-api", branch="main", tags=["dev"]),
        HTTP_X_REQUEST_ID="ci-run-42.attempt-1",
    )
    assert response.status_code == 200, response.content
    assert response["X-Request-Id"] == "ci-run-42.attempt-1"
    entry = AuditEntry.objects.get()
    assert before <= entry.at <= timezone.now()
    assert (entry.actor_kind, entry.actor_name, entry.token_name) == ("user", "release-manager", "")
    assert (entry.action, entry.target) == ("pact.publish", "web-shop 1.2.0 → orders-api")
    assert entry.applications == ["web-shop"] and entry.environment is None
    assert (entry.ip, entry.via, entry.request_id) == ("127.0.0.1", "api", "ci-run-42.attempt-1")
    assert entry.details == {"version": "1.2.0", "branch": "main", "tags": ["dev"], "providers": ["orders-api"]}


def test_a_request_without_a_usable_request_id_gets_one_of_its_own(writer) -> None:
    Pacticipant.objects.create(name="Web")
    for sent in (None, "has spaces", "x" * 129, "semi;colon"):
        extra = {"HTTP_X_REQUEST_ID": sent} if sent is not None else {}
        response = writer.put("/pacticipants/Web/labels/team", {}, **extra)
        assert response.status_code in (200, 201)
        assert len(response["X-Request-Id"]) == 32 and response["X-Request-Id"] != sent
    assert len(set(AuditEntry.objects.values_list("request_id", flat=True))) == 4


def test_a_refused_write_leaves_no_row(writer, monkeypatch) -> None:
    def refuse(actor, write) -> None:
        raise access.Forbidden(f"Forbidden: {actor.name} has no write permission on team of {write.applications[0]}")

    # After the audit handler: its row is written, then rolled back with the refused write.
    monkeypatch.setattr(access, "_handlers", [*access.registered(), refuse])
    response = writer.post("/pacticipants", {"name": "Web"})
    assert response.status_code == 403 and "no write permission" in response.json()["error"]
    assert not Pacticipant.objects.exists() and not AuditEntry.objects.exists()


def test_a_failed_write_leaves_no_row(writer, td) -> None:
    td.publish("Web", "1.0", provider="API")
    before = AuditEntry.objects.count()
    # The same version with other content: a 409 after the write was announced.
    changed = publish_body("Web", "1.0", provider="API")
    changed["contracts"][0]["content"] = base64.b64encode(
        b'{"consumer": {"name": "Web"}, "provider": {"name": "API"}, "interactions": [], '
        b'"metadata": {"pactSpecification": {"version": "2.0.0"}}}'
    ).decode()
    assert writer.post("/contracts/publish", changed).status_code == 409
    assert AuditEntry.objects.count() == before


def test_writes_without_a_request_are_the_systems_own(db) -> None:
    from contracts.services.pacticipants import pacticipant_upsert

    pacticipant_upsert(name="Web", fields={"display_name": "Web shop"})
    entry = AuditEntry.objects.get()
    assert (entry.actor_kind, entry.actor_name, entry.via, entry.ip) == ("system", "system", "system", None)
    assert entry.action == "pacticipant.create"


def test_details_never_keep_a_key_that_names_a_secret_nor_a_nul(db) -> None:
    actor = access.Actor(kind="token", name="ci", token="deploy\x00key", ip="not an address")
    details = {"url": "https://ci.example", "password": "p", "Headers": {"a": "b"}, "nested": {"client_secret": "s",
               "kept": "x\x00y"}, "body": "{}"}  # fmt: skip
    with access.acting_as(actor), transaction.atomic():
        access.write("webhook.create", "webhook x", admin=True, details=details)
    entry = AuditEntry.objects.get()
    assert entry.details == {"url": "https://ci.example", "nested": {"kept": "x\ufffdy"}}
    assert (entry.token_name, entry.ip) == ("deploy\ufffdkey", None)


# ---------------------------------------------------------------- GET /audit


def _entry(minutes_ago: float, **fields) -> AuditEntry:
    values = {"actor_kind": "user", "actor_name": "ana", "action": "tag.add", "target": "t", "via": "api"}
    return AuditEntry.objects.create(at=timezone.now() - timedelta(minutes=minutes_ago), **{**values, **fields})


def test_the_log_newest_first_by_keyset_pages(writer) -> None:
    for minutes in range(7):
        _entry(minutes, target=f"entry {minutes}")
    seen, href = [], "/audit?size=3"
    while href:
        body = writer.get(href).json()
        seen += [entry["target"] for entry in body["_embedded"]["auditEntries"]]
        href = body["_links"].get("next", {}).get("href", "").removeprefix("http://testserver")
        assert "size=3" in href or not href
    assert seen == [f"entry {minutes}" for minutes in range(7)]


def test_entries_of_the_same_moment_are_paged_without_loss(writer) -> None:
    moment = timezone.now()
    for number in range(5):
        AuditEntry.objects.create(at=moment, actor_kind="user", actor_name="ana", action="tag.add",
                                  target=f"same {number}", via="api")  # fmt: skip
    first = writer.get("/audit?size=2").json()
    rest = writer.get(first["_links"]["next"]["href"].removeprefix("http://testserver") + "&size=3").json()
    targets = [e["target"] for e in first["_embedded"]["auditEntries"] + rest["_embedded"]["auditEntries"]]
    assert sorted(targets) == [f"same {number}" for number in range(5)]


def test_the_filters(writer) -> None:
    _entry(1, actor_name="ana", action="pact.publish", applications=["Web"])
    _entry(2, actor_name="ci-bot", action="pact.delete", applications=["Web", "API"])
    _entry(3, actor_name="ci-bot", action="deployment.record", applications=["API"], environment="production")
    _entry(60 * 48, actor_name="ana", action="webhook.create")

    def targets(query: str) -> list[tuple[str, str]]:
        response = writer.get(f"/audit?{query}")
        assert response.status_code == 200, response.content
        return [(e["actor"]["name"], e["action"]) for e in response.json()["_embedded"]["auditEntries"]]

    assert targets("actor=ci-bot") == [("ci-bot", "pact.delete"), ("ci-bot", "deployment.record")]
    assert targets("application=API") == [("ci-bot", "pact.delete"), ("ci-bot", "deployment.record")]
    assert targets("action=pact.") == [("ana", "pact.publish"), ("ci-bot", "pact.delete")]
    assert targets("action=pact.delete") == [("ci-bot", "pact.delete")]
    assert targets("action=pact") == []  # neither exact nor a prefix ending with "."
    since = (timezone.now() - timedelta(days=1)).astimezone(UTC).isoformat()
    assert len(targets(f"from={since.replace('+00:00', 'Z')}")) == 3
    until = (timezone.now() - timedelta(minutes=2, seconds=30)).isoformat()
    assert targets(f"to={until.replace('+', '%2B')}") == [("ci-bot", "deployment.record"), ("ana", "webhook.create")]
    assert targets("actor=ana&action=webhook.") == [("ana", "webhook.create")]


def test_an_entry_as_the_api_shows_it(writer) -> None:
    Pacticipant.objects.create(name="Web")
    writer.put("/pacticipants/Web/labels/team", {}, HTTP_X_REQUEST_ID="req-1")
    body = writer.get("/audit").json()
    assert body["_links"]["self"] == {"href": "http://testserver/audit", "title": "Audit log"}
    assert body["_embedded"]["auditEntries"][0] == {
        "at": AuditEntry.objects.get().at.astimezone(UTC).replace(microsecond=0).isoformat(),
        "actor": {"kind": "user", "name": "release-manager", "token": None},
        "action": "label.add",
        "target": "Web label team",
        "applications": ["Web"],
        "environment": None,
        "ip": "127.0.0.1",
        "via": "api",
        "requestId": "req-1",
        "details": {"label": "team"},
    }
    assert "accord:audit" in writer.get("/").json()["_links"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=yesterday", "from", "must be an ISO-8601 date-time"),
        ("to=2024-13-01T00:00:00Z", "to", "must be an ISO-8601 date-time"),
        ("from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z", "to", "must be after from"),
        ("size=0", "size", "must be at least 1"),
        ("size=501", "size", "must be at most 500"),
        ("after=not-a-cursor", "after", "is not a page cursor"),
        (
            "after=" + base64.urlsafe_b64encode(b'["2024-05-01T00:00:00+00:00", 99999999999999999999]').decode(),
            "after",
            "is not a page cursor",
        ),
        ("actor=" + "a" * 256, "actor", "is longer than 255 characters"),
    ],
)
def test_bad_queries_are_400s_naming_the_parameter(writer, query, field, message) -> None:
    response = writer.get(f"/audit?{query}")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["errors"][field])


def test_reading_the_log_needs_the_admin_scope(users) -> None:
    from access.services.accounts import account_create
    from access.services.tokens import token_create

    response = ApiClient(**basic(READER)).get("/audit")
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden: reading the audit log needs the admin scope"}
    assert ApiClient().get("/audit").status_code == 401
    # A pipeline's write token may publish, not read who did what.
    pipeline = account_create(name="ci", kind="system")
    _, write = token_create(account=pipeline, name="publish", scopes=["write"])
    _, admin = token_create(account=pipeline, name="admin", scopes=["admin"])
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {write}").get("/audit").status_code == 403
    assert ApiClient(HTTP_AUTHORIZATION=f"Bearer {admin}").get("/audit").status_code == 200


def test_without_users_anyone_reads_it_as_everyone_writes(api) -> None:
    Pacticipant.objects.create(name="Web")
    api.put("/pacticipants/Web/labels/team", {})
    assert api.get("/audit").json()["_embedded"]["auditEntries"][0]["actor"] == {
        "kind": "anonymous", "name": "anonymous", "token": None}  # fmt: skip


# ---------------------------------------------------------------- retention


def test_entries_older_than_the_retention_are_pruned_in_batches(db, settings, monkeypatch) -> None:
    import audit.services

    settings.ACCORD_AUDIT_RETENTION_DAYS = 30
    monkeypatch.setattr(audit.services, "PRUNE_BATCH", 2)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for days in (31, 40, 45, 400, 29, 1):
        AuditEntry.objects.create(at=now - timedelta(days=days), actor_kind="system", actor_name="system",
                                  action="tag.add", target=f"{days} days", via="system")  # fmt: skip
    assert audit_prune(now=now) == 4
    assert sorted(AuditEntry.objects.values_list("target", flat=True)) == ["1 days", "29 days"]
    assert audit_prune(now=now) == 0


def test_pruning_is_on_beats_schedule(settings) -> None:
    from audit.tasks import audit_prune_task

    assert settings.CELERY_BEAT_SCHEDULE["audit-prune"]["task"] == audit_prune_task.name == "audit.prune"
