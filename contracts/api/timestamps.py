"""Timestamps as the Pact Broker renders them: ISO-8601 UTC, second precision, `+00:00`."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(dt: datetime | None) -> str | None:
    """`2021-09-01T00:07:21+00:00` for an aware datetime (None stays None)."""
    if dt is None:
        return None
    # Naive values only come from code that forgot USE_TZ; read them as UTC, not local time.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def timestamps(created_at: datetime, updated_at: datetime | None = None) -> dict[str, str]:
    """`createdAt`, plus `updatedAt` only when it differs at the precision shown (the Pact Broker's rule)."""
    created, updated = iso(created_at), iso(updated_at)
    out = {"createdAt": created}
    if updated is not None and updated != created:
        out["updatedAt"] = updated
    return out
