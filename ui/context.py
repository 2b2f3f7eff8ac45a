"""What every UI template can use: the navigation, the version, and what the user may do."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ui.nav import NAV


def ui(request: HttpRequest) -> dict:
    """Context for ui/base.html. `can_write` (set by broker.auth.BasicAuthMiddleware)
    decides whether forms that change data are shown; without the middleware, nothing is."""
    return {
        "nav": NAV,
        "accord_version": settings.ACCORD_VERSION,
        "can_write": getattr(request, "accord_can_write", False),
    }
