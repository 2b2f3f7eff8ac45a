"""Drift monitoring: live targets, live runs and their outcomes, drift incidents.

Monitoring, not verification: nothing here is a verification result, and nothing here
is read by the matrix or can-i-deploy (which only carry a warning notice, through the
advisory registry contracts/ owns).
"""

from __future__ import annotations

import uuid

from django.db import models

from contracts.models import Contract, Environment, Pacticipant, Version
from contracts.models.secrets import EncryptedJSONField

DEFAULT_METHODS = ("GET", "HEAD", "OPTIONS")


def default_methods() -> list[str]:
    return list(DEFAULT_METHODS)


class LiveTarget(models.Model):
    """Where a provider runs in an environment, and how (and how often) to check it live.

    `headers` and `auth` hold credentials: encrypted at rest, redacted wherever shown.
    `auth` is {"type": "none" | "basic" | "bearer" | "oauth2", ...} with an optional
    "consumers": {name: {same shape}} for credentials that differ per consumer.

    `next_run_at` is the next scheduled slot (null while disabled or paused); beat's tick
    takes the due targets through a partial index on it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="live_targets")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="live_targets")
    base_url = models.CharField(max_length=2048)
    headers = EncryptedJSONField(default=dict, blank=True)
    auth = EncryptedJSONField(default=dict, blank=True)
    schedule = models.CharField(max_length=255, default="15m")
    rate_limit_per_second = models.FloatField(default=5.0)
    methods = models.JSONField(default=default_methods)
    standing_states = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    paused = models.BooleanField(default=False)
    # A maintenance window: no runs and no incidents between these two times.
    maintenance_from = models.DateTimeField(null=True, blank=True)
    maintenance_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # Back-off while unreachable: consecutive unreachable runs and when the outage began.
    unreachable_runs = models.PositiveIntegerField(default=0)
    unreachable_since = models.DateTimeField(null=True, blank=True)
    backoff_until = models.DateTimeField(null=True, blank=True)
    # Every request answered 401/403 on the last run: the target's credentials, not drift.
    auth_problem = models.TextField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "environment"], name="live_target_one_per_environment"),
            models.CheckConstraint(condition=models.Q(rate_limit_per_second__gt=0), name="live_target_rate_positive"),
        ]
        indexes = [
            models.Index(
                fields=["next_run_at"],
                condition=models.Q(enabled=True, paused=False, next_run_at__isnull=False),
                name="live_target_due_idx",
            ),
            models.Index(fields=["environment", "provider"], name="live_target_env_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}@{self.environment_id}"


class LiveRun(models.Model):
    """One live check of a target: replays what is deployed there, records outcomes.

    Lifecycle: queued -> running -> passed | drifted | unreachable | error | cancelled.
    Claimed, leased and reaped with verifier/leases.py, like verification runs; outcomes
    and incident changes are written in one transaction by the lease holder only.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        PASSED = "passed"
        DRIFTED = "drifted"
        UNREACHABLE = "unreachable"
        ERROR = "error"
        CANCELLED = "cancelled"  # paused or in a maintenance window when it was due to run

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        DEPLOYMENT = "deployment"
        RELEASE = "release"
        API = "api"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.ForeignKey(LiveTarget, on_delete=models.CASCADE, related_name="runs")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    trigger_detail = models.CharField(max_length=1024, default="", blank=True)
    # The schedule slot a scheduled run is for: one run per target per slot.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # The provider version deployed (or released) in the environment when the run ran.
    provider_version = models.ForeignKey(Version, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    provider_version_number = models.CharField(max_length=255, null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claim = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    interactions_total = models.PositiveIntegerField(default=0)
    interactions_replayed = models.PositiveIntegerField(default=0)
    interactions_failed = models.PositiveIntegerField(default=0)
    interactions_skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(null=True, blank=True)
    log = models.TextField(default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "running", "passed", "drifted", "unreachable", "error", "cancelled"]
                ),
                name="live_run_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="running") | models.Q(claim__isnull=False, lease_expires_at__isnull=False),
                name="live_run_running_has_lease",
            ),
            models.UniqueConstraint(
                fields=["target", "scheduled_for"],
                condition=models.Q(scheduled_for__isnull=False),
                name="live_run_one_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "-id"], name="live_run_target_idx"),
            models.Index(fields=["lease_expires_at"], condition=models.Q(status="running"), name="live_run_lease_idx"),
            models.Index(
                fields=["status", "updated_at"], condition=models.Q(status="queued"), name="live_run_queued_idx"
            ),
            models.Index(fields=["finished_at"], name="live_run_finished_idx"),
        ]


class LiveOutcome(models.Model):
    """What happened to one interaction of one consumer version's pact in a live run."""

    class Status(models.TextChoices):
        PASSED = "passed"
        FAILED = "failed"
        SKIPPED = "skipped"
        UNREACHABLE = "unreachable"  # the request got no usable answer (refused, timeout, 5xx)
        UNAUTHORIZED = "unauthorized"  # 401/403 where the contract expects otherwise

    run = models.ForeignKey(LiveRun, on_delete=models.CASCADE, related_name="outcomes")
    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    consumer_version = models.ForeignKey(Version, on_delete=models.SET_NULL, null=True, related_name="+")
    consumer_version_number = models.CharField(max_length=255)
    contract = models.ForeignKey(Contract, on_delete=models.SET_NULL, null=True, related_name="+")
    # Identity of the interaction across consumer versions: its description and provider states.
    interaction_key = models.CharField(max_length=40)
    interaction_id = models.CharField(max_length=64, null=True, blank=True)
    description = models.TextField()
    provider_states = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=16, default="", blank=True)
    path = models.TextField(default="", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    skip_reason = models.TextField(null=True, blank=True)
    mismatches = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "consumer"], name="live_outcome_run_idx")]


class InteractionWatch(models.Model):
    """The anti-flap counters of one interaction in one environment (see docs/drift.md)."""

    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    interaction_key = models.CharField(max_length=40)
    description = models.TextField()
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_passes = models.PositiveIntegerField(default=0)
    ever_passed = models.BooleanField(default=False)
    last_run = models.ForeignKey(LiveRun, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "provider", "environment", "interaction_key"], name="interaction_watch_unique"
            )
        ]


class DriftIncident(models.Model):
    """An interaction whose live provider no longer does what the consumer's pact says."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(LiveTarget, on_delete=models.SET_NULL, null=True, related_name="incidents")
    interaction_key = models.CharField(max_length=40)
    description = models.TextField()
    provider_states = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=16, default="", blank=True)
    path = models.TextField(default="", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    # Runs are pruned after the retention period; the incident keeps what it needs.
    opened_by_run = models.ForeignKey(LiveRun, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_by_run_uuid = models.UUIDField()
    mismatches = models.JSONField(default=list, blank=True)
    consumer_version_number = models.CharField(max_length=255, default="", blank=True)
    provider_version_number = models.CharField(max_length=255, null=True, blank=True)
    # The deployment (or release) that preceded detection, and how long detection took.
    preceding_deployment_at = models.DateTimeField(null=True, blank=True)
    preceding_deployment = models.CharField(max_length=1024, default="", blank=True)
    detection_seconds = models.FloatField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=255, null=True, blank=True)
    acknowledgement_note = models.TextField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_run = models.ForeignKey(LiveRun, on_delete=models.SET_NULL, null=True, related_name="+")
    resolved_by_run_uuid = models.UUIDField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consumer", "provider", "environment", "interaction_key"],
                condition=~models.Q(status="resolved"),
                name="drift_incident_one_unresolved",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "acknowledged", "resolved"]), name="drift_incident_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "environment", "provider"], name="drift_incident_status_idx"),
            models.Index(fields=["provider", "environment", "-opened_at"], name="drift_incident_pair_idx"),
        ]


class DriftTransition(models.Model):
    """An immutable record of a state change: an incident's, or a target's reachability.

    Notifications (webhook events) are raised from these rows; `key` is unique, so a
    retried or duplicated run cannot record, or notify, the same change twice.
    """

    class Kind(models.TextChoices):
        INCIDENT = "incident"
        TARGET = "target"

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    incident = models.ForeignKey(DriftIncident, on_delete=models.CASCADE, null=True, related_name="transitions")
    # Kept when the target is deleted: an incident's timeline outlives it.
    target = models.ForeignKey(LiveTarget, on_delete=models.SET_NULL, null=True, related_name="transitions")
    old_state = models.CharField(max_length=32, null=True, blank=True)
    new_state = models.CharField(max_length=32)
    run = models.ForeignKey(LiveRun, on_delete=models.SET_NULL, null=True, related_name="+")
    run_uuid = models.UUIDField(null=True, blank=True)
    note = models.TextField(null=True, blank=True)
    actor = models.CharField(max_length=255, null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["incident", "at"], name="drift_transition_incident_idx")]
