"""Background work and its outcomes: webhook deliveries (and, later, verification runs)."""

from __future__ import annotations

import uuid

from django.db import models

from contracts.models import Pacticipant, Webhook


class TriggeredWebhook(models.Model):
    """One event's claim on one webhook: the durable unit of delivery.

    Written in the same transaction as the event (an outbox), so an event is never lost
    between the database and the queue; workers claim it by a conditional update.
    """

    class Status(models.TextChoices):
        NOT_RUN = "not_run"
        RETRYING = "retrying"
        SUCCESS = "success"
        FAILURE = "failure"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # SET_NULL: a webhook deleted before delivery turns its deliveries into no-ops.
    webhook = models.ForeignKey(Webhook, on_delete=models.SET_NULL, null=True, related_name="triggered")
    webhook_uuid = models.CharField(max_length=64)
    event_name = models.CharField(max_length=64)
    trigger_type = models.CharField(max_length=32, default="resource_creation")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_RUN)
    # The template parameters (${pactbroker.*}) as they were when the event happened.
    context = models.JSONField(default=dict)
    consumer = models.ForeignKey(Pacticipant, on_delete=models.SET_NULL, null=True, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.SET_NULL, null=True, related_name="+")
    attempts_made = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["not_run", "retrying", "success", "failure"]),
                name="triggered_webhook_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["not_run", "retrying"]),
                name="triggered_webhook_due_idx",
            ),
            models.Index(fields=["consumer", "provider", "-id"], name="triggered_webhook_pair_idx"),
        ]


class WebhookExecution(models.Model):
    """One attempt to deliver a triggered webhook, with redacted request and response."""

    triggered_webhook = models.ForeignKey(TriggeredWebhook, on_delete=models.CASCADE, related_name="executions")
    attempt = models.PositiveIntegerField()
    success = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    request_log = models.TextField(default="", blank=True)
    response_log = models.TextField(default="", blank=True)
    error = models.TextField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["triggered_webhook", "attempt"], name="webhook_execution_unique_attempt"),
        ]
