"""Who may read the audit log: one function, for the API and the web UI alike."""

from __future__ import annotations

from django.http import HttpRequest

NEEDED = "reading the audit log needs write access"


def may_read_audit(request: HttpRequest) -> bool:
    """For now, whoever may write (broker.auth's write level: the read-write user, or anyone
    when no users are configured); access control will make this its admin scope."""
    return bool(getattr(request, "accord_can_write", False))
