"""Verification runs of provider builds: edge cases in-process, the full flow with a worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from contracts.models import Pacticipant, Verification
from contracts.services.publication import contracts_publish, prepare_contract
from tests.builders import publish_body
from tests.conftest import ROOT, Process, celery_worker_command, wait_until, worker_env
from tests.verifier.conftest import order_pact
from verifier.models import InteractionResult, VerificationRun, VerificationTarget
from verifier.services.runs import verification_run_execute, verification_runs_reap

LOOPBACK = override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
BASE = "http://testserver"


def publish(version: str = "1.0", **kwargs) -> None:
    prepared = prepare_contract(order_pact(), consumer_name="Web", provider_name="API")
    contracts_publish(pacticipant_name="Web", version_number=version, contracts=[prepared], **kwargs)


def queue_run(api, base_url: str, **extra) -> dict:
    body = {
        "provider": "API",
        "providerVersion": "2.0",
        "providerVersionBranch": "main",
        "baseUrl": base_url,
        "stateChangeUrl": base_url + "/_pact/provider_states",
        "consumerVersionSelectors": [{"mainBranch": True}, {"deployedOrReleased": True}],
        **extra,
    }
    response = api.post("/verification-runs", body)
    assert response.status_code == 201, response.content
    return response.json()


def run_row(created: dict) -> VerificationRun:
    return VerificationRun.objects.get(uuid=created["uuid"])


# ------------------------------------------------------------------ in-process edge cases


@pytest.mark.django_db
@LOOPBACK
def test_a_run_verifies_the_selected_pacts_and_records_results_like_a_client(api, provider_factory):
    publish(branch="main")
    provider = provider_factory("broken")
    run = run_row(
        queue_run(api, provider.url, headers={"Authorization": "Bearer provider-secret"}, includePendingStatus=False)
    )

    assert verification_run_execute(run_id=run.id) == "failed"
    assert verification_run_execute(run_id=run.id) == "not claimed"  # a second execution records nothing more

    run.refresh_from_db()
    verification = Verification.objects.get()
    assert verification.success is False and verification.provider_version.number == "2.0"
    assert list(verification.provider_version.branch_versions.values_list("branch_name", flat=True)) == ["main"]
    failed = InteractionResult.objects.get(success=False)
    assert failed.description == "a request for order 1"
    assert "name" in json.dumps(failed.mismatches)
    assert InteractionResult.objects.filter(success=True).count() == 1
    detail = api.get(f"/verification-runs/{run.uuid}").json()
    assert detail["status"] == "failed"
    assert detail["headers"]["Authorization"] == "**********"
    assert "provider-secret" not in json.dumps(detail)
    assert detail["pacts"][0]["interactions"][1]["mismatches"]
    assert detail["pacts"][0]["_links"]["pb:verification-result"]["href"] == (
        f"{BASE}/pacts/provider/API/consumer/Web/pact-version/{verification.contract.sha}"
        f"/verification-results/{verification.id}"
    )


@pytest.mark.django_db
@LOOPBACK
def test_a_failing_pending_pact_is_recorded_but_does_not_fail_the_run(api, provider_factory):
    publish(branch="main")  # never verified: pending for the provider's main branch
    run = run_row(queue_run(api, provider_factory("broken").url))

    assert verification_run_execute(run_id=run.id) == "succeeded"
    verification = Verification.objects.get()
    assert (verification.success, verification.pending) == (False, True)


@pytest.mark.django_db
@override_settings(ACCORD_OUTBOUND_ALLOW=[])
@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://169.254.169.254/latest", "http://10.1.2.3/"])
def test_private_and_metadata_targets_are_refused_without_retry(api, url):
    publish(branch="main")
    run = run_row(queue_run(api, url))

    assert verification_run_execute(run_id=run.id) == "error"
    run.refresh_from_db()
    assert "refused" in run.error and run.attempts == 1
    assert Verification.objects.count() == 0


@pytest.mark.django_db
@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"], ACCORD_VERIFICATION_RETRY_SCHEDULE=[30])
def test_an_unreachable_provider_is_retried_on_the_schedule_then_ends_in_error(api):
    publish(branch="main")
    run = run_row(queue_run(api, "http://127.0.0.1:9"))

    assert verification_run_execute(run_id=run.id) == "queued"
    run.refresh_from_db()
    assert run.not_before > timezone.now() + timedelta(seconds=25)
    assert verification_run_execute(run_id=run.id) == "not claimed"  # not due yet
    VerificationRun.objects.filter(id=run.id).update(not_before=None)
    assert verification_run_execute(run_id=run.id) == "error"
    run.refresh_from_db()
    assert "unreachable after 2 attempts" in run.error
    assert Verification.objects.count() == 0


@pytest.mark.django_db
@override_settings(ACCORD_VERIFICATION_CONCURRENCY_PER_PROVIDER=1)
def test_runs_of_one_provider_are_capped(api):
    publish(branch="main")
    first, second = run_row(queue_run(api, "http://127.0.0.1:9")), run_row(queue_run(api, "http://127.0.0.1:9"))
    VerificationRun.objects.filter(id=first.id).update(
        status="running", claim=first.uuid, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )

    assert verification_run_execute(run_id=second.id) == "not claimed"
    second.refresh_from_db()
    assert second.status == "queued"


@pytest.mark.django_db
@override_settings(ACCORD_VERIFICATION_MAX_ATTEMPTS=2)
def test_the_reaper_requeues_a_run_whose_worker_died_and_fails_it_after_its_attempts(api):
    publish(branch="main")
    run = run_row(queue_run(api, "http://127.0.0.1:9"))
    expired = timezone.now() - timedelta(seconds=1)
    VerificationRun.objects.filter(id=run.id).update(
        status="running", claim=run.uuid, attempts=1, lease_expires_at=expired
    )

    assert verification_runs_reap()["requeued"] == 1
    run.refresh_from_db()
    assert (run.status, run.claim) == ("queued", None)
    VerificationRun.objects.filter(id=run.id).update(
        status="running", claim=run.uuid, attempts=2, lease_expires_at=expired
    )
    assert verification_runs_reap()["failed"] == 1
    run.refresh_from_db()
    assert run.status == "error" and "lease expired" in run.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"providerVersion": "2.0", "baseUrl": "http://x.example"}, "provider"),
        ({"provider": "API", "baseUrl": "http://x.example"}, "providerVersion"),
        ({"provider": "API", "providerVersion": "2.0", "baseUrl": "ftp://x.example"}, "baseUrl"),
        ({"provider": "API", "providerVersion": "2.0", "baseUrl": "http://x.example", "headers": {"a": 1}}, "headers"),
        (
            {
                "provider": "API",
                "providerVersion": "2.0",
                "baseUrl": "http://x.example",
                "consumerVersionSelectors": [{"latest": False}],
            },
            "consumerVersionSelectors",
        ),
        ({"provider": "API", "providerVersion": "2.0", "baseUrl": "http://x.example", "colour": "red"}, "body"),
        ({"provider": 7, "providerVersion": "2.0", "baseUrl": "http://x.example"}, "provider"),
        (
            {"provider": "API", "providerVersion": "2.0", "baseUrl": "http://x.example", "headers": {"X-A": "b\nc"}},
            "headers",
        ),
        (
            {
                "provider": "API",
                "providerVersion": "2.0",
                "baseUrl": "http://x.example",
                "providerVersionTags": ["a", 5],
            },
            "providerVersionTags[1]",
        ),
        (
            {
                "provider": "API",
                "providerVersion": "2.0",
                "baseUrl": "http://x.example",
                "consumerVersionSelectors": [{"mainBranch": True}, 7],
            },
            "consumerVersionSelectors[1]",
        ),
    ],
)
def test_bad_run_requests_are_400_and_queue_nothing(api, body, field):
    publish()
    response = api.post("/verification-runs", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert VerificationRun.objects.count() == 0


@pytest.mark.django_db
def test_unknown_fields_and_missing_ones_are_named_together(api):
    response = api.post("/verification-runs", {"provider": "API", "colour": "red", "size": 1})

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "providerVersion": ["is missing"],
            "baseUrl": ["is missing"],
            "body": ["unknown field(s): colour, size"],
        }
    }


@pytest.mark.django_db
def test_runs_are_listed_newest_first_by_provider_and_status(api):
    publish()
    first = queue_run(api, "http://127.0.0.1:9")
    second = queue_run(api, "http://127.0.0.1:9", providerVersion="2.1")
    VerificationRun.objects.filter(uuid=first["uuid"]).update(status="error")

    listed = api.get("/verification-runs")
    queued = api.get("/verification-runs?provider=API&status=queued")

    assert listed.status_code == 200 and queued.status_code == 200
    assert [run["uuid"] for run in listed.json()["_embedded"]["verificationRuns"]] == [second["uuid"], first["uuid"]]
    assert listed.json()["_links"]["self"] == {"href": f"{BASE}/verification-runs", "title": "Verification runs"}
    assert queued.json()["_embedded"]["verificationRuns"] == [second]
    assert second["_links"] == {
        "self": {"href": f"{BASE}/verification-runs/{second['uuid']}", "title": "Verification run"},
        "pb:provider": {"href": f"{BASE}/pacticipants/API", "name": "API"},
    }
    bad_status = api.get("/verification-runs?status=done")
    assert bad_status.status_code == 400
    assert bad_status.json() == {"errors": {"status": ["must be one of queued, running, succeeded, failed, error"]}}
    assert api.get("/verification-runs?provider=Nobody").status_code == 404


TARGET = "/pacticipants/team%2Fapi/verification-targets/review%20apps"


@pytest.mark.django_db
def test_a_target_is_created_replaced_read_listed_and_deleted(api):
    Pacticipant.objects.create(name="team/api")
    body = {"baseUrl": "http://api-${providerVersion}.example", "stateChangeUrl": "", "headers": {"X-Token": "t0k3n"}}

    created = api.put(TARGET, body)

    assert created.status_code == 201, created.content
    assert created.json() == {
        "name": "review apps",
        "baseUrl": "http://api-${providerVersion}.example",
        "stateChangeUrl": None,
        "headers": {"X-Token": "**********"},
        "enabled": True,
        "createdAt": created.json()["createdAt"],
        "_links": {"self": {"href": f"{BASE}{TARGET}"}},
    }
    replaced = api.put(TARGET, {**body, "enabled": False})
    assert replaced.status_code == 200 and replaced.json()["enabled"] is False
    assert api.get(TARGET).json() == replaced.json()
    listed = api.get("/pacticipants/team%2Fapi/verification-targets").json()
    assert listed["_embedded"]["verificationTargets"] == [replaced.json()]
    assert listed["_links"]["self"] == {"href": f"{BASE}/pacticipants/team%2Fapi/verification-targets"}
    stored = VerificationTarget.objects.get()
    assert (stored.headers, stored.enabled, stored.state_change_url) == ({"X-Token": "t0k3n"}, False, None)

    assert api.delete(TARGET).status_code == 204
    assert api.get(TARGET).status_code == 404
    assert not VerificationTarget.objects.exists()


@pytest.mark.django_db
def test_a_bad_target_is_refused_naming_every_problem_and_nothing_is_stored(api):
    Pacticipant.objects.create(name="team/api")

    response = api.put(TARGET, {"baseUrl": "ftp://files.example", "enabled": "yes", "headers": {"X-A": "b\nc"}})

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "baseUrl": ["must be an absolute http(s) URL"],
            "headers": ["the value of 'X-A' cannot contain a new line"],
            "enabled": ["must be true or false"],
        }
    }
    assert not VerificationTarget.objects.exists()


@pytest.mark.django_db
def test_an_unknown_provider_is_404(api):
    response = api.post("/verification-runs", {"provider": "Nobody", "providerVersion": "1", "baseUrl": "http://x.io"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_registered_target_starts_a_run_when_a_contract_needs_verification(api, td):
    td.branch("API", "7.0", "main")
    response = api.put(
        "/pacticipants/API/verification-targets/review-apps",
        {"baseUrl": "http://api-${providerVersion}.review.example", "headers": {"X-Token": "abcd1234"}},
    )
    assert response.status_code == 201 and response.json()["headers"]["X-Token"] == "**********"

    publish()

    run = VerificationRun.objects.get()
    assert run.trigger == "contract_requiring_verification_published"
    assert (run.provider_version_number, run.base_url) == ("7.0", "http://api-7.0.review.example")
    assert run.contract_ids and run.target == VerificationTarget.objects.get()
    publish(version="1.1")  # same content, same provider version: no second run while one is queued
    assert VerificationRun.objects.count() == 1


def test_a_target_url_too_long_for_a_version_skips_the_run_and_the_publish_succeeds(api, td, caplog):
    td.branch("API", "7" * 200, "main")
    template = "https://review.example/" + "x" * 1900 + "/${providerVersion}"
    assert api.put("/pacticipants/API/verification-targets/long", {"baseUrl": template}).status_code == 201

    response = api.post("/contracts/publish", publish_body("Web", "1.0", "API"))

    assert response.status_code == 200, response.content
    assert not VerificationRun.objects.exists()
    assert "longer than 2048 characters; no run started" in caplog.text


# ------------------------------------------------------------------ with a real worker


def _can_i_deploy(api, version: str) -> bool | None:
    response = api.get(f"/can-i-deploy?pacticipant=API&version={version}&environment=production")
    assert response.status_code == 200, response.content
    return response.json()["summary"]["deployable"]


def _finished(run: VerificationRun):
    def check():
        run.refresh_from_db()
        return run.status in ("succeeded", "failed", "error") and run

    return check


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_green_then_red_builds_drive_can_i_deploy_and_match_the_pact_cli(
    api, td, celery_worker_process, provider_factory, tmp_path
):
    publish(branch="main")
    td.deploy("Web", "1.0", to="production")

    good = provider_factory("correct")
    run = run_row(queue_run(api, good.url))
    wait_until(_finished(run), 90, "the green run")
    assert run.status == "succeeded", run.log
    assert _can_i_deploy(api, "2.0") is True

    broken = provider_factory("broken")
    run = run_row(queue_run(api, broken.url, providerVersion="2.1"))
    wait_until(_finished(run), 90, "the red run")
    assert run.status == "failed", run.log
    assert _can_i_deploy(api, "2.1") is False
    ours = {r.description: r.success for r in InteractionResult.objects.filter(run_pact__run=run)}

    # The same pact through the real `pact verifier` CLI gives the same per-interaction outcomes.
    pact_file = tmp_path / "pact.json"
    pact_file.write_text(order_pact())
    out = tmp_path / "cli.json"
    subprocess.run(
        [
            str(ROOT / ".venv/bin/pact"),
            "verifier",
            "--file",
            str(pact_file),
            "--provider-name",
            "API",
            "--hostname",
            "127.0.0.1",
            "--port",
            str(broken.port),
            "--state-change-url",
            broken.url + "/_pact/provider_states",
            "--json",
            str(out),
            "--no-colour",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PACT_DO_NOT_TRACK": "true"},
    )
    cli = json.loads(out.read_text())
    theirs = {}
    for error in cli.get("errors", []):
        theirs[error["interaction"].rsplit(" - ", 1)[-1]] = False
    for description in ours:
        theirs.setdefault(description, True)
    assert ours == theirs == {"a request for the health check": True, "a request for order 1": False}


KILLABLE_QUEUE = f"runs-killable-{os.getpid()}"  # this test's workers only, not the session's shared worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@override_settings(ACCORD_VERIFICATION_QUEUE=KILLABLE_QUEUE)
def test_a_worker_killed_mid_run_leaves_a_run_that_is_requeued_and_completed_never_a_false_success(
    api, test_db_name, provider_factory, tmp_path
):
    queue = KILLABLE_QUEUE
    publish(branch="main")
    release = tmp_path / "release"
    slow = provider_factory("slow", release_file=release)
    env = worker_env(test_db_name, ACCORD_VERIFICATION_LEASE_SECONDS="2")
    command = celery_worker_command(f"killable-{os.getpid()}@%h", queue, concurrency=1)
    first = Process("worker-to-kill", command, env, tmp_path)
    try:
        run = run_row(queue_run(api, slow.url))

        def running():
            run.refresh_from_db()
            return run.status == "running"

        wait_until(running, 60, "the first worker to start the run")
        os.killpg(first.proc.pid, signal.SIGKILL)  # the whole worker, mid-verification
        first.proc.wait(timeout=10)
    finally:
        first.stop()
    run.refresh_from_db()
    assert run.status == "running" and Verification.objects.count() == 0

    wait_until(lambda: verification_runs_reap()["requeued"] == 1, 30, "the lease to lapse and the reaper to requeue")
    release.touch()  # the provider answers normally from now on
    second = Process("worker-after", command, env, tmp_path)
    try:
        wait_until(_finished(run), 90, "the second worker to complete the run")
    finally:
        second.stop()
    assert run.status == "succeeded", run.log
    assert run.attempts == 2
    assert Verification.objects.count() == 1


@pytest.mark.django_db
@LOOPBACK
def test_a_finished_run_raises_accords_own_event_for_webhooks(api, provider_factory):
    from webhooks.models import TriggeredWebhook, Webhook

    Webhook.objects.create(
        uuid="run-events-hook-0001",
        events=["verification_run_failed"],
        method="POST",
        url="https://ci.example/hook?run=${pactbroker.verificationRunUrl}",
    )
    publish(branch="main")
    run = run_row(queue_run(api, provider_factory("broken").url, includePendingStatus=False))

    assert verification_run_execute(run_id=run.id) == "failed"
    triggered = TriggeredWebhook.objects.get(event_name="verification_run_failed")
    assert triggered.context["verificationRunUrl"].endswith(f"/verification-runs/{run.uuid}")
    assert triggered.context["consumerName"] == "Web" and triggered.context["providerVersionNumber"] == "2.0"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@override_settings(ACCORD_WEBHOOK_SCHEMES=["http", "https"])
def test_results_recorded_by_the_worker_fire_the_same_webhooks_as_results_a_client_publishes(
    api, celery_worker_process, provider_factory, receiver
):
    publish(branch="main")
    created = api.post(
        "/webhooks",
        {
            "provider": {"name": "API"},
            "events": [{"name": "provider_verification_published"}, {"name": "provider_verification_failed"}],
            "request": {
                "method": "POST",
                "url": receiver.url + "/status",
                "body": {
                    "event": "${pactbroker.eventName}",
                    "providerVersion": "${pactbroker.providerVersionNumber}",
                    "consumerVersion": "${pactbroker.consumerVersionNumber}",
                    "github": "${pactbroker.githubVerificationStatus}",
                },
            },
        },
    )
    assert created.status_code == 201, created.content

    run = run_row(queue_run(api, provider_factory("broken").url, includePendingStatus=False))
    wait_until(_finished(run), 90, "the worker to finish the run")
    assert run.status == "failed", run.log
    wait_until(lambda: len(receiver.requests) >= 2, 60, "the worker's two webhook deliveries")

    # The client path, for comparison: the same pact's result published over the API.
    verification = Verification.objects.get()
    results_url = f"/pacts/provider/API/consumer/Web/pact-version/{verification.contract.sha}/verification-results"
    published = api.post(results_url, {"success": False, "providerApplicationVersion": "2.9"})
    assert published.status_code == 201, published.content
    wait_until(lambda: len(receiver.requests) >= 4, 60, "the client result's two webhook deliveries")

    bodies = sorted(
        (json.loads(r["body"]) for r in receiver.requests), key=lambda b: (b["providerVersion"], b["event"])
    )
    assert bodies == [
        {"event": event, "providerVersion": version, "consumerVersion": "1.0", "github": "failure"}
        for version in ("2.0", "2.9")
        for event in ("provider_verification_failed", "provider_verification_published")
    ]
