"""Throttling failed sign-ins to the web UI (broker.signin calls it).

Two counters per failed attempt: the username from this address, and the address alone
(password spraying across usernames). Either reaching its limit within the window locks it
for ACCORD_SIGNIN_LOCK_SECONDS: while locked, the form refuses without checking the password,
so guessing gains nothing. A successful sign-in clears the username's counter. The counts
live in PostgreSQL (ui.models.SignInFailures), shared by every web worker.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ui.models import SignInFailures

KEY_MAX = 300


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    user_key = f"user:{username.lower()}|{address}"[:KEY_MAX]
    return [
        (user_key, settings.ACCORD_SIGNIN_MAX_FAILURES),
        (f"address:{address}"[:KEY_MAX], settings.ACCORD_SIGNIN_ADDRESS_MAX_FAILURES),
    ]


def locked_for(username: str, address: str) -> int:
    """Seconds until sign-in may be tried again for this username from this address; 0 if now."""
    now = timezone.now()
    keys = [key for key, _ in _keys(username, address)]
    until = (
        SignInFailures.objects.filter(key__in=keys, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return math.ceil((until - now).total_seconds()) if until else 0


@transaction.atomic
def failure_record(username: str, address: str) -> None:
    """Count a failed sign-in; lock a key that reaches its limit within the window."""
    now = timezone.now()
    window = timedelta(seconds=settings.ACCORD_SIGNIN_LOCK_SECONDS)
    # Windows that ended long ago are of no use to anyone: drop them as we go.
    SignInFailures.objects.filter(window_start__lt=now - 2 * window).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()
    for key, limit in _keys(username, address):
        row, _ = SignInFailures.objects.get_or_create(key=key, defaults={"window_start": now})
        row = SignInFailures.objects.select_for_update().get(pk=row.pk)
        if row.window_start < now - window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures = F("failures") + 1
        row.save(update_fields=["failures", "window_start", "locked_until"])
        row.refresh_from_db(fields=["failures"])
        if row.failures >= limit:
            SignInFailures.objects.filter(pk=row.pk).update(locked_until=now + window)


def success_record(username: str, address: str) -> None:
    """A correct password: this username's failures from this address are forgotten."""
    user_key = _keys(username, address)[0][0]
    SignInFailures.objects.filter(key=user_key).delete()
