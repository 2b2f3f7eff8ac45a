"""Webhook delivery: attempts, retries, stored executions, the guard, deleted webhooks."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.builders import pact_json
from tests.conftest import wait_until
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution
from webhooks.services.delivery import deliveries_sweep, webhook_deliver

pytestmark = pytest.mark.django_db

LOOPBACK_ALLOWED = override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"], ACCORD_WEBHOOK_RETRY_SCHEDULE=[10, 60])


def hook(url: str, **fields) -> Webhook:
    defaults = {
        "uuid": "delivery-test-hook-0001",
        "events": ["contract_published"],
        "method": "POST",
        "url": url,
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer s3cr3t-token"},
        "body": json.dumps({"pact": "${pactbroker.pactUrl}", "v": "${pactbroker.consumerVersionNumber}"}),
        "body_is_json": True,
    }
    return Webhook.objects.create(**{**defaults, **fields})


def publish(td, version="1.0"):
    td.publish("Web", version, provider="API")
    return TriggeredWebhook.objects.order_by("-id").first()


@LOOPBACK_ALLOWED
def test_a_delivery_renders_the_template_sends_it_and_stores_a_redacted_execution(td, receiver):
    hook(receiver.url + "/build?v=${pactbroker.consumerVersionNumber}")
    triggered = publish(td)

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "success"

    [sent] = receiver.requests
    assert sent["path"] == "/build?v=1.0"
    assert json.loads(sent["body"])["v"] == "1.0"
    assert sent["headers"]["Authorization"] == "Bearer s3cr3t-token"
    triggered.refresh_from_db()
    assert (triggered.status, triggered.attempts_made, triggered.next_attempt_at) == ("success", 1, None)
    execution = WebhookExecution.objects.get()
    assert execution.success and execution.status_code == 200
    assert "s3cr3t-token" not in execution.request_log and "**********" in execution.request_log


@LOOPBACK_ALLOWED
def test_a_failed_attempt_is_stored_and_scheduled_for_retry_on_the_schedule(td, receiver):
    receiver.statuses = [500]
    hook(receiver.url)
    triggered = publish(td)

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "retrying"
    triggered.refresh_from_db()
    assert triggered.attempts_made == 1
    assert 8 <= (triggered.next_attempt_at - triggered.updated_at).total_seconds() <= 11
    assert WebhookExecution.objects.get().error == "HTTP 500"
    # Not due yet: a second task for the same row does nothing.
    assert webhook_deliver(triggered_webhook_id=triggered.id).startswith("not due")
    assert len(receiver.requests) == 1


@LOOPBACK_ALLOWED
def test_retries_end_in_failure_after_the_schedule(td, receiver):
    receiver.statuses = [503, 503, 503]
    hook(receiver.url)
    triggered = publish(td)
    for _ in range(3):
        TriggeredWebhook.objects.filter(id=triggered.id).update(next_attempt_at=triggered.created_at)
        webhook_deliver(triggered_webhook_id=triggered.id)

    triggered.refresh_from_db()
    assert (triggered.status, triggered.attempts_made) == ("failure", 3)
    assert WebhookExecution.objects.count() == 3


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.7", "[::1]"])
@override_settings(ACCORD_OUTBOUND_ALLOW=[])
def test_private_and_metadata_addresses_are_refused_without_retry_unless_allow_listed(td, address):
    hook(f"http://{address}:9/hook")
    triggered = publish(td)

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "failure"
    execution = WebhookExecution.objects.get()
    assert not execution.success and "refused" in execution.error
    assert execution.status_code is None


@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
def test_the_allow_list_lets_loopback_through(td, receiver):
    hook(receiver.url)
    assert webhook_deliver(triggered_webhook_id=publish(td).id) == "success"


def test_a_webhook_deleted_before_delivery_is_a_no_op(td):
    webhook = hook("https://ci.example/never")
    triggered = publish(td)
    webhook.delete()

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "webhook deleted: no-op"
    triggered.refresh_from_db()
    assert triggered.next_attempt_at is None and triggered.status == "not_run"
    assert WebhookExecution.objects.count() == 0
    assert deliveries_sweep() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_receiver_failing_twice_then_succeeding_gets_one_delivery_and_three_executions(
    celery_worker_process, receiver
):
    from contracts.services.publication import contracts_publish, prepare_contract

    receiver.statuses = [500, 502, 200]
    hook(receiver.url)
    prepared = prepare_contract(pact_json("Web", "API"), consumer_name="Web", provider_name="API")
    contracts_publish(pacticipant_name="Web", version_number="1.0", contracts=[prepared])
    triggered = TriggeredWebhook.objects.get()

    def delivered():
        triggered.refresh_from_db()
        return triggered.status in ("success", "failure")

    wait_until(delivered, 60, "the worker to deliver the webhook", interval=0.2)
    assert triggered.status == "success" and triggered.attempts_made == 3
    assert list(WebhookExecution.objects.order_by("attempt").values_list("attempt", "success", "status_code")) == [
        (1, False, 500),
        (2, False, 502),
        (3, True, 200),
    ]
    assert [r["path"] for r in receiver.requests] == ["/", "/", "/"]
    assert sum(1 for e in WebhookExecution.objects.all() if e.success) == 1
