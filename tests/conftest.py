"""Fixtures shared by the whole suite.

The suite runs on a real PostgreSQL and a real Redis: the embedded ones from
broker.runtime unless DATABASE_URL / CELERY_BROKER_URL point elsewhere. Tests that need
another process to see their data (a real Celery worker, the gunicorn server the real
Pact clients talk to) use `transactional_db`, so their rows are committed and flushed
afterwards; all others run inside a transaction that is rolled back.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from broker.runtime import Services
from tests.client import ApiClient

ROOT = Path(__file__).resolve().parent.parent
# The Pact tools (FFI verifier, Rust and Ruby CLIs) report usage to a public endpoint
# unless told not to; tests, and everything they start, must stay on this machine.
os.environ["PACT_DO_NOT_TRACK"] = "true"
_services: Services | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _services
    _services = Services().ensure()
    _drop_abandoned_test_databases()
    _flush_by_delete()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis names every operation's test alike (tests/api/test_openapi.py): the
    operation goes into the id, so that reports say which one failed and pytest-xdist, which
    tells tests apart by id, runs every operation rather than the first."""
    from _pytest.nodeid import coerce_node_id  # pytest 9 keeps the id structured

    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith("]"):
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")


def _flush_by_delete() -> None:
    """After each transactional test pytest-django flushes every table; PostgreSQL's flush is
    one TRUNCATE of them all (about 80 here), which gives each table new files and costs about
    0.3 s whatever the rows. A test leaves a few rows, which DELETE removes in milliseconds.

    TRUNCATE locks every table against everyone; DELETE does not, and a Celery worker may still
    be finishing a task of the test that just ended (a webhook delivery writing its execution
    row). So the flush first locks every table it empties IN EXCLUSIVE MODE, which lets reads
    through and makes writers wait until it commits: no row can be added under the deletes.
    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED and the flush is one transaction,
    so the order of the deletes does not matter. Taking the locks can deadlock with a worker's
    transaction that holds one of them and wants another. An insert locks its own table and then,
    checking its foreign keys, the tables it references; the flush locks in the same order
    (a table before the tables it references), so a single insert cannot deadlock with it. A
    longer transaction still can: PostgreSQL then aborts one side, and if that is the flush it
    is run again. A flush that resets sequences keeps the TRUNCATE."""
    from django.db import DatabaseError
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    execute = DatabaseOperations.execute_sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        names = ", ".join(self.quote_name(table) for table in _referencing_first(tables))
        return [
            "SET CONSTRAINTS ALL DEFERRED;",
            f"LOCK TABLE {names} IN EXCLUSIVE MODE;",
            *(f"DELETE FROM {self.quote_name(table)};" for table in tables),
        ]

    def execute_sql_flush(self, sql_list):
        for attempt in range(5):
            try:
                return execute(self, sql_list)
            except DatabaseError as error:
                deadlocked = getattr(error.__cause__, "sqlstate", None) == "40P01"
                if not deadlocked or attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    DatabaseOperations.sql_flush = sql_flush
    DatabaseOperations.execute_sql_flush = execute_sql_flush


def _referencing_first(tables) -> list[str]:
    """The tables ordered so that each comes before every table it references."""
    from django.apps import apps

    wanted = set(tables)
    references: dict[str, set[str]] = {table: set() for table in wanted}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in wanted:
            continue
        for field in model._meta.concrete_fields:
            target = field.remote_field.model._meta.db_table if field.remote_field else None
            if target in wanted and target != table:
                references[table].add(target)
    referenced_by: dict[str, int] = {table: 0 for table in wanted}
    for targets in references.values():
        for target in targets:
            referenced_by[target] += 1
    ordered: list[str] = []
    left = set(wanted)
    while left:
        # A table no unemptied table references; in a cycle of references (a branch and its
        # head version), the one referenced least.
        table = min(left, key=lambda t: (referenced_by[t], t))
        left.remove(table)
        ordered.append(table)
        for target in references[table]:
            referenced_by[target] -= 1
    return ordered


def postgres_connection(dbname: str = "postgres"):
    """An autocommit psycopg connection to a database of the test server (`postgres`: to create and drop others)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": dbname,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def _drop_abandoned_test_databases() -> None:
    """Drop test databases (and extra ones named after them) of runs killed before they could clean up."""
    with postgres_connection() as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname ~ '^test_accord_[0-9]+(_\\w+)?$'"
        ).fetchall()
        for (name,) in names:
            pid = int(name.split("_")[2])
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except PermissionError:
                pass


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The test database without the rows migrations seed (contracts 0002: the `test` and
    `production` environments), so every test starts from an empty broker, as tests after a
    `transactional_db` flush do anyway. tests/test_fresh_database.py checks the seeding.

    At the end, before pytest-django drops the database: the sessions other processes left
    on it are ended. A server or worker the tests stopped has gone, but PostgreSQL ends its
    backend a moment later, and DROP DATABASE refuses a database anyone is connected to."""
    from django.db import connection

    from contracts.models import Environment

    name = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        # Only ever a test database: with no test marked django_db, pytest-django creates
        # none and the connection would still point at the real one.
        if name.startswith("test_"):
            Environment.objects.all().delete()
    yield
    if name.startswith("test_"):
        from django.db import connections

        connections.close_all()
        with postgres_connection() as conn:

            def others() -> int:
                return conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                ).fetchone()[0]

            wait_until(lambda: others() == 0, 10, f"the sessions on {name} to end")


@pytest.fixture(autouse=True)
def _reset_script_prefix() -> Iterator[None]:
    """Django's test client, unlike its WSGI handler, never resets the script prefix
    between requests: a test served under a sub-path must not leak it into the next."""
    yield
    from django.urls import set_script_prefix

    set_script_prefix("/")


@pytest.fixture
def api(db) -> ApiClient:
    """An API client on the rolled-back test transaction."""
    return ApiClient()


@pytest.fixture
def td(db):
    """The fluent test-data builder (tests/builders.py)."""
    from tests.builders import TestData

    return TestData()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition` until it returns something truthy, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _child_env(test_db_name: str, **extra: str) -> dict[str, str]:
    from django.conf import settings

    # A developer's own broker URL must not leak into the servers the tests start.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ACCORD_BASE_URL", "PACT_BROKER_BASE_URL", "PACT_BROKER_BASE_URLS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        ACCORD_DATABASE_NAME=test_db_name,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Process:
    """A child process with its output captured to a file for failure reports."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = 15, timeout: float = 20) -> None:
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def test_db_name(django_db_setup, django_db_blocker) -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


def start_gunicorn(name: str, env: dict[str, str], log_dir: Path, workers: int = 2) -> tuple[Process, str]:
    """Accord under gunicorn (the production server) on a free port; waits until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "broker.wsgi:application", "--config", "python:broker.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-"]  # fmt: skip
    server = Process(name, command, env, log_dir)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if not server.alive():
            raise AssertionError(f"{name} exited:\n{server.output()}")
        try:
            return httpx.get(url + "/diagnostic/status/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, 30, f"{name} to answer")
    return server, url


def celery_worker_command(hostname: str, queue: str, concurrency: int = 2) -> list[str]:
    """The command line of a test Celery worker consuming one queue."""
    return [sys.executable, "-m", "celery", "-A", "broker", "worker", "--loglevel", "INFO",
            "--concurrency", str(concurrency), "--hostname", hostname, "--without-mingle", "--without-gossip",
            "--queues", queue]  # fmt: skip


def worker_env(test_db_name: str, **extra: str) -> dict[str, str]:
    """A test worker may reach receivers the tests run on loopback, and retries quickly."""
    return _child_env(test_db_name, ACCORD_OUTBOUND_ALLOW="127.0.0.1",
                      PACT_BROKER_WEBHOOK_RETRY_SCHEDULE="1 1 1 1 1 1", **extra)  # fmt: skip


@pytest.fixture(scope="session")
def live_broker(test_db_name, tmp_path_factory) -> Iterator[str]:
    """Accord under gunicorn on the test database (tests.urls: provider states routed): its base URL."""
    env = _child_env(test_db_name)
    server, url = start_gunicorn("gunicorn", env, tmp_path_factory.mktemp("server"))
    yield url
    server.stop()


@pytest.fixture(scope="session")
def celery_worker_process(test_db_name, tmp_path_factory) -> Iterator[Process]:
    """A real Celery worker process on the test database and the test Redis vhost."""
    from django.conf import settings

    from broker.celery import app

    command = celery_worker_command(f"accord-test-{os.getpid()}@%h", settings.CELERY_TASK_DEFAULT_QUEUE)
    worker = Process("celery-worker", command, worker_env(test_db_name), tmp_path_factory.mktemp("worker"))

    def answering() -> bool:
        if not worker.alive():
            raise AssertionError(f"celery worker exited:\n{worker.output()}")
        return bool(app.control.ping(timeout=0.5))

    wait_until(answering, 60, "the Celery worker to answer a ping")
    yield worker
    worker.stop()


class Receiver:
    """A real HTTP server on loopback that records requests and answers from a script."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        import http.server
        import threading

        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        # True: answer with what was received (path, headers, body), as a careless receiver may.
        self.echo = False
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length).decode(),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                body = f'{{"received": {len(receiver.requests)}}}'.encode()
                if receiver.echo:
                    body = json.dumps(receiver.requests[-1]).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if receiver.echo:
                    self.send_header("X-Echo-Path", self.path)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_POST  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll, so shutting down (after every test that uses it) takes milliseconds, not 0.5 s.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1; set `.statuses` to script its answers."""
    instance = Receiver()
    yield instance
    instance.close()


# ---------------------------------------------------------------- access control (tests/access)

WRITER = ("admin", "w-pass-5e1d")  # the basic-auth read-write user: an admin
READER = ("viewer", "r-pass-8a2c")


@pytest.fixture
def auth_on(settings) -> None:
    """Both basic-auth users configured (the read-write one is an admin), no public read."""
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER
    settings.ACCORD_ALLOW_PUBLIC_READ = False
    settings.ACCORD_REQUIRE_AUTH = False


@pytest.fixture
def tokens_only(settings) -> None:
    """No basic-auth users, ACCORD_REQUIRE_AUTH on: tokens are the only credentials."""
    settings.ACCORD_BASIC_AUTH_USERNAME = settings.ACCORD_BASIC_AUTH_PASSWORD = None
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME = settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = None
    settings.ACCORD_ALLOW_PUBLIC_READ = False
    settings.ACCORD_REQUIRE_AUTH = True
