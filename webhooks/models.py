"""Webhooks: definitions, and the outbox of deliveries they owe with every attempt made.

The tables kept their shape when this app took them over from contracts/ and verifier/
(migrations 0001: renamed, not re-created), so no definition or delivery was lost.
"""

from __future__ import annotations

import re
import uuid

from django.db import models
from django.db.models.functions import Lower

from contracts.models import Pacticipant
from contracts.models.secrets import EncryptedJSONField, EncryptedTextField

EVENT_NAMES = (
    "contract_published",
    "contract_content_changed",
    "contract_requiring_verification_published",
    "provider_verification_published",
    "provider_verification_succeeded",
    "provider_verification_failed",
    # Accord's own: server-side verification runs (verifier app).
    "verification_run_succeeded",
    "verification_run_failed",
    # Accord's own: drift monitoring of deployed providers (drift app).
    "drift_detected",
    "drift_resolved",
    "live_target_unreachable",
)
DRIFT_EVENT_NAMES = ("drift_detected", "drift_resolved", "live_target_unreachable")
# A secret's name, as `${user.NAME}` refers to it: PactFlow's "alphanumeric, no spaces",
# plus underscores; a letter first, so it reads as an identifier.
SECRET_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,99}$"
SECRET_NAME = re.compile(SECRET_NAME_PATTERN)


class Webhook(models.Model):
    """An HTTP request to make when matching events happen."""

    uuid = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=1024, null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # Scope: null means any. A name scope and a label scope exclude each other.
    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    consumer_label = models.CharField(max_length=255, null=True, blank=True)
    provider_label = models.CharField(max_length=255, null=True, blank=True)
    events = models.JSONField(default=list)
    method = models.CharField(max_length=16)
    url = models.TextField()
    # Encrypted at rest: header values and the password are credentials.
    headers = EncryptedJSONField(default=dict, blank=True)
    # A JSON body is kept as JSON text (body_is_json) so templates can be rendered in it.
    body = models.TextField(null=True, blank=True)
    body_is_json = models.BooleanField(default=False)
    username = models.CharField(max_length=255, null=True, blank=True)
    password = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consumer__isnull=True) | models.Q(consumer_label__isnull=True),
                name="webhook_consumer_name_xor_label",
            ),
            models.CheckConstraint(
                condition=models.Q(provider__isnull=True) | models.Q(provider_label__isnull=True),
                name="webhook_provider_name_xor_label",
            ),
            models.CheckConstraint(
                condition=models.Q(uuid__regex=r"^[A-Za-z0-9_-]{16,64}$"), name="webhook_uuid_format"
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.uuid


class TriggeredWebhook(models.Model):
    """One event's claim on one webhook: the durable unit of delivery.

    Written in the same transaction as the event (an outbox), so an event is never lost
    between the database and the queue. A worker delivering it holds a lease (claim
    token + expiry, verifier/leases.py); a lease that lapses makes it claimable again.
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
    # The lease of the worker delivering it (verifier.leases).
    claim = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The fact the delivery is owed for, when it has a stable identity (a drift transition's
    # key): one delivery per webhook and source, however often the event is raised.
    source_key = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "webhook_uuid"],
                condition=models.Q(source_key__isnull=False),
                name="triggered_webhook_once_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["not_run", "retrying", "success", "failure"]),
                name="triggered_webhook_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(claim__isnull=True) | models.Q(lease_expires_at__isnull=False),
                name="triggered_webhook_claim_has_lease",
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


class WebhookSecret(models.Model):
    """A value webhooks refer to as `${user.NAME}`: filled in only when a request is sent.

    The value is encrypted at rest and never leaves Accord but in the requests that use
    it: no response, page or log shows it (the outbound seam and the execution logs
    redact it). Names are unique whatever their case, so `Token` and `token` cannot both
    exist; a reference must spell the name exactly.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=1024, null=True, blank=True)
    value = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="webhook_secret_name_unique_any_case"),
            models.CheckConstraint(
                condition=models.Q(name__regex=SECRET_NAME_PATTERN), name="webhook_secret_name_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name
