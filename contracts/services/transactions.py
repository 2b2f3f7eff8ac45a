"""Transactions that survive concurrent writers."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, OperationalError, models, transaction

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=models.Model)

# PostgreSQL: serialization_failure, deadlock_detected. Both are safe to retry whole.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 5


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) if cause is not None else None


def atomic_with_retry(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in a transaction, re-running it after a deadlock or serialization failure.

    Only the outermost call retries: inside another transaction a retry cannot undo the
    caller's work, so the error propagates to whoever owns the transaction.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return fn(*args, **kwargs)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return fn(*args, **kwargs)
            except OperationalError as exc:
                if _sqlstate(exc) not in RETRYABLE_SQLSTATES or attempt == MAX_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")

    return wrapper


def get_or_insert(model: type[M], defaults: dict | None = None, **lookup: object) -> tuple[M, bool]:
    """Find a row by its natural key or insert it; safe against concurrent inserters.

    The insert runs in a savepoint: if a concurrent transaction inserted the same key,
    our insert waits for it to commit, fails on the unique constraint, and we read the
    committed row instead. Callers insert in one global order (pacticipants by name,
    then versions, branches, tags, contracts) so two publishers cannot deadlock.
    """
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **(defaults or {})), True
    except IntegrityError:
        found = model.objects.filter(**lookup).first()
        if found is None:
            raise
        return found, False
