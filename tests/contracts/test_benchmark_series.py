"""`manage.py benchmark --series` at a tiny size, so that it cannot rot: it seeds a database of
its own, serves it with gunicorn, drives every endpoint of the series with 1 and 2 client
processes, measures the raw-SQL floor of every request and prints one table against the goals.
The figures themselves are not asserted: speed is measured by the command, not by tests."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import postgres_connection

ENDPOINTS = ["web floor (heartbeat)", "can-i-deploy", "matrix", "pacts for verification", "publish"]
FLOORED = ["can-i-deploy", "matrix", "pacts for verification", "publish"]


@pytest.fixture
def bench_database(transactional_db) -> Iterator[str]:
    """A database of its own, dropped afterwards (the command measures through its own server
    and points this process's connection at it to capture statements: no test transaction)."""
    name = f"{connection.settings_dict['NAME']}_series"
    yield name
    with postgres_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_series_drives_every_endpoint_and_prints_one_table_with_the_floors(bench_database):
    out = io.StringIO()
    call_command(
        "benchmark",
        versions=600,
        consumers=8,
        database=bench_database,
        series=True,
        series_clients="1,2",
        seconds=1.0,
        stdout=out,
    )
    text = out.getvalue()
    assert "Accord benchmark series: 600 versions" in text
    for endpoint in ENDPOINTS:
        for clients in (1, 2):
            # endpoint, clients, p50, p99, req/s, and no request answered other than 2xx
            row = re.search(rf"^{re.escape(endpoint)} +{clients} +(\d+\.\d) +(\d+\.\d) +(\d+) +0 ", text, re.M)
            assert row is not None, f"{endpoint} x{clients} missing or with errors:\n{text}"
            assert int(row.group(3)) > 0
    # The goals name 1 and 8 clients: here only can-i-deploy's single-client one applies.
    assert re.search(r"^can-i-deploy +1 .* p50 <= 4 ms +(yes|NO) *$", text, re.M), text
    assert not re.search(r"^can-i-deploy +2 .*(yes|NO) *$", text, re.M), text
    # Deadlocks over the whole series, on the busiest publish row; none, so nothing failed.
    assert re.search(r"^publish +2 .*  0 deadlocks *$", text, re.M), text
    for endpoint in FLOORED:
        for clients in (1, 2):
            rolled_back = ", each run rolled back" if endpoint == "publish" else ""
            floor = (
                rf"^{re.escape(endpoint)} raw-SQL floor \((\d+) statements from psycopg{rolled_back}\), "
                rf"{clients} client\(s\): "
            )
            found = re.search(floor + r"p50 \d+\.\d\d ms, p99 \d+\.\d\d ms, \d+/s; HTTP is \d+\.\dx", text, re.M)
            assert found is not None and int(found.group(1)) > 0, f"{endpoint} floor x{clients}:\n{text}"
