"""can-i-deploy end to end: resolve -> rows -> decide, plus what rendering needs."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.matrix.decision import Decision, decide
from contracts.matrix.details import VersionDetails, version_details
from contracts.matrix.query import MatrixQuery
from contracts.matrix.resolve import resolve
from contracts.matrix.rows import fetch_rows, shape_rows
from contracts.matrix.types import Resolution


@dataclass(frozen=True)
class MatrixResult:
    query: MatrixQuery
    resolution: Resolution
    decision: Decision
    details: dict[int, VersionDetails]


def effective_latestby(query: MatrixQuery, resolution: Resolution) -> str | None:
    """The `latestby` actually applied.

    When an environment is involved, every version live there must be checked: `cvp`
    (what the Ruby CLI sends for a single selector) keeps only the newest provider
    version per consumer version and can hide an unverified one (pact_broker #903), so
    environment questions always use `cvpv`, and the Ruby and Rust CLIs get the same answer.
    """
    if resolution.uses_environment:
        return "cvpv"
    return query.latestby


def matrix_evaluate(query: MatrixQuery) -> MatrixResult:
    """Answer a matrix / can-i-deploy question (raises InvalidSelectors for a bad query)."""
    resolution = resolve(query)
    latestby = effective_latestby(query, resolution)
    rows = fetch_rows(resolution, latestby=latestby, limit=query.limit)
    rows = shape_rows(rows, resolution, latestby=latestby, success=query.success)
    decision = decide(resolution, rows)
    shown = decision.considered + decision.ignored
    ids = [row.consumer_version_id for row in shown]
    ids += [row.provider_version_id for row in shown if row.provider_version_id is not None]
    return MatrixResult(query, resolution, decision, version_details(ids))
