"""The flush after each transactional test must hold while another process is still writing.

A Celery worker of the suite may still be finishing the last test's task (a webhook delivery
adding its execution row) when pytest-django empties the tables. tests/conftest.py replaces
the TRUNCATE with DELETEs under EXCLUSIVE table locks; without those locks a child row added
between the deletes survives them, and the commit fails on its foreign key.
"""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections

from contracts.models import Pacticipant, Version
from tests.conftest import _referencing_first

PARENT, CHILD = Pacticipant._meta.db_table, Version._meta.db_table


def _keep_adding_versions(stop: threading.Event, added: list[int], failures: list[BaseException]) -> None:
    try:
        while not stop.is_set():
            parent = Pacticipant.objects.order_by("id").first() or Pacticipant.objects.create(name="Writer")
            try:
                Version.objects.create(pacticipant_id=parent.id, number=f"v{len(added)}")
                added.append(parent.id)
            except Exception as error:  # the flush deleted the parent meanwhile
                if "foreign key" not in str(error):
                    raise
    except BaseException as error:
        failures.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db
def test_tables_are_locked_and_emptied_before_the_tables_they_reference():
    ordered = _referencing_first(connection.introspection.django_table_names(only_existing=True))
    assert ordered.index(CHILD) < ordered.index(PARENT)
    assert ordered.index("webhooks_webhookexecution") < ordered.index("webhooks_triggeredwebhook")


@pytest.mark.django_db(transaction=True)
def test_the_flush_holds_while_another_connection_keeps_writing():
    # The versions are emptied first, then (after a pause that gives the writer every chance to
    # add one under a parent that is about to go) the pacticipants.
    statements = connection.ops.sql_flush(no_style(), [CHILD, PARENT])
    paused = [*statements[:-1], "SELECT pg_sleep(0.05);", statements[-1]]
    assert paused[-1] == f'DELETE FROM "{PARENT}";'

    stop, added, failures = threading.Event(), [], []
    writer = threading.Thread(target=_keep_adding_versions, args=(stop, added, failures))
    writer.start()
    try:
        for _ in range(20):
            while not Version.objects.exists():
                assert writer.is_alive(), failures
            connection.ops.execute_sql_flush(paused)
    finally:
        stop.set()
        writer.join(timeout=30)

    assert not writer.is_alive()
    assert failures == []
    assert len(added) >= 20  # the writer had a version in before every one of the flushes
    call_command("flush", interactive=False, verbosity=0)
    assert not Version.objects.exists() and not Pacticipant.objects.exists()
