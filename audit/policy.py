"""Who may read the audit log: one function, for the API and the web UI alike."""

from __future__ import annotations

from django.http import HttpRequest

NEEDED = "reading the audit log needs the admin scope"


def may_read_audit(request: HttpRequest) -> bool:
    """Admins only (broker.auth: an admin token, the basic-auth read-write user, or anyone on
    an open broker): who did what, from where, is for those who manage access."""
    return bool(getattr(request, "accord_is_admin", False))
