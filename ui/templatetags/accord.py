"""Template helpers shared by every UI page."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from contracts.api.links import route_path

register = template.Library()


@register.filter
def reltime(value: datetime | None) -> str:
    """`<time>` showing "3 hours ago", with the exact UTC time on hover and for machines.

    An empty value renders as an em dash, so a table cell never looks broken.
    """
    if value is None:
        return format_html('<span class="none" title="{}">—</span>', "never")
    now = timezone.now()
    # timesince() says "0 minutes" under a minute (and of a future moment): "just now" reads better.
    ago = "just now" if (now - value).total_seconds() < 60 else f"{timesince(value, now, depth=1)} ago"
    absolute = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), absolute, ago)


@register.inclusion_tag("ui/partials/copy.html")
def copy_button(text: str, label: str = "Copy") -> dict:
    """A button that copies `text` (accord.js); without JavaScript the text stays selectable."""
    return {"text": text, "label": label}


@register.simple_tag
def asset(path: str) -> str:
    """A static file's URL under this request's prefix. Django's `{% static %}` reads the
    prefix once per process (settings.STATIC_URL is cached), so it cannot follow SCRIPT_NAME
    or the base URL's path per request."""
    return get_script_prefix().rstrip("/") + static(path)


@register.simple_tag
def api_href(route: str, **params: object) -> str:
    """The path of an API route under this broker's prefix, each name segment encoded once
    (`{% url %}` would encode a branch's `%2F` a second time: contracts.api.links)."""
    return get_script_prefix() + route_path(route, params)
