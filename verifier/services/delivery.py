"""Webhook delivery: one triggered webhook, one attempt at a time, every attempt stored.

Triggered webhooks are written with the event that caused them (the outbox in
contracts.services.webhooks). Delivery claims a row by pushing its next_attempt_at into
the future with a conditional UPDATE (a lease): a duplicate task, or the sweeper finding
the row while a worker holds it, changes nothing. A crash mid-attempt leaves the row due
again when the lease ends, so the sweeper re-enqueues it: at-least-once, never lost.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contracts.models import Webhook
from contracts.services.webhooks import render_json, render_template
from verifier import http
from verifier.models import TriggeredWebhook, WebhookExecution

logger = logging.getLogger("accord.webhooks")
Status = TriggeredWebhook.Status
# Longer than one attempt can take (connect + read timeouts + overall deadline).
LEASE_SECONDS = 120


@dataclass
class RenderedRequest:
    """A webhook's request with the event's template values filled in."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    secrets: list[str] = field(default_factory=list)


def webhook_request_render(webhook: Webhook, context: dict[str, str]) -> RenderedRequest:
    """Fill `${pactbroker.*}` into the webhook's URL, headers, body and credentials."""
    headers = {name: render_template(value, context) for name, value in (webhook.headers or {}).items()}
    body: str | None = None
    if webhook.body is not None:
        if webhook.body_is_json:
            body = json.dumps(render_json(json.loads(webhook.body), context))
        else:
            body = render_template(webhook.body, context)
    secrets = http.secret_header_values(headers)
    if webhook.username:
        username = render_template(webhook.username, context)
        password = render_template(webhook.password or "", context)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        headers.setdefault("Authorization", f"Basic {token}")
        secrets += [password, token]
    return RenderedRequest(webhook.method, render_template(webhook.url, context, url=True), headers, body, secrets)


@dataclass
class AttemptOutcome:
    success: bool
    retryable: bool
    status_code: int | None
    request_log: str
    response_log: str
    error: str | None
    duration_ms: int


def webhook_attempt(webhook: Webhook, context: dict[str, str]) -> AttemptOutcome:
    """Send one rendered webhook request through the outbound seam; never raises."""
    rendered = webhook_request_render(webhook, context)
    policy = http.OutboundPolicy.from_settings()
    started = time.monotonic()
    try:
        response = http.request(
            rendered.method,
            rendered.url,
            headers=rendered.headers,
            content=rendered.body,
            policy=policy,
            secrets=rendered.secrets,
        )
    except http.OutboundRefused as exc:
        return AttemptOutcome(False, False, None, exc.request_log, "", str(exc), _ms(started))
    except http.OutboundUnavailable as exc:
        return AttemptOutcome(False, True, None, exc.request_log, "", str(exc), _ms(started))
    success = 200 <= response.status < 300
    return AttemptOutcome(
        success,
        not success,
        response.status,
        response.request_log,
        response.response_log,
        None if success else f"HTTP {response.status}",
        response.elapsed_ms,
    )


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _claim(triggered_webhook_id: int) -> bool:
    now = timezone.now()
    return bool(
        TriggeredWebhook.objects.filter(
            id=triggered_webhook_id, status__in=[Status.NOT_RUN, Status.RETRYING], next_attempt_at__lte=now
        ).update(next_attempt_at=now + timedelta(seconds=LEASE_SECONDS), updated_at=now)
    )


def webhook_deliver(*, triggered_webhook_id: int) -> str:
    """Make the next delivery attempt of a triggered webhook; returns what happened."""
    if not _claim(triggered_webhook_id):
        return "not due (already delivered, finished, or claimed by another worker)"
    triggered = TriggeredWebhook.objects.select_related("webhook").get(id=triggered_webhook_id)
    webhook = triggered.webhook
    if webhook is None:
        # Deleted since the event: nothing to send, nothing to retry.
        TriggeredWebhook.objects.filter(id=triggered.id).update(next_attempt_at=None, updated_at=timezone.now())
        return "webhook deleted: no-op"
    outcome = webhook_attempt(webhook, triggered.context)
    attempt = triggered.attempts_made + 1
    schedule = settings.ACCORD_WEBHOOK_RETRY_SCHEDULE
    if outcome.success:
        status, next_at = Status.SUCCESS, None
    elif outcome.retryable and attempt <= len(schedule):
        status, next_at = Status.RETRYING, timezone.now() + timedelta(seconds=schedule[attempt - 1])
    else:
        status, next_at = Status.FAILURE, None
    with transaction.atomic():
        WebhookExecution.objects.create(
            triggered_webhook=triggered,
            attempt=attempt,
            success=outcome.success,
            status_code=outcome.status_code,
            request_log=outcome.request_log,
            response_log=outcome.response_log,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        TriggeredWebhook.objects.filter(id=triggered.id).update(
            status=status, attempts_made=attempt, next_attempt_at=next_at, updated_at=timezone.now()
        )
    if next_at is not None:
        deliveries_enqueue([triggered.id], eta=next_at)
    logger.info("webhook %s (%s) attempt %s: %s", webhook.uuid, triggered.event_name, attempt, status)
    return status


def deliveries_enqueue(ids: list[int], eta=None) -> None:
    """Queue delivery tasks now (after the caller's commit, when inside a transaction)."""
    from verifier.tasks import webhook_deliver_task

    def send() -> None:
        for triggered_id in ids:
            webhook_deliver_task.apply_async(args=[triggered_id], eta=eta)

    # robust: a broker outage must not fail the request whose rows already committed; the
    # sweeper re-sends what was due.
    transaction.on_commit(send, robust=True)


def deliveries_sweep(*, limit: int = 500) -> int:
    """Re-queue deliveries that are due (lost messages, crashed workers, broker restarts)."""
    due = list(
        TriggeredWebhook.objects.filter(
            status__in=[Status.NOT_RUN, Status.RETRYING], next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    deliveries_enqueue(due)
    return len(due)
