"""The benchmark's series: each hot endpoint with 1, 2 and 8 concurrent clients, and the raw-SQL floor.

Used by `manage.py benchmark --series`. The clients are processes (not threads of this one,
which would share one interpreter lock and measure themselves), each holding one keep-alive
HTTP/1.1 connection made with the standard library's http.client, the cheapest client there
is, because the load generator runs on the same two cores as the broker and its database.

Each run lasts a fixed time after a warm-up; its latencies are those of every request
answered in that time. Publishing writes a new consumer version per request (a new version
of one of 40 consumers, with one of 10 contents), so it measures the write path, its locks
and its content deduplication, not a repeat of one idempotent request.

The floor is what the database alone costs: the statements one request runs, captured
from the real view, executed in order from psycopg over the same socket, with no web layer,
by as many client processes, each statement parsed and planned as Accord's are: the ORM's
with their values inlined, planned on every run; the hand-written reads prepared with their
parameters and run with generic plans (contracts/reading.py).
"""

from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
import multiprocessing.pool
import os
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psycopg

HUB_PUBLISHERS = 40
PUBLISH_CONTENTS = 10


@dataclass
class Load:
    """One endpoint to drive: what each request is."""

    name: str
    method: str
    path: str
    body: dict | None = None
    publish: bool = False  # a new consumer version per request (path is /contracts/publish)


@dataclass
class Outcome:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # ms, every request answered in the run
    errors: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def _pact(consumer: str, provider: str, variant: int) -> str:
    interactions = [
        {
            "description": f"a request for order {n}",
            "providerState": "an order exists" if n % 2 else None,
            "request": {"method": "GET", "path": f"/orders/{n}", "headers": {"Accept": "application/json"}},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": {"id": n, "status": "open", "lines": [{"sku": f"sku-{variant}", "quantity": n}]},
            },
        }
        for n in range(1, 6)
    ]
    for item in interactions:
        if item["providerState"] is None:
            del item["providerState"]
    document = {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }
    return json.dumps(document)


def publish_body(consumer: str, version: str, provider: str, variant: int) -> bytes:
    content = base64.b64encode(_pact(consumer, provider, variant).encode()).decode()
    return json.dumps(
        {
            "pacticipantName": consumer,
            "pacticipantVersionNumber": version,
            "branch": "main",
            "buildUrl": f"https://ci.example/builds/{version}",
            "contracts": [
                {
                    "consumerName": consumer,
                    "providerName": provider,
                    "specification": "pact",
                    "contentType": "application/json",
                    "content": content,
                }
            ],
        }
    ).encode()


def _client(args: tuple) -> tuple[list[float], int, dict[int, int]]:
    """One client process: warm up, then send requests until the end time."""
    base, load, index, run_id, start_at, end_at, provider = args
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Accept": "application/hal+json", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    sent = 0

    def one() -> tuple[float, int]:
        nonlocal sent, conn
        sent += 1
        if load.publish:
            consumer = f"BenchPublisher{(index * 7 + sent) % HUB_PUBLISHERS:02d}"
            body = publish_body(consumer, f"{run_id}.{index}.{sent}", provider, sent % PUBLISH_CONTENTS)
        else:
            body = json.dumps(load.body).encode() if load.body is not None else None
        started = time.perf_counter()
        try:
            conn.request(load.method, load.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            status = 0
        return (time.perf_counter() - started) * 1000, status

    while time.time() < start_at:  # warm-up until every client is connected and warm
        one()
    while time.time() < end_at:
        elapsed, status = one()
        latencies.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
        if not 200 <= status < 300:
            errors += 1
    conn.close()
    return latencies, errors, statuses


def _setup_django() -> None:
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        import django

        django.setup()


def _ready(_: int) -> None:
    """A moment's wait: run once by each client process that has started, so each takes one."""
    time.sleep(0.1)


def _pool(clients: int) -> multiprocessing.pool.Pool:
    """`clients` fresh client processes, every one started before this returns.

    Spawned, not forked: a fork would inherit the parent's open connections (a test process
    holds Celery's Redis connections), and kombu's after-fork clean-up closes them by
    reading from a socket the parent still owns, which hung the child forever. Django is
    set up in each (without connecting): a captured statement's parameters may be Django's
    (a JSON field's adapter)."""
    pool = multiprocessing.get_context("spawn").Pool(clients, initializer=_setup_django)
    pool.map(_ready, range(clients), chunksize=1)
    return pool


def drive(
    base: str, load: Load, clients: int, seconds: float, run_id: str, provider: str, warmup: float = 1.5
) -> Outcome:
    """`clients` processes send `load` for `seconds` (after `warmup`) as fast as answered."""
    with _pool(clients) as pool:
        start_at = time.time() + warmup
        end_at = start_at + seconds
        jobs = [(base, load, index, run_id, start_at, end_at, provider) for index in range(clients)]
        results = pool.map(_client, jobs)
    outcome = Outcome(load.name, clients, seconds=seconds)
    for latencies, errors, statuses in results:
        outcome.latencies += latencies
        outcome.errors += errors
        for status, count in statuses.items():
            outcome.statuses[status] = outcome.statuses.get(status, 0) + count
    return outcome


@dataclass(frozen=True)
class Statement:
    """One statement as a request runs it: literal SQL (`params` None), or SQL bound server-side
    with its parameters, and whether it is prepared."""

    sql: str
    params: object = None
    prepared: bool = False


def _floor_client(args: tuple) -> list[float]:
    conninfo, statements, rollback, start_at, end_at = args
    latencies: list[float] = []
    # Literal statements are never prepared: psycopg would prepare one run five times, and a
    # prepared statement of literal values keeps its plan, so the floor would skip the
    # parsing and planning that every real request pays for them (the next question names
    # another version). The prepared reads are prepared, with generic plans, as Accord's.
    with psycopg.connect(
        conninfo,
        autocommit=not rollback,
        prepare_threshold=1 << 30,
        options="-c plan_cache_mode=force_generic_plan",
    ) as conn:

        def one() -> float:
            started = time.perf_counter()
            for statement in statements:
                cursor = conn.execute(statement.sql, statement.params, prepare=statement.prepared)
                if cursor.description is not None:
                    cursor.fetchall()
            if rollback:
                conn.rollback()
            return (time.perf_counter() - started) * 1000

        while time.time() < start_at:
            one()
        while time.time() < end_at:
            latencies.append(one())
    return latencies


def floor(
    conninfo: str,
    scripts: list[list[Statement]],
    clients: int,
    seconds: float,
    warmup: float = 1.0,
    name: str = "raw SQL floor",
    *,
    rollback: bool = False,
) -> Outcome:
    """Each client process runs one script (the statements of one request, in order; the
    scripts in turn), straight from psycopg: what a request costs the database. `rollback`:
    each run is a transaction rolled back, so that a write replays the same work every time
    (minus the commit's flush and the deferred foreign key checks: a lower bound)."""
    with _pool(clients) as pool:
        start_at = time.time() + warmup
        end_at = start_at + seconds
        jobs = [(conninfo, scripts[index % len(scripts)], rollback, start_at, end_at) for index in range(clients)]
        results = pool.map(_floor_client, jobs)
    outcome = Outcome(name, clients, seconds=seconds)
    for latencies in results:
        outcome.latencies += latencies
    return outcome
