"""The clean: delete old versions no keep selector names, with what belongs to them.

The Pact Broker's clean (db/clean_incremental.rb; its Docker image's
PACT_BROKER_DATABASE_CLEAN_* variables), done so that a broker in use keeps answering:

- The versions to keep are computed once, set-based: one query per selector
  (contracts/selectors/keep.py), unioned into the keep table (contracts_clean_keep, an
  UNLOGGED table of its own rather than a temporary one, which lives in one server session).
- The versions not kept go oldest first, at most `limit` of them, `batch_size` per
  transaction. A batch locks its versions (FOR UPDATE SKIP LOCKED: a version a writer is
  updating now is left for the next clean), checks them again against every selector as
  the database stands now (a version deployed, tagged or put on a branch since the start
  stays), and deletes them with what belongs to them, as version_delete does for one version:
  publications, content no one publishes any more with its verifications, the verifications
  the versions made as providers, tags, branch memberships, ended deployments and releases.
  Branch heads move back, and integration summaries that showed what went are recomputed.
- Rows of other apps that point at what goes do what their on_delete says (a live run
  forgets its provider version, a verification run's pact goes with its content), found
  through the models' relations, so contracts/ names no other app.
- An advisory lock (pg_try_advisory_xact_lock) held by a transaction left open on a
  connection of its own for the whole clean: a second clean returns "already running"
  instead of waiting or overlapping.

Nothing spans transactions in a session (no session lock, no temporary table), so the
clean works behind a pooler in transaction mode (PgBouncer's pool_mode=transaction) as
well as directly: an open transaction keeps its server session, and the keep table is
seen from every session.

Reads never wait for it: PostgreSQL's row locks do not block readers, and each batch's
locks last one short transaction.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from contracts import access
from contracts.exceptions import InvalidInput
from contracts.keep_selectors import KeepSelector
from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    DeployedVersion,
    Integration,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Verification,
    Version,
)
from contracts.selectors.keep import keep_query, keep_selectors_effective, kept_now_ids
from contracts.services.integration_summaries import integration_summary_refresh
from contracts.services.transactions import atomic_with_retry

logger = logging.getLogger("accord.clean")

# pg_try_advisory_xact_lock's key for the clean: any constant no other lock of Accord uses.
LOCK_KEY = 0x0ACC_C1EA
# Created by migration contracts 0005; only the clean holding the lock writes it.
KEEP_TABLE = "contracts_clean_keep"
# The statements that read every version (the keep set, a dry run's counts) may take longer
# than a request's statement timeout on a big broker; the batches keep the usual one.
LONG_STATEMENT_TIMEOUT = "10min"

# Relations into the deleted models that the batch handles itself (in SQL, in order); every
# other relation (other apps', or one added later) follows its on_delete generically.
HANDLED = {
    (BranchVersion, "version"),
    (Tag, "version"),
    (ContractPublication, "consumer_version"),
    (DeployedVersion, "version"),
    (ReleasedVersion, "version"),
    (Verification, "provider_version"),
    (ContractPublication, "contract"),
    (Verification, "contract"),
    (Integration, "latest_publication"),
    (Integration, "latest_verification"),
    (Branch, "head"),
}


@dataclass
class CleanResult:
    """What a clean did (or, in a dry run, would do)."""

    status: str  # "done", "dry_run" or "already_running"
    keep: list[dict[str, object]] = field(default_factory=list)
    limit: int = 0
    versions_total: int = 0  # when it started
    versions_kept: int = 0  # of those, what the keep selectors select
    deleted: dict[str, int] = field(default_factory=dict)  # per kind of row (would be, in a dry run)
    # Per pacticipant: how many of its versions go, and the oldest and newest of them.
    by_pacticipant: dict[str, dict[str, object]] = field(default_factory=dict)
    kept_by_selector: list[dict[str, object]] = field(default_factory=list)  # dry runs only
    batches: int = 0
    stopped_by: str = ""  # "nothing left", "limit" or "time"
    seconds: float = 0.0

    @property
    def dry_run(self) -> bool:
        return self.status == "dry_run"

    @property
    def versions_not_kept(self) -> int:
        return self.versions_total - self.versions_kept

    def as_dict(self) -> dict[str, object]:
        """The result as JSON (camelCase), for the log, the command and the task."""
        return {
            "status": self.status,
            "dryRun": self.dry_run,
            "keep": self.keep,
            "limit": self.limit,
            "counts": {
                "totalVersions": self.versions_total,
                "versionsToKeep": self.versions_kept,
                "versionsNotToKeep": self.versions_not_kept,
                ("versionsToDelete" if self.dry_run else "versionsDeleted"): self.deleted.get("versions", 0),
                **({"versionsToKeepBySelector": self.kept_by_selector} if self.dry_run else {}),
            },
            ("toDelete" if self.dry_run else "deleted"): self.deleted,
            "versionSummary": self.by_pacticipant,
            "batches": self.batches,
            "stoppedBy": self.stopped_by,
            "seconds": round(self.seconds, 3),
        }


ROW_KINDS = (
    "versions",
    "publications",
    "contracts",
    "verifications",
    "tags",
    "branchVersions",
    "deployments",
    "releases",
)


# ---------------------------------------------------------------- the lock


@contextmanager
def clean_lock() -> Iterator[bool]:
    """Hold the clean's advisory lock for the block if no other clean holds it; yields
    whether this one got it.

    The lock belongs to a transaction on a connection of its own (same settings as the
    default one), left open for the block: it outlives the batches' transactions, a pooler in
    transaction mode keeps that transaction on one server session, and the lock goes with
    the transaction when the block ends or with the connection if the process dies."""
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.autocommit = False
        got = bool(holder.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY]).fetchone()[0])
        yield got
    finally:
        try:
            holder.rollback()  # ends the transaction: the lock is released
        except psycopg.Error:
            logger.exception("Could not end the clean's lock transaction; closing its connection")
        finally:
            holder.close()


# ---------------------------------------------------------------- the clean


@dataclass
class _Batch:
    cursor: int  # the newest version id looked at: the next batch starts after it
    counts: Counter = field(default_factory=Counter)
    versions: list[tuple[int, int, str, datetime]] = field(default_factory=list)  # id, pacticipant, number, created


def versions_clean(
    *,
    keep: Sequence[KeepSelector | Mapping[str, object]] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    max_seconds: float | None = None,
    on_batch: Callable[[CleanResult], None] | None = None,
) -> CleanResult:
    """Delete up to `limit` of the oldest versions no keep selector selects, with their pacts,
    verifications, tags and branch memberships (a dry run counts what would go)."""
    selectors = keep_selectors_effective(keep)
    limit = settings.ACCORD_CLEAN_DELETION_LIMIT if limit is None else limit
    batch_size = batch_size or settings.ACCORD_CLEAN_BATCH_SIZE
    if limit < 1 or batch_size < 1:
        raise InvalidInput({"limit": ["the limit and the batch size must be at least 1"]})
    result = CleanResult(
        status="dry_run" if dry_run else "done", keep=[selector.as_dict() for selector in selectors], limit=limit
    )
    started = time.monotonic()
    with clean_lock() as locked:
        if not locked:
            result.status = "already_running"
            logger.info("Clean not performed: another clean is in progress")
            return result
        now = timezone.now()
        try:
            ceiling = _keep_table_fill(selectors, now)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*), count(k.id) FROM contracts_version v LEFT JOIN {KEEP_TABLE} k ON k.id = v.id "
                    "WHERE v.id <= %s",
                    [ceiling],
                )
                result.versions_total, result.versions_kept = cursor.fetchone()
            if dry_run:
                _dry_run(result, selectors, now, ceiling)
            else:
                _delete_in_batches(result, selectors, now, ceiling, batch_size, started, max_seconds, on_batch)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {KEEP_TABLE}")
    result.seconds = time.monotonic() - started
    logger.info("Clean %s: %s", "dry run" if dry_run else "done", result.as_dict())
    return result


def _keep_table_fill(selectors: Sequence[KeepSelector], now: datetime) -> int:
    """Fill the keep table (every version a selector selects), emptied first (a clean that
    died may have left rows); the newest version id now, above which nothing is deleted."""
    union = [keep_query(selector, now) for selector in selectors]
    sql = " UNION ".join(text for text, _ in union)
    params = [p for _, values in union for p in values]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = '{LONG_STATEMENT_TIMEOUT}'")
        cursor.execute("SELECT coalesce(max(id), 0) FROM contracts_version")
        ceiling = cursor.fetchone()[0]
        cursor.execute(f"TRUNCATE {KEEP_TABLE}")
        cursor.execute(f"INSERT INTO {KEEP_TABLE} (id) SELECT id FROM ({sql}) keep WHERE id IS NOT NULL", params)
        # Autovacuum would analyze it too late; the batches' anti-join needs the estimate now.
        cursor.execute(f"ANALYZE {KEEP_TABLE}")
    return ceiling


def _delete_in_batches(
    result: CleanResult,
    selectors: Sequence[KeepSelector],
    now: datetime,
    ceiling: int,
    batch_size: int,
    started: float,
    max_seconds: float | None,
    on_batch: Callable[[CleanResult], None] | None,
) -> None:
    totals: Counter = Counter({kind: 0 for kind in ROW_KINDS})
    per_pacticipant: dict[int, list] = {}  # id -> [count, (oldest id, number, created), (newest ...)]
    after = 0
    while True:
        remaining = result.limit - totals["versions"]
        if remaining <= 0:
            result.stopped_by = "limit"
            break
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            result.stopped_by = "time"
            break
        batch = _batch_delete(
            selectors=selectors, now=now, after=after, ceiling=ceiling, size=min(batch_size, remaining)
        )
        if batch is None:
            result.stopped_by = "nothing left"
            break
        after = batch.cursor
        totals.update(batch.counts)
        for version_id, pacticipant_id, number, created in batch.versions:
            entry = per_pacticipant.setdefault(pacticipant_id, [0, None, None])
            entry[0] += 1
            if entry[1] is None or version_id < entry[1][0]:
                entry[1] = (version_id, number, created)
            if entry[2] is None or version_id > entry[2][0]:
                entry[2] = (version_id, number, created)
        result.batches += 1
        result.deleted = dict(totals)
        if on_batch is not None:
            on_batch(result)
    result.deleted = dict(totals)
    result.by_pacticipant = _by_pacticipant_named(per_pacticipant)


def _by_pacticipant_named(per_pacticipant: dict[int, list]) -> dict[str, dict[str, object]]:
    names = dict(Pacticipant.objects.filter(id__in=per_pacticipant).values_list("id", "name"))
    summary = {}
    for pacticipant_id, (count, oldest, newest) in per_pacticipant.items():
        summary[names.get(pacticipant_id, str(pacticipant_id))] = {
            "count": count,
            "fromVersion": {"number": oldest[1], "createdAt": oldest[2].isoformat()},
            "toVersion": {"number": newest[1], "createdAt": newest[2].isoformat()},
        }
    return dict(sorted(summary.items()))


@atomic_with_retry
def _batch_delete(
    *, selectors: Sequence[KeepSelector], now: datetime, after: int, ceiling: int, size: int
) -> _Batch | None:
    """One transaction: lock the next versions not kept, check them again, delete them with
    what belongs to them. None when no version is left to look at."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT v.id FROM contracts_version v
                WHERE v.id > %s AND v.id <= %s AND NOT EXISTS (SELECT 1 FROM {KEEP_TABLE} k WHERE k.id = v.id)
                ORDER BY v.id LIMIT %s
                FOR UPDATE OF v SKIP LOCKED""",
            [after, ceiling, size],
        )
        candidates = [row[0] for row in cursor.fetchall()]
        if not candidates:
            return None
        batch = _Batch(cursor=candidates[-1])
        # Locked now (SKIP LOCKED passed by versions a writer is updating). A writer that
        # changed what keeps one of them (a deployment, a tag, a branch) and committed is
        # seen by this statement. One still in flight finds the version gone when it commits:
        # its foreign key check fails, and its transaction with it, so nothing is ever left
        # pointing at a deleted version.
        kept = set(_ids(cursor, *kept_now_ids(selectors, candidates, now)))
        ids = [version_id for version_id in candidates if version_id not in kept]
        if not ids:
            return batch
        access.write(
            "versions.clean",
            f"{len(ids)} versions no keep selector keeps",
            admin=True,
            details={"versions": len(ids), "fromId": ids[0], "toId": ids[-1]},
        )
        _delete_versions(cursor, ids, batch)
    return batch


def _rows(cursor, sql: str, params: list[object]) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _ids(cursor, sql: str, params: list[object]) -> list[int]:
    return [row[0] for row in _rows(cursor, sql, params)]


def _delete_versions(cursor, ids: list[int], batch: _Batch) -> None:
    """Delete the versions `ids` (locked by this transaction) with what belongs to them.

    Django's foreign keys are checked at commit, so the order only has to leave nothing
    dangling by then; it follows the dependencies anyway, children first.
    """
    branch_versions = _ids(cursor, "DELETE FROM contracts_branchversion WHERE version_id = ANY(%s) RETURNING id", [ids])
    # A branch whose head went points at its newest remaining version (or none), as
    # branch_head_recompute does for one.
    cursor.execute(
        """UPDATE contracts_branch b SET head_id = (
               SELECT max(bv.id) FROM contracts_branchversion bv WHERE bv.branch_id = b.id)
           WHERE b.head_id = ANY(%s)""",
        [branch_versions],
    )
    tags = _ids(cursor, "DELETE FROM contracts_tag WHERE version_id = ANY(%s) RETURNING id", [ids])
    # Ended ones only: what is deployed or released now was kept.
    deployments = _ids(cursor, "DELETE FROM contracts_deployedversion WHERE version_id = ANY(%s) RETURNING id", [ids])
    releases = _ids(cursor, "DELETE FROM contracts_releasedversion WHERE version_id = ANY(%s) RETURNING id", [ids])
    publications = _rows(
        cursor,
        "DELETE FROM contracts_contractpublication WHERE consumer_version_id = ANY(%s) RETURNING id, contract_id",
        [ids],
    )
    # Content no one publishes any more goes, with its verifications (as in version_delete).
    # SKIP LOCKED: content a publisher is pointing a new publication at right now stays.
    orphans = _ids(
        cursor,
        """SELECT c.id FROM contracts_contract c
           WHERE c.id = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM contracts_contractpublication p WHERE p.contract_id = c.id)
           FOR UPDATE SKIP LOCKED""",
        [sorted({contract_id for _, contract_id in publications})],
    )
    verifications = _ids(
        cursor,
        "DELETE FROM contracts_verification WHERE provider_version_id = ANY(%s) OR contract_id = ANY(%s) RETURNING id",
        [ids, orphans],
    )
    cursor.execute("DELETE FROM contracts_contract WHERE id = ANY(%s)", [orphans])
    versions = _rows(
        cursor,
        "DELETE FROM contracts_version WHERE id = ANY(%s) RETURNING id, pacticipant_id, number, created_at",
        [ids],
    )
    publication_ids = [publication_id for publication_id, _ in publications]
    for model, deleted in (
        (Version, ids),
        (BranchVersion, branch_versions),
        (Tag, tags),
        (DeployedVersion, deployments),
        (ReleasedVersion, releases),
        (ContractPublication, publication_ids),
        (Contract, orphans),
        (Verification, verifications),
    ):
        _other_relations_follow(model, deleted)
    # Summaries that showed a pact or a result that went are recomputed from what is left.
    cursor.execute(
        """SELECT consumer_id, provider_id FROM contracts_integration
           WHERE latest_publication_id = ANY(%s) OR latest_verification_id = ANY(%s)
           ORDER BY id""",
        [publication_ids, verifications],
    )
    for consumer_id, provider_id in cursor.fetchall():
        integration_summary_refresh(consumer_id=consumer_id, provider_id=provider_id)
    batch.versions = sorted(versions)
    batch.counts.update(
        versions=len(versions),
        publications=len(publications),
        contracts=len(orphans),
        verifications=len(verifications),
        tags=len(tags),
        branchVersions=len(branch_versions),
        deployments=len(deployments),
        releases=len(releases),
    )


def _other_relations_follow(model: type[models.Model], ids: list[int]) -> None:
    """Rows that point at deleted `model` rows through a relation the batch does not handle
    itself do what its on_delete says, as Django's delete would (the relations are found in
    the models, so contracts/ names no other app)."""
    if not ids:
        return
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_one or relation.one_to_many)):
            continue
        related, name = relation.related_model, relation.field.name
        if (related, name) in HANDLED:
            continue
        rows = related._base_manager.filter(**{f"{name}__in": ids})
        if relation.on_delete is models.SET_NULL:
            rows.update(**{name: None})
        elif relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is not models.DO_NOTHING:
            raise RuntimeError(
                f"{related._meta.label}.{name} -> {model._meta.label}: on_delete {relation.on_delete.__name__} "
                "is not one the clean can follow"
            )


# ---------------------------------------------------------------- the dry run


def _dry_run(result: CleanResult, selectors: Sequence[KeepSelector], now: datetime, ceiling: int) -> None:
    """Count what the first `limit` versions not kept would take with them; delete nothing."""
    doomed = f"""doomed AS MATERIALIZED (
        SELECT v.id, v.pacticipant_id FROM contracts_version v
        WHERE v.id <= %s AND NOT EXISTS (SELECT 1 FROM {KEEP_TABLE} k WHERE k.id = v.id)
        ORDER BY v.id LIMIT %s)"""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = '{LONG_STATEMENT_TIMEOUT}'")
        cursor.execute(
            f"""WITH {doomed},
            publications AS MATERIALIZED (
                SELECT p.id, p.contract_id FROM contracts_contractpublication p
                JOIN doomed d ON d.id = p.consumer_version_id),
            orphans AS MATERIALIZED (
                SELECT DISTINCT x.contract_id AS id FROM publications x
                WHERE NOT EXISTS (SELECT 1 FROM contracts_contractpublication p
                                  WHERE p.contract_id = x.contract_id
                                    AND NOT EXISTS (SELECT 1 FROM doomed d WHERE d.id = p.consumer_version_id)))
            SELECT
                (SELECT count(*) FROM doomed),
                (SELECT count(*) FROM publications),
                (SELECT count(*) FROM orphans),
                (SELECT count(*) FROM (
                    SELECT f.id FROM contracts_verification f JOIN doomed d ON d.id = f.provider_version_id
                    UNION
                    SELECT f.id FROM contracts_verification f JOIN orphans o ON o.id = f.contract_id) f),
                (SELECT count(*) FROM contracts_tag t JOIN doomed d ON d.id = t.version_id),
                (SELECT count(*) FROM contracts_branchversion bv JOIN doomed d ON d.id = bv.version_id),
                (SELECT count(*) FROM contracts_deployedversion x JOIN doomed d ON d.id = x.version_id),
                (SELECT count(*) FROM contracts_releasedversion x JOIN doomed d ON d.id = x.version_id)""",
            [ceiling, result.limit],
        )
        result.deleted = dict(zip(ROW_KINDS, cursor.fetchone(), strict=True))
        cursor.execute(
            f"""WITH {doomed}
            SELECT p.id, x.n, oldest.id, oldest.number, oldest.created_at, newest.id, newest.number, newest.created_at
            FROM (SELECT pacticipant_id, count(*) AS n, min(id) AS oldest, max(id) AS newest
                  FROM doomed GROUP BY pacticipant_id) x
            JOIN contracts_pacticipant p ON p.id = x.pacticipant_id
            JOIN contracts_version oldest ON oldest.id = x.oldest
            JOIN contracts_version newest ON newest.id = x.newest""",
            [ceiling, result.limit],
        )
        per_pacticipant = {
            row[0]: [row[1], (row[2], row[3], row[4]), (row[5], row[6], row[7])] for row in cursor.fetchall()
        }
        for selector in selectors:
            text, params = keep_query(selector, now)
            cursor.execute(f"SELECT count(*) FROM ({text}) kept WHERE id <= %s", [*params, ceiling])
            result.kept_by_selector.append({"selector": selector.as_dict(), "count": cursor.fetchone()[0]})
    result.by_pacticipant = _by_pacticipant_named(per_pacticipant)
    result.stopped_by = "limit" if result.deleted["versions"] >= result.limit else "nothing left"


def versions_clean_scheduled(*, max_seconds: float | None = None) -> dict[str, object]:
    """The clean as configured (ACCORD_CLEAN_*): what beat runs; nothing while it is off."""
    if not settings.ACCORD_CLEAN_ENABLED:
        logger.info("Clean not performed: ACCORD_CLEAN_ENABLED (PACT_BROKER_DATABASE_CLEAN_ENABLED) is off")
        return {"status": "disabled"}
    return versions_clean(dry_run=settings.ACCORD_CLEAN_DRY_RUN, max_seconds=max_seconds).as_dict()
