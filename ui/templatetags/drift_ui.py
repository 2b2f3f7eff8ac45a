"""Template helpers of the drift pages (ui/drift_views.py)."""

from __future__ import annotations

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
    return format_html(
        '<time datetime="{}" title="{}">in {}</time>', value.isoformat(), absolute, timeuntil(value, depth=1)
    )


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
