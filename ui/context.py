"""What every UI template can use: the navigation, the version, who is asking and what
they may do."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from ui.nav import NAV
from ui.paths import local_url


def ui(request: HttpRequest) -> dict:
    """Context for ui/base.html. `can_write` and `visitor` are set by broker.auth's
    middleware: forms that change data show only when `can_write` (without the middleware,
    none do); `visitor` has the signed-in `username`, their `level` ('write', 'read',
    'public-read' or 'none'), whether a session `signed_in` them (so they can sign out)
    and whether `users_configured` at all (else the header offers no sign-in). `is_admin`:
    the Access pages are linked (admins only)."""
    return {
        "nav": NAV,
        "accord_version": settings.ACCORD_VERSION,
        "can_write": getattr(request, "accord_can_write", False),
        "is_admin": getattr(request, "accord_is_admin", False),
        "visitor": getattr(request, "accord_visitor", None),
        "here": local_url(request),
    }
