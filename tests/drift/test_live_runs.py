"""Live runs in-process against a real provider process: what is replayed, drift, anti-flap,
reachability, credentials and scheduling. The worker/beat flow is in test_live_runs_e2e.py."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.models import Verification
from drift import schedule
from drift.models import DriftIncident, DriftTransition, InteractionWatch, LiveOutcome, LiveRun, LiveTarget
from drift.services import credentials
from drift.services.runs import (
    TargetPaused,
    _claim,
    _finish,
    live_run_execute,
    live_run_request,
    live_runs_prune,
    tick,
)
from drift.services.targets import live_target_put
from tests.drift.conftest import STANDING, deployed_shop, shop_pact
from verifier.leases import LeaseLost

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback")]

SAFE = {("GET", "/health"), ("GET", "/products/10")}


@pytest.fixture
def loopback(settings):
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]
    credentials.forget_tokens()


def run_now(target: LiveTarget) -> LiveRun:
    run = live_run_request(target=target)
    live_run_execute(run_id=run.id)
    run.refresh_from_db()
    return run


def outcomes(run: LiveRun) -> dict[str, tuple[str, str | None]]:
    return {o.description: (o.status, o.skip_reason) for o in run.outcomes.all()}


def test_a_correct_provider_passes_and_only_safe_interactions_are_sent(td, live_provider):
    run = run_now(deployed_shop(td, live_provider.url))

    assert run.status == "passed", run.log
    assert (run.interactions_total, run.interactions_replayed, run.interactions_skipped) == (5, 2, 3)
    assert run.provider_version_number == "7.0"
    found = outcomes(run)
    assert found["a request for the health check"] == ("passed", None)
    assert found["a request for product 10"] == ("passed", None)
    assert found["a request to place an order"][0] == "skipped"
    assert "method POST" in found["a request to place an order"][1]
    assert "'product 99 is discontinued' is not a standing state" in found["a request for a discontinued product"][1]
    assert "message" in found["an order placed event"][1]
    # The POST and the non-standing state were never sent; no state change call either.
    assert set(live_provider.requests()) == SAFE
    assert not DriftIncident.objects.exists()
    # Monitoring, not verification: nothing reaches the matrix.
    assert not Verification.objects.exists()


def test_a_renamed_field_opens_one_incident_on_the_second_failing_run_naming_the_field(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")

    first = run_now(target)
    assert first.status == "drifted"
    assert outcomes(first)["a request for product 10"][0] == "failed"
    assert not DriftIncident.objects.exists()  # one failure is not enough (anti-flap)

    second = run_now(target)
    incident = DriftIncident.objects.get()
    assert incident.status == "open" and incident.opened_by_run_uuid == second.uuid
    assert (incident.consumer.name, incident.provider.name, incident.environment.name) == (
        "Web",
        "Catalog",
        "production",
    )
    assert incident.description == "a request for product 10"
    assert any(m.get("path") == "$.name" or "name" in m.get("description", "") for m in incident.mismatches)
    assert (incident.consumer_version_number, incident.provider_version_number) == ("1.0", "7.0")
    assert incident.preceding_deployment.startswith("Catalog 7.0 deployed")
    assert incident.detection_seconds is not None and incident.detection_seconds >= 0

    third = run_now(target)
    assert third.status == "drifted"
    assert DriftIncident.objects.count() == 1  # still the one incident
    opened = DriftTransition.objects.filter(new_state="open")
    assert [(t.old_state, t.run_uuid) for t in opened] == [(None, second.uuid)]


def test_the_incident_resolves_after_two_passing_runs(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")
    run_now(target), run_now(target)
    live_provider.set(mode="correct")

    run_now(target)
    assert DriftIncident.objects.get().status == "open"
    resolving = run_now(target)
    incident = DriftIncident.objects.get()
    assert incident.status == "resolved" and incident.resolved_by_run_uuid == resolving.uuid
    states = list(incident.transitions.order_by("at", "id").values_list("old_state", "new_state"))
    assert states == [(None, "open"), ("open", "resolved")]


def test_a_flapping_interaction_never_opens_an_incident(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    for mode in ["renamed", "correct", "renamed", "correct", "renamed"]:
        live_provider.set(mode=mode)
        run_now(target)
    assert not DriftIncident.objects.exists()
    watch = InteractionWatch.objects.get(description="a request for product 10")
    assert (watch.consecutive_failures, watch.consecutive_passes) == (1, 0)


def test_a_target_that_is_down_is_unreachable_not_drift_with_one_transition_per_outage(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    assert run_now(target).status == "passed"
    live_provider.stop()

    first, second = run_now(target), run_now(target)

    assert (first.status, second.status) == ("unreachable", "unreachable")
    assert not DriftIncident.objects.exists()
    assert DriftTransition.objects.filter(kind="target", new_state="unreachable").count() == 1
    target.refresh_from_db()
    assert target.unreachable_runs == 2 and target.unreachable_since is not None
    # Backing off: the second unreachable run waits twice the interval.
    assert target.backoff_until >= timezone.now() + timedelta(seconds=100)
    assert target.next_run_at >= target.backoff_until
    watch = InteractionWatch.objects.get(description="a request for product 10")
    assert (watch.consecutive_failures, watch.consecutive_passes) == (0, 1)  # unchanged by the outage


def test_a_provider_answering_5xx_everywhere_is_unreachable(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="error500")
    run = run_now(target)
    assert run.status == "unreachable"
    assert {o.status for o in run.outcomes.exclude(status="skipped")} == {"unreachable"}
    assert not DriftIncident.objects.exists()


def test_401_on_every_request_is_an_authentication_problem_of_the_target(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="unauthorized")
    run, again = run_now(target), run_now(target)
    assert run.status == again.status == "error"
    target.refresh_from_db()
    assert "401/403" in target.auth_problem and "credentials" in target.auth_problem
    assert not DriftIncident.objects.exists()
    assert DriftTransition.objects.filter(kind="target").count() == 0  # not an outage either


@pytest.mark.parametrize(
    ("auth", "required"),
    [
        ({"type": "bearer", "token": "live-bearer-t0ken"}, "Bearer live-bearer-t0ken"),
        ({"type": "basic", "username": "monitor", "password": "pa55word!"}, "Basic bW9uaXRvcjpwYTU1d29yZCE="),
    ],
)
def test_static_credentials_are_sent_and_never_stored_in_clear(td, live_provider, auth, required):
    target = deployed_shop(td, live_provider.url, auth=auth, headers={"X-Api-Key": "key-0f-the-t4rget"})
    live_provider.set(mode="renamed", require=required)
    run = run_now(target)
    assert run.status == "drifted", run.log
    sent = [r for r in live_provider.seen()["requests"] if r["path"] == "/health"]
    assert sent[0]["headers"]["authorization"] == required
    assert sent[0]["headers"]["x-api-key"] == "key-0f-the-t4rget"
    secret = required.split(" ", 1)[1]
    stored = run.log + str(list(run.outcomes.values())) + str(run.error)
    for value in (secret, "key-0f-the-t4rget", auth.get("token", "x" * 8), auth.get("password", "x" * 8)):
        assert value not in stored


def test_oauth2_client_credentials_are_fetched_once_and_reused(td, live_provider):
    token_url = live_provider.url + "/oauth/token"
    auth = {"type": "oauth2", "tokenUrl": token_url, "clientId": "live-client", "clientSecret": "client-s3cret"}
    target = deployed_shop(td, live_provider.url, auth=auth)
    live_provider.set(mode="correct", require="Bearer tok-1")

    assert run_now(target).status == "passed"
    assert run_now(target).status == "passed"
    assert live_provider.seen()["tokensIssued"] == 1


def test_bad_oauth2_credentials_end_the_run_in_error_naming_authentication(td, live_provider):
    token_url = live_provider.url + "/oauth/token"
    auth = {"type": "oauth2", "tokenUrl": token_url, "clientId": "live-client", "clientSecret": "wrong-s3cret"}
    run = run_now(deployed_shop(td, live_provider.url, auth=auth))
    assert run.status == "error" and "authentication" in run.error
    assert "wrong-s3cret" not in run.log + run.error


def test_per_consumer_credentials_apply_to_that_consumers_pact(td, live_provider):
    auth = {"type": "bearer", "token": "default-t0ken", "consumers": {"Web": {"type": "bearer", "token": "web-t0ken"}}}
    target = deployed_shop(td, live_provider.url, auth=auth)
    run_now(target)
    sent = {r["headers"].get("authorization") for r in live_provider.seen()["requests"]}
    assert sent == {"Bearer web-t0ken"}


def test_a_run_executed_twice_replays_once(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    run = live_run_request(target=target)
    assert live_run_execute(run_id=run.id) == "passed"
    assert live_run_execute(run_id=run.id) == "not claimed"
    assert len(live_provider.requests()) == 2
    assert LiveOutcome.objects.filter(run=run).count() == 5


def test_a_worker_that_lost_its_lease_writes_nothing(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    run = live_run_request(target=target)
    token = _claim(run.id)
    LiveRun.objects.filter(id=run.id).update(claim=uuid.uuid4())  # another worker took it over
    with pytest.raises(LeaseLost):
        _finish(run, token, [], [], [])
    run.refresh_from_db()
    assert run.status == "running" and not run.outcomes.exists()


def test_a_paused_target_starts_no_run_and_a_run_finishing_in_a_window_changes_no_incident(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")
    run_now(target)
    run = live_run_request(target=target)
    now = timezone.now()
    LiveTarget.objects.filter(id=target.id).update(
        maintenance_from=now - timedelta(minutes=1), maintenance_until=now + timedelta(hours=1)
    )
    assert live_run_execute(run_id=run.id) == "cancelled"
    assert not DriftIncident.objects.exists()
    target.refresh_from_db()
    with pytest.raises(TargetPaused, match="maintenance window"):
        live_run_request(target=target)
    assert tick(now=now + timedelta(minutes=30)) == {"due": 1, "started": 0, "skipped": 1}


def test_the_time_limit_skips_what_is_left(td, live_provider, settings):
    settings.ACCORD_DRIFT_RUN_TIME_LIMIT_SECONDS = 1
    target = deployed_shop(td, live_provider.url, rate_limit_per_second=0.5)  # 2 s between requests
    run = run_now(target)
    reasons = [o.skip_reason or "" for o in run.outcomes.all()]
    assert run.interactions_replayed == 1
    assert any("time limit" in reason for reason in reasons)


def test_a_tick_starts_each_due_target_once_and_moves_it_to_its_next_slot(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    later = target.next_run_at + timedelta(seconds=1)

    assert tick(now=later) == {"due": 1, "started": 1, "skipped": 0}
    assert tick(now=later) == {"due": 0, "started": 0, "skipped": 0}
    run = LiveRun.objects.get()
    assert run.trigger == "schedule" and run.scheduled_for is not None
    target.refresh_from_db()
    assert target.next_run_at > later
    # Its run is still queued at the next slot: that slot is missed, not piled up.
    assert tick(now=target.next_run_at + timedelta(seconds=1))["skipped"] == 1
    assert LiveRun.objects.count() == 1


def test_a_paused_target_is_not_due(td, live_provider):
    target = deployed_shop(td, live_provider.url, paused=True)
    assert target.next_run_at is None
    assert tick(now=timezone.now() + timedelta(days=1))["due"] == 0


def test_targets_on_one_schedule_are_spread_over_the_window():
    parsed = schedule.parse("15m")
    now = timezone.now()
    seconds = {int(parsed.next_after(now, seed=str(uuid.uuid4())).timestamp()) for _ in range(500)}
    assert len(seconds) > 50  # spread over the 60 s jitter window, not one second
    assert max(seconds) - min(seconds) <= 15 * 60


def test_recording_a_deployment_queues_a_run_after_the_settle_delay(td, live_provider, settings):
    settings.ACCORD_DRIFT_SETTLE_SECONDS = 30
    target = deployed_shop(td, live_provider.url)
    td.deploy("Catalog", "7.1", to="production")
    td.deploy("Web", "1.1", to="production")  # absorbed by the run already waiting
    run = LiveRun.objects.get(target=target)
    assert run.trigger == "deployment" and "Catalog 7.1 deployed to production" in run.trigger_detail
    assert run.not_before >= timezone.now() + timedelta(seconds=25)
    assert live_run_execute(run_id=run.id) == "deferred"  # not before the settle delay


def test_old_runs_are_pruned_and_incidents_stay(td, live_provider, settings):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")
    run_now(target), run_now(target)
    assert live_runs_prune(now=timezone.now() + timedelta(days=settings.ACCORD_DRIFT_RUN_RETENTION_DAYS + 1)) == 2
    incident = DriftIncident.objects.get()
    assert incident.opened_by_run is None and incident.opened_by_run_uuid is not None
    assert incident.transitions.count() == 1


def test_deleting_a_target_keeps_its_incidents_and_their_timelines(td, live_provider):
    from drift.services.targets import live_target_delete

    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")
    run_now(target), run_now(target)
    live_target_delete(target=target)
    incident = DriftIncident.objects.get()
    assert incident.target is None
    assert list(incident.transitions.values_list("new_state", flat=True)) == ["open"]


def test_new_credentials_clear_the_targets_authentication_problem(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="unauthorized")
    run_now(target)
    target.refresh_from_db()
    assert target.auth_problem
    fixed, _ = live_target_put(
        provider=target.provider, environment=target.environment, base_url=live_provider.url,
        auth={"type": "bearer", "token": "a-new-t0ken"}, standing_states=STANDING,
    )  # fmt: skip
    assert fixed.auth_problem is None


@pytest.mark.parametrize(("text", "minimum"), [("* * * * *", 300), ("0,1 * * * *", 120), ("30s", 60)])
def test_a_schedule_more_frequent_than_the_minimum_is_refused(text, minimum):
    with pytest.raises(schedule.InvalidSchedule, match="minimum"):
        schedule.parse(text, minimum_seconds=minimum)


def test_an_incident_resolves_when_the_consumer_deploys_a_pact_without_that_interaction(td, live_provider):
    target = deployed_shop(td, live_provider.url)
    live_provider.set(mode="renamed")
    run_now(target), run_now(target)
    assert DriftIncident.objects.get().status == "open"
    # The consumer fixes its contract: version 1.1 no longer expects the product's name.
    fixed = shop_pact().replace('"a request for product 10"', '"a request for product 10 by id"')
    fixed = fixed.replace('"name": "Widget"', '"price": 9.99')
    td.publish("Web", "1.1", provider="Catalog", content=fixed).deploy("Web", "1.1", to="production")

    run = run_now(target)

    assert run.status == "passed", run.log
    incident = DriftIncident.objects.get()
    assert incident.status == "resolved" and incident.resolved_by_run_uuid == run.uuid
    assert "no longer in any pact deployed in production" in incident.transitions.get(new_state="resolved").note
