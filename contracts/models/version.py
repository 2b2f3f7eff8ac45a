"""Versions of pacticipants, the branches they are on, and their tags.

A version's order is its id: ids come from one sequence in creation order, which is
the Pact Broker's default meaning of "latest" (order_versions_by_date).
"""

from __future__ import annotations

from django.db import models

from contracts.models.pacticipant import Pacticipant


class Version(models.Model):
    """One version (usually a git SHA) of a pacticipant."""

    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="versions")
    number = models.CharField(max_length=255)
    build_url = models.CharField(max_length=2048, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pacticipant", "number"], name="version_unique_number"),
            models.CheckConstraint(condition=models.Q(number__regex=r"^\S(.*\S)?$"), name="version_number_trimmed"),
        ]
        indexes = [models.Index(fields=["pacticipant", "-id"], name="version_latest_idx")]

    def __str__(self) -> str:
        return f"{self.pacticipant_id}@{self.number}"

    @property
    def order(self) -> int:
        return self.id


class Branch(models.Model):
    """A named line of development; its head is the version most recently added to it."""

    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(max_length=255)
    # Denormalised head (the Pact Broker's branch_heads), kept in the same transaction as
    # branch-version writes: "latest from branch" selectors read it with one index probe.
    head = models.ForeignKey("BranchVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pacticipant", "name"], name="branch_unique_name"),
            models.CheckConstraint(condition=models.Q(name__regex=r"\S"), name="branch_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class BranchVersion(models.Model):
    """Membership of a version in a branch; a version can be on several branches."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="branch_versions")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="branch_versions")
    # Denormalised for the selector and matrix queries.
    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    branch_name = models.CharField(max_length=255)
    auto_created = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "version"], name="branch_version_unique"),
        ]
        indexes = [
            # The index the Pact Broker learned it needed (#872: 13 s -> 6.5 ms).
            models.Index(fields=["version", "branch_name"], name="branch_version_version_idx"),
            models.Index(fields=["branch", "-id"], name="branch_version_recent_idx"),
            models.Index(fields=["pacticipant", "branch_name"], name="branch_version_name_idx"),
        ]


class Tag(models.Model):
    """A tag on a version (the pre-branch way to mark environments and branches)."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=255)
    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="tag_unique_per_version"),
            models.CheckConstraint(condition=models.Q(name__regex=r"\S"), name="tag_name_not_blank"),
        ]
        indexes = [
            # "Head tag": the newest version of a pacticipant with a given tag.
            models.Index(fields=["pacticipant", "name", "-version"], name="tag_head_idx"),
        ]

    def __str__(self) -> str:
        return self.name
