"""Reads for environments and for what is deployed or released into them."""

from __future__ import annotations

import uuid as uuid_lib

from django.db.models import QuerySet

from contracts.exceptions import NotFound
from contracts.models import DeployedVersion, Environment, ReleasedVersion, Version

# Passed as `target` to mean "any application instance" (None means "no instance").
ANY_INSTANCE = object()


def _uuid_or_none(value: str) -> uuid_lib.UUID | None:
    try:
        return uuid_lib.UUID(value)
    except ValueError:
        return None


def environment_get(*, uuid: str) -> Environment:
    """The environment with this uuid; NotFound for an unknown or malformed uuid."""
    parsed = _uuid_or_none(uuid)
    environment = Environment.objects.filter(uuid=parsed).first() if parsed else None
    if environment is None:
        raise NotFound(f"No environment with uuid '{uuid}' found")
    return environment


def environments_list(*, name: str | None = None) -> list[Environment]:
    """All environments by name, or the one with exactly this name (possibly none)."""
    environments = Environment.objects.order_by("name")
    if name is not None:
        environments = environments.filter(name=name)
    return list(environments)


def version_get(*, pacticipant_name: str, number: str) -> Version:
    """The version `number` of the named pacticipant, or NotFound."""
    version = (
        Version.objects.select_related("pacticipant").filter(pacticipant__name=pacticipant_name, number=number).first()
    )
    if version is None:
        raise NotFound(f"No version '{number}' of pacticipant '{pacticipant_name}' found")
    return version


def _deployed() -> QuerySet[DeployedVersion]:
    return DeployedVersion.objects.select_related("version__pacticipant", "environment").order_by("created_at", "id")


def _released() -> QuerySet[ReleasedVersion]:
    return ReleasedVersion.objects.select_related("version__pacticipant", "environment").order_by("created_at", "id")


def deployed_version_get(*, uuid: str) -> DeployedVersion:
    """The deployed version with this uuid, or NotFound."""
    parsed = _uuid_or_none(uuid)
    found = _deployed().filter(uuid=parsed).first() if parsed else None
    if found is None:
        raise NotFound(f"No deployed version with uuid '{uuid}' found")
    return found


def released_version_get(*, uuid: str) -> ReleasedVersion:
    """The released version with this uuid, or NotFound."""
    parsed = _uuid_or_none(uuid)
    found = _released().filter(uuid=parsed).first() if parsed else None
    if found is None:
        raise NotFound(f"No released version with uuid '{uuid}' found")
    return found


def deployed_versions_for_version(*, version: Version, environment: Environment) -> list[DeployedVersion]:
    """Every deployment of one version to one environment, current or not, oldest first."""
    return list(_deployed().filter(version=version, environment=environment))


def released_versions_for_version(*, version: Version, environment: Environment) -> list[ReleasedVersion]:
    """The release of one version in one environment, as a list of zero or one."""
    return list(_released().filter(version=version, environment=environment))


def deployed_versions_current(
    *, environment: Environment, pacticipant_name: str | None = None, target: object = ANY_INSTANCE
) -> list[DeployedVersion]:
    """The versions currently deployed to an environment, optionally for one pacticipant and instance."""
    found = _deployed().filter(environment=environment, undeployed_at__isnull=True)
    if pacticipant_name is not None:
        found = found.filter(pacticipant__name=pacticipant_name)
    if target is None:
        found = found.filter(target__isnull=True)
    elif target is not ANY_INSTANCE:
        found = found.filter(target=target)
    return list(found)


def released_versions_supported(
    *, environment: Environment, pacticipant_name: str | None = None, version_number: str | None = None
) -> list[ReleasedVersion]:
    """The releases currently supported in an environment, optionally for one pacticipant/version."""
    found = _released().filter(environment=environment, support_ended_at__isnull=True)
    if pacticipant_name is not None:
        found = found.filter(pacticipant__name=pacticipant_name)
    if version_number is not None:
        found = found.filter(version__number=version_number)
    return list(found)
