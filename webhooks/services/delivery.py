"""Webhook delivery: one triggered webhook, one attempt at a time, every attempt stored.

A worker claims a due delivery with a lease (verifier.leases) longer than an attempt can
last (connect + read timeouts), so no heartbeat is needed; it records the attempt and the
new status only while the lease is still its own. A duplicate task, or the sweeper
finding the row while a worker holds it, changes nothing. A worker that dies mid-attempt
leaves a lease that lapses, and the sweeper re-queues the row: at least once, never lost.

The secrets a webhook refers to (`${user.NAME}`) are decrypted for the attempt only and
redacted from everything stored or shown. A reference to a secret that does not exist
fails the attempt without sending anything, and is not retried (like a refused
destination, it is the definition that needs a change): create the secret, then test-fire.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contracts import access
from contracts.models import ContractPublication, Verification
from drift.services.credentials import secrets_of
from verifier import http
from verifier.leases import Lease, LeaseLost
from webhooks.models import DRIFT_EVENT_NAMES, TriggeredWebhook, Webhook, WebhookExecution
from webhooks.rendering import RenderedRequest, SecretsMissing, request_render, secret_names
from webhooks.selectors import (
    drift_template_context,
    latest_drift_transition_in_scope,
    latest_publication_in_scope,
    latest_verification_in_scope,
    secret_values,
    template_context,
)
from webhooks.services.definitions import webhook_in_words
from webhooks.services.outbox import deliveries_enqueue

logger = logging.getLogger("accord.webhooks")
Status = TriggeredWebhook.Status
# Longer than one attempt can take (connect + read timeouts + the overall deadline).
LEASE_SECONDS = 120
VERIFICATION_EVENTS = (
    "provider_verification_published",
    "provider_verification_succeeded",
    "provider_verification_failed",
)

lease = Lease(TriggeredWebhook, seconds=lambda: LEASE_SECONDS)


@dataclass
class AttemptOutcome:
    """One attempt's result; logs, headers and body are redacted and fit for storing."""

    success: bool
    retryable: bool
    status_code: int | None
    request_log: str
    response_log: str
    error: str | None
    duration_ms: int
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None


def webhook_attempt(rendered: RenderedRequest) -> AttemptOutcome:
    """Send one rendered webhook request through the outbound seam; never raises."""
    started = time.monotonic()
    try:
        response = http.request(
            rendered.method,
            rendered.url,
            headers=rendered.headers,
            content=rendered.body,
            policy=http.OutboundPolicy.from_settings(),
            secrets=rendered.secrets,
        )
    except http.OutboundRefused as exc:
        error = http.redact_text(str(exc), rendered.secrets)
        return AttemptOutcome(False, False, None, exc.request_log, "", error, _ms(started))
    except http.OutboundUnavailable as exc:
        error = http.redact_text(str(exc), rendered.secrets)
        return AttemptOutcome(False, True, None, exc.request_log, "", error, _ms(started))
    success = 200 <= response.status < 300
    # A receiver may echo what it got (a secret, too) in any header or in the body.
    headers = {name: http.redact_text(value, rendered.secrets) for name, value in response.headers.items()}
    return AttemptOutcome(
        success,
        not success,
        response.status,
        response.request_log,
        response.response_log,
        None if success else f"HTTP {response.status}",
        response.elapsed_ms,
        response_headers=http.redact_headers(headers),
        response_body=http.redact_text(response.body, rendered.secrets),
    )


def webhook_render(webhook: Webhook, context: Mapping[str, str]) -> tuple[RenderedRequest, AttemptOutcome | None]:
    """The webhook's request filled in with the context and the secrets it refers to, and,
    when it cannot be sent, the failed attempt that says why (a secret it refers to does not
    exist: nothing is sent, and the request keeps that reference as written)."""
    secrets = secret_values(names=secret_names(webhook))
    try:
        return request_render(webhook, context, secrets), None
    except SecretsMissing as missing:
        logger.warning("webhook %s not sent: no secret named %s", webhook.uuid, ", ".join(missing.names))
        rendered = request_render(webhook, context, secrets, partial=True)
        return rendered, AttemptOutcome(False, False, None, "", "", str(missing), 0)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _due(now) -> Q:
    return Q(status__in=[Status.NOT_RUN, Status.RETRYING], next_attempt_at__lte=now)


def _execution(triggered: TriggeredWebhook, attempt: int, outcome: AttemptOutcome) -> WebhookExecution:
    return WebhookExecution(
        triggered_webhook=triggered,
        attempt=attempt,
        success=outcome.success,
        status_code=outcome.status_code,
        request_log=outcome.request_log,
        response_log=outcome.response_log,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )


def webhook_deliver(*, triggered_webhook_id: int) -> str:
    """Make the next delivery attempt of a triggered webhook; returns what happened."""
    now = timezone.now()
    token = lease.claim(triggered_webhook_id, where=_due(now), updated_at=now)
    if token is None:
        return "not due (already delivered, finished, or claimed by another worker)"
    triggered = TriggeredWebhook.objects.select_related("webhook").get(id=triggered_webhook_id)
    webhook = triggered.webhook
    if webhook is None:
        # Deleted since the event: nothing to send, nothing to retry.
        lease.release(triggered.id, token, next_attempt_at=None, updated_at=timezone.now())
        return "webhook deleted: no-op"
    rendered, refused = webhook_render(webhook, triggered.context)
    outcome = refused or webhook_attempt(rendered)
    attempt = triggered.attempts_made + 1
    schedule = settings.ACCORD_WEBHOOK_RETRY_SCHEDULE
    if outcome.success:
        status, next_at = Status.SUCCESS, None
    elif outcome.retryable and attempt <= len(schedule):
        status, next_at = Status.RETRYING, timezone.now() + timedelta(seconds=schedule[attempt - 1])
    else:
        status, next_at = Status.FAILURE, None
    try:
        with transaction.atomic():
            lease.hold(triggered.id, token)
            _execution(triggered, attempt, outcome).save()
            lease.release(
                triggered.id,
                token,
                status=status,
                attempts_made=attempt,
                next_attempt_at=next_at,
                updated_at=timezone.now(),
            )
            if next_at is not None:
                deliveries_enqueue([triggered.id], eta=next_at)
    except LeaseLost:
        logger.warning(
            "webhook %s (%s): lease lost during attempt %s; not recorded", webhook.uuid, triggered.id, attempt
        )
        return "lease lost"
    logger.info("webhook %s (%s) attempt %s: %s", webhook.uuid, triggered.event_name, attempt, status)
    return status


def deliveries_sweep(*, limit: int = 500) -> int:
    """Re-queue deliveries that are due and not held (lost messages, dead workers, broker restarts)."""
    now = timezone.now()
    due = list(
        TriggeredWebhook.objects.filter(_due(now))
        .filter(Q(claim__isnull=True) | Q(lease_expires_at__lt=now))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    deliveries_enqueue(due)
    return len(due)


# ---------------------------------------------------------------- test executions


@dataclass
class TestExecution:
    """A webhook sent now, on demand: what was sent and what came back."""

    triggered: TriggeredWebhook
    rendered: RenderedRequest
    outcome: AttemptOutcome


def _test_context(webhook: Webhook, base_url: str) -> tuple[dict[str, str], ContractPublication | None]:
    """The values a test execution renders with: the latest verification in scope for a
    verification webhook, else the latest pact; `eventName` is "test" (the Pact Broker's)."""
    if webhook.events and all(event in DRIFT_EVENT_NAMES for event in webhook.events):
        transition = latest_drift_transition_in_scope(webhook)
        if transition is not None:
            return _drift_test_context(transition, base_url), None
    verification: Verification | None = None
    if any(event in VERIFICATION_EVENTS for event in webhook.events or ()):
        verification = latest_verification_in_scope(webhook)
    publication = None if verification else latest_publication_in_scope(webhook)
    context = template_context(event_name="test", base_url=base_url, publication=publication, verification=verification)
    if verification is not None:
        publication = publication or ContractPublication.objects.filter(contract_id=verification.contract_id).first()
    return context, publication


def _drift_test_context(transition, base_url: str) -> dict[str, str]:
    """A drift webhook's test renders with the latest transition it would have been sent."""
    return drift_context("test", base_url, transition, transition.run, transition.incident, transition.target)


def drift_context(event_name: str, base_url: str, transition, run, incident, target) -> dict[str, str]:
    """The `${pactbroker.*}` values of a drift transition. Its note is scrubbed of the live
    target's credentials once more: the runner already scrubs notes and errors, and this
    keeps a credential out of a webhook body even if one ever escaped that."""
    target = target or (incident.target if incident is not None else None)
    summary = http.redact_text(transition.note or "", secrets_of(target.auth, target.headers) if target else [])
    return drift_template_context(
        event_name=event_name, base_url=base_url, transition=transition, run=run, incident=incident,
        target=target, summary=summary,
    )  # fmt: skip


def webhook_execute(*, webhook: Webhook, base_url: str) -> TestExecution:
    """Send a webhook now with the latest matching data, and store it as a user-triggered delivery."""
    # Announced (and committed) before anything is sent: a refusal sends nothing, and a
    # request that went out is on the record even if storing its delivery then fails.
    with transaction.atomic():
        access.write("webhook.execute", webhook_in_words(webhook.uuid, webhook.description), admin=True)
    context, publication = _test_context(webhook, base_url)
    rendered, refused = webhook_render(webhook, context)
    outcome = refused or webhook_attempt(rendered)
    with transaction.atomic():
        triggered = TriggeredWebhook.objects.create(
            webhook=webhook,
            webhook_uuid=webhook.uuid,
            event_name="test",
            trigger_type="user",
            status=Status.SUCCESS if outcome.success else Status.FAILURE,
            context=context,
            consumer=publication.consumer if publication else webhook.consumer,
            provider=publication.provider if publication else webhook.provider,
            attempts_made=1,
        )
        _execution(triggered, 1, outcome).save()
    return TestExecution(triggered, rendered, outcome)
