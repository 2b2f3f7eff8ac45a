"""Template helpers of the drift pages (ui/drift_views.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil

from ui.templatetags.accord import reltime

register = template.Library()


@register.filter
def whentime(value: datetime | None) -> str:
    """Like `reltime`, for a moment that may be ahead: "in 4 minutes" (a next run, a back-off)."""
    if value is None or value <= timezone.now():
        return reltime(value)
    absolute = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    # timeuntil() says "0 minutes" under a minute, as timesince() does (see reltime).
    ahead = "under a minute" if (value - timezone.now()).total_seconds() < 60 else timeuntil(value, depth=1)
    return format_html('<time datetime="{}" title="{}">in {}</time>', value.isoformat(), absolute, ahead)


@register.filter
def percent(value: float | None) -> str:
    """0.9375 as "93.8%"; none as an em dash."""
    return "—" if value is None else f"{value * 100:.1f}%".replace(".0%", "%")


@register.filter
def coverage(run) -> str:
    """A finished run's coverage: "12 of 30 replayed"."""
    if run is None:
        return "—"
    return f"{run.interactions_replayed} of {run.interactions_total} replayed"


@register.filter
def mismatch_rows(mismatches: list | None) -> list[dict]:
    """Mismatches as the tables show them: expected and actual as text (JSON for structures),
    empty when the mismatch does not say; whatever the shape the engine recorded."""
    rows = []
    for m in mismatches or []:
        if not isinstance(m, dict):
            rows.append({"description": str(m)})
            continue
        row = {key: m.get(key) for key in ("type", "path", "description")}
        for key in ("expected", "actual"):
            value = m.get(key)
            row[key] = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        rows.append(row)
    return rows
