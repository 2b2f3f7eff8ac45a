"""Leases on worker-owned rows: claim, heartbeat, release, reap.

Background work in Accord is a row in our own tables (a verification run, a webhook
delivery, later a live verification run), never only a message in the queue. A worker
that works on a row holds a lease on it: two columns, `claim` (a fresh token per claim)
and `lease_expires_at`.

- `claim()` takes the row with one conditional UPDATE, so of two workers handed the same
  id (a duplicate message, the sweeper racing the queue) exactly one gets it.
- While it works, a `heartbeat()` renews the lease; work that is bounded by timeouts can
  instead claim a lease longer than it can last and skip the heartbeat.
- Outcomes are written only while the claim is still the worker's (`hold()` locks the
  row and checks the token inside the writing transaction; `release()` is conditional on
  the token), so a worker that stalled past its lease, and was replaced, writes nothing.
- A worker that dies leaves a lease that lapses: `expired()` finds those rows for a
  reaper (re-queue, or give up after some attempts), and `claim()` treats a lapsed lease
  as free.

Safe to run twice, never lost, never reported done by a worker that did not finish.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone


class LeaseLost(Exception):
    """Another worker took the row over (our lease lapsed): our outcome must not count."""


class Lease:
    """The lease of one model's rows; `seconds` is read at each claim (settings may change)."""

    def __init__(self, model: type[models.Model], *, seconds: Callable[[], float]) -> None:
        self.model = model
        self.seconds = seconds

    def _until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds())

    def _free(self, now: datetime) -> Q:
        return Q(claim__isnull=True) | Q(lease_expires_at__lt=now)

    def claim(self, pk: int, *, where: Q | None = None, **updates: object) -> uuid.UUID | None:
        """Take the row if `where` holds and no live lease is on it; returns the claim token.

        `updates` are applied in the same statement (a status, an attempt count).
        """
        token, now = uuid.uuid4(), timezone.now()
        rows = self.model._default_manager.filter(pk=pk).filter(self._free(now))
        if where is not None:
            rows = rows.filter(where)
        taken = rows.update(claim=token, lease_expires_at=self._until(now), **updates)
        return token if taken else None

    def held(self, pk: int, token: uuid.UUID) -> QuerySet:
        """The row, while this claim holds it (empty otherwise)."""
        return self.model._default_manager.filter(pk=pk, claim=token)

    def renew(self, pk: int, token: uuid.UUID) -> bool:
        """Push the lease forward; False when the claim is no longer ours."""
        return bool(self.held(pk, token).update(lease_expires_at=self._until(timezone.now())))

    def hold(self, pk: int, token: uuid.UUID) -> None:
        """Inside the transaction that writes the outcome: lock the row, or raise LeaseLost.

        The row stays locked until that transaction ends, so no reaper or other worker can
        take it between this check and the commit.
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("hold() must run inside the transaction that writes the outcome")
        if not self.held(pk, token).select_for_update().exists():
            raise LeaseLost(f"{self.model.__name__} {pk}: the lease was taken over")

    def release(self, pk: int, token: uuid.UUID, **updates: object) -> bool:
        """Give the row up (with `updates`) if the claim is still ours."""
        return bool(self.held(pk, token).update(claim=None, lease_expires_at=None, **updates))

    def expired(self, now: datetime | None = None) -> QuerySet:
        """Rows whose worker stopped renewing: claimed, with the lease in the past."""
        return self.model._default_manager.filter(claim__isnull=False, lease_expires_at__lt=now or timezone.now())

    def reap(self, *, max_attempts: int, gave_up: str, now: datetime | None = None) -> Reaped:
        """For run-like rows (status queued/running/error, attempts, finished_at, not_before):
        end in error those whose worker died too often, re-queue the others, and find the
        queued ones whose message seems lost. The caller sends the ids to the workers."""
        now = now or timezone.now()
        stale = self.expired(now).filter(status="running")
        failed = stale.filter(attempts__gte=max_attempts).update(
            status="error", error=gave_up, claim=None, lease_expires_at=None, finished_at=now, updated_at=now
        )
        candidates = list(stale.filter(attempts__lt=max_attempts).values_list("id", flat=True))
        with transaction.atomic():
            # Still lapsed, under lock: a worker that renewed meanwhile keeps its row, and one
            # renewing now waits, then finds its claim gone.
            still = self.expired(now).filter(id__in=candidates, status="running")
            requeued = list(still.select_for_update(skip_locked=True).values_list("id", flat=True))
            self.model._default_manager.filter(id__in=requeued).update(
                status="queued", claim=None, lease_expires_at=None, not_before=None, updated_at=now,
                error="re-queued: the previous worker stopped mid-run",
            )  # fmt: skip
        # Queued rows whose message was lost (a broker restart) are sent again.
        lost = list(
            self.model._default_manager.filter(status="queued", updated_at__lt=now - timedelta(minutes=5))
            .exclude(not_before__gt=now)
            .values_list("id", flat=True)[:200]
        )
        return Reaped(failed=failed, requeued=requeued, lost=lost)

    def heartbeat(self, pk: int, token: uuid.UUID) -> Heartbeat:
        """A context manager that renews the lease every third of its length while it is open."""
        return Heartbeat(self, pk, token)


@dataclass(frozen=True)
class Reaped:
    failed: int
    requeued: list[int]
    lost: list[int]

    def counts(self) -> dict[str, int]:
        return {"requeued": len(self.requeued), "failed": self.failed, "resent": len(self.lost)}


class Heartbeat:
    """Renews a lease from a background thread; stops when the claim is lost."""

    def __init__(self, lease: Lease, pk: int, token: uuid.UUID) -> None:
        self.lease, self.pk, self.token = lease, pk, token
        self.lost = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{lease.model.__name__}-{pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = max(self.lease.seconds() / 3, 0.5)
        try:
            while not self._stopped.wait(interval):
                if not self.lease.renew(self.pk, self.token):
                    self.lost.set()
                    return
        finally:
            # The thread's own database connection: close it rather than leak it.
            connection.close()
