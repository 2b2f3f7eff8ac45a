"""Verification runs of provider builds, their targets and their per-interaction outcomes."""

from __future__ import annotations

import uuid

from django.db import models

from contracts.models import Pacticipant
from contracts.models.secrets import EncryptedJSONField


class VerificationTarget(models.Model):
    """Where a provider build can be verified, so events can start runs on their own.

    `base_url` and `state_change_url` are templates: `${providerVersion}` (and
    `${providerVersionBranch}`) are filled in per run, e.g.
    https://api-${providerVersion}.review.example.com.
    """

    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="verification_targets")
    name = models.CharField(max_length=255, default="default")
    base_url = models.CharField(max_length=2048)
    state_change_url = models.CharField(max_length=2048, null=True, blank=True)
    headers = EncryptedJSONField(default=dict, blank=True)  # credentials: encrypted at rest
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "name"], name="verification_target_unique_name")]


class VerificationRun(models.Model):
    """A server-side verification of a provider build: Accord's worker does what provider CI does.

    Lifecycle: queued -> running -> succeeded | failed | error. A worker claims a queued run
    with a conditional update and holds a lease it renews while working; a run whose lease
    expires (the worker died) is re-queued or, after its attempts, ends in error. Never in
    success: results are written in one transaction at the end, only by the lease holder.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        ERROR = "error"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="verification_runs")
    provider_version_number = models.CharField(max_length=255)
    provider_version_branch = models.CharField(max_length=255, null=True, blank=True)
    provider_version_tags = models.JSONField(default=list, blank=True)
    base_url = models.CharField(max_length=2048)
    state_change_url = models.CharField(max_length=2048, null=True, blank=True)
    # Sent to the provider on every request; values are redacted in logs and responses.
    headers = EncryptedJSONField(default=dict, blank=True)  # credentials: encrypted at rest
    consumer_version_selectors = models.JSONField(default=list, blank=True)
    include_pending_status = models.BooleanField(default=True)
    include_wip_pacts_since = models.DateField(null=True, blank=True)
    # When set (event-started runs), exactly these contents are verified instead of selectors.
    contract_ids = models.JSONField(null=True, blank=True)
    target = models.ForeignKey(
        VerificationTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    trigger = models.CharField(max_length=64, default="api")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # Claim token: a stale worker whose lease was taken over cannot write results.
    claim = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    log = models.TextField(default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed", "error"]),
                name="verification_run_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="running") | models.Q(claim__isnull=False, lease_expires_at__isnull=False),
                name="verification_run_running_has_lease",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-id"], name="verification_run_provider_idx"),
            models.Index(
                fields=["lease_expires_at"], condition=models.Q(status="running"), name="verification_run_lease_idx"
            ),
            models.Index(
                fields=["provider"], condition=models.Q(status="running"), name="verification_run_running_idx"
            ),
        ]


class VerificationRunPact(models.Model):
    """One pact verified in a run, with the verification result it recorded."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="pacts")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    short_description = models.CharField(max_length=1024, default="", blank=True)
    pending = models.BooleanField(default=False)
    wip = models.BooleanField(default=False)
    success = models.BooleanField()
    verification = models.ForeignKey(
        "contracts.Verification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "contract"], name="verification_run_pact_unique")]


class InteractionResult(models.Model):
    """The outcome of replaying one interaction of a pact against the provider."""

    run_pact = models.ForeignKey(VerificationRunPact, on_delete=models.CASCADE, related_name="interactions")
    interaction_id = models.CharField(max_length=64, null=True, blank=True)
    description = models.TextField()
    success = models.BooleanField()
    pending = models.BooleanField(default=False)
    mismatches = models.JSONField(default=list, blank=True)
