"""Drift monitoring's webhook events: drift_detected, drift_resolved, live_target_unreachable.

Incidents open and resolve through the real anti-flap rule (drift.services.incidents,
fed the outcomes a live run would record); the deliveries go through the real outbox,
renderer and outbound seam to a real receiver on loopback, in-process like
test_delivery.py, and once through a real Celery worker.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from contracts import events
from contracts.models import ContractPublication, Environment, Label, Pacticipant
from drift.events import DriftDetected
from drift.models import DriftIncident, DriftTransition, LiveRun, LiveTarget
from drift.plan import plan
from drift.services import incidents
from drift.services.runs import Replayed
from drift.services.targets import live_target_put
from tests.conftest import wait_until
from verifier.http import MASK
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution
from webhooks.services.definitions import WebhookDefinition, webhook_create
from webhooks.services.delivery import webhook_deliver

LOOPBACK_ALLOWED = override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
HEADER_SECRET = "hdr-s3cret-0f9a"
PASSWORD = "pw-s3cret-77c1"
BASIC_TOKEN = base64.b64encode(f"svc:{PASSWORD}".encode()).decode()
EVERY_PARAMETER = {
    name: "${pactbroker." + name + "}"
    for name in (
        "eventName",
        "incidentUrl",
        "environmentName",
        "consumerName",
        "providerName",
        "consumerVersionNumber",
        "providerVersionNumber",
        "liveRunUrl",
        "liveTargetUrl",
        "driftSummary",
        "pactUrl",
        "githubVerificationStatus",
    )
}
MISMATCH = {"type": "body", "path": "$.name", "expected": "Widget", "description": "Expected 'name' but it was missing"}


@dataclass
class Scene:
    publication: ContractPublication
    target: LiveTarget

    @property
    def environment(self) -> Environment:
        return self.target.environment


def base() -> str:
    return events.default_base_url().rstrip("/")


def make_scene(td) -> Scene:
    """Web 1.0 and API 2.0 deployed in production; API's live target there holds credentials."""
    td.publish("Web", "1.0", provider="API")
    td.environment("production", production=True)
    td.deploy("Web", "1.0", to="production").deploy("API", "2.0", to="production")
    target, _ = live_target_put(
        provider=Pacticipant.objects.get(name="API"),
        environment=Environment.objects.get(name="production"),
        base_url="https://api.example.com",
        headers={"X-Api-Key": HEADER_SECRET},
        auth={"type": "basic", "username": "svc", "password": PASSWORD},
    )
    publication = ContractPublication.objects.select_related("contract", "consumer", "consumer_version").get(
        consumer_version__number="1.0"
    )
    return Scene(publication, target)


@pytest.fixture
def scene(td) -> Scene:
    return make_scene(td)


def hook(url: str, *, events: tuple[str, ...], description: str = "drift", **scope) -> Webhook:
    return webhook_create(
        definition=WebhookDefinition(
            description=description,
            events=events,
            method="POST",
            url=url,
            headers={"Content-Type": "application/json"},
            body=EVERY_PARAMETER,
            **scope,
        )
    )


def live_run(scene: Scene, *, status: str = "drifted", provider_version: str = "2.0", error: str | None = None):
    """A finished live run of the target, as the runner records it."""
    now = timezone.now()
    return LiveRun.objects.create(
        target=scene.target,
        provider=scene.target.provider,
        environment=scene.target.environment,
        status=status,
        trigger=LiveRun.Trigger.SCHEDULE,
        provider_version_number=provider_version,
        started_at=now,
        finished_at=now,
        error=error,
    )


def replay(scene: Scene, run: LiveRun, status: str, mismatches: list[dict] | None = None) -> None:
    """What the runner does with the outcome of the pact's one interaction in a run."""
    item = plan(scene.publication.contract.document, methods=["GET"], standing_states=[])[0]
    outcome = Replayed(scene.publication, item, status, list(mismatches or []))
    incidents.apply_outcomes(run, [outcome], timezone.now())


def open_incident(scene: Scene, mismatches: list[dict] | None = None) -> tuple[DriftIncident, LiveRun]:
    """Two failing runs in a row: the anti-flap rule opens the incident on the second."""
    replay(scene, live_run(scene), "failed", mismatches or [MISMATCH])
    run = live_run(scene)
    replay(scene, run, "failed", mismatches or [MISMATCH])
    return DriftIncident.objects.get(), run


def delivered_bodies(receiver) -> list[dict]:
    return [json.loads(request["body"]) for request in receiver.requests]


def deliver_all() -> list[str]:
    return [webhook_deliver(triggered_webhook_id=t.id) for t in TriggeredWebhook.objects.order_by("id")]


# ---------------------------------------------------------------- drift_detected


@LOOPBACK_ALLOWED
def test_drift_detected_is_delivered_once_with_its_parameters(scene, receiver):
    hook(receiver.url, events=("drift_detected",))

    incident, run = open_incident(scene)

    triggered = TriggeredWebhook.objects.get()
    assert (triggered.event_name, triggered.consumer.name, triggered.provider.name) == ("drift_detected", "Web", "API")
    assert triggered.source_key == f"incident:{incident.uuid}:open"
    assert deliver_all() == ["success"]
    [body] = delivered_bodies(receiver)
    assert body == {
        "eventName": "drift_detected",
        "incidentUrl": f"{base()}/drift-incidents/{incident.uuid}",
        "environmentName": "production",
        "consumerName": "Web",
        "providerName": "API",
        "consumerVersionNumber": "1.0",
        "providerVersionNumber": "2.0",
        "liveRunUrl": f"{base()}/live-runs/{run.uuid}",
        "liveTargetUrl": f"{base()}/pacticipants/API/live-targets/production",
        "driftSummary": "$.name: Expected 'name' but it was missing",
        # Parameters of other events render empty.
        "pactUrl": "",
        "githubVerificationStatus": "",
    }


def test_a_first_failure_alone_notifies_nothing(scene):
    hook("https://ci.example.com/drift", events=("drift_detected",))

    replay(scene, live_run(scene), "failed", [MISMATCH])

    assert not DriftIncident.objects.exists()
    assert not TriggeredWebhook.objects.exists()


def test_the_same_transition_raised_twice_queues_one_delivery(scene):
    hook("https://ci.example.com/drift", events=("drift_detected",))
    incident, run = open_incident(scene)
    transition = DriftTransition.objects.get(incident=incident)

    # A duplicated event (a subscriber run twice, a retried emit) and a duplicated run.
    events.emit(DriftDetected(transition=transition, incident=incident, run=run))
    replay(scene, run, "failed", [MISMATCH])

    assert TriggeredWebhook.objects.filter(event_name="drift_detected").count() == 1
    assert DriftTransition.objects.filter(incident=incident).count() == 1


def test_each_webhook_gets_its_own_delivery_of_one_transition(scene):
    hook("https://ci.example.com/a", events=("drift_detected",), description="a")
    hook("https://ci.example.com/b", events=("drift_detected", "drift_resolved"), description="b")

    incident, run = open_incident(scene)
    events.emit(DriftDetected(transition=DriftTransition.objects.get(), incident=incident, run=run))

    assert sorted(TriggeredWebhook.objects.values_list("webhook__description", flat=True)) == ["a", "b"]


def test_drift_events_match_scopes_like_other_events(scene):
    web, api = Pacticipant.objects.get(name="Web"), Pacticipant.objects.get(name="API")
    other = Pacticipant.objects.create(name="Other")
    Label.objects.create(pacticipant=api, name="payments")
    url = "https://ci.example.com/drift"
    matching = {
        hook(url, events=("drift_detected",), description="any"),
        hook(url, events=("drift_detected",), description="consumer Web", consumer=web),
        hook(url, events=("drift_detected",), description="provider API", provider=api),
        hook(url, events=("drift_detected",), description="the pair", consumer=web, provider=api),
        hook(url, events=("drift_detected",), description="provider label", provider_label="payments"),
    }
    hook(url, events=("drift_detected",), description="other consumer", consumer=other)
    hook(url, events=("drift_detected",), description="reversed", consumer=api, provider=web)
    hook(url, events=("drift_resolved",), description="other event")
    webhook_create(definition=WebhookDefinition(method="POST", url=url, events=("drift_detected",), enabled=False))

    open_incident(scene)

    assert set(TriggeredWebhook.objects.values_list("webhook__description", flat=True)) == {
        w.description for w in matching
    }


def test_drift_deliveries_are_not_listed_as_triggered_by_the_consumer_versions_pact(scene, api):
    hook("https://ci.example.com/drift", events=("drift_detected",))
    open_incident(scene)

    response = api.get("/pacts/provider/API/consumer/Web/version/1.0/triggered-webhooks")

    assert response.status_code == 200
    assert response.json()["_embedded"]["triggeredWebhooks"] == []


# ---------------------------------------------------------------- drift_resolved


@LOOPBACK_ALLOWED
def test_drift_resolved_is_delivered_once_when_the_interaction_passes_again(scene, receiver):
    hook(receiver.url, events=("drift_resolved",))
    incident, _ = open_incident(scene)
    replay(scene, live_run(scene, status="passed", provider_version="2.1"), "passed")
    assert not TriggeredWebhook.objects.exists()  # one pass is not enough (anti-flap)

    resolving = live_run(scene, status="passed", provider_version="2.1")
    replay(scene, resolving, "passed")
    replay(scene, resolving, "passed")  # the same run twice: nothing more
    replay(scene, live_run(scene, status="passed", provider_version="2.1"), "passed")

    incident.refresh_from_db()
    assert incident.status == "resolved"
    triggered = TriggeredWebhook.objects.get()
    assert (triggered.event_name, triggered.source_key) == ("drift_resolved", f"incident:{incident.uuid}:resolved")
    assert deliver_all() == ["success"]
    [body] = delivered_bodies(receiver)
    assert body["eventName"] == "drift_resolved"
    assert body["incidentUrl"] == f"{base()}/drift-incidents/{incident.uuid}"
    assert body["liveRunUrl"] == f"{base()}/live-runs/{resolving.uuid}"
    # The provider version that passes again; the consumer version the incident was about.
    assert (body["providerVersionNumber"], body["consumerVersionNumber"]) == ("2.1", "1.0")
    assert body["driftSummary"] == "passed live on 2 consecutive run(s)"


# ---------------------------------------------------------------- live_target_unreachable


@LOOPBACK_ALLOWED
def test_live_target_unreachable_is_delivered_once_to_webhooks_not_scoped_to_a_consumer(scene, receiver):
    web, api = Pacticipant.objects.get(name="Web"), Pacticipant.objects.get(name="API")
    Label.objects.create(pacticipant=web, name="team-a")
    Label.objects.create(pacticipant=api, name="payments")
    matching = {
        hook(receiver.url, events=("live_target_unreachable",), description="any"),
        hook(receiver.url, events=("live_target_unreachable",), description="provider API", provider=api),
        hook(receiver.url, events=("live_target_unreachable",), description="label", provider_label="payments"),
    }
    url = "https://ci.example.com/never"
    hook(url, events=("live_target_unreachable",), description="consumer Web", consumer=web)
    hook(url, events=("live_target_unreachable",), description="pair", consumer=web, provider=api)
    hook(url, events=("live_target_unreachable",), description="consumer label", consumer_label="team-a")
    hook(url, events=("live_target_unreachable",), description="other provider", provider=web)
    run = live_run(scene, status="unreachable", error="connection refused by api.example.com:443")

    incidents.target_unreachable(scene.target, run, timezone.now())
    incidents.target_unreachable(scene.target, run, timezone.now())  # the same run again: no second event

    rows = TriggeredWebhook.objects.all()
    assert {row.webhook.description for row in rows} == {w.description for w in matching}
    assert all(row.consumer is None and row.provider == api for row in rows)
    assert deliver_all() == ["success"] * 3
    body = delivered_bodies(receiver)[0]
    assert body == {
        "eventName": "live_target_unreachable",
        "incidentUrl": "",
        "environmentName": "production",
        "consumerName": "",
        "providerName": "API",
        "consumerVersionNumber": "",
        "providerVersionNumber": "2.0",
        "liveRunUrl": f"{base()}/live-runs/{run.uuid}",
        "liveTargetUrl": f"{base()}/pacticipants/API/live-targets/production",
        "driftSummary": "connection refused by api.example.com:443",
        "pactUrl": "",
        "githubVerificationStatus": "",
    }


# ---------------------------------------------------------------- secrets


def _stored_text() -> str:
    """Every delivery's stored context and every attempt's logs, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT context::text FROM {TriggeredWebhook._meta.db_table} "
            f"UNION ALL SELECT request_log || response_log FROM {WebhookExecution._meta.db_table}"
        )
        return "\n".join(row[0] for row in cursor.fetchall())


@LOOPBACK_ALLOWED
def test_target_credentials_never_reach_a_webhook_body(scene, receiver):
    hook(receiver.url, events=("drift_detected", "live_target_unreachable"))
    # Notes that escaped the runner's redaction (it scrubs them already): the webhook
    # layer scrubs the target's credentials again.
    leaky = {**MISMATCH, "description": f"header X-Api-Key: {HEADER_SECRET} was echoed in the body"}
    open_incident(scene, [leaky])
    down = live_run(
        scene,
        status="unreachable",
        error=f"GET https://api.example.com (Authorization: Basic {BASIC_TOKEN}, password {PASSWORD}) timed out",
    )
    incidents.target_unreachable(scene.target, down, timezone.now())

    assert deliver_all() == ["success", "success"]

    bodies = [request["body"] for request in receiver.requests]
    assert len(bodies) == 2
    for text in [*bodies, _stored_text()]:
        for secret in (HEADER_SECRET, PASSWORD, BASIC_TOKEN):
            assert secret not in text
    summaries = [json.loads(body)["driftSummary"] for body in bodies]
    assert summaries == [
        f"$.name: header X-Api-Key: {MASK} was echoed in the body",
        f"GET https://api.example.com (Authorization: Basic {MASK}, password {MASK}) timed out",
    ]


def test_a_test_execution_of_a_drift_webhook_renders_the_latest_incident(scene, receiver, api):
    webhook = hook(receiver.url, events=("drift_detected",))
    leaky = {**MISMATCH, "description": f"echoed {HEADER_SECRET}"}
    incident, run = open_incident(scene, [leaky])

    with LOOPBACK_ALLOWED:
        response = api.post(f"/webhooks/{webhook.uuid}/execute", {})

    assert response.status_code == 200, response.content
    [body] = delivered_bodies(receiver)
    assert body["eventName"] == "test"
    assert body["incidentUrl"].endswith(f"/drift-incidents/{incident.uuid}")
    assert (body["consumerName"], body["providerName"], body["environmentName"]) == ("Web", "API", "production")
    assert body["liveRunUrl"].endswith(f"/live-runs/{run.uuid}")
    assert HEADER_SECRET not in receiver.requests[0]["body"] and MASK in body["driftSummary"]


def test_a_test_execution_of_a_drift_webhook_with_no_incident_yet_renders_the_latest_pact(scene, receiver, api):
    webhook = hook(receiver.url, events=("drift_detected",))
    with LOOPBACK_ALLOWED:
        assert api.post(f"/webhooks/{webhook.uuid}/execute", {}).status_code == 200
    [body] = delivered_bodies(receiver)
    assert (body["eventName"], body["consumerName"], body["providerName"]) == ("test", "Web", "API")
    assert "/pacts/provider/API/consumer/Web/" in body["pactUrl"]


# ---------------------------------------------------------------- definitions


@pytest.mark.parametrize("event", ["drift_detected", "drift_resolved", "live_target_unreachable"])
def test_webhook_definitions_accept_the_drift_events(api, event):
    body = {"events": [{"name": event}], "request": {"method": "POST", "url": "https://ci.example.com/drift"}}

    response = api.post("/webhooks", body)

    assert response.status_code == 201, response.content
    assert Webhook.objects.get().events == [event]
    assert response.json()["events"] == [{"name": event}]


def test_an_unknown_event_name_is_still_refused(api):
    body = {"events": [{"name": "drift_detectd"}], "request": {"method": "POST", "url": "https://ci.example.com/x"}}

    response = api.post("/webhooks", body)

    assert response.status_code == 400
    [message] = response.json()["errors"]["events[0].name"]
    assert (
        message.startswith("must be one of ") and "drift_detected, drift_resolved, live_target_unreachable" in message
    )
    assert not Webhook.objects.exists()


# ---------------------------------------------------------------- a real worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_drift_detected_once(celery_worker_process, receiver, td):
    scene = make_scene(td)
    hook(receiver.url, events=("drift_detected",))
    with transaction.atomic():
        incident, run = open_incident(scene)
    with transaction.atomic():
        # The same transition raised again after the first commit: nothing more is owed.
        events.emit(DriftDetected(transition=DriftTransition.objects.get(), incident=incident, run=run))
    triggered = TriggeredWebhook.objects.get()

    def delivered():
        triggered.refresh_from_db()
        return triggered.status in ("success", "failure")

    wait_until(delivered, 60, "the worker to deliver drift_detected", interval=0.2)
    assert triggered.status == "success" and triggered.attempts_made == 1
    assert TriggeredWebhook.objects.count() == 1
    [body] = delivered_bodies(receiver)
    assert (body["eventName"], body["incidentUrl"]) == ("drift_detected", f"{base()}/drift-incidents/{incident.uuid}")
