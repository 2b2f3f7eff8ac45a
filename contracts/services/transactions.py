"""Transactions that survive concurrent writers."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, OperationalError, connections, models, router, transaction

from contracts.reading import prepared_cursor

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
    found = _find(model, lookup)
    if found is not None:
        return found, False
    row = model(**lookup, **(defaults or {}))
    if insert_unless_conflict(row):
        return row, True
    found = _find(model, lookup)
    if found is None:  # the conflict was on another unique constraint than the lookup's
        raise IntegrityError(f"{model.__name__} {lookup} conflicts with an existing row")
    return found, False


def insert_unless_conflict(row: models.Model) -> bool:
    """Insert `row` unless it conflicts with a unique constraint; whether it was inserted,
    with its returned columns (the id) set. Fields fill in their values as save() has them do
    (defaults, auto_now, pre_save), but save() itself is not called: a model that overrides
    it is refused rather than silently inserted without its logic."""
    model = type(row)
    if model.save is not models.Model.save:
        raise TypeError(f"{model.__name__} overrides save(); insert_unless_conflict would skip it")
    meta = row._meta
    using = router.db_for_write(model, instance=row)
    connection = connections[using]
    statement, fields = _insert_sql(model)
    params = [field.get_db_prep_save(field.pre_save(row, True), connection=connection) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in params):
        raise TypeError(f"{model.__name__}: insert_unless_conflict takes values, not expressions")
    with prepared_cursor(using) as cursor:
        cursor.execute(statement, params)
        returned = cursor.fetchone()
    if returned is None:
        return False
    for field, value in zip(meta.db_returning_fields, returned, strict=True):
        setattr(row, field.attname, value)
    row._state.adding = False
    row._state.db = using
    return True


# The statements of get_or_insert and insert_unless_conflict, written once per model (and
# per lookup): a publish runs a dozen of them, and building each through the ORM's query
# compiler cost more Python than the statement cost PostgreSQL. They are prepared like the
# hand-written reads (contracts/reading.py).


@functools.cache
def _insert_sql(model: type[models.Model]) -> tuple[str, list[models.Field]]:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    returning = ", ".join(quote(field.column) for field in meta.db_returning_fields)
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING {returning}"
    )
    return statement, fields


@functools.cache
def _select_sql(model: type[models.Model], keys: tuple[str, ...]) -> tuple[str, list[models.Field], list[str]]:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    columns = list(meta.concrete_fields)
    where = [meta.get_field(key) for key in keys]
    statement = (
        f"SELECT {', '.join(quote(field.column) for field in columns)} FROM {quote(meta.db_table)} "
        f"WHERE {' AND '.join(f'{quote(field.column)} = %s' for field in where)}"
    )
    return statement, where, [field.attname for field in columns]


@functools.cache
def _is_unique_key(model: type[models.Model], keys: frozenset[str]) -> bool:
    """Whether `keys` (field names) are exactly the fields of a unique constraint of `model`."""
    meta = model._meta
    try:
        fields = {meta.get_field(key).name for key in keys}
    except FieldDoesNotExist:
        return False
    if len(fields) == 1 and getattr(meta.get_field(next(iter(fields))), "unique", False):
        return True
    together = [*meta.unique_together, *(constraint.fields for constraint in meta.total_unique_constraints)]
    return fields in [set(names) for names in together]


def _find(model: type[M], lookup: dict[str, object]) -> M | None:
    """`model.objects.filter(**lookup).first()` on the primary. A lookup of a unique key's
    values runs a statement written once for the model; any other lookup (a null, a
    relation's field, a key that is not unique) goes through the ORM."""
    keys = tuple(lookup)
    using = router.db_for_write(model)
    if not _is_unique_key(model, frozenset(keys)) or any(value is None for value in lookup.values()):
        return model.objects.using(using).filter(**lookup).first()
    statement, where, attnames = _select_sql(model, keys)
    connection = connections[using]
    params = []
    for field, key in zip(where, keys, strict=True):
        value = lookup[key]
        if field.is_relation:
            value, field = (value.pk if isinstance(value, models.Model) else value), field.target_field
        params.append(field.get_db_prep_value(value, connection))
    with prepared_cursor(using) as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchone()
    return None if found is None else model.from_db(using, attnames, found)
