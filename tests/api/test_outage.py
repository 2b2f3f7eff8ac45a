"""A dependency outage is a 503 with Retry-After, never a 500, and it is logged once.

Failures here are real: a PostgreSQL socket nothing listens on (what a killed server
leaves behind), a backend terminated under an open connection, a Redis socket nothing
listens on. Errors that are the request's own must not be mistaken for an outage.
"""

from __future__ import annotations

import json
import logging
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from kombu import Connection

from contracts.api.outage import BROKER, DATABASE, unavailable_dependency
from tests.builders import publish_body
from tests.client import ApiClient
from tests.conftest import _child_env, start_gunicorn

UNAVAILABLE = {"error": "The database is unavailable; try again shortly"}


@pytest.fixture
def dead_socket_dir() -> Iterator[Path]:
    """A folder holding PostgreSQL's and Redis's socket files with nothing listening."""
    # Short path: unix socket paths are limited to 107 bytes.
    with tempfile.TemporaryDirectory(prefix="accord-dead-", dir="/tmp") as folder:
        for name in (".s.PGSQL.5432", "redis.sock"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.bind(str(Path(folder) / name))
        yield Path(folder)


def _connect(**overrides) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "dbname": "postgres", **overrides}
    return psycopg.connect(autocommit=True, **{key: value for key, value in params.items() if value})


def _raised(action) -> BaseException:
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


# --- which failures are outages ----------------------------------------------------------------


def test_a_refused_connection_is_a_database_outage(dead_socket_dir):
    error = _raised(lambda: _connect(host=str(dead_socket_dir), connect_timeout=2))

    assert isinstance(error, psycopg.OperationalError)
    assert unavailable_dependency(error) == DATABASE


def test_a_connection_lost_under_a_request_is_a_database_outage():
    with _connect() as victim, _connect() as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
        terminated = _raised(lambda: victim.execute("SELECT 1"))
        closed = _raised(lambda: victim.execute("SELECT 1"))

    # "terminating connection due to administrator command" (57P01), or the closed socket itself
    assert isinstance(terminated, psycopg.OperationalError)
    assert unavailable_dependency(terminated) == DATABASE
    assert str(closed) == "the connection is closed"
    assert unavailable_dependency(closed) == DATABASE


def test_djangos_wrapped_error_is_recognised_through_its_cause(dead_socket_dir, django_db_blocker):
    from django.db import OperationalError as DjangoOperationalError

    alias = connections["default"]
    saved = alias.settings_dict["HOST"]
    with django_db_blocker.unblock():
        alias.close()
        alias.settings_dict["HOST"] = str(dead_socket_dir)
        try:
            error = _raised(alias.ensure_connection)
        finally:
            alias.close()
            alias.settings_dict["HOST"] = saved

    assert isinstance(error, DjangoOperationalError) and isinstance(error.__cause__, psycopg.OperationalError)
    assert unavailable_dependency(error) == DATABASE


@pytest.mark.parametrize(
    ("sql", "sqlstate"),
    [
        ("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$", "40001"),  # serialization failure
        ("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40P01'; END $$", "40P01"),  # deadlock
        ("SET statement_timeout = 10; SELECT pg_sleep(1)", "57014"),  # statement timeout
        ("SELECT 1 / 0", "22012"),
        ("SELECT * FROM no_such_table", "42P01"),
    ],
    ids=["serialization", "deadlock", "statement-timeout", "division-by-zero", "bad-sql"],
)
def test_errors_that_are_the_requests_own_are_not_outages(sql, sqlstate):
    with _connect() as conn:
        error = _raised(lambda: conn.execute(sql))
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the connection is fine

    assert error.sqlstate == sqlstate
    assert unavailable_dependency(error) is None


def test_client_side_errors_on_a_healthy_connection_are_not_outages():
    with _connect() as conn:
        nul = _raised(lambda: conn.execute("SELECT %s::text", ["a\x00b"]))
        cursor = conn.cursor()
        cursor.close()
        closed_cursor = _raised(lambda: cursor.execute("SELECT 1"))

    assert isinstance(nul, psycopg.DataError) and unavailable_dependency(nul) is None
    assert isinstance(closed_cursor, psycopg.InterfaceError) and unavailable_dependency(closed_cursor) is None
    assert unavailable_dependency(ValueError("the connection is closed")) is None


def test_an_unreachable_message_broker_is_a_broker_outage(dead_socket_dir):
    with Connection(f"redis+socket://{dead_socket_dir / 'redis.sock'}") as conn:
        error = _raised(lambda: conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2))

    assert unavailable_dependency(error) == BROKER


# --- what clients get: every route, API and plain Django ---------------------------------------


class DatabaseDown:
    """The default connection of this thread pointed at a socket nothing listens on."""

    def __init__(self, socket_dir: Path) -> None:
        self.alias = connections["default"]
        self.saved = self.alias.settings_dict["HOST"]
        self.socket_dir = socket_dir
        self.down = False

    def start(self) -> None:
        # Connect once for real first: ends any outage an earlier test in this process noted.
        self.alias.close()
        self.alias.ensure_connection()
        self.alias.close()
        self.alias.settings_dict["HOST"] = str(self.socket_dir)
        self.down = True

    def restore(self) -> None:
        if self.down:
            self.alias.close()
            self.alias.settings_dict["HOST"] = self.saved
            self.down = False


@pytest.fixture
def database_down(dead_socket_dir, django_db_setup, django_db_blocker) -> Iterator[DatabaseDown]:
    with django_db_blocker.unblock():
        outage = DatabaseDown(dead_socket_dir)
        outage.start()
        try:
            yield outage
        finally:
            outage.restore()
            outage.alias.ensure_connection()  # recovery, so the next test starts with no outage noted
            outage.alias.close()


def _publish_body(consumer: str, version: str, provider: str = "OutageApi") -> dict:
    return publish_body(consumer, version, provider)


def test_api_routes_answer_503_with_retry_after_naming_the_database(database_down):
    client = ApiClient()

    publish = client.post("/contracts/publish", _publish_body("OutageWeb", "1.0"))
    read = client.get("/pacticipants/OutageWeb")

    for response in (publish, read):
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == "5"
        assert response["Content-Type"].startswith("application/hal+json")
        assert response.json() == UNAVAILABLE
        assert response["X-Pact-Broker-Version"]  # still a broker response, headers and all


def test_plain_django_views_answer_503_too_and_the_heartbeat_stays_up(database_down):
    client = ApiClient()

    logs = client.get(f"/triggered-webhooks/{uuid.uuid4()}/logs")
    heartbeat = client.get("/diagnostic/status/heartbeat")

    assert logs.status_code == 503
    assert logs["Retry-After"] == "5"
    assert json.loads(logs.content) == UNAVAILABLE
    assert heartbeat.status_code == 200  # liveness touches no database


def test_an_outage_is_logged_once_and_its_end_once(database_down, caplog):
    client = ApiClient()
    caplog.set_level(logging.INFO)

    statuses = [client.get(f"/pacticipants/Nobody{i}").status_code for i in range(3)]
    database_down.restore()
    after = [client.get(f"/pacticipants/Nobody{i}").status_code for i in range(2)]

    assert statuses == [503, 503, 503] and after == [404, 404]
    outage = [r for r in caplog.records if r.name == "accord.outage"]
    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in outage] == [
        ("ERROR", "The database is unavailable"),
        ("WARNING", "The database is available again"),
    ]
    assert "Connection refused" in outage[0].getMessage()
    # Django's own per-request "Service Unavailable" error log is not repeated for outages.
    assert not [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]


def test_a_browser_session_read_during_an_outage_is_a_503_and_the_heartbeat_stays_up(database_down, settings):
    # Sessions live in the database: the auth layer reads one before any view runs.
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = "admin", "secret"
    client = Client(HTTP_ACCEPT="text/html")
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32

    page = client.get("/ui/webhooks")
    heartbeat = client.get("/diagnostic/status/heartbeat")

    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert json.loads(page.content) == UNAVAILABLE
    assert heartbeat.status_code == 200  # a session cookie does not make liveness read the database


# --- the real server: stale pooled connections, a broker that is down ---------------------------


@pytest.mark.django_db(transaction=True)
def test_pooled_connections_killed_under_the_server_are_replaced_not_answered_with_errors(test_db_name, tmp_path):
    app_name = f"accord-stale-{uuid.uuid4().hex[:8]}"
    server, url = start_gunicorn("stale", _child_env(test_db_name, PGAPPNAME=app_name), tmp_path, workers=1)
    try:
        with httpx.Client(base_url=url, timeout=15) as client:
            assert client.post("/pacticipants", json={"name": app_name}).status_code == 201
            for _ in range(8):  # gthread: spread over the worker's threads, each keeps its connection
                assert client.get(f"/pacticipants/{app_name}").status_code == 200
            with _connect(dbname=test_db_name) as admin:
                pooled = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    [app_name],
                ).fetchall()
                # What a database restart does to pooled connections: their sockets are dead.
                assert pooled and all(killed for (killed,) in pooled), "the server kept no connection to kill"

            statuses = [client.get(f"/pacticipants/{app_name}").status_code for _ in range(8)]
    finally:
        server.stop()

    output = server.log_path.read_text(errors="replace")
    assert statuses == [200] * 8, output[-4000:]
    assert "unavailable" not in output


@pytest.mark.django_db(transaction=True)
def test_a_publish_commits_and_answers_200_while_the_message_broker_is_down(test_db_name, tmp_path, dead_socket_dir):
    env = _child_env(test_db_name, CELERY_BROKER_URL=f"redis+socket://{dead_socket_dir / 'redis.sock'}")
    server, url = start_gunicorn("no-broker", env, tmp_path, workers=1)
    consumer = f"OutageWeb-{uuid.uuid4().hex[:8]}"
    webhook = {
        "consumer": {"name": consumer},
        "provider": {"name": "OutageApi"},
        "events": [{"name": "contract_published"}],
        "request": {"method": "POST", "url": "https://hooks.example.com/build"},
    }
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.post("/contracts/publish", json=_publish_body(consumer, "1")).status_code == 200
            assert client.post("/webhooks", json=webhook).status_code == 201
            # Each publish owes a webhook delivery; queueing it fails after the commit.
            published = [client.post("/contracts/publish", json=_publish_body(consumer, v)) for v in ("2", "3")]
            triggered = client.get(f"/pacts/provider/OutageApi/consumer/{consumer}/version/3/triggered-webhooks")
    finally:
        server.stop()

    assert [r.status_code for r in published] == [200, 200], published[0].text
    # Committed with the event, waiting for the sweeper (which re-queues it once Redis is back).
    assert [t["status"] for t in triggered.json()["_embedded"]["triggeredWebhooks"]] == ["not_run"]
    output = server.log_path.read_text(errors="replace")
    assert output.count("The message broker is unavailable") == 1, output[-4000:]
    assert "in on_commit()" not in output  # Django's per-request traceback is replaced by that one line
