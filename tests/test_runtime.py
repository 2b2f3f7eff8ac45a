"""`make run`'s command: the whole broker from an empty data folder, stopped cleanly, restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from broker.runtime import EmbeddedPostgres, EmbeddedRedis, _pid_alive
from tests.conftest import ROOT, free_port, wait_until

pytestmark = pytest.mark.worker


def _start(data_dir, port, log):
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
    env.update(ACCORD_DATA_DIR=str(data_dir), WEB_CONCURRENCY="1", CELERY_WORKER_CONCURRENCY="1")
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
        assert not _pid_alive(pg_pid) and not _pid_alive(redis_pid), "embedded servers must stop with the broker"
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
