"""Webhook deliveries are kept ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS (webhooks/services/retention.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.models import Pacticipant
from webhooks.models import TriggeredWebhook, WebhookExecution
from webhooks.services.retention import deliveries_prune
from webhooks.tasks import deliveries_prune_task

pytestmark = pytest.mark.django_db


def delivery(uuid: str, status: str, days_ago: float, consumer: str | None = "Web", provider: str = "API") -> int:
    triggered = TriggeredWebhook.objects.create(
        webhook_uuid=uuid,
        event_name="contract_published",
        status=status,
        consumer=Pacticipant.objects.get_or_create(name=consumer)[0] if consumer else None,
        provider=Pacticipant.objects.get_or_create(name=provider)[0],
    )
    for attempt in range(1, 3):
        WebhookExecution.objects.create(triggered_webhook=triggered, attempt=attempt, success=status == "success")
    TriggeredWebhook.objects.filter(pk=triggered.pk).update(updated_at=timezone.now() - timedelta(days=days_ago))
    return triggered.pk


def test_finished_deliveries_past_the_retention_go_with_their_executions(settings):
    settings.ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS = 30
    gone = [
        delivery("hook-1", "success", 40),
        delivery("hook-1", "failure", 35),
        delivery("hook-3", "failure", 50, consumer=None),  # a drift delivery names no consumer
    ]
    kept = [
        delivery("hook-1", "retrying", 45),  # still due, whatever its age
        delivery("hook-1", "not_run", 45),
        delivery("hook-1", "success", 31),  # the newest of hook-1 for Web -> API: the status resource shows it
        delivery("hook-1", "success", 40, provider="Orders"),  # the newest for another pair
        delivery("hook-2", "success", 5),  # within the retention
        delivery("hook-2", "failure", 1),
        delivery("hook-3", "success", 45, consumer=None),
    ]
    assert deliveries_prune(batch_size=2) == 3
    assert set(TriggeredWebhook.objects.values_list("id", flat=True)) == set(kept)
    assert not WebhookExecution.objects.filter(triggered_webhook_id__in=gone).exists()
    assert WebhookExecution.objects.count() == 2 * len(kept)
    assert deliveries_prune() == 0  # nothing more to do


def test_the_task_prunes_with_the_configured_retention(settings):
    settings.ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS = 3
    delivery("hook-1", "success", 4)
    delivery("hook-1", "success", 2)
    delivery("hook-1", "success", 1)
    assert deliveries_prune_task() == 1
    assert TriggeredWebhook.objects.count() == 2
