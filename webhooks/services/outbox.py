"""The outbox: the deliveries an event owes, recorded in the event's own transaction.

`webhooks_trigger` writes one TriggeredWebhook per matching webhook inside the
transaction that records the fact (a publication, a verification), so the fact and the
deliveries it owes commit, or roll back, together. Workers deliver the rows later
(webhooks.services.delivery); the sweeper re-queues any that a lost message left behind.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contracts.models import Pacticipant
from verifier.queue import send_after_commit
from webhooks.models import TriggeredWebhook
from webhooks.selectors import webhooks_matching

DELIVER_TASK = "verifier.webhook_deliver"  # the task's name predates the webhooks app; kept for queued messages


def webhooks_trigger(
    *,
    event_name: str,
    consumer: Pacticipant | None,
    provider: Pacticipant,
    context: dict,
    source_key: str | None = None,
) -> list[TriggeredWebhook]:
    """Record a delivery for every webhook matching the event, in the caller's transaction.

    `consumer` None: an event about a provider alone (a live target), which only webhooks
    not scoped to a consumer match. `source_key` names the fact the deliveries are owed
    for when it has a stable identity (a drift transition): a webhook already holding a
    delivery for that key gets no second one, and a unique constraint backs that up.
    """
    # Outside a transaction the event could commit while its deliveries are lost (or the
    # reverse); refuse rather than silently break the outbox guarantee.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("webhooks_trigger must run inside the transaction that records the event")
    webhooks = list(webhooks_matching(event_name=event_name, consumer=consumer, provider=provider))
    if webhooks and source_key is not None:
        owed = set(TriggeredWebhook.objects.filter(source_key=source_key).values_list("webhook_uuid", flat=True))
        webhooks = [webhook for webhook in webhooks if webhook.uuid not in owed]
    if not webhooks:
        return []
    now = timezone.now()
    created = TriggeredWebhook.objects.bulk_create(
        [
            TriggeredWebhook(
                webhook=webhook,
                webhook_uuid=webhook.uuid,
                event_name=event_name,
                status=TriggeredWebhook.Status.NOT_RUN,
                context=dict(context),
                consumer=consumer,
                provider=provider,
                next_attempt_at=now,
                source_key=source_key,
            )
            for webhook in webhooks
        ]
    )
    for triggered in created:
        triggered.webhook = next(w for w in webhooks if w.id == triggered.webhook_id)
    deliveries_enqueue([triggered.id for triggered in created])
    return created


def deliveries_enqueue(ids: list[int], eta=None) -> None:
    """Queue delivery attempts (after the caller's commit, when inside a transaction)."""
    send_after_commit(DELIVER_TASK, ids, eta=eta)
