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
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    return {
        # Each entry with how it is current here: "page" (this is it), "true" (a page under
        # it, such as a webhook's page under Webhooks) or "" (neither).
        "nav": [
            (item, "page" if url_name == item.route else "true" if item.is_current(url_name) else "") for item in NAV
        ],
        "accord_version": settings.ACCORD_VERSION,
        "can_write": getattr(request, "accord_can_write", False),
        "is_admin": getattr(request, "accord_is_admin", False),
        "visitor": getattr(request, "accord_visitor", None),
        "here": local_url(request),
    }
