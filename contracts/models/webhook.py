"""Webhook definitions (delivery lives in verifier: TriggeredWebhook, WebhookExecution)."""

from __future__ import annotations

from django.db import models

from contracts.models.pacticipant import Pacticipant

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
)


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
    headers = models.JSONField(default=dict, blank=True)
    # A JSON body is kept as JSON text (body_is_json) so templates can be rendered in it.
    body = models.TextField(null=True, blank=True)
    body_is_json = models.BooleanField(default=False)
    username = models.CharField(max_length=255, null=True, blank=True)
    password = models.CharField(max_length=1024, null=True, blank=True)
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
