"""Transactions that survive concurrent writers."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Mapping, Sequence
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
    return _insert(row, on_conflict=True)


def insert_row(row: models.Model) -> None:
    """Insert `row` (a model without save() logic of its own) and set its returned columns:
    `row.save()` on a new row, without the ORM building the statement each time."""
    _insert(row, on_conflict=False)


def _insert(row: models.Model, *, on_conflict: bool) -> bool:
    model = type(row)
    if model.save is not models.Model.save:
        raise TypeError(f"{model.__name__} overrides save(); inserting around it would skip it")
    meta = row._meta
    using = router.db_for_write(model, instance=row)
    connection = connections[using]
    statement, fields = _insert_sql(model, on_conflict)
    params = [field.get_db_prep_save(field.pre_save(row, True), connection=connection) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in params):
        raise TypeError(f"{model.__name__}: inserts take values, not expressions")
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


def rows_where(model: type[M], where: str, params: Sequence[object], *, suffix: str = "") -> list[M]:
    """`model`'s rows (every concrete column) that match `where`, from the primary, as model
    instances: a write path's read written once as SQL (`where` and `suffix` are fixed texts
    with %s placeholders; `suffix` may order, limit or lock) and prepared."""
    using = router.db_for_write(model)
    statement, attnames, converted = _rows_sql(model, where, suffix)
    with prepared_cursor(using) as cursor:
        cursor.execute(statement, list(params))
        found = cursor.fetchall()
    if converted:  # the fields that convert what the database returns (JSON, encrypted), as the ORM does
        connection = connections[using]
        table = model._meta.db_table
        steps = [(index, field.get_db_converters(connection), field.get_col(table)) for index, field in converted]
        found = [list(row) for row in found]
        for row in found:
            for index, converters, column in steps:
                for convert in converters:
                    row[index] = convert(row[index], column, connection)
    return [model.from_db(using, attnames, row) for row in found]


def run_statement(
    model: type[models.Model],
    sql: str,
    params: Sequence[object] | Mapping[str, object],
    *,
    prepared: bool = True,
) -> list[tuple]:
    """Run one hand-written statement of a write path on the database `model` is written to;
    its rows (a SELECT's, or an UPDATE's RETURNING), or [] when it returns none. It is
    prepared (planned once, generically) unless `prepared` is false: then PostgreSQL plans
    it for its values each time, for a statement whose best plan depends on them."""
    alias = router.db_for_write(model)
    with prepared_cursor(alias) if prepared else connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []


# The statements of get_or_insert and insert_unless_conflict, written once per model (and
# per lookup): a publish runs a dozen of them, and building each through the ORM's query
# compiler cost more Python than the statement cost PostgreSQL. They are prepared like the
# hand-written reads (contracts/reading.py).


@functools.cache
def _insert_sql(model: type[models.Model], on_conflict: bool) -> tuple[str, list[models.Field]]:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    returning = ", ".join(quote(field.column) for field in meta.db_returning_fields)
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) {'ON CONFLICT DO NOTHING ' if on_conflict else ''}"
        f"RETURNING {returning}"
    )
    return statement, fields


@functools.cache
def _rows_sql(
    model: type[models.Model], where: str, suffix: str
) -> tuple[str, list[str], list[tuple[int, models.Field]]]:
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = list(meta.concrete_fields)
    statement = (
        f"SELECT {', '.join(quote(field.column) for field in columns)} FROM {quote(meta.db_table)} WHERE {where}"
    )
    converted = [(index, field) for index, field in enumerate(columns) if field.get_db_converters(connection)]
    return f"{statement} {suffix}".rstrip(), [field.attname for field in columns], converted


@functools.cache
def _key_where(model: type[models.Model], keys: tuple[str, ...]) -> tuple[str, list[models.Field]]:
    meta = model._meta
    quote = connections[router.db_for_write(model)].ops.quote_name
    where = [meta.get_field(key) for key in keys]
    return " AND ".join(f"{quote(field.column)} = %s" for field in where), where


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
    condition, where = _key_where(model, keys)
    connection = connections[using]
    params = []
    for field, key in zip(where, keys, strict=True):
        value = lookup[key]
        if field.is_relation:
            value, field = (value.pk if isinstance(value, models.Model) else value), field.target_field
        params.append(field.get_db_prep_value(value, connection))
    found = rows_where(model, condition, params)
    if not found:
        return None
    row = found[0]
    for field, key in zip(where, keys, strict=True):
        if field.is_relation and isinstance(lookup[key], models.Model):
            field.set_cached_value(row, lookup[key])  # as the ORM's row would, without a query on access
    return row
