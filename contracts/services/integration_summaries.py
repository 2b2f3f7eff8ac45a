"""The per-integration summary (latest pact, the verification shown with it, the status).

Every service that publishes, verifies or deletes calls one of these in its own
transaction, so the summary commits or rolls back with the fact that changed it. Each
refresh reads only the pair's rows, through the indexes the matrix already uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import router
from django.db.models import Q

from contracts.models import Integration, VerificationStatus
from contracts.reading import prepared_cursor

# The pair's latest pact and the verification to show with it, in one statement: the newest
# verification of the latest content, or (only when there is none) the newest of the pair.
_SUMMARY_SQL = """
SELECT lp.id, lp.created_at, lp.contract_id, lv.number,
       coalesce(same.id, newest.id), coalesce(same.created_at, newest.created_at),
       coalesce(same.success, newest.success), coalesce(same.pending, newest.pending),
       coalesce(same.contract_id, newest.contract_id), coalesce(same.number, newest.number)
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT p.id, p.created_at, p.contract_id, p.consumer_version_id
    FROM contracts_contractpublication p
    WHERE p.is_current AND p.consumer_id = %(consumer)s AND p.provider_id = %(provider)s
    ORDER BY p.consumer_version_id DESC, p.revision DESC
    LIMIT 1
) lp ON true
LEFT JOIN contracts_version lv ON lv.id = lp.consumer_version_id
LEFT JOIN LATERAL (
    SELECT v.id, v.created_at, v.success, v.pending, v.contract_id, pv.number
    FROM contracts_verification v JOIN contracts_version pv ON pv.id = v.provider_version_id
    WHERE v.id = (
        SELECT s.id FROM contracts_verification s
        WHERE s.contract_id = lp.contract_id
        ORDER BY s.id DESC
        LIMIT 1
    )
) same ON true
LEFT JOIN LATERAL (
    SELECT v.id, v.created_at, v.success, v.pending, v.contract_id, pv.number
    FROM contracts_verification v JOIN contracts_version pv ON pv.id = v.provider_version_id
    WHERE v.id = (
        SELECT n.id FROM contracts_verification n
        WHERE n.consumer_id = %(consumer)s AND n.provider_id = %(provider)s
        ORDER BY n.id DESC
        LIMIT 1
    )
) newest ON same.id IS NULL
"""
# Each result shown is found in an index alone, then read by its id: the content's newest in
# verification_newest_idx (content, id; a content's results are all its pair's), the pair's
# newest in verification_pair_newest_idx. As one ordered scan, PostgreSQL could walk the
# primary key back filtering on the pair, which for a pair with no results reads every
# result, or read every result of the content to sort them.


# The summary's columns, written in one statement (contract_data_updated_at only when given).
_UPDATE_SQL = """
UPDATE contracts_integration SET
    latest_publication_id = %(publication_id)s, latest_publication_at = %(published_at)s,
    latest_consumer_version_number = %(consumer_number)s, latest_verification_id = %(verification_id)s,
    latest_verification_at = %(verified_at)s, latest_verification_success = %(success)s,
    latest_provider_version_number = %(provider_number)s, verification_status = %(status)s,
    contract_data_updated_at = coalesce(%(touched_at)s::timestamptz, contract_data_updated_at)
WHERE consumer_id = %(consumer)s AND provider_id = %(provider)s
"""


class _Shown(NamedTuple):
    """The verification shown with the latest pact: what VerificationStatus.of reads."""

    contract_id: int
    success: bool
    pending: bool


def integration_summary_refresh(*, consumer_id: int, provider_id: int, touched_at: datetime | None = None) -> bool:
    """Recompute one pair's summary from its publications and verifications (one read, one
    update); `touched_at` also records that its contract data changed then. Returns whether
    the provider has ever published a result for the pair (the summary shows one if so).

    Both are prepared (every publish and every verification runs them): each of the read's
    probes is an index condition, so its generic plan is the plan for any pair."""
    pair = {"consumer": consumer_id, "provider": provider_id}
    database = router.db_for_write(Integration)
    with prepared_cursor(database) as cursor:
        cursor.execute(_SUMMARY_SQL, pair)
        (
            publication_id,
            published_at,
            contract_id,
            consumer_number,
            verification_id,
            verified_at,
            success,
            pending,
            verified_contract_id,
            provider_number,
        ) = cursor.fetchone()
    shown = _Shown(verified_contract_id, success, pending) if verification_id is not None else None
    with prepared_cursor(database) as cursor:
        cursor.execute(
            _UPDATE_SQL,
            {
                **pair,
                "publication_id": publication_id,
                "published_at": published_at,
                "consumer_number": consumer_number,
                "verification_id": verification_id,
                "verified_at": verified_at,
                "success": success,
                "provider_number": provider_number,
                "status": VerificationStatus.of(contract_id, shown).value,
                "touched_at": touched_at,
            },
        )
    return verification_id is not None


def integration_summaries_refresh_for(*, pacticipant_id: int) -> None:
    """Recompute the summary of every integration a pacticipant takes part in (after one
    of its versions went, with the pacts it published or the results it verified)."""
    pairs = Integration.objects.filter(Q(consumer_id=pacticipant_id) | Q(provider_id=pacticipant_id))
    for consumer_id, provider_id in pairs.values_list("consumer_id", "provider_id"):
        integration_summary_refresh(consumer_id=consumer_id, provider_id=provider_id)
