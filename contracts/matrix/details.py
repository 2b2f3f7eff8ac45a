"""Branches, tags and environments of the versions the matrix shows (four set-based queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef

from contracts.models import BranchVersion, DeployedVersion, ReleasedVersion, Tag


@dataclass(frozen=True)
class EnvironmentRef:
    uuid: UUID
    name: str
    display_name: str | None
    production: bool
    created_at: datetime


@dataclass
class VersionDetails:
    """What a matrix row shows about a version besides its number."""

    branches: list[tuple[str, bool]] = field(default_factory=list)  # (name, is the branch head)
    tags: list[tuple[str, bool]] = field(default_factory=list)  # (name, is the newest version with it)
    environments: list[EnvironmentRef] = field(default_factory=list)


def version_details(version_ids: Iterable[int]) -> dict[int, VersionDetails]:
    """Details of every given version; no query when there are none."""
    ids = sorted(set(version_ids))
    details: dict[int, VersionDetails] = {vid: VersionDetails() for vid in ids}
    if not ids:
        return details
    memberships = BranchVersion.objects.filter(version_id__in=ids).select_related("branch").order_by("id")
    for membership in memberships:
        details[membership.version_id].branches.append(
            (membership.branch_name, membership.branch.head_id == membership.id)
        )
    # "latest" for a tag: no newer version of the pacticipant has it (one probe of tag_head_idx each).
    newer = Tag.objects.filter(
        pacticipant_id=OuterRef("pacticipant_id"), name=OuterRef("name"), version_id__gt=OuterRef("version_id")
    )
    tags = Tag.objects.filter(version_id__in=ids).annotate(superseded=Exists(newer)).order_by("created_at", "id")
    for tag in tags:
        details[tag.version_id].tags.append((tag.name, not tag.superseded))
    seen: set[tuple[int, int]] = set()
    deployed = DeployedVersion.objects.filter(version_id__in=ids, undeployed_at__isnull=True)
    released = ReleasedVersion.objects.filter(version_id__in=ids, support_ended_at__isnull=True)
    for records in (deployed, released):
        for record in records.select_related("environment").order_by("environment__name", "id"):
            env = record.environment
            if (record.version_id, env.id) not in seen:
                seen.add((record.version_id, env.id))
                details[record.version_id].environments.append(
                    EnvironmentRef(env.uuid, env.name, env.display_name, env.production, env.created_at)
                )
    return details
