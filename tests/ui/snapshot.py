"""A seeded data set taken once and put back in a moment: the browser tests' scene is built
through the services the first time (about 1.5 s) and copied back for every later test.

`take()` copies every non-empty table of the apps (COPY ... TO STDOUT) with the database's
clock; `put_back()` copies them in again in one transaction (Django's foreign keys are
DEFERRABLE INITIALLY DEFERRED, so the order does not matter) and moves every timestamp by
the time since, so "2 hours ago" still reads "2 hours ago". Sequences are left alone: they
only grow, so rows created later never collide with the copied ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

# Rows the database's own set-up owns (post_migrate recreates them after each flush).
SKIPPED = {"django_migrations", "django_content_type"}


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, bytes]  # table -> its rows in COPY's text format
    timestamps: dict[str, list[str]]  # table -> its timestamptz columns
    taken_at: object  # the database's clock when taken


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in cursor.fetchall() if name not in SKIPPED]


def take() -> Snapshot:
    tables: dict[str, bytes] = {}
    timestamps: dict[str, list[str]] = {}
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own, for COPY
        for table in _tables(cursor):
            data = bytearray()
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for chunk in copy:
                    data += chunk
            if not data:
                continue
            tables[table] = bytes(data)
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s AND data_type = 'timestamp with time zone'",
                [table],
            )
            timestamps[table] = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT clock_timestamp()")
        (taken_at,) = cursor.fetchone()
    return Snapshot(tables, timestamps, taken_at)


def put_back(snapshot: Snapshot) -> None:
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for table, data in snapshot.tables.items():
            with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                copy.write(data)
        cursor.execute("SELECT clock_timestamp() - %s", [snapshot.taken_at])
        (elapsed,) = cursor.fetchone()
        for table, columns in snapshot.timestamps.items():
            if columns:
                moved = ", ".join(f'"{column}" = "{column}" + %s' for column in columns)
                cursor.execute(f'UPDATE "{table}" SET {moved}', [elapsed] * len(columns))
