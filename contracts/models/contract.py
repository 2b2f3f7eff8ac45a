"""Contract content, its publications by consumer versions, and integrations."""

from __future__ import annotations

from django.db import models

from contracts.models.pacticipant import Pacticipant
from contracts.models.version import Version


class Contract(models.Model):
    """Immutable contract content (the Pact Broker's "pact version"), stored once.

    Identity is the SHA-1 of the canonical form of what affects verification, so the same
    interactions published by many consumer versions share one row, and a verification
    of this content counts for all of them.
    """

    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    sha = models.CharField(max_length=40)
    # The document as served (parsed, interaction `_id`s added), and the bytes as received.
    document = models.TextField()
    raw = models.TextField()
    specification_version = models.CharField(max_length=16)
    interactions_count = models.PositiveIntegerField(default=0)
    messages_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "provider", "sha"], name="contract_unique_content"),
            models.CheckConstraint(condition=models.Q(sha__regex=r"^[0-9a-f]{40}$"), name="contract_sha_hex"),
        ]
        indexes = [models.Index(fields=["sha"], name="contract_sha_idx")]

    def __str__(self) -> str:
        return self.sha


class ContractPublication(models.Model):
    """ "Consumer version V published content X for provider P" (one revision of it).

    Republishing changed content (when allowed: merge) adds a revision; only the current
    revision (is_current) counts outside history views.
    """

    consumer_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="publications")
    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="publications")
    revision = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consumer_version", "provider", "revision"], name="publication_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["consumer_version", "provider"],
                condition=models.Q(is_current=True),
                name="publication_one_current_revision",
            ),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="publication_revision_positive"),
        ]
        indexes = [
            # Latest pact per consumer for a provider; pacts for a consumer version.
            models.Index(
                fields=["provider", "consumer", "-consumer_version"],
                condition=models.Q(is_current=True),
                name="publication_latest_idx",
            ),
            models.Index(fields=["contract", "-consumer_version"], name="publication_contract_idx"),
            # WIP candidates: recent publications for a provider (#902).
            models.Index(fields=["provider", "created_at"], name="publication_recent_idx"),
        ]


class Integration(models.Model):
    """A consumer/provider pair that has exchanged at least one contract."""

    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    contract_data_updated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "provider"], name="integration_unique_pair"),
        ]
        indexes = [models.Index(fields=["provider", "consumer"], name="integration_provider_idx")]
