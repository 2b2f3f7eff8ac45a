"""The hand-written reads' cursor (contracts/reading.py): prepared once per connection, run
with a generic plan, logged like any other statement; bound client-side when told not to."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from contracts.models import Pacticipant
from contracts.reading import PreparedCursor, read_cursor

SQL = "SELECT name FROM contracts_pacticipant WHERE name = ANY(%s::text[]) ORDER BY name"


def _prepared(fragment: str) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


def test_a_hand_written_read_is_prepared_and_runs_with_a_generic_plan(db):
    Pacticipant.objects.create(name="Alpha")
    Pacticipant.objects.create(name="Beta")
    for names in (["Alpha"], ["Alpha", "Beta"], ["Gamma"]):
        with read_cursor(Pacticipant) as cursor:
            assert isinstance(cursor.cursor, PreparedCursor)
            cursor.execute(SQL + " /* generic */", [names])
            found = [name for (name,) in cursor.fetchall()]
        assert found == sorted(set(names) & {"Alpha", "Beta"})
    # One statement, prepared on its first run, planned generically every time.
    assert _prepared("ORDER BY name /* generic */") == [(3, 0)]


def test_a_prepared_read_is_logged_with_its_placeholders(db):
    with CaptureQueriesContext(connection) as captured, read_cursor(Pacticipant) as cursor:
        cursor.execute(SQL + " /* logged */", [["Alpha"]])
        assert cursor.fetchall() == []
    assert [query["sql"] for query in captured.captured_queries] == [
        "SELECT name FROM contracts_pacticipant WHERE name = ANY($1::text[]) ORDER BY name /* logged */"
    ]


def test_reads_are_bound_client_side_when_prepared_reads_are_off(db):
    Pacticipant.objects.create(name="Alpha")
    with override_settings(ACCORD_DB_PREPARED_READS=False), read_cursor(Pacticipant) as cursor:
        assert not isinstance(cursor.cursor, PreparedCursor)
        cursor.execute(SQL + " /* unprepared */", [["Alpha"]])
        assert cursor.fetchall() == [("Alpha",)]
    assert _prepared("unprepared") == []


def test_a_bad_prepared_read_raises_djangos_error_and_leaves_the_connection_usable(db):
    with pytest.raises(ProgrammingError, match="no_such_column"), transaction.atomic():
        with read_cursor(Pacticipant) as cursor:
            cursor.execute("SELECT no_such_column FROM contracts_pacticipant WHERE id = %s", [1])
    Pacticipant.objects.create(name="Alpha")
    with read_cursor(Pacticipant) as cursor:
        cursor.execute(SQL + " /* after an error */", [["Alpha"]])
        assert cursor.fetchall() == [("Alpha",)]


def test_int_and_bool_lists_are_sent_as_array_text_and_prepared_once_whatever_their_size(db):
    first = Pacticipant.objects.create(name="Alpha")
    sql = "SELECT k.id, k.flag FROM unnest(%s::bigint[], %s::boolean[]) AS k(id, flag) /* arrays */"
    # A small int, then one past int4: psycopg would type them int2[] and int8[], two statements.
    for ids, flags in (([first.id, 7], [True, False]), ([2**40], [False]), ([], [])):
        with read_cursor(Pacticipant) as cursor:
            cursor.execute(sql, [ids, flags])
            assert cursor.fetchall() == list(zip(ids, flags, strict=True))
    assert _prepared("/* arrays */") == [(3, 0)]


def test_other_lists_keep_psycopgs_own_adaptation(db):
    with read_cursor(Pacticipant) as cursor:
        cursor.execute("SELECT unnest(%s::text[]) /* texts */", [["a,b", "{c}", 'd"e']])
        assert [value for (value,) in cursor.fetchall()] == ["a,b", "{c}", 'd"e']
