"""Verification results: a provider version's verdict on a piece of contract content."""

from __future__ import annotations

from django.db import models

from contracts.models.contract import Contract
from contracts.models.pacticipant import Pacticipant
from contracts.models.version import Version


class Verification(models.Model):
    """One published verification result; its number is its id (one global sequence).

    Attached to content + provider version, not to a consumer version, so one result
    counts for every consumer version that published the same content.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="verifications")
    provider_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="verifications")
    # Indexed with the provider and the id after it (Meta.indexes), which serves the key too.
    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+", db_index=False)
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    success = models.BooleanField()
    build_url = models.CharField(max_length=2048, null=True, blank=True)
    test_results = models.JSONField(null=True, blank=True)
    verified_by = models.JSONField(null=True, blank=True)
    # From the pact URL's metadata: was this a WIP or pending pact for the verifier?
    wip = models.BooleanField(default=False)
    pending = models.BooleanField(null=True, blank=True)
    consumer_version_selectors = models.JSONField(default=list, blank=True)
    # Provider version tags at publication time (tag-based pending/WIP rules read them).
    provider_version_tags = models.JSONField(default=list, blank=True)
    execution_date = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Latest verification per (content, provider version): the matrix's main probe.
            models.Index(fields=["contract", "provider_version", "-id"], name="verification_latest_idx"),
            # The newest result of a content, and of a pair (a pact's latest verification, the
            # integration summary). With only the foreign keys' own indexes, `ORDER BY id DESC
            # LIMIT 1` was planned as a walk back along the primary key filtering on the
            # content: for a content nobody has verified yet, every result in the table.
            models.Index(fields=["contract", "-id"], name="verification_newest_idx"),
            models.Index(fields=["consumer", "provider", "-id"], name="verification_pair_newest_idx"),
            # Pending/WIP: successful results for a provider's versions (#902).
            models.Index(
                fields=["provider", "provider_version", "success", "wip", "contract"],
                name="verification_provider_idx",
            ),
        ]

    @property
    def number(self) -> int:
        return self.id
