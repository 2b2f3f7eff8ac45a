"""Environments and what is deployed or released into them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Coalesce

from contracts.models.pacticipant import Pacticipant
from contracts.models.version import Version


class Environment(models.Model):
    """A place versions are deployed to or released into (test, production, ...)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)
    display_name = models.CharField(max_length=255, null=True, blank=True)
    production = models.BooleanField()
    contacts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(name__regex=r"^\S+$"), name="environment_name_no_spaces"),
        ]

    def __str__(self) -> str:
        return self.name


class DeployedVersion(models.Model):
    """A deployment of a version to an environment (and application instance).

    At most one deployment per (pacticipant, environment, application instance) is
    current; recording a new one ends the previous one in the same transaction.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="deployments")
    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="deployments")
    # The "application instance" (formerly "target"); null means the only instance.
    target = models.CharField(max_length=255, null=True, blank=True)
    undeployed_at = models.DateTimeField(null=True, blank=True)
    auto_created = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "pacticipant",
                "environment",
                Coalesce("target", models.Value("")),
                condition=models.Q(undeployed_at__isnull=True),
                name="one_current_deployment_per_instance",
            ),
        ]
        indexes = [
            models.Index(
                fields=["environment", "pacticipant", "version"],
                condition=models.Q(undeployed_at__isnull=True),
                name="deployed_current_idx",
            ),
            models.Index(fields=["version", "environment"], name="deployed_version_idx"),
        ]

    @property
    def currently_deployed(self) -> bool:
        return self.undeployed_at is None


class ReleasedVersion(models.Model):
    """A release of a version into an environment; many can be supported at once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="releases")
    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="releases")
    support_ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "environment"], name="one_release_per_environment"),
        ]
        indexes = [
            models.Index(
                fields=["environment", "pacticipant", "version"],
                condition=models.Q(support_ended_at__isnull=True),
                name="released_supported_idx",
            ),
        ]

    @property
    def currently_supported(self) -> bool:
        return self.support_ended_at is None
