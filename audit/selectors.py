"""Reading the audit log: filtered, newest first, a page at a time by keyset."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from audit.models import AuditEntry


class BadCursor(ValueError):
    """A page cursor this log did not make (edited or truncated)."""


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def audit_entries(
    *,
    actor: str = "",
    application: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every filter given, newest first.

    `actor`: the user or system account who wrote (exactly); `application`: a pacticipant the
    write was about; `action`: exactly, or every action of an object when it ends with "."
    ("pact."); `since` (inclusive) and `until` (exclusive): when. Each is served by an index.
    """
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name=actor)
    if application:
        entries = entries.filter(applications__contains=[application])
    if action.endswith("."):
        entries = entries.filter(action__startswith=action)
    elif action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-at", "-id")


def _encode(entry: AuditEntry) -> str:
    return base64.urlsafe_b64encode(json.dumps([entry.at.isoformat(), entry.id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        at, entry_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as error:
        raise BadCursor(cursor) from error
    if moment.tzinfo is None or not isinstance(entry_id, int) or isinstance(entry_id, bool) or not 0 < entry_id < 2**63:
        raise BadCursor(cursor)
    return moment, entry_id


def audit_page(entries: QuerySet[AuditEntry], *, after: str = "", size: int) -> AuditPage:
    """The `size` entries after the cursor `after` (from the newest without one), and the
    cursor of the next page when there is one. Raises BadCursor."""
    if after:
        at, entry_id = _decode(after)
        entries = entries.filter(Q(at__lt=at) | Q(at=at, id__lt=entry_id))
    found = list(entries.order_by("-at", "-id")[: size + 1])
    more = len(found) > size
    found = found[:size]
    return AuditPage(found, _encode(found[-1]) if found and more else None)
