"""Deployments and releases of versions into environments."""

from __future__ import annotations

from django.utils import timezone

from contracts import access, events
from contracts.exceptions import InvalidInput
from contracts.models import (
    DeployedVersion,
    Environment,
    Pacticipant,
    ReleasedVersion,
    Version,
)
from contracts.services.transactions import atomic_with_retry, get_or_insert


def _normalise_target(target: object) -> str | None:
    if target is None or target == "":
        return None
    if not isinstance(target, str):
        raise InvalidInput({"applicationInstance": ["must be a string"]})
    if "\n" in target or "\r" in target:
        raise InvalidInput({"applicationInstance": ["cannot contain a new line"]})
    if len(target) > 255:
        raise InvalidInput({"applicationInstance": ["is longer than 255 characters"]})
    return target


def _in_words(version: Version, environment: Environment, target: str | None = None) -> str:
    instance = f" ({target})" if target else ""
    return f"{version.pacticipant.name} {version.number} in {environment.name}{instance}"


@atomic_with_retry
def deployment_record(
    *, version: Version, environment: Environment, target: str | None = None, auto_created: bool = False
) -> tuple[DeployedVersion, bool]:
    """Record that `version` is now the one deployed to `environment` (and instance).

    Whatever was deployed to the same instance before is marked undeployed. Recording the
    version already deployed there returns the existing record.
    """
    target = _normalise_target(target)
    access.write(
        "deployment.record",
        _in_words(version, environment, target),
        applications=[version.pacticipant.name],
        environment=environment.name,
        details={"version": version.number, "applicationInstance": target},
    )
    return deployment_record_as_part_of(
        version=version, environment=environment, target=target, auto_created=auto_created
    )


@atomic_with_retry
def deployment_record_as_part_of(
    *, version: Version, environment: Environment, target: str | None = None, auto_created: bool = False
) -> tuple[DeployedVersion, bool]:
    """deployment_record as a side effect of another write, which made the access.write
    call for it (a tag named like an environment: tag_find_or_create names the environment)."""
    target = _normalise_target(target)
    # Serialise deployments of one pacticipant (a key-preserving row lock: publishers,
    # whose foreign keys take KEY SHARE locks on the same row, are not blocked).
    Pacticipant.objects.select_for_update(no_key=True).filter(pk=version.pacticipant_id).first()
    current = DeployedVersion.objects.filter(
        pacticipant_id=version.pacticipant_id, environment=environment, target=target, undeployed_at__isnull=True
    )
    existing = current.filter(version=version).first()
    if existing is not None:
        return existing, False
    current.update(undeployed_at=timezone.now(), updated_at=timezone.now())
    deployed = DeployedVersion.objects.create(
        version=version,
        pacticipant_id=version.pacticipant_id,
        environment=environment,
        target=target,
        auto_created=auto_created,
    )
    events.emit(events.DeploymentRecorded(deployed_version=deployed))
    return deployed, True


@atomic_with_retry
def deployment_end(*, deployed_version: DeployedVersion) -> DeployedVersion:
    """Record an undeployment (idempotent: only the first raises DeploymentEnded)."""
    version, environment = deployed_version.version, deployed_version.environment
    access.write(
        "deployment.end",
        _in_words(version, environment, deployed_version.target),
        applications=[version.pacticipant.name],
        environment=environment.name,
        details={"version": version.number, "applicationInstance": deployed_version.target},
    )
    ended = DeployedVersion.objects.filter(pk=deployed_version.pk, undeployed_at__isnull=True).update(
        undeployed_at=timezone.now(), updated_at=timezone.now()
    )
    deployed_version.refresh_from_db()
    if ended:
        events.emit(events.DeploymentEnded(deployed_version=deployed_version))
    return deployed_version


@atomic_with_retry
def release_record(*, version: Version, environment: Environment) -> tuple[ReleasedVersion, bool]:
    """Record a release; re-recording one whose support ended makes it supported again."""
    access.write(
        "release.record",
        _in_words(version, environment),
        applications=[version.pacticipant.name],
        environment=environment.name,
        details={"version": version.number},
    )
    released, created = get_or_insert(
        ReleasedVersion, version=version, environment=environment, defaults={"pacticipant_id": version.pacticipant_id}
    )
    supported_again = not created and released.support_ended_at is not None
    if supported_again:
        ReleasedVersion.objects.filter(pk=released.pk).update(support_ended_at=None, updated_at=timezone.now())
        released.refresh_from_db()
    if created or supported_again:
        events.emit(events.ReleaseRecorded(released_version=released))
    return released, created


@atomic_with_retry
def release_end_support(*, released_version: ReleasedVersion) -> ReleasedVersion:
    """Record that a release is no longer supported (idempotent: only the first raises ReleaseSupportEnded)."""
    version, environment = released_version.version, released_version.environment
    access.write(
        "release.end_support",
        _in_words(version, environment),
        applications=[version.pacticipant.name],
        environment=environment.name,
        details={"version": version.number},
    )
    ended = ReleasedVersion.objects.filter(pk=released_version.pk, support_ended_at__isnull=True).update(
        support_ended_at=timezone.now(), updated_at=timezone.now()
    )
    released_version.refresh_from_db()
    if ended:
        events.emit(events.ReleaseSupportEnded(released_version=released_version))
    return released_version
