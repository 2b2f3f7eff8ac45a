"""Transactions that survive concurrent writers."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, OperationalError, connections, models, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

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

    The insert is `INSERT ... ON CONFLICT DO NOTHING RETURNING`: if a concurrent transaction
    inserted the same key, our insert waits for it to commit and then inserts nothing, and
    we read the committed row instead. A conflict does not abort the transaction, so no
    savepoint is needed around the insert (a publish creates several rows: two round trips
    saved on each). Callers insert in one global order (pacticipants by name, then versions,
    branches, tags, contracts) so two publishers cannot deadlock.
    """
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found, False
    row = model(**lookup, **(defaults or {}))
    if insert_unless_conflict(row):
        return row, True
    found = model.objects.filter(**lookup).first()
    if found is None:  # the conflict was on another unique constraint than the lookup's
        raise IntegrityError(f"{model.__name__} {lookup} conflicts with an existing row")
    return found, False


def insert_unless_conflict(row: models.Model) -> bool:
    """Insert `row` unless it conflicts with a unique constraint; whether it was inserted,
    with its returned columns (the id) set. Fields fill in their values as save() has them do
    (defaults, auto_now, pre_save), but save() itself is not called: a model that overrides
    it is refused rather than silently inserted without its logic."""
    if type(row).save is not models.Model.save:
        raise TypeError(f"{type(row).__name__} overrides save(); insert_unless_conflict would skip it")
    meta = row._meta
    using = router.db_for_write(type(row), instance=row)
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    query = InsertQuery(type(row), on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, [row])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = meta.db_returning_fields
    [(statement, params)] = compiler.as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(statement, params)
        returned = cursor.fetchone()
    if returned is None:
        return False
    for field, value in zip(meta.db_returning_fields, returned, strict=True):
        setattr(row, field.attname, value)
    row._state.adding = False
    row._state.db = using
    return True
