"""Accord behind PgBouncer in transaction mode (README, "Behind PgBouncer").

A real PgBouncer (Debian's; `make pgbouncer` installs it) on a free port with its own
configuration, pool_mode=transaction and two server connections per pool, in front of the
suite's PostgreSQL. Gunicorn (two workers, threads each) and a Celery worker reach the test
database only through it, with ACCORD_DB_POOLER=transaction, while several clients at once
publish, verify, deploy and ask; the worker delivers a webhook; the clean runs through it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings

from broker import runtime
from tests.builders import pact_json, publish_body
from tests.conftest import (
    ROOT,
    Process,
    Receiver,
    celery_worker_command,
    free_port,
    start_gunicorn,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 6
POOL_SIZE = 2
# More than psycopg's default prepare threshold (5): a client that prepared statements would
# prepare this one on one server session and run it on another.
REPEATS = 8
STATEMENT_TIMEOUT_MS = 15000


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None)
    if not found:
        pytest.fail("PgBouncer is not installed: run `make pgbouncer` (Debian's pgbouncer package)")
    return found


@dataclass
class Bouncer:
    port: int
    process: Process

    def url(self, dbname: str) -> str:
        return f"postgres://{settings.DATABASES['default']['USER']}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, command: str) -> list[dict]:
        """A SHOW command on PgBouncer's admin console (simple query protocol: a client cursor)."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=settings.DATABASES["default"]["USER"],
            dbname="pgbouncer",
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
        ) as conn:
            cursor = conn.execute(command)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def bouncer(test_db_name) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode on 127.0.0.1, in front of the test PostgreSQL."""
    binary = pgbouncer_binary()
    db = settings.DATABASES["default"]
    user = db["USER"]
    port = free_port()
    # Readable by the user PgBouncer runs as (it refuses to run as root).
    folder = Path(tempfile.mkdtemp(prefix="accord-pgb-", dir="/tmp"))
    folder.chmod(0o755)
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    server = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}"
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = {server} connect_query='SET statement_timeout = {STATEMENT_TIMEOUT_MS}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
admin_users = {user}
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits
"""
    )
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", runtime.PG_SYSTEM_USER]
    process = Process("pgbouncer", command, dict(os.environ), folder)
    instance = Bouncer(port=port, process=process)

    def answering() -> bool:
        if not process.alive():
            raise AssertionError(f"pgbouncer exited:\n{process.output()}")
        try:
            instance.admin("SHOW VERSION")
            return True
        except psycopg.OperationalError:
            return False

    try:
        wait_until(answering, 30, "PgBouncer to accept connections")
        yield instance
    finally:
        process.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _pooled_env(test_db_name: str, bouncer: Bouncer, **extra: str) -> dict[str, str]:
    """A server or worker that reaches the test database only through PgBouncer."""
    env = worker_env(
        test_db_name,
        DATABASE_URL=bouncer.url(test_db_name),
        ACCORD_DB_POOLER="transaction",
        PACT_BROKER_WEBHOOK_SCHEME_WHITELIST="http https",
        # A queue of its own: a worker of another test, on the database directly, must not take the tasks.
        ACCORD_TEST_RUN_ID=f"{os.environ['ACCORD_TEST_RUN_ID']}-pgbouncer",
        **extra,
    )
    env.pop("ACCORD_DATABASE_NAME", None)  # the URL names it
    return env


@pytest.fixture
def pooled(test_db_name, bouncer, tmp_path) -> Iterator[tuple[str, Process, Process]]:
    """Gunicorn (two workers) and a Celery worker behind PgBouncer: the base URL and both processes."""
    from broker.celery import app

    env = _pooled_env(test_db_name, bouncer)
    server, url = start_gunicorn("gunicorn-pgbouncer", env, tmp_path, workers=2)
    hostname = f"accord-pgbouncer-{os.getpid()}@localhost"
    queue = f"accord-test-{env['ACCORD_TEST_RUN_ID']}"
    worker = Process("celery-pgbouncer", celery_worker_command(hostname, queue), env, tmp_path)
    try:

        def answering() -> bool:
            if not worker.alive():
                raise AssertionError(f"celery worker exited:\n{worker.output()}")
            return bool(app.control.ping(destination=[hostname], timeout=0.5))

        wait_until(answering, 60, "the Celery worker to answer a ping")
        yield url, server, worker
    finally:
        worker.stop()
        server.stop()


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
    )
    return response


def _consumer_publishes_and_is_verified(url: str, index: int) -> list[int]:
    """One client: publish (POST /contracts/publish, then PUT a second version), verify both
    pacts as provider 7.0.0, and read a version REPEATS times. The statuses of the reads."""
    consumer = f"Web{index}"
    with httpx.Client(base_url=url, timeout=30) as client:
        _ok(client.post("/contracts/publish", json=publish_body(consumer, "1.0.0", provider="Api", branch="main")))
        _ok(
            client.put(
                f"/pacts/provider/Api/consumer/{consumer}/version/1.0.1",
                content=pact_json(consumer, "Api", variant="second"),
                headers={"Content-Type": "application/json"},
            ),
            200,
            201,
        )
        for version in ("1.0.0", "1.0.1"):
            pact = _ok(client.get(f"/pacts/provider/Api/consumer/{consumer}/version/{version}")).json()
            publish = pact["_links"]["pb:publish-verification-results"]["href"]
            _ok(client.post(publish, json={"success": True, "providerApplicationVersion": "7.0.0"}), 201)
        return [client.get(f"/pacticipants/{consumer}/versions/1.0.0").status_code for _ in range(REPEATS)]


def _consumer_asks(url: str, index: int) -> dict:
    """One client: can-i-deploy and the matrix for its newest version, REPEATS times each."""
    consumer = f"Web{index}"
    with httpx.Client(base_url=url, timeout=30) as client:
        verdicts = set()
        rows = set()
        for _ in range(REPEATS):
            summary = _ok(
                client.get(
                    "/can-i-deploy", params={"pacticipant": consumer, "version": "1.0.1", "environment": "production"}
                )
            ).json()["summary"]
            verdicts.add((summary["deployable"], summary["success"], summary["failed"], summary["unknown"]))
            matrix = _ok(
                client.get(
                    f"/matrix?q[][pacticipant]={consumer}&q[][version]=1.0.1"
                    "&q[][pacticipant]=Api&q[][version]=7.0.0&latestby=cvpv"
                )
            ).json()["matrix"]
            rows.add(
                tuple(
                    (
                        row["consumer"]["version"]["number"],
                        row["provider"]["version"]["number"],
                        row["verificationResult"]["success"],
                    )  # fmt: skip
                    for row in matrix
                )
            )
        return {"verdicts": verdicts, "rows": rows}


def test_accord_works_behind_pgbouncer_in_transaction_mode(bouncer, pooled, test_db_name):
    url, server, worker = pooled
    receiver = Receiver()
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            environment = _ok(client.post("/environments", json={"name": "production", "production": True}), 201)
            hook = {
                "description": "announce every publication",
                "events": [{"name": "contract_published"}],
                "request": {"method": "POST", "url": receiver.url + "/published/${pactbroker.consumerName}"},
            }
            _ok(client.post("/webhooks", json=hook), 201)

        with ThreadPoolExecutor(CLIENTS) as pool:
            reads = list(pool.map(lambda i: _consumer_publishes_and_is_verified(url, i), range(CLIENTS)))
        assert reads == [[200] * REPEATS] * CLIENTS

        with httpx.Client(base_url=url, timeout=30) as client:
            deployed = f"/pacticipants/Api/versions/7.0.0/deployed-versions/environment/{environment.json()['uuid']}"
            _ok(client.post(deployed, json={}), 201)
            selectors = {"consumerVersionSelectors": [{"latest": True}]}
            found = _ok(client.post("/pacts/provider/Api/for-verification", json=selectors)).json()
            # The latest pact of each consumer: its second version's content.
            hrefs = [pact["_links"]["self"]["href"] for pact in found["_embedded"]["pacts"]]
            consumers = sorted(href.split("/consumer/")[1].split("/")[0] for href in hrefs)
            assert consumers == [f"Web{i}" for i in range(CLIENTS)], found
            assert all('"variant": "second"' in _ok(client.get(href)).text.replace('":"', '": "') for href in hrefs)

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(lambda i: _consumer_asks(url, i), range(CLIENTS)))
        for answer in answers:
            assert answer["verdicts"] == {(True, 1, 0, 0)}
            assert answer["rows"] == {(("1.0.1", "7.0.0", True),)}

        # Every publication announced, by the worker (it alone can reach the database, through PgBouncer).
        expected = {f"/published/Web{i}" for i in range(CLIENTS)}
        wait_until(lambda: {r["path"] for r in receiver.requests} >= expected, 60, "the worker to deliver the webhooks")
    finally:
        receiver.close()

    # The connections were shared: many clients, at most POOL_SIZE server sessions for the database.
    servers = [row for row in bouncer.admin("SHOW SERVERS") if row["database"] == test_db_name]
    clients = [row for row in bouncer.admin("SHOW CLIENTS") if row["database"] == test_db_name]
    assert 1 <= len(servers) <= POOL_SIZE < len(clients), (servers, clients)
    # The statement timeout, which Accord does not send behind a transaction pooler, set by PgBouncer.
    with psycopg.connect(bouncer.url(test_db_name), prepare_threshold=None) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "15s"

    # The clean through PgBouncer: the unbranched 1.0.1s go, main's heads and the deployed provider stay.
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "clean",
            "--no-dry-run",
            "--json",
            "--batch-size",
            "1",
            "--limit",
            "100",
            "--keep",
            json.dumps([{"pacticipant": "Nobody"}]),
        ],  # fmt: skip
        cwd=ROOT,
        env=_pooled_env(test_db_name, bouncer),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert (result["status"], result["deleted"]["versions"], result["batches"]) == ("done", CLIENTS, CLIENTS)
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/pacticipants/Web0/versions/1.0.1").status_code == 404
        assert client.get("/pacticipants/Web0/versions/1.0.0").status_code == 200
        assert client.get("/pacticipants/Api/versions/7.0.0").status_code == 200

    for process in (server, worker):
        log = process.log_path.read_text(errors="replace")
        assert "Traceback" not in log, log[-4000:]
        assert "unsupported startup parameter" not in log and "prepared statement" not in log, log[-4000:]


def _settings_in_child(**env: str) -> dict:
    script = (
        "import json, django\ndjango.setup()\nfrom django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(json.dumps({'options': db['OPTIONS'], 'no_server_cursors': db['DISABLE_SERVER_SIDE_CURSORS'],"
        " 'pooler': settings.ACCORD_DB_POOLER, 'prepared_reads': settings.ACCORD_DB_PREPARED_READS}))"
    )
    base = {key: value for key, value in os.environ.items() if not key.startswith(("ACCORD_DB_", "DATABASE_URL"))}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "broker.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_transaction_pooling_settings():
    url = "postgres://accord@db.example:6432/accord?prepare_threshold=5&options=-c%20work_mem%3D64MB"
    pooled = _settings_in_child(DATABASE_URL=url, ACCORD_DB_POOLER="transaction")
    assert pooled["options"]["prepare_threshold"] is None
    assert "options" not in pooled["options"]
    assert pooled["no_server_cursors"] is True

    direct = _settings_in_child(
        DATABASE_URL="postgres://accord@db.example/accord", ACCORD_DB_STATEMENT_TIMEOUT_MS="900"
    )
    # Direct: the hand-written reads are prepared, with generic plans (contracts/reading.py).
    assert direct["options"]["options"] == "-c statement_timeout=900 -c plan_cache_mode=force_generic_plan"
    assert direct["options"]["prepare_threshold"] == 5 and direct["prepared_reads"] is True
    assert pooled["prepared_reads"] is False

    unprepared = _settings_in_child(DATABASE_URL="postgres://accord@db.example/accord", ACCORD_DB_PREPARED_READS="0")
    assert unprepared["prepared_reads"] is False
    assert "plan_cache_mode" not in unprepared["options"]["options"]
    # The ORM's statements prepared too: their plans are left to PostgreSQL.
    server_bound = _settings_in_child(DATABASE_URL="postgres://accord@db.example/accord?server_side_binding=true")
    assert server_bound["prepared_reads"] is True
    assert "plan_cache_mode" not in server_bound["options"]["options"]
    assert direct["no_server_cursors"] is False
    assert direct["pooler"] == ""

    assert "ACCORD_DB_POOLER must be" in _settings_in_child(ACCORD_DB_POOLER="statement")["error"]
