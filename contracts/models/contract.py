"""Contract content, its publications by consumer versions, and integrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from contracts.models.pacticipant import Pacticipant
from contracts.models.version import Version

if TYPE_CHECKING:
    from contracts.models.verification import Verification


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


class VerificationStatus(models.TextChoices):
    """Where an integration stands, judged from its latest pact and the verification shown for it.

    The one place these are defined (the UI's badges and filters read them from here):

    - verified: the latest verification of the latest pact's content succeeded;
    - failed: it failed, and the pact was not pending for the provider (the failure broke
      the provider's build);
    - pending: it failed while the pact was pending for the provider, so the failure did
      not break the provider's build (the verifier reported `pending: true`);
    - stale: no provider version has verified the latest pact's content, but an older
      pact of the pair was verified: the latest verification is of an older pact version;
    - unverified: no verification of any pact of the pair exists.
    """

    VERIFIED = "verified"
    FAILED = "failed"
    PENDING = "pending"
    STALE = "stale"
    UNVERIFIED = "unverified"

    @classmethod
    def of(cls, latest_contract_id: int | None, verification: Verification | None) -> VerificationStatus:
        """The status for the latest pact's content and the verification summarised with it
        (the newest of that content when there is one, else the newest of the pair)."""
        if latest_contract_id is None or verification is None:
            return cls.UNVERIFIED
        if verification.contract_id != latest_contract_id:
            return cls.STALE
        if verification.success:
            return cls.VERIFIED
        return cls.PENDING if verification.pending else cls.FAILED


class Integration(models.Model):
    """A consumer/provider pair that has exchanged at least one contract.

    It also carries the pair's summary (latest pact, the verification shown with it, the
    status), kept current in the same transaction by every service that publishes,
    verifies or deletes (contracts.services.integration_summaries), so that lists of
    integrations read one row per pair instead of computing it from all publications.
    """

    consumer = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    contract_data_updated_at = models.DateTimeField(auto_now_add=True)
    # The summary. Raw SQL inserts (contracts.benchdata) rely on the database defaults.
    latest_publication = models.ForeignKey(
        "ContractPublication", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    latest_publication_at = models.DateTimeField(null=True, blank=True)
    latest_consumer_version_number = models.CharField(max_length=255, null=True, blank=True)
    latest_verification = models.ForeignKey(
        "Verification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    latest_verification_at = models.DateTimeField(null=True, blank=True)
    latest_verification_success = models.BooleanField(null=True, blank=True)
    latest_provider_version_number = models.CharField(max_length=255, null=True, blank=True)
    verification_status = models.CharField(
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        db_default=VerificationStatus.UNVERIFIED,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "provider"], name="integration_unique_pair"),
        ]
        indexes = [
            models.Index(fields=["provider", "consumer"], name="integration_provider_idx"),
            # The home page's sorts (keyset pagination walks these).
            models.Index(fields=["-latest_publication_at", "-id"], name="integration_latest_pact_idx"),
            models.Index(fields=["-latest_verification_at", "-id"], name="integration_last_verified_idx"),
        ]
