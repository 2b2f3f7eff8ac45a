"""Recording writes in the audit log, and forgetting them after the retention period."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEntry
from contracts.access import Actor, Write
from contracts.services.transactions import insert_row

PRUNE_BATCH = 1000
# Belt and braces: services never pass a secret or a contract in `details`, and whatever a
# later one might pass under one of these names (any case, "-" and "_" ignored) is dropped.
SECRET_KEYS = {"password", "passwd", "auth", "authorization", "header", "headers", "cookie", "credentials",
               "clientsecret", "value", "secretvalue", "tokenvalue", "body", "content", "document", "raw"}  # fmt: skip


def _secret_key(key: str) -> bool:
    return re.sub(r"[-_]", "", key).lower() in SECRET_KEYS


def _clean(value: object) -> object:
    """A JSON value PostgreSQL can store (no NUL), without keys that name a secret."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_clean(str(key)): _clean(item) for key, item in value.items() if not _secret_key(str(key))}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def audit_record(actor: Actor | None, write: Write) -> None:
    """Record `write` (a contracts.access handler: it runs inside the writing transaction,
    so the row commits, or rolls back, with the write). Without an actor the write is the
    system's own (a management command, the example data), and is recorded as such."""
    if actor is None:
        actor = Actor(kind=AuditEntry.ActorKind.SYSTEM, name="system", via=AuditEntry.Via.SYSTEM)
    entry = AuditEntry(
        actor_kind=actor.kind,
        actor_name=_clean(actor.name),
        token_name=_clean(actor.token),
        action=write.action,
        target=_clean(write.target),
        applications=[_clean(name) for name in write.applications],
        environment=_clean(write.environment) if write.environment is not None else None,
        ip=_address(actor.ip),
        request_id=actor.request_id,
        via=actor.via,
        details=_clean(dict(write.details)),
    )
    insert_row(entry)


def audit_prune(now: datetime | None = None) -> int:
    """Delete entries older than ACCORD_AUDIT_RETENTION_DAYS, in batches (short transactions,
    short locks); returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCORD_AUDIT_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            AuditEntry.objects.filter(at__lt=cutoff).order_by("at", "id").values_list("id", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return deleted
        AuditEntry.objects.filter(id__in=ids).delete()
        deleted += len(ids)
