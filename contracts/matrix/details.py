"""Branches, tags and environments of the versions the matrix shows (one set-based query)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from contracts.models import Version
from contracts.reading import read_rows


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


# One statement for all the decorations of all the versions shown: a round trip and an ORM
# compilation per kind of detail cost more than the database work on the hot path. One JSON
# document too: decoded once, not three times a version.
_DETAILS_SQL = """
SELECT json_agg(json_build_array(v.id,
  (SELECT coalesce(json_agg(json_build_array(bv.branch_name, b.head_id = bv.id) ORDER BY bv.id), '[]')
     FROM contracts_branchversion bv JOIN contracts_branch b ON b.id = bv.branch_id
    WHERE bv.version_id = v.id),
  (SELECT coalesce(json_agg(json_build_array(t.name, NOT EXISTS (
            SELECT 1 FROM contracts_tag newer WHERE newer.pacticipant_id = t.pacticipant_id
               AND newer.name = t.name AND newer.version_id > t.version_id)) ORDER BY t.created_at, t.id), '[]')
     FROM contracts_tag t WHERE t.version_id = v.id),
  (SELECT coalesce(json_agg(json_build_array(x.uuid, x.name, x.display_name, x.production, x.created_at)
                            ORDER BY x.prio, x.name, x.rid), '[]')
     FROM (SELECT DISTINCT ON (e.id) e.uuid, e.name, e.display_name, e.production, e.created_at, s.prio, s.rid
             FROM (SELECT d.environment_id, 0 AS prio, d.id AS rid FROM contracts_deployedversion d
                    WHERE d.version_id = v.id AND d.undeployed_at IS NULL
                   UNION ALL
                   SELECT r.environment_id, 1, r.id FROM contracts_releasedversion r
                    WHERE r.version_id = v.id AND r.support_ended_at IS NULL) s
             JOIN contracts_environment e ON e.id = s.environment_id
            ORDER BY e.id, s.prio, s.rid) x)))
FROM unnest(%s::bigint[]) AS v(id)
"""


def version_details(version_ids: Iterable[int]) -> dict[int, VersionDetails]:
    """Details of every given version in one query; no query when there are none.

    Branches in the order they were added (with whether the version is the branch head),
    tags with whether no newer version has them, and the environments the version is
    currently deployed to (first) or released in.
    """
    ids = sorted(set(version_ids))
    details: dict[int, VersionDetails] = {vid: VersionDetails() for vid in ids}
    if not ids:
        return details
    [(document,)] = read_rows(Version, _DETAILS_SQL, [ids])
    rows = _json(document) or []
    refs: dict[str, EnvironmentRef] = {}  # the same few environments on many versions: one each

    def environment(uuid: str, name: str, display_name: str | None, production: bool, created_at: str):
        ref = refs.get(uuid)
        if ref is None:
            ref = refs[uuid] = EnvironmentRef(
                UUID(uuid), name, display_name, production, datetime.fromisoformat(created_at)
            )
        return ref

    for version_id, branches, tags, environments in rows:
        entry = details[version_id]
        entry.branches = [(name, bool(head)) for name, head in branches]
        entry.tags = [(name, bool(latest)) for name, latest in tags]
        entry.environments = [environment(*values) for values in environments]
    return details


def _json(value):
    # psycopg returns json columns already decoded; be tolerant of text too.
    return json.loads(value) if isinstance(value, str) else value
