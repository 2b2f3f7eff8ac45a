"""The drift notice beside matrix and can-i-deploy answers (contracts.advisories).

A warning for every consumer/provider pair of the question that has unresolved (open or
acknowledged) drift incidents in the environment the question is about. It is advice
only: contracts/ appends it after the decision, so `deployable`, the reason and the
CLIs' exit codes are what they would be without drift monitoring.

Which environment: the one the question names (`environment=`, or a selector's
`q[][environment]=`). A question that names none (a tag, the main branch, versions
against each other) gets the incidents of the production environments: production is
where drift hurts, and a team asking "can I deploy to prod" by tag should hear of it.

One query per question (none when it has no pairs), whatever the number of pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from contracts.matrix.types import Integration
from contracts.models import Environment
from contracts.reading import read_rows
from drift.models import DriftIncident

UNRESOLVED = (DriftIncident.Status.OPEN, DriftIncident.Status.ACKNOWLEDGED)
# Beyond this many incidents for one pair, the notice links to their list instead.
MAX_LINKED = 3


def drift_notices(pairs: Sequence[Integration], environment: str | None, base_url: str) -> list[dict]:
    """One warning per pair and environment with unresolved drift incidents."""
    if not pairs:
        return []
    wanted = {(pair.consumer_id, pair.provider_id): pair for pair in pairs}
    # Written out rather than built with the ORM: it runs on every can-i-deploy, and
    # compiling it cost several times what PostgreSQL takes to answer it.
    where_environment = "e.production" if environment is None else "e.name = %(environment)s"
    sql = f"""
        SELECT i.consumer_id, i.provider_id, e.name, i.uuid, i.status
        FROM {DriftIncident._meta.db_table} i
        JOIN {Environment._meta.db_table} e ON e.id = i.environment_id
        WHERE i.status = ANY(%(statuses)s::text[]) AND i.provider_id = ANY(%(providers)s::bigint[])
          AND i.consumer_id = ANY(%(consumers)s::bigint[]) AND {where_environment}
        ORDER BY i.opened_at, i.id"""
    rows = read_rows(
        DriftIncident,
        sql,
        {
            "statuses": [str(status) for status in UNRESOLVED],
            "providers": sorted({pair.provider_id for pair in pairs}),
            "consumers": sorted({pair.consumer_id for pair in pairs}),
            "environment": environment,
        },
    )
    # The ids are filtered separately, so the query can also return pairs not asked about.
    found: dict[tuple[Integration, str], list[tuple[str, str]]] = {}
    for consumer_id, provider_id, environment_name, uuid, status in rows:
        pair = wanted.get((consumer_id, provider_id))
        if pair is not None:
            found.setdefault((pair, environment_name), []).append((str(uuid), status))
    base = base_url.rstrip("/")
    ordered = sorted(found.items(), key=lambda item: (item[0][0].consumer_name, item[0][0].provider_name, item[0][1]))
    return [_notice(pair, name, unresolved, base) for (pair, name), unresolved in ordered]


def _notice(pair: Integration, environment: str, unresolved: list[tuple[str, str]], base: str) -> dict:
    count = len(unresolved)
    acknowledged = sum(1 for _, status in unresolved if status == DriftIncident.Status.ACKNOWLEDGED)
    if count <= MAX_LINKED:
        where = " ".join(f"{base}/drift-incidents/{uuid}" for uuid, _ in unresolved)
    else:
        query = urlencode({"consumer": pair.consumer_name, "provider": pair.provider_name, "environment": environment})
        where = f"{base}/drift-incidents?{query}"
    noted = f", {acknowledged} acknowledged" if acknowledged else ""
    return {
        "type": "warning",
        "text": (
            f"Drift monitoring: {count} open incident(s){noted} between {pair.consumer_name} and "
            f"{pair.provider_name} in {environment} (the deployed provider no longer does what the pact says): "
            f"{where}"
        ),
    }
