"""Reads for versions, branches and tags.

"Latest" follows the Pact Broker: the latest version is the one created last (highest id),
the latest for a tag is the newest tagged version, and the latest for a branch is its head,
the version most recently *added* to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from contracts.exceptions import NotFound
from contracts.models import (
    Branch,
    BranchVersion,
    ContractPublication,
    DeployedVersion,
    Environment,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Version,
)
from contracts.selectors.pacticipants import pacticipant_by_name


@dataclass(frozen=True)
class VersionDetail:
    """A version with everything its representation shows."""

    version: Version
    tags: list[Tag]
    # With `branch` loaded; a membership is the branch's latest when branch.head_id == its id.
    branch_versions: list[BranchVersion]
    deployments: list[DeployedVersion]
    releases: list[ReleasedVersion]
    # Current revisions of the pacts this version published, by provider name.
    publications: list[ContractPublication]
    # Every environment: the version links to recording a deployment or release in each.
    environments: list[Environment]


def _group(rows, key: str, ids: list[int]) -> dict[int, list]:
    grouped: dict[int, list] = {pk: [] for pk in ids}
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def version_details(versions: list[Version]) -> list[VersionDetail]:
    """Details for several versions in six queries, however many versions there are."""
    ids = [version.id for version in versions]
    if not ids:
        return []
    tags = _group(Tag.objects.filter(version_id__in=ids).order_by("name"), "version_id", ids)
    memberships = _group(
        BranchVersion.objects.filter(version_id__in=ids).select_related("branch").order_by("branch_name", "id"),
        "version_id",
        ids,
    )
    deployments = _group(
        DeployedVersion.objects.filter(version_id__in=ids).select_related("environment").order_by("created_at", "id"),
        "version_id",
        ids,
    )
    releases = _group(
        ReleasedVersion.objects.filter(version_id__in=ids).select_related("environment").order_by("created_at", "id"),
        "version_id",
        ids,
    )
    publications = _group(
        ContractPublication.objects.filter(consumer_version_id__in=ids, is_current=True).select_related("provider"),
        "consumer_version_id",
        ids,
    )
    environments = list(Environment.objects.order_by("name"))
    return [
        VersionDetail(
            version=version,
            tags=tags[version.id],
            branch_versions=memberships[version.id],
            deployments=deployments[version.id],
            releases=releases[version.id],
            publications=sorted(publications[version.id], key=lambda pub: pub.provider.name.lower()),
            environments=environments,
        )
        for version in versions
    ]


def version_get(*, pacticipant_name: str, number: str) -> Version:
    """The version `number` of a pacticipant, or NotFound."""
    version = (
        Version.objects.filter(pacticipant__name=pacticipant_name, number=number).select_related("pacticipant").first()
    )
    if version is None:
        pacticipant_by_name(name=pacticipant_name)
        raise NotFound(f"No version '{number}' found for pacticipant '{pacticipant_name}'")
    return version


def versions_for_pacticipant(pacticipant: Pacticipant) -> QuerySet[Version]:
    """A pacticipant's versions, newest first."""
    return Version.objects.filter(pacticipant=pacticipant).select_related("pacticipant").order_by("-id")


def version_latest(*, pacticipant_name: str, tag: str | None = None) -> Version:
    """The newest version of a pacticipant, or its newest version carrying `tag`; NotFound if none."""
    versions = versions_for_pacticipant(pacticipant_by_name(name=pacticipant_name))
    if tag is not None:
        versions = versions.filter(tags__name=tag)
    version = versions.first()
    if version is None:
        with_tag = f" with tag '{tag}'" if tag is not None else ""
        raise NotFound(f"No version{with_tag} found for pacticipant '{pacticipant_name}'")
    return version


def versions_with_tag(*, pacticipant_name: str, tag: str) -> QuerySet[Version]:
    """Versions carrying `tag`, newest first; NotFound when no version has it."""
    versions = versions_for_pacticipant(pacticipant_by_name(name=pacticipant_name)).filter(tags__name=tag)
    if not versions.exists():
        raise NotFound(f"No version with tag '{tag}' found for pacticipant '{pacticipant_name}'")
    return versions


def versions_in_environment(*, pacticipant_name: str, environment_uuid: str) -> QuerySet[Version]:
    """Versions ever deployed or released to an environment, newest first."""
    pacticipant = pacticipant_by_name(name=pacticipant_name)
    try:
        environment = Environment.objects.filter(uuid=uuid.UUID(environment_uuid)).first()
    except ValueError:
        environment = None
    if environment is None:
        raise NotFound(f"No environment with UUID '{environment_uuid}' found")
    deployed = DeployedVersion.objects.filter(pacticipant=pacticipant, environment=environment).values("version_id")
    released = ReleasedVersion.objects.filter(pacticipant=pacticipant, environment=environment).values("version_id")
    return versions_for_pacticipant(pacticipant).filter(id__in=deployed.union(released))


def branch_get(*, pacticipant_name: str, name: str) -> Branch:
    """The branch `name` of a pacticipant (pacticipant loaded), or NotFound."""
    branch = Branch.objects.filter(pacticipant__name=pacticipant_name, name=name).select_related("pacticipant").first()
    if branch is None:
        pacticipant_by_name(name=pacticipant_name)
        raise NotFound(f"No branch '{name}' found for pacticipant '{pacticipant_name}'")
    return branch


def branch_list(*, pacticipant: Pacticipant, query: str | None = None) -> QuerySet[Branch]:
    """A pacticipant's branches, most recently updated first, optionally filtered by name substring."""
    branches = Branch.objects.filter(pacticipant=pacticipant).select_related("pacticipant")
    if query:
        branches = branches.filter(name__icontains=query)
    return branches.order_by("-updated_at", "-id")


def versions_on_branch(branch: Branch) -> QuerySet[Version]:
    """The versions on a branch, most recently added first (the head comes first)."""
    return (
        Version.objects.filter(branch_versions__branch=branch)
        .select_related("pacticipant")
        .order_by("-branch_versions__id")
    )


def branch_head(*, pacticipant_name: str, branch_name: str) -> Version:
    """The version most recently added to a branch, or NotFound."""
    branch = branch_get(pacticipant_name=pacticipant_name, name=branch_name)
    if branch.head_id is None:
        raise NotFound(f"Branch '{branch_name}' of pacticipant '{pacticipant_name}' has no versions")
    return Version.objects.select_related("pacticipant").get(branch_versions__id=branch.head_id)


def branch_version_get(*, pacticipant_name: str, branch_name: str, number: str) -> BranchVersion:
    """The membership of version `number` in a branch, or NotFound."""
    branch_version = (
        BranchVersion.objects.filter(
            branch__pacticipant__name=pacticipant_name, branch__name=branch_name, version__number=number
        )
        .select_related("branch__pacticipant", "version")
        .first()
    )
    if branch_version is None:
        raise NotFound(f"Version '{number}' of pacticipant '{pacticipant_name}' is not on branch '{branch_name}'")
    return branch_version


def tag_get(*, pacticipant_name: str, number: str, name: str) -> Tag:
    """The tag `name` on version `number` of a pacticipant, or NotFound."""
    tag = (
        Tag.objects.filter(version__pacticipant__name=pacticipant_name, version__number=number, name=name)
        .select_related("version__pacticipant")
        .first()
    )
    if tag is None:
        raise NotFound(f"No tag '{name}' found on version '{number}' of pacticipant '{pacticipant_name}'")
    return tag
