"""Cursors for the SQL written out by hand in selectors.

A raw `connection.cursor()` ignores the database routers, so inside a read-only request it
would read from the primary while the ORM's queries of the same request read from a replica
(broker/replicas.py). Every hand-written read goes through `read_cursor` instead.

Those statements are the hot paths' (the matrix, can-i-deploy), fixed texts whose values
are parameters, so `read_cursor` also prepares them: bound server-side, parsed and planned
once per connection, and run with a generic plan (`plan_cache_mode`, set for the
connection in broker/settings.py). Planning them anew on every request cost more than
running them: 3.3 ms of a hub can-i-deploy's database time, against 1.4 ms prepared.
Behind a transaction pooler, or with ACCORD_DB_PREPARED_READS off, they are bound
client-side like the ORM's. Their plans are pinned by tests/contracts/test_explain.py.
"""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from psycopg.types.datetime import TimestamptzLoader


def _array_literal(value: object) -> object:
    """A list of ints or of bools as PostgreSQL's array text ("{1,2}"), anything else as it is.

    psycopg types a list by scanning it for its largest int (int2[], int4[] or int8[]): a
    cost per element, and a statement prepared once per element type it has seen. As text
    (the statements cast it: `%(ids)s::bigint[]`) it is one type, converted in C."""
    if type(value) is not list or not value:
        return value
    kinds = {type(item) for item in value}
    if kinds == {int}:
        return "{" + ",".join(map(str, value)) + "}"
    if kinds == {bool}:
        return "{" + ",".join("t" if item else "f" for item in value) + "}"
    return value


def as_bound(params: object) -> object:
    """The parameters as a prepared read sends them (lists of ints or bools as array text)."""
    if isinstance(params, dict):
        return {name: _array_literal(value) for name, value in params.items()}
    if params is not None:
        return [_array_literal(value) for value in params]
    return None


class PreparedCursor(psycopg.Cursor):
    """Binds server-side and prepares every statement on its first run.

    Its timestamps are read by psycopg's own loader, compiled in C, where Django's cursors
    use a subclass of the pure-Python one (to attach the connection's time zone, which is
    the session's, UTC, either way). A can-i-deploy of 30 integrations reads 60 of them:
    that loader was a twentieth of the request's Python time."""

    def __init__(self, connection, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN204 - psycopg's signature
        super().__init__(connection, *args, **kwargs)
        self.adapters.register_loader("timestamptz", TimestamptzLoader)

    def execute(self, query, params=None, *, prepare=None, binary=None):  # noqa: ANN001, ANN201 - psycopg's signature
        prepare = True if prepare is None else prepare
        return super().execute(query, as_bound(params), prepare=prepare, binary=binary)

    def _convert_query(self, query, params=None):  # noqa: ANN001, ANN202
        # psycopg keeps the converted query only for the statements it does not prepare,
        # and Django logs (and tests capture) that query: keep it for these too.
        self._query = super()._convert_query(query, params)
        return self._query


def read_rows(model: type[Model], sql: str, params: object = None) -> list[tuple]:
    """Every row of one hand-written read, from the database the routers read `model` from."""
    with read_cursor(model) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def read_cursor(model: type[Model]) -> CursorWrapper:
    """A cursor on the database the routers read `model` from (the primary without replicas)."""
    return prepared_cursor(router.db_for_read(model))


def prepared_cursor(alias: str) -> CursorWrapper:
    """A cursor on database `alias` that prepares what it runs (when prepared reads are on)."""
    wrapper = connections[alias]
    if not settings.ACCORD_DB_PREPARED_READS:
        return wrapper.cursor()
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        # The wrapping Django gives its own cursors: errors translated, queries logged
        # (as `$1` placeholders) when debugging or captured.
        return wrapper._prepare_cursor(PreparedCursor(wrapper.connection))  # noqa: SLF001 - no public hook
