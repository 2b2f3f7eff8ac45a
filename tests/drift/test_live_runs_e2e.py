"""Drift monitoring end to end: real Celery workers and a real beat on the test database,
a real provider process that changes behaviour, and a real webhook receiver."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.models import Environment, Pacticipant
from drift.models import DriftIncident, LiveRun, LiveTarget
from drift.services.runs import live_run_request, live_runs_reap
from drift.services.targets import live_target_put
from tests.conftest import Process, celery_worker_command, wait_until, worker_env
from tests.drift.conftest import STANDING, LiveProvider, deployed_shop, shop_pact
from tests.test_secrets_at_rest import _database_contains
from webhooks.services.definitions import WebhookDefinition, webhook_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# This module's workers and beat use queues of their own, apart from the session's worker.
RUN_ID = f"{os.getpid()}-drift"
QUEUE = f"accord-test-{RUN_ID}"


class Cluster:
    """Workers and a beat consuming this module's queue; each can be killed on its own."""

    def __init__(self, test_db_name: str, tmp_path, **env: str) -> None:
        self.tmp_path = tmp_path
        self.env = worker_env(
            test_db_name, ACCORD_TEST_RUN_ID=RUN_ID, ACCORD_DRIFT_QUEUE=QUEUE, ACCORD_DRIFT_TICK_SECONDS="1",
            ACCORD_DRIFT_SETTLE_SECONDS="0", **env,
        )  # fmt: skip
        self.processes: list[Process] = []

    def worker(self, name: str) -> Process:
        command = celery_worker_command(f"{name}-{os.getpid()}@%h", QUEUE, concurrency=1)
        process = Process(name, command, self.env, self.tmp_path)
        self.processes.append(process)
        return process

    def beat(self) -> Process:
        command = [sys.executable, "-m", "celery", "-A", "broker", "beat", "--loglevel", "INFO",
                   "--pidfile=", "--max-interval", "1"]  # fmt: skip
        process = Process("beat", command, self.env, self.tmp_path)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.output() for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


@pytest.fixture
def cluster(test_db_name, tmp_path, settings) -> Iterator[Cluster]:
    settings.ACCORD_DRIFT_QUEUE = QUEUE
    settings.ACCORD_DRIFT_SETTLE_SECONDS = 0
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]
    started = Cluster(test_db_name, tmp_path)
    yield started
    started.stop()


@pytest.fixture
def provider(tmp_path) -> Iterator[LiveProvider]:
    process = LiveProvider(tmp_path)
    yield process
    process.stop()


def received(receiver, event: str) -> list[dict]:
    return [body for body in map(json.loads, (r["body"] for r in receiver.requests)) if body["event"] == event]


def finished_runs(target: LiveTarget, **filters) -> list[LiveRun]:
    return list(LiveRun.objects.filter(target=target, finished_at__isnull=False, **filters).order_by("id"))


def drift_webhook(url: str) -> None:
    webhook_create(
        definition=WebhookDefinition(
            description="drift to the on-call channel",
            events=("drift_detected", "drift_resolved"),
            method="POST",
            url=url,
            headers={"Content-Type": "application/json"},
            body={"event": "${pactbroker.eventName}", "incident": "${pactbroker.incidentUrl}",
                  "consumer": "${pactbroker.consumerName}", "provider": "${pactbroker.providerName}",
                  "environment": "${pactbroker.environmentName}", "summary": "${pactbroker.driftSummary}"},
        )
    )  # fmt: skip


def test_scheduled_runs_detect_a_renamed_field_open_one_incident_and_resolve_it(td, cluster, provider, receiver):
    target = deployed_shop(
        td, provider.url, schedule="2s", headers={"X-Api-Key": "e2e-s3cret-key-value"},
        auth={"type": "bearer", "token": "e2e-bearer-t0ken-value"},
    )  # fmt: skip
    drift_webhook(receiver.url)
    cluster.worker("worker-a"), cluster.worker("worker-b"), cluster.beat()

    wait_until(lambda: finished_runs(target, status="passed"), 60, "a scheduled run to pass")
    assert not DriftIncident.objects.exists()

    provider.set(mode="renamed")  # the deployed provider changes, no new publication
    incident = wait_until(lambda: DriftIncident.objects.filter(status="open").first(), 60, "an incident to open")
    assert incident.description == "a request for product 10"
    assert "name" in json.dumps(incident.mismatches)
    drifted = finished_runs(target, status="drifted")
    assert 1 <= len(drifted) <= 3  # the anti-flap rule needs two; never more than three
    assert DriftIncident.objects.count() == 1  # only the interaction that drifted

    detected = wait_until(lambda: received(receiver, "drift_detected"), 60, "drift_detected at the receiver")
    assert detected[0]["incident"].endswith(f"/drift-incidents/{incident.uuid}")
    assert (detected[0]["consumer"], detected[0]["provider"], detected[0]["environment"]) == (
        "Web", "Catalog", "production",
    )  # fmt: skip
    assert "name" in detected[0]["summary"]

    provider.set(mode="correct")
    wait_until(lambda: DriftIncident.objects.filter(status="resolved").exists(), 60, "the incident to resolve")
    assert DriftIncident.objects.count() == 1
    wait_until(lambda: received(receiver, "drift_resolved"), 60, "drift_resolved at the receiver")
    # More runs pass meanwhile; each transition was still notified exactly once.
    wait_until(lambda: len(finished_runs(target, status="passed")) >= 4, 60, "more passing runs")
    assert len(received(receiver, "drift_detected")) == 1
    assert len(received(receiver, "drift_resolved")) == 1

    # Only safe interactions ever reached the provider.
    assert set(provider.requests()) <= {("GET", "/health"), ("GET", "/products/10")}
    # Runs were scheduled by beat, one per target per slot.
    scheduled = LiveRun.objects.filter(target=target, trigger="schedule")
    assert scheduled.count() == scheduled.values("scheduled_for").distinct().count()
    # The credentials were sent, and never reached a log (the workers' and beat's output) or
    # the database in clear (runs, outcomes, incidents, transitions, webhook deliveries).
    sent = [r["headers"] for r in provider.seen()["requests"]]
    assert sent and all(h.get("authorization") == "Bearer e2e-bearer-t0ken-value" for h in sent)
    for secret in ("e2e-s3cret-key-value", "e2e-bearer-t0ken-value"):
        assert secret not in cluster.logs()
        assert _database_contains(secret) == []


def test_recording_a_deployment_starts_a_live_run_with_no_api_call(td, cluster, provider, api):
    target = deployed_shop(td, provider.url, schedule="1h")  # hourly: no scheduled run during the test
    cluster.worker("worker-a")
    td.version("Catalog", "7.1")  # built by the provider's CI

    response = api.post(
        "/pacticipants/Catalog/versions/7.1/deployed-versions/environment/"
        + str(Environment.objects.get(name="production").uuid),
        {},
    )
    assert response.status_code == 201, response.content

    run = wait_until(lambda: finished_runs(target), 60, "the deployment's live run")[0]
    assert run.trigger == "deployment" and run.status == "passed", run.log
    assert run.provider_version_number == "7.1"


def test_a_target_that_is_down_ends_unreachable_once_per_outage_and_backs_off(td, cluster, provider):
    target = deployed_shop(td, provider.url, schedule="2s")
    provider.stop()
    cluster.worker("worker-a"), cluster.beat()

    wait_until(lambda: len(finished_runs(target, status="unreachable")) >= 2, 60, "two unreachable runs")
    target.refresh_from_db()
    assert target.unreachable_runs >= 2 and target.backoff_until > timezone.now()
    assert target.transitions.filter(new_state="unreachable").count() == 1
    assert not DriftIncident.objects.exists()


def test_a_worker_killed_mid_run_never_yields_a_pass(td, test_db_name, tmp_path, settings, provider):
    settings.ACCORD_DRIFT_QUEUE = QUEUE
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]
    cluster = Cluster(test_db_name, tmp_path, ACCORD_DRIFT_LEASE_SECONDS="2")
    try:
        target = deployed_shop(td, provider.url, schedule="1h")
        provider.set(mode="correct", delay=3)
        first = cluster.worker("worker-to-kill")
        run = live_run_request(target=target)

        def running() -> bool:
            run.refresh_from_db()
            return run.status == "running"

        wait_until(running, 60, "the worker to start the run")
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        run.refresh_from_db()
        assert run.status == "running" and not run.outcomes.exists()

        wait_until(lambda: live_runs_reap()["requeued"] == 1, 30, "the lease to lapse and the run to be re-queued")
        run.refresh_from_db()
        assert run.status == "queued"
        provider.set(mode="correct")
        cluster.worker("worker-after")

        def finished() -> bool:
            run.refresh_from_db()
            return run.finished_at is not None

        wait_until(finished, 60, "the second worker to finish the run")
        assert run.status == "passed" and run.attempts == 2
        assert run.outcomes.count() == 5
    finally:
        cluster.stop()


def test_two_workers_and_beat_start_one_run_per_target_per_slot_and_never_overlap(td, cluster, provider):
    td.environment("production", production=True)
    targets = []
    for name in ("Catalog", "Billing", "Search"):
        td.publish("Web", "1.0", provider=name, content=shop_pact(provider=name))
        live, _ = live_target_put(
            provider=Pacticipant.objects.get(name=name),
            environment=Environment.objects.get(name="production"),
            base_url=provider.url,
            schedule_text="1s",
            standing_states=STANDING,
        )
        targets.append(live)
    td.deploy("Web", "1.0", to="production")
    provider.set(mode="correct", delay=0.3)
    cluster.worker("worker-a"), cluster.worker("worker-b"), cluster.beat()

    wait_until(lambda: all(len(finished_runs(t)) >= 3 for t in targets), 90, "three finished runs of every target")
    for target in targets:
        runs = finished_runs(target)
        assert len({r.scheduled_for for r in runs}) == len(runs)
        spans = sorted((r.started_at, r.finished_at) for r in runs)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end - timedelta(milliseconds=1), "two runs of one target overlapped"
