"""Step 2 of the pipeline: the matrix rows, in ONE set-based query (4.6 steps 5-6).

The integrations and each pacticipant's selected versions travel as arrays (`unnest`), so
the statement text and plan do not grow with the number of integrations (the Pact
Broker's 120-arm UNION for a hub service, fd6e5b63). Every probe is an index lookup:

- explicit consumer versions: publication_one_current_revision (consumer_version, provider);
- "all versions" of a consumer: publication_latest_idx (provider, consumer, -consumer_version),
  newest first, stopping after `limit` rows (no OFFSET, no scan of older versions);
- verifications: verification_latest_idx (contract, provider_version, -id) with both
  columns as index conditions (`= ANY(provider_versions)`), so many results for one
  content (pact_broker #487) are never scanned; it also gives the latest verification
  per (content, provider version).

The rest (filling in unverified provider versions, `cp` collapsing, `success[]`) is plain
Python over the rows returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from contracts.matrix.types import Resolution, Row
from contracts.models import Contract, ContractPublication, Verification, Version
from contracts.reading import read_rows

# pacticipant id -> the version ids selected for it; None means all of its versions.
VersionSets = dict[int, frozenset[int] | None]

_SQL = """
WITH sel AS (
    SELECT * FROM unnest(%(sel_pacticipants)s::bigint[], %(sel_versions)s::bigint[]) AS t(pacticipant_id, version_id)
), pairs AS (
    SELECT t.*, ARRAY(SELECT sel.version_id FROM sel WHERE sel.pacticipant_id = t.provider_id) AS provider_versions
    FROM unnest(%(consumers)s::bigint[], %(providers)s::bigint[], %(consumer_all)s::boolean[],
                %(provider_all)s::boolean[]) AS t(consumer_id, provider_id, consumer_all, provider_all)
), listed AS (
    SELECT pub.id, pub.consumer_version_id, pub.consumer_id, pub.provider_id, pub.contract_id, pub.created_at,
           pairs.provider_all, pairs.provider_versions,
           row_number() OVER (PARTITION BY pub.consumer_id, pub.provider_id
                              ORDER BY pub.consumer_version_id DESC, pub.revision DESC) AS n
    FROM pairs
    JOIN sel ON sel.pacticipant_id = pairs.consumer_id
    JOIN {publication} pub ON pub.consumer_version_id = sel.version_id AND pub.provider_id = pairs.provider_id
    WHERE NOT pairs.consumer_all {current}
), pubs AS (
    SELECT id, consumer_version_id, consumer_id, provider_id, contract_id, created_at, provider_all, provider_versions
    FROM listed WHERE n <= %(limit)s
    UNION ALL
    SELECT recent.* FROM pairs CROSS JOIN LATERAL (
        SELECT pub.id, pub.consumer_version_id, pub.consumer_id, pub.provider_id, pub.contract_id, pub.created_at,
               pairs.provider_all, pairs.provider_versions
        FROM {publication} pub
        WHERE pairs.consumer_all AND pub.provider_id = pairs.provider_id AND pub.consumer_id = pairs.consumer_id
              {current}
        ORDER BY pub.consumer_version_id DESC {revision_order}
        LIMIT %(limit)s
    ) recent
)
SELECT pubs.id, pubs.consumer_id, pubs.consumer_version_id,
       -- Scalar subqueries, not joins: the row estimate of `pubs` is loose (a LIMIT per pair),
       -- and joins made the planner hash a scan of every contract and version to read a few.
       (SELECT cv.number FROM {version} cv WHERE cv.id = pubs.consumer_version_id),
       pubs.provider_id, pubs.created_at,
       (SELECT c.sha FROM {contract} c WHERE c.id = pubs.contract_id),
       ver.id, ver.provider_version_id,
       (SELECT pv.number FROM {version} pv WHERE pv.id = ver.provider_version_id),
       ver.success, ver.execution_date
FROM pubs
LEFT JOIN LATERAL (
    SELECT {distinct} x.* FROM (
        SELECT v.id, v.provider_version_id, v.success, v.execution_date FROM {verification} v
        WHERE NOT pubs.provider_all AND v.contract_id = pubs.contract_id
              AND v.provider_version_id = ANY(pubs.provider_versions)
        UNION ALL
        SELECT v.id, v.provider_version_id, v.success, v.execution_date FROM {verification} v
        WHERE pubs.provider_all AND v.contract_id = pubs.contract_id
    ) x
    {collapse}
) ver ON true
"""

# How each `latestby` picks verifications per publication (cp narrows further in Python).
# `limit` also caps the results per publication (newest provider versions first): one
# content can have thousands of results (pact_broker #487), and "all versions" of a
# provider would otherwise multiply every publication by all of them.
_COLLAPSE = {
    "cvpv": ("DISTINCT ON (x.provider_version_id)", "ORDER BY x.provider_version_id DESC, x.id DESC LIMIT %(limit)s"),
    "cvp": ("", "ORDER BY x.provider_version_id DESC, x.id DESC LIMIT 1"),
    "cp": ("", "ORDER BY x.provider_version_id DESC, x.id DESC LIMIT 1"),
    None: ("", "ORDER BY x.id DESC LIMIT %(limit)s"),
}


def version_sets(resolution: Resolution) -> VersionSets:
    """Each pacticipant's selected versions (placeholders select nothing)."""
    sets: dict[int, set[int] | None] = {}
    for selector in resolution.selectors:
        current = sets.setdefault(selector.pacticipant_id, set())
        if selector.all_versions or current is None:
            sets[selector.pacticipant_id] = None
        elif selector.version_id is not None:
            current.add(selector.version_id)
    return {pid: (None if ids is None else frozenset(ids)) for pid, ids in sets.items()}


def _sql(latestby: str | None) -> str:
    distinct, collapse = _COLLAPSE[latestby]
    return _SQL.format(
        publication=ContractPublication._meta.db_table,
        version=Version._meta.db_table,
        contract=Contract._meta.db_table,
        verification=Verification._meta.db_table,
        # With latestby, overwritten revisions do not count (4.1); without it they are history.
        current="AND pub.is_current" if latestby else "",
        revision_order="" if latestby else ", pub.revision DESC",
        distinct=distinct,
        collapse=collapse,
    )


def fetch_rows(resolution: Resolution, *, latestby: str | None, limit: int) -> list[Row]:
    """The raw rows of every integration in the resolution: one query, none if nothing to ask."""
    if not resolution.integrations:
        return []
    sets = version_sets(resolution)
    pairs = [(i.consumer_id, i.provider_id) for i in resolution.integrations]
    explicit = [(pid, vid) for pid, ids in sets.items() if ids for vid in sorted(ids)]
    params = {
        "consumers": [c for c, _ in pairs],
        "providers": [p for _, p in pairs],
        "consumer_all": [sets.get(c, frozenset()) is None for c, _ in pairs],
        "provider_all": [sets.get(p, frozenset()) is None for _, p in pairs],
        "sel_pacticipants": [pid for pid, _ in explicit],
        "sel_versions": [vid for _, vid in explicit],
        "limit": limit,
    }
    names = {i.consumer_id: i.consumer_name for i in resolution.integrations}
    names |= {i.provider_id: i.provider_name for i in resolution.integrations}
    raw = read_rows(Version, _sql(latestby), params)
    return [
        Row(
            publication_id=pub_id,
            consumer_id=cid,
            consumer_name=names[cid],
            consumer_version_id=cvid,
            consumer_version_number=cv_number,
            provider_id=pid,
            provider_name=names[pid],
            pact_created_at=created,
            contract_sha=sha,
            provider_version_id=pvid,
            provider_version_number=pv_number,
            verification_id=vid,
            success=success,
            verified_at=verified_at,
        )
        for (pub_id, cid, cvid, cv_number, pid, created, sha, vid, pvid, pv_number, success, verified_at) in raw
    ]


def _fill_unverified(rows: list[Row], sets: VersionSets, numbers: dict[int, str], latestby: str | None) -> list[Row]:
    """Add a row for every selected provider version that did not verify a pact.

    A LEFT JOIN only yields the provider versions that did verify (or one row with no
    provider version). With several provider versions live in one environment, every
    one of them must have verified the pact, so each missing one becomes an unknown row
    that names it (which also answers pact_broker #588).
    """
    by_publication: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_publication[row.publication_id].append(row)
    out: list[Row] = []
    for group in by_publication.values():
        wanted = sets.get(group[0].provider_id)
        if not wanted or not (latestby == "cvpv" or len(wanted) == 1):
            out += group
            continue
        verified = [row for row in group if row.provider_version_id is not None]
        present = {row.provider_version_id for row in verified}
        template = group[0]
        missing = [
            Row(
                publication_id=template.publication_id,
                consumer_id=template.consumer_id,
                consumer_name=template.consumer_name,
                consumer_version_id=template.consumer_version_id,
                consumer_version_number=template.consumer_version_number,
                provider_id=template.provider_id,
                provider_name=template.provider_name,
                pact_created_at=template.pact_created_at,
                contract_sha=template.contract_sha,
                provider_version_id=vid,
                provider_version_number=numbers[vid],
            )
            for vid in sorted(wanted - present, reverse=True)
        ]
        out += verified + missing
    return out


def _latest_per_pair(rows: list[Row]) -> list[Row]:
    """`cp`: one row per consumer/provider (highest provider version); unverified rows all stay."""
    best: dict[tuple[int, int], Row] = {}
    out = [row for row in rows if row.provider_version_id is None]
    for row in rows:
        if row.provider_version_id is None:
            continue
        key = (row.consumer_id, row.provider_id)
        rank = (row.provider_version_id, row.consumer_version_id, row.verification_id or 0)
        current = best.get(key)
        if current is None or rank > (
            current.provider_version_id,
            current.consumer_version_id,
            current.verification_id or 0,
        ):
            best[key] = row
    return out + list(best.values())


def sort_rows(rows: Iterable[Row]) -> list[Row]:
    """By consumer, newest consumer version, provider, newest provider version, newest result."""
    return sorted(
        rows,
        key=lambda r: (
            r.consumer_name,
            -r.consumer_version_id,
            r.provider_name,
            -(r.provider_version_id or 0),
            -(r.verification_id or 0),
        ),
    )


def shape_rows(
    rows: list[Row], resolution: Resolution, *, latestby: str | None, success: tuple[bool | None, ...] | None
) -> list[Row]:
    """Fill in unverified provider versions, apply `cp` and the `success[]` filter, sort."""
    numbers = {s.version_id: s.version_number or "" for s in resolution.selectors if s.version_id is not None}
    rows = _fill_unverified(rows, version_sets(resolution), numbers, latestby)
    if latestby == "cp":
        rows = _latest_per_pair(rows)
    if success is not None:
        rows = [row for row in rows if row.success in success]
    return sort_rows(rows)
