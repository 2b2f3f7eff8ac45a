"""Retention of webhook deliveries: what triggered webhooks and their executions keep.

The Pact Broker's clean deletes old webhook executions but the latest for each pair and
event; here a finished delivery (succeeded, or failed for good) goes, with its attempts,
once it is older than ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS, except the newest of each
webhook for each consumer/provider pair, which the webhook status resource shows. Deliveries
still due (not run yet, retrying) stay whatever their age.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contracts import access
from webhooks.models import TriggeredWebhook

FINISHED = (TriggeredWebhook.Status.SUCCESS, TriggeredWebhook.Status.FAILURE)


def deliveries_prune(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Delete finished webhook deliveries (with their executions) older than the retention
    period, a batch per transaction; returns how many went."""
    days = settings.ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    table = TriggeredWebhook._meta.db_table
    deleted, after = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Oldest first along the primary key, from where the last batch stopped; a row a
            # worker holds (SKIP LOCKED) waits for the next run.
            cursor.execute(
                f"""SELECT t.id FROM {table} t
                    WHERE t.id > %s AND t.status = ANY(%s) AND t.updated_at < %s
                      AND EXISTS (SELECT 1 FROM {table} newer
                                  WHERE newer.webhook_uuid = t.webhook_uuid
                                    AND newer.consumer_id IS NOT DISTINCT FROM t.consumer_id
                                    AND newer.provider_id IS NOT DISTINCT FROM t.provider_id
                                    AND newer.id > t.id)
                    ORDER BY t.id LIMIT %s
                    FOR UPDATE OF t SKIP LOCKED""",
                [after, [str(status) for status in FINISHED], cutoff, batch_size],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return deleted
            access.write(
                "webhook_deliveries.prune",
                f"{len(ids)} webhook deliveries finished more than {days} days ago",
                admin=True,
                details={"deliveries": len(ids), "retentionDays": days},
            )
            # Their executions go with them (CASCADE).
            TriggeredWebhook.objects.filter(id__in=ids).delete()
        deleted += len(ids)
        after = ids[-1]
