"""Reads for the webhooks pages: a keyset page of definitions with their last delivery,
one definition with its recent deliveries, one delivery with its attempts, and secrets
(never their values).

Every read is bounded: a page of definitions and its last deliveries are two queries
whatever the number of webhooks or deliveries; lists of deliveries and attempts are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.exceptions import NotFound
from webhooks.models import EVENT_NAMES as EVENT_NAMES  # every event the API accepts: the form offers each
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution, WebhookSecret
from webhooks.rendering import secret_names
from webhooks.selectors import secret_get, secret_names_missing, secrets_list, triggered_webhook_get, webhook_get

PAGE_SIZE = 50
DELIVERIES_LISTED = 20
ATTEMPTS_LISTED = 50
CURSOR = re.compile(r"^[0-9]{1,18}$")


class BadCursor(ValueError):
    """An `after` that Accord did not write."""


@dataclass(frozen=True)
class WebhookRow:
    webhook: Webhook
    last: TriggeredWebhook | None


@dataclass(frozen=True)
class WebhookPage:
    rows: list[WebhookRow]
    next_cursor: str


def webhook_page(*, after: str = "") -> WebhookPage:
    """Up to PAGE_SIZE webhooks in creation order after the cursor (a webhook's id), each
    with its newest delivery: one query for the page and one for the deliveries."""
    if after and not CURSOR.match(after):
        raise BadCursor(after)
    webhooks = Webhook.objects.select_related("consumer", "provider").order_by("id")
    if after:
        webhooks = webhooks.filter(id__gt=int(after))
    found = list(webhooks[: PAGE_SIZE + 1])
    shown = found[:PAGE_SIZE]
    last = {
        triggered.webhook_id: triggered
        for triggered in TriggeredWebhook.objects.filter(webhook_id__in=[w.id for w in shown])
        .order_by("webhook_id", "-id")
        .distinct("webhook_id")
    }
    rows = [WebhookRow(webhook, last.get(webhook.id)) for webhook in shown]
    return WebhookPage(rows, str(shown[-1].id) if len(found) > PAGE_SIZE else "")


def webhook_for(uuid: str) -> Webhook:
    """The webhook with this uuid (its scope's pacticipants joined), or NotFound."""
    return webhook_get(uuid=uuid)


def recent_deliveries(webhook: Webhook) -> list[TriggeredWebhook]:
    """The webhook's newest deliveries, newest first (DELIVERIES_LISTED at most)."""
    return list(TriggeredWebhook.objects.filter(webhook=webhook).order_by("-id")[:DELIVERIES_LISTED])


def delivery_for(*, webhook_uuid: str, uuid: str) -> TriggeredWebhook:
    """A delivery of this webhook by its uuid, or NotFound (also when it belongs to another)."""
    triggered = triggered_webhook_get(uuid=uuid)
    if triggered.webhook_uuid != webhook_uuid:
        raise NotFound(f"Webhook {webhook_uuid} has no delivery {uuid}")
    return triggered


def delivery_attempts(triggered: TriggeredWebhook) -> list[WebhookExecution]:
    """A delivery's attempts, first to last, with their stored (redacted) logs."""
    return list(WebhookExecution.objects.filter(triggered_webhook=triggered).order_by("attempt")[:ATTEMPTS_LISTED])


def secrets_listed() -> list[WebhookSecret]:
    """Every secret by name, values not loaded (one query)."""
    return list(secrets_list())


def secret_for(uuid: str) -> WebhookSecret:
    """A secret by uuid, its value not loaded, or NotFound."""
    return secret_get(uuid=uuid)


def missing_secrets(webhook: Webhook) -> list[str]:
    """The names of the secrets the webhook refers to that do not exist (no query when it
    refers to none)."""
    return secret_names_missing(names=secret_names(webhook))
