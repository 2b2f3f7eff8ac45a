"""Executing a webhook on demand; reading what triggered webhooks did."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution
from webhooks.services.delivery import webhook_deliver

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


def hook(url: str) -> Webhook:
    return Webhook.objects.create(
        uuid="execute-test-hook-0001",
        events=["contract_published"],
        method="POST",
        url=url,
        headers={"X-Api-Token": "t0k3n-value"},
        body=json.dumps({"v": "${pactbroker.consumerVersionNumber}"}),
        body_is_json=True,
        description="Trigger CI",
    )


@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
def test_execute_sends_the_webhook_with_the_latest_pact_and_stores_the_attempt(api, td, receiver):
    td.publish("Web", "3.1", provider="API")
    hook(receiver.url + "/ci")

    response = api.post("/webhooks/execute-test-hook-0001/execute")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert json.loads(receiver.requests[0]["body"]) == {"v": "3.1"}
    assert body["request"]["headers"]["X-Api-Token"] == "**********"
    assert "t0k3n-value" not in json.dumps(body)
    triggered = TriggeredWebhook.objects.get(trigger_type="user")
    assert body["_links"] == {
        "webhook": {"href": f"{BASE}/webhooks/execute-test-hook-0001", "title": "Webhook"},
        "try-again": {"href": f"{BASE}/webhooks/execute-test-hook-0001/execute", "title": "Execute the webhook again"},
        "pb:logs": {"href": f"{BASE}/triggered-webhooks/{triggered.uuid}/logs"},
    }
    assert triggered.status == "success" and triggered.executions.count() == 1


@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
def test_executing_a_verification_webhook_renders_the_latest_verification_as_a_test_event(api, td, receiver):
    td.publish("Web", "3.1", provider="API").verify("7.0", success=False)
    Webhook.objects.create(
        uuid="execute-verification-01",
        events=["provider_verification_published"],
        method="POST",
        url=receiver.url + "/status",
        body=json.dumps(
            {
                "event": "${pactbroker.eventName}",
                "provider": "${pactbroker.providerVersionNumber}",
                "state": "${pactbroker.githubVerificationStatus}",
                "result": "${pactbroker.verificationResultUrl}",
            }
        ),
        body_is_json=True,
    )

    response = api.post("/webhooks/execute-verification-01/execute")

    assert response.status_code == 200
    sent = json.loads(receiver.requests[0]["body"])
    assert sent["event"] == "test"
    assert sent["provider"] == "7.0" and sent["state"] == "failure"
    assert "/verification-results/" in sent["result"]
    body = response.json()
    assert body["request"]["body"] == sent
    # What came back, as the Pact Broker shows it: status, headers and the (parsed) body.
    assert body["response"]["status"] == 200
    assert body["response"]["headers"]["content-type"] == "application/json"
    assert body["response"]["body"] == {"received": 1}
    assert TriggeredWebhook.objects.get(trigger_type="user").event_name == "test"


@override_settings(ACCORD_OUTBOUND_ALLOW=[])
def test_execute_reports_a_refused_address_as_an_unsuccessful_result(api):
    hook("http://169.254.169.254/latest/meta-data")

    body = api.post("/webhooks/execute-test-hook-0001/execute").json()

    assert body["success"] is False
    assert "link-local" in body["error"]["message"]
    assert WebhookExecution.objects.get().status_code is None


def test_execute_an_unknown_webhook_is_404(api):
    assert api.post("/webhooks/no-such-webhook-0000/execute").status_code == 404


@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"], ACCORD_WEBHOOK_RETRY_SCHEDULE=[10])
def test_triggered_webhooks_status_and_logs(api, td, receiver):
    receiver.statuses = [500]
    hook(receiver.url)
    td.publish("Web", "1.0", provider="API")
    triggered = TriggeredWebhook.objects.get()
    webhook_deliver(triggered_webhook_id=triggered.id)

    listed = api.get("/pacts/provider/API/consumer/Web/version/1.0/triggered-webhooks").json()
    [entry] = listed["_embedded"]["triggeredWebhooks"]
    assert entry["status"] == "retrying" and entry["attemptsMade"] == 1 and entry["attemptsRemaining"] == 1
    assert entry["eventName"] == "contract_published"
    logs_href = f"{BASE}/triggered-webhooks/{triggered.uuid}/logs"
    assert entry["_links"] == {
        "pb:logs": {"href": logs_href, "title": "Webhook execution logs"},
        "logs": {"href": logs_href, "title": "DEPRECATED - use pb:logs"},
        "pb:webhook": {"href": f"{BASE}/webhooks/execute-test-hook-0001", "title": "Webhook"},
    }
    assert listed["_links"]["self"] == {
        "href": f"{BASE}/pacts/provider/API/consumer/Web/version/1.0/triggered-webhooks",
        "title": "Triggered webhooks",
    }

    status = api.get("/pacts/provider/API/consumer/Web/webhooks/status").json()
    assert status["summary"] == {"successful": 0, "failed": 0, "notRun": 0, "retrying": 1}
    assert status["_links"] == {
        "self": {"href": f"{BASE}/pacts/provider/API/consumer/Web/webhooks/status"},
        "pb:error-logs": [],
    }

    logs = api.get(f"/triggered-webhooks/{triggered.uuid}/logs")
    assert logs.status_code == 200 and logs["Content-Type"].startswith("text/plain")
    text = logs.content.decode()
    assert "attempt 1" in text and "HTTP 500" in text and "t0k3n-value" not in text
    assert api.get("/triggered-webhooks/not-a-uuid/logs").status_code == 404
