"""Cursors for the SQL written out by hand in selectors.

A raw `connection.cursor()` ignores the database routers, so inside a read-only request it
would read from the primary while the ORM's queries of the same request read from a replica
(broker/replicas.py). Every hand-written read goes through `read_cursor` instead.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Model


def read_cursor(model: type[Model]) -> CursorWrapper:
    """A cursor on the database the routers read `model` from (the primary without replicas)."""
    return connections[router.db_for_read(model)].cursor()
