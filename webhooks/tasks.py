"""Celery entry points for webhook delivery: take an id, call a service.

The names predate the webhooks app (they began in verifier/) and are kept: a message
already queued under a name must still find its task after an upgrade.
"""

from __future__ import annotations

from celery import shared_task

from webhooks.services import delivery, retention
from webhooks.services.outbox import DELIVER_TASK


@shared_task(name=DELIVER_TASK, ignore_result=True, acks_late=True)
def webhook_deliver_task(triggered_webhook_id: int) -> str:
    return delivery.webhook_deliver(triggered_webhook_id=triggered_webhook_id)


@shared_task(name="verifier.webhooks_sweep", ignore_result=True)
def webhooks_sweep_task() -> int:
    return delivery.deliveries_sweep()


@shared_task(name="webhooks.deliveries_prune", ignore_result=True)
def deliveries_prune_task() -> int:
    return retention.deliveries_prune()
