"""Read replicas (broker/replicas.py) against a real primary and a real standby streaming from it.

The pair is built here from the pgserver binaries (not the suite's embedded server): initdb with
wal_level=replica, pg_basebackup -R -X stream, each on a free port. Accord is migrated onto the
primary and served by gunicorn with DATABASE_URL (the primary) and DATABASE_REPLICA_URL (the
standby). Who answered is observed on the servers themselves: with the standby's replay paused,
a read that misses a row the primary holds can only have come from the standby.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from broker import runtime
from tests.builders import publish_body
from tests.conftest import ROOT, Process, free_port, start_gunicorn, wait_until

APPLICATION_NAME = "accord-replica-test"


@dataclass
class Server:
    name: str
    data: Path
    port: int

    def connect(self, dbname: str = "accord") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def execute(self, sql: str, dbname: str = "accord") -> None:
        with self.connect(dbname) as conn:
            conn.execute(sql)

    def scalar(self, sql: str, dbname: str = "accord") -> object:
        with self.connect(dbname) as conn:
            return conn.execute(sql).fetchone()[0]


class Pair:
    """A primary and a standby streaming from it, in a temporary directory."""

    def __init__(self) -> None:
        self.bin = runtime._postgres_bin()
        for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
            assert (self.bin / tool).exists(), f"{tool} not found in {self.bin}"
        self.who = runtime._postgres_identity()
        self.root = Path(tempfile.mkdtemp(prefix="accord-replicas-"))
        self.primary = Server("primary", self.root / "primary", free_port())
        self.standby = Server("standby", self.root / "standby", free_port())

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], capture_output=True, text=True, **self.who.popen_kwargs()
        )
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}\n{result.stderr}"

    def _conf(self, server: Server, text: str) -> None:
        with open(server.data / "postgresql.conf", "a") as conf:
            conf.write(text)

    def start(self, server: Server) -> None:
        self._run("pg_ctl", "-D", str(server.data), "-l", str(self.root / f"{server.name}.log"), "-w", "start")

    def stop(self, server: Server, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(server.data), "-m", mode, "-w", "stop")

    def build(self) -> None:
        runtime._make_traversable(self.bin)
        runtime._make_traversable(self.root)
        self.who.own(self.root)
        self._run("initdb", "-D", str(self.primary.data), "-U", "postgres", "--auth=trust", "--no-sync",
                  "--encoding=UTF8", "--locale=C")  # fmt: skip
        self._conf(
            self.primary,
            f"\nlisten_addresses = '127.0.0.1'\nport = {self.primary.port}\nunix_socket_directories = '{self.root}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n",
        )
        with open(self.primary.data / "pg_hba.conf", "a") as hba:
            hba.write("\nlocal replication all trust\nhost replication all 127.0.0.1/32 trust\n")
        self.start(self.primary)
        self.primary.execute("CREATE DATABASE accord", dbname="postgres")
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                  "-D", str(self.standby.data), "-R", "-X", "stream", "--checkpoint=fast")  # fmt: skip
        self._conf(self.standby, f"\nport = {self.standby.port}\n")
        self.start(self.standby)
        assert self.standby.scalar("SELECT pg_is_in_recovery()") is True

    def teardown(self) -> None:
        for server in (self.standby, self.primary):
            if (server.data / "postmaster.pid").exists():
                subprocess.run(
                    [str(self.bin / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    **self.who.popen_kwargs(),
                )
        shutil.rmtree(self.root, ignore_errors=True)

    def caught_up(self) -> bool:
        """Whether the standby has replayed everything the primary has written so far."""
        target = self.primary.scalar("SELECT pg_current_wal_lsn()")
        return bool(self.standby.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))


def database_url(server: Server, **options: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"postgres://postgres@127.0.0.1:{server.port}/accord" + (f"?{query}" if query else "")


@dataclass
class Broker:
    url: str
    pair: Pair
    server: Process
    redis_key: str
    env: dict[str, str]

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, body: object) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=30)

    def put(self, path: str, body: object) -> httpx.Response:
        return httpx.put(self.url + path, json=body, timeout=30)


def answered_by(response: httpx.Response) -> str:
    """The database the gate chose (the Server-Timing header the middleware adds)."""
    timing = response.headers["Server-Timing"]
    assert timing.startswith("db-gate;dur="), timing
    return timing.split('desc="', 1)[1].rstrip('"')


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> Iterator[Broker]:
    from django.conf import settings

    import broker.replicas as replicas

    pair = Pair()
    server = None
    run_id = f"replicas-{os.getpid()}"
    try:
        pair.build()
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {
                "ACCORD_DATABASE_NAME",
                "DATABASE_URL",
                "PACT_BROKER_DATABASE_URL",
                "ACCORD_BASE_URL",
                "PACT_BROKER_BASE_URL",
                "PACT_BROKER_BASE_URLS",
                "ACCORD_QUERY_COUNT_HEADER",
            }  # fmt: skip
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            # Its own task queue, which no worker consumes (deleted below).
            ACCORD_TEST_RUN_ID=run_id,
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            DATABASE_URL=database_url(pair.primary),
            DATABASE_REPLICA_URL=database_url(pair.standby, application_name=APPLICATION_NAME),
            ACCORD_DB_REPLICA_RETRY_SECONDS="2",
            PYTHONUNBUFFERED="1",
        )
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        server, url = start_gunicorn("gunicorn-replicas", env, tmp_path_factory.mktemp("replicas"), workers=1)
        redis_key = f"{replicas.LSN_KEY_PREFIX}127.0.0.1:{pair.primary.port}/accord"
        yield Broker(url=url, pair=pair, server=server, redis_key=redis_key, env=env)
    finally:
        if server is not None:
            server.stop()
        pair.teardown()
        try:
            client = replicas._redis()
            client.delete(f"{replicas.LSN_KEY_PREFIX}127.0.0.1:{pair.primary.port}/accord", f"accord-test-{run_id}")
        except Exception:  # noqa: S110 - best effort: Redis is the suite's own
            pass


@pytest.fixture
def replay(broker: Broker) -> Iterator[None]:
    """The standby caught up; its replay is resumed again whatever the test did."""
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    yield
    if broker.pair.standby.scalar("SELECT pg_is_in_recovery()"):
        broker.pair.standby.execute("SELECT pg_wal_replay_resume()")


def pause_replay(broker: Broker) -> None:
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    broker.pair.standby.execute("SELECT pg_wal_replay_pause()")
    wait_until(
        lambda: broker.pair.standby.scalar("SELECT pg_get_wal_replay_pause_state()") == "paused",
        30,
        "the standby's replay to pause",
    )


def versions_on(server: Server, consumer: str) -> list[str]:
    with server.connect() as conn:
        rows = conn.execute(
            "SELECT v.number FROM contracts_version v JOIN contracts_pacticipant p ON p.id = v.pacticipant_id "
            "WHERE p.name = %s ORDER BY v.number",
            [consumer],
        ).fetchall()
    return [row[0] for row in rows]


def test_read_only_endpoints_are_answered_by_the_standby(broker: Broker, replay) -> None:
    assert broker.post("/contracts/publish", publish_body("Web-a", "1", provider="Api-a")).status_code == 200
    pause_replay(broker)
    # A write the gate did not hear of (its recorded position is put back to what it was):
    # the primary has version 2, the paused standby cannot.
    recorded = _redis_get(broker)
    assert broker.post("/contracts/publish", publish_body("Web-a", "2", provider="Api-a")).status_code == 200
    assert versions_on(broker.pair.primary, "Web-a") == ["1", "2"]
    assert versions_on(broker.pair.standby, "Web-a") == ["1"]
    _redis_set(broker, recorded)

    # The matrix, can-i-deploy and a UI page all miss version 2: the standby answered them
    # (stale but consistent); pacts for verification too; the standby shows our connection.
    response = broker.get("/matrix", params={"q[][pacticipant]": "Web-a", "latestby": "cvp"})
    assert response.status_code == 200
    assert answered_by(response) == "replica_1"
    assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1"}
    response = broker.get("/can-i-deploy", params={"pacticipant": "Web-a", "version": "2", "to": "prod"})
    assert answered_by(response) == "replica_1"
    assert "/pacticipants/Web-a/versions/2" not in response.text  # the primary answers with its row
    response = broker.post("/pacts/provider/Api-a/for-verification", {"consumerVersionSelectors": [{"latest": True}]})
    assert response.status_code == 200, response.text
    assert answered_by(response) == "replica_1"
    response = broker.get("/ui/applications/Web-a")
    assert response.status_code == 200
    assert answered_by(response) == "replica_1"
    assert "/pacticipants/Web-a/versions/1" in response.text
    assert "/pacticipants/Web-a/versions/2" not in response.text
    assert APPLICATION_NAME in [
        row[0] for row in broker.pair.standby.connect().execute("SELECT application_name FROM pg_stat_activity")
    ]

    # Once the standby replays, it answers with version 2.
    broker.pair.standby.execute("SELECT pg_wal_replay_resume()")
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    response = broker.get("/matrix", params={"q[][pacticipant]": "Web-a", "latestby": "cvp"})
    assert answered_by(response) == "replica_1"
    assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1", "2"}


def _redis_get(broker: Broker) -> bytes | None:
    from broker.replicas import _redis

    return _redis().get(broker.redis_key)


def _redis_set(broker: Broker, value: bytes | None) -> None:
    from broker.replicas import _redis

    if value is None:
        _redis().delete(broker.redis_key)
    else:
        _redis().set(broker.redis_key, value)


def test_a_write_is_read_back_from_the_primary_while_the_standby_lags(broker: Broker, replay) -> None:
    assert broker.post("/contracts/publish", publish_body("Web-b", "1", provider="Api-b")).status_code == 200
    pause_replay(broker)
    before = _redis_get(broker)
    assert broker.post("/contracts/publish", publish_body("Web-b", "2", provider="Api-b")).status_code == 200
    # The write raised the recorded position; the standby has not replayed it.
    assert before is not None and _redis_get(broker) > before
    assert versions_on(broker.pair.standby, "Web-b") == ["1"]

    response = broker.get("/matrix", params={"q[][pacticipant]": "Web-b", "latestby": "cvp"})
    assert answered_by(response) == "default"
    assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1", "2"}
    response = broker.get("/can-i-deploy", params={"pacticipant": "Web-b", "version": "2", "to": "prod"})
    assert answered_by(response) == "default"
    assert response.status_code == 200
    assert "/pacticipants/Web-b/versions/2" in response.text

    broker.pair.standby.execute("SELECT pg_wal_replay_resume()")
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    response = broker.get("/matrix", params={"q[][pacticipant]": "Web-b", "latestby": "cvp"})
    assert answered_by(response) == "replica_1"
    assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1", "2"}


def test_a_stopped_standby_leaves_reads_to_the_primary(broker: Broker, replay) -> None:
    assert broker.post("/contracts/publish", publish_body("Web-c", "1", provider="Api-c")).status_code == 200
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    log_before = broker.server.output().count("replica_1 unreachable")
    broker.pair.stop(broker.pair.standby)
    try:
        for _ in range(5):
            response = broker.get("/matrix", params={"q[][pacticipant]": "Web-c", "latestby": "cvp"})
            assert response.status_code == 200, response.text
            assert answered_by(response) == "default"
            assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1"}
        response = broker.post(
            "/pacts/provider/Api-c/for-verification", {"consumerVersionSelectors": [{"latest": True}]}
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["_embedded"]["pacts"]) == 1
        response = broker.get("/ui/applications/Web-c")
        assert response.status_code == 200
        assert answered_by(response) == "default"
        # Logged when the replica failed, not on every request that skipped it.
        logged = broker.server.output().count("replica_1 unreachable") - log_before
        assert 1 <= logged < 7, broker.server.output()
    finally:
        broker.pair.start(broker.pair.standby)
    # Back: once the failure window has passed, reads return to the standby.
    wait_until(
        lambda: answered_by(broker.get("/matrix", params={"q[][pacticipant]": "Web-c"})) == "replica_1",
        30,
        "reads to return to the standby",
        interval=0.5,
    )


def test_writes_go_to_the_primary(broker: Broker, replay) -> None:
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        broker.pair.standby.execute("CREATE TABLE nothing (id int)")
    assert broker.post("/contracts/publish", publish_body("Web-d", "1", provider="Api-d")).status_code == 200
    response = broker.post("/environments", {"name": "staging-d", "production": False})
    assert response.status_code == 201, response.text
    assert versions_on(broker.pair.primary, "Web-d") == ["1"]
    assert broker.pair.primary.scalar("SELECT count(*) FROM contracts_environment WHERE name = 'staging-d'") == 1
    # A write's response carries no gate: only the read-only requests consult it.
    assert "Server-Timing" not in response.headers


def test_without_redis_reads_go_to_the_primary(broker: Broker, replay, tmp_path) -> None:
    assert broker.post("/contracts/publish", publish_body("Web-f", "1", provider="Api-f")).status_code == 200
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    # A second server on the same pair whose Redis is not there (nothing listens on the port).
    env = {**broker.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    server, url = start_gunicorn("gunicorn-no-redis", env, tmp_path, workers=1)
    try:
        response = httpx.get(url + "/matrix", params={"q[][pacticipant]": "Web-f"}, timeout=30)
        assert response.status_code == 200, response.text
        assert answered_by(response) == "default"
        assert {row["consumer"]["version"]["number"] for row in response.json()["matrix"]} == {"1"}
        body = publish_body("Web-f", "2", provider="Api-f")
        assert httpx.post(url + "/contracts/publish", json=body, timeout=30).status_code == 200
        response = httpx.get(
            url + "/can-i-deploy", params={"pacticipant": "Web-f", "version": "2", "to": "prod"}, timeout=30
        )
        assert answered_by(response) == "default"
        assert "/pacticipants/Web-f/versions/2" in response.text
        assert "redis unreachable, reading from the primary" in server.output()
    finally:
        server.stop()


def test_gate_cost(broker: Broker, replay) -> None:
    """What the gate costs a read-only request (one Redis GET, one query to the replica)."""
    assert broker.post("/contracts/publish", publish_body("Web-e", "1", provider="Api-e")).status_code == 200
    wait_until(broker.pair.caught_up, 30, "the standby to catch up")
    costs = []
    with httpx.Client(base_url=broker.url, timeout=30) as client:
        for _ in range(200):
            response = client.get("/matrix", params={"q[][pacticipant]": "Web-e"})
            assert answered_by(response) == "replica_1"
            costs.append(float(response.headers["Server-Timing"].split("dur=", 1)[1].split(";", 1)[0]))
    costs.sort()
    print(
        f"\ngate cost over {len(costs)} requests: p50 {costs[100]:.3f} ms, p90 {costs[180]:.3f} ms, max {costs[-1]:.3f} ms"
    )


def test_a_bad_replica_url_stops_startup() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "broker.settings", "DATABASE_REPLICA_URL": "mysql://db/accord"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL must be a postgres:// URL" in result.stderr


def test_without_replicas_nothing_is_installed() -> None:
    from django.conf import settings

    assert settings.ACCORD_DATABASE_REPLICAS == []
    assert list(settings.DATABASES) == ["default"]
    assert "broker.replicas.ReadReplicaMiddleware" not in settings.MIDDLEWARE
    assert not settings.DATABASE_ROUTERS
    assert "broker.apps.ReplicasConfig" not in settings.INSTALLED_APPS
