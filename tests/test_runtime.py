"""`make run`'s command: the whole broker from an empty data folder, stopped cleanly, restarted,
and surviving its own PostgreSQL and Redis being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from broker.runtime import EmbeddedPostgres, EmbeddedRedis, pid_running, start_lock
from tests.builders import publish_body
from tests.conftest import ROOT, Receiver, free_port, wait_until

pytestmark = pytest.mark.worker


def _start(data_dir, port, log, **extra_env: str):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "PACT_BROKER_DATABASE_URL",
            "CELERY_BROKER_URL",
            "DJANGO_SETTINGS_MODULE",
            "ACCORD_DATABASE_NAME",
            "ACCORD_TEST_RUN_ID",
        }
    }
    env.update(ACCORD_DATA_DIR=str(data_dir), WEB_CONCURRENCY="1", CELERY_WORKER_CONCURRENCY="1", **extra_env)
    return subprocess.Popen(
        [sys.executable, "-m", "broker.runtime", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None


def test_serve_brings_up_everything_on_its_own_servers_and_stops_cleanly(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "serve.log", "wb")
    proc = _start(data_dir, port, log)
    try:
        index = wait_until(
            lambda: (r := _get(base + "/")) is not None and r.status_code == 200 and r,
            120,
            "the broker to answer on its port",
        )
        assert index.headers["content-type"].startswith("application/hal+json")
        assert index.json()["_links"]["pb:publish-contracts"]["href"] == f"{base}/contracts/publish"

        def worker_answers():
            response = _get(base + "/diagnostic/status/dependencies")
            return response is not None and response.json()["dependencies"]["worker"]["ok"] and response

        deps = wait_until(worker_answers, 60, "a worker round trip").json()
        assert deps["dependencies"]["database"]["ok"] and deps["dependencies"]["broker"]["ok"]
        created = httpx.post(base + "/pacticipants", json={"name": "Survivor"}, timeout=10)
        assert created.status_code == 201, created.text

        pg_pid, redis_pid = EmbeddedPostgres(data_dir).pid(), EmbeddedRedis(data_dir).pid()
        assert pg_pid and redis_pid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0
        assert not pid_running(pg_pid) and not pid_running(redis_pid), "embedded servers must stop with the broker"
        assert _get(base + "/") is None

        # The next run reuses the data.
        proc = _start(data_dir, port, log)
        wait_until(lambda: (r := _get(base + "/")) is not None and r.status_code == 200, 120, "the restart")
        assert httpx.get(base + "/pacticipants/Survivor", timeout=10).status_code == 200
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=90)
        log.close()


def _publish(base: str, consumer: str, provider: str, version: str) -> httpx.Response:
    return httpx.post(base + "/contracts/publish", json=publish_body(consumer, version, provider), timeout=30)


class Console:
    """What `serve` printed (its own lines and its children's), read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def wait_for(self, line: str, timeout: float = 60, after: int = 0) -> int:
        """Wait until `line` is printed (after position `after`); where it ends in the output."""
        return wait_until(lambda: (at := self.text().find(line, after)) >= 0 and at + len(line), timeout, repr(line))


def test_serve_restarts_a_killed_postgres_and_redis_answering_503_meanwhile_and_losing_nothing(tmp_path):
    data_dir, port, receiver = tmp_path / "data", free_port(), Receiver()
    base = f"http://127.0.0.1:{port}"
    console = Console(tmp_path / "serve.log")
    log = open(console.path, "wb")
    proc = _start(
        data_dir,
        port,
        log,
        ACCORD_OUTBOUND_ALLOW="127.0.0.1",
        PACT_BROKER_WEBHOOK_SCHEME_WHITELIST="http https",
        ACCORD_WEBHOOK_SWEEP_SECONDS="1",
    )
    consumer, provider = "Survivor", "Backend"
    pact = f"{base}/pacts/provider/{provider}/consumer/{consumer}/version"
    try:
        wait_until(
            lambda: (r := _get(base + "/diagnostic/status/dependencies")) is not None and r.status_code == 200,
            120,
            "the broker and its dependencies",
        )
        assert _publish(base, consumer, provider, "1").status_code == 200
        webhook = httpx.post(
            base + "/webhooks",
            json={
                "consumer": {"name": consumer},
                "provider": {"name": provider},
                "events": [{"name": "contract_published"}],
                "request": {
                    "method": "POST",
                    "url": receiver.url + "/hooks",
                    "headers": {"Content-Type": "application/json"},
                    "body": {"version": "${pactbroker.consumerVersionNumber}"},
                },
            },
            timeout=10,
        )
        assert webhook.status_code == 201, webhook.text
        webhook_url = webhook.json()["_links"]["self"]["href"]

        def deliveries(version: str) -> int:
            return sum(1 for request in receiver.requests if request["body"] == f'{{"version": "{version}"}}')

        # PostgreSQL dies. Holding the data folder's start lock keeps the supervisor from
        # restarting it until we have seen what clients get meanwhile.
        postgres = EmbeddedPostgres(data_dir)
        killed = postgres.pid()
        with start_lock(data_dir):
            os.kill(killed, signal.SIGKILL)
            during = _publish(base, consumer, provider, "2")
            logs = _get(f"{base}/triggered-webhooks/00000000-0000-4000-8000-000000000000/logs")
            heartbeat = _get(base + "/diagnostic/status/heartbeat")
            console.wait_for("[accord] embedded postgres exited (signal 9); restarting")
        assert during.status_code == 503, during.text
        assert during.headers["Retry-After"] == "5"
        assert during.json() == {"error": "The database is unavailable; try again shortly"}
        assert logs is not None and logs.status_code == 503 and logs.headers["Retry-After"] == "5"
        assert logs.json() == during.json()
        assert heartbeat is not None and heartbeat.status_code == 200

        console.wait_for("[accord] embedded postgres restarted")
        assert postgres.pid() != killed and pid_running(postgres.pid())
        # The very next requests succeed (no stale pooled connection), and nothing is lost.
        assert httpx.get(f"{pact}/1", timeout=10).status_code == 200
        assert httpx.get(webhook_url, timeout=10).status_code == 200
        assert httpx.get(f"{base}/pacticipants/{consumer}/versions/2", timeout=10).status_code == 404
        assert _publish(base, consumer, provider, "2").status_code == 200  # the client's retry
        wait_until(lambda: deliveries("2") == 1, 60, "the webhook for version 2")

        # Redis dies: a publish needs only the database, so it commits and answers 200; its
        # webhook waits in the outbox until the sweeper queues it on the restarted Redis.
        redis = EmbeddedRedis(data_dir)
        killed, mark = redis.pid(), len(console.text())
        with start_lock(data_dir):
            os.kill(killed, signal.SIGKILL)
            published = _publish(base, consumer, provider, "3")
            triggered = httpx.get(f"{pact}/3/triggered-webhooks", timeout=10)
            console.wait_for("[accord] embedded redis exited (signal 9); restarting", after=mark)
        assert published.status_code == 200, published.text
        assert [t["status"] for t in triggered.json()["_embedded"]["triggeredWebhooks"]] == ["not_run"]

        console.wait_for("[accord] embedded redis restarted", after=mark)
        assert redis.pid() != killed and pid_running(redis.pid())
        wait_until(lambda: deliveries("3") >= 1, 90, "the webhook for version 3 after Redis is back")

        def recorded(version: str) -> list[tuple[str, int]]:
            found = httpx.get(f"{pact}/{version}/triggered-webhooks", timeout=10).json()["_embedded"]
            return [(t["status"], t["attemptsMade"]) for t in found["triggeredWebhooks"]]

        wait_until(lambda: recorded("3") == [("success", 1)], 30, "the delivery to be recorded")
        # Exactly once: a delivery queued after it (the worker takes tasks in order) arrives
        # while version 3's is still the only one, and still recorded as one attempt.
        assert _publish(base, consumer, provider, "4").status_code == 200
        wait_until(lambda: deliveries("4") == 1, 60, "the webhook for version 4")
        assert (deliveries("2"), deliveries("3")) == (1, 1)
        assert recorded("3") == [("success", 1)]
        for version in ("1", "2", "3", "4"):
            assert httpx.get(f"{pact}/{version}", timeout=10).status_code == 200
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=90)
        log.close()
        receiver.close()
    assert proc.returncode == 0, console.text()[-4000:]
