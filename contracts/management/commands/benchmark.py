"""Measure can-i-deploy, the matrix and pacts-for-verification over HTTP at scale.

    python manage.py benchmark --versions 100000            # seed (once) and measure
    python manage.py benchmark --versions 1000000 --verifications 5000000 --clients 4
    python manage.py benchmark --versions 100000 --series   # 1, 2 and 8 clients, against the goals

Seeds a separate database (default `<name>_bench`, left in place so later runs at the
same size reuse it), serves it with gunicorn, and drives it with concurrent HTTP
clients. Prints p50/p99 latency, throughput and the SQL statements each request ran
(the server reports them in X-Accord-Queries). Query counts must not grow with the data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contracts import benchseries
from contracts.benchdata import HUB, Shape, statements

ROOT = Path(settings.BASE_DIR)


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: dict | None = None
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def _conninfo(dbname: str) -> str:
    """The default database's server, database `dbname`."""
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    return psycopg.conninfo.make_conninfo(dbname=dbname, **{k: str(v) for k, v in params.items() if v})


def _connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(_conninfo(dbname), autocommit=True)


def _subjects(shape: Shape) -> tuple[str, str, str]:
    """The consumer the matrix is asked about, its latest version and the hub's latest."""
    consumer = "Consumer007" if shape.consumers >= 7 else "Consumer001"
    return consumer, f"c{shape.steps}", f"p{shape.provider_versions}"


def _for_verification_body() -> dict:
    """Pacts for verification as a provider's CI asks: main branch, deployed or released,
    pending and WIP (the last 30 days)."""
    return {
        "consumerVersionSelectors": [{"mainBranch": True}, {"deployedOrReleased": True}],
        "includePendingStatus": True,
        "includeWipPactsSince": (date.today() - timedelta(days=30)).isoformat(),
        "providerVersionBranch": "main",
    }


@contextlib.contextmanager
def on_database(dbname: str) -> Iterator[None]:
    """This process's default connection pointed at another database of its server, then back."""
    from django.db import connection

    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = dbname
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


class Command(BaseCommand):
    help = "Seed a large data set and measure the hot read endpoints over HTTP."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--versions", type=int, default=100_000)
        parser.add_argument("--verifications", type=int, default=None, help="default: 5 x versions")
        parser.add_argument("--consumers", type=int, default=30)
        parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
        parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--database", default=None)
        parser.add_argument("--reseed", action="store_true")
        parser.add_argument(
            "--series",
            action="store_true",
            help="can-i-deploy, the matrix, pacts for verification and publishing with 1, 2 and 8 client "
            "processes for --seconds each, the raw-SQL floor of each, one table against the goals",
        )
        parser.add_argument("--series-clients", default="1,2,8")
        parser.add_argument(
            "--endpoints",
            default="",
            help="only these of the series, comma-separated (web floor, can-i-deploy, matrix, "
            "pacts for verification, publish)",
        )
        parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per run of the series")

    def handle(self, *args, **options) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        shape = Shape(options["versions"], options["verifications"] or options["versions"] * 5, options["consumers"])
        dbname = options["database"] or f"{settings.DATABASES['default']['NAME']}_bench"
        env = dict(
            os.environ,
            ACCORD_DATABASE_NAME=dbname,
            DJANGO_SETTINGS_MODULE="broker.settings",
            ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        if not options["series"]:
            # The statement counts per request (X-Accord-Queries). The series reports none, and
            # serves as production does: without the counting middleware.
            env["ACCORD_QUERY_COUNT_HEADER"] = "true"
        self._ensure_database(dbname)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        self._seed(dbname, shape, options["reseed"])
        server, base = self._serve(env, options["web_workers"])
        if options["series"]:
            try:
                self._series(base, dbname, shape, options)
            finally:
                server.terminate()
                server.wait(timeout=30)
            return
        try:
            endpoints = self._endpoints(shape)
            for endpoint in endpoints:
                self._measure(base, endpoint, options["requests"], options["clients"])
            self._report(shape, endpoints, options)
        finally:
            server.terminate()
            server.wait(timeout=30)

    def _serve(self, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
        """gunicorn on a free port with `env` (its database); the server and its base URL, once it answers."""
        port = self._free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "broker.wsgi:application",
                "--config",
                "python:broker.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            self._wait(base)
        except BaseException:
            server.terminate()
            server.wait(timeout=30)
            raise
        return server, base

    def _ensure_database(self, dbname: str) -> None:
        with _connect("postgres") as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')

    def _seed(self, dbname: str, shape: Shape, reseed: bool) -> None:
        marker = json.dumps(
            {"versions": shape.versions, "verifications": shape.verifications, "consumers": shape.consumers}
        )
        with _connect(dbname) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS accord_bench_meta (shape text)")
            current = conn.execute("SELECT shape FROM accord_bench_meta").fetchone()
            if current and current[0] == marker and not reseed:
                self.stdout.write(f"reusing the seeded data set in {dbname}")
                return
            conn.execute("SET statement_timeout = 0")
            for description, sql in statements(shape):
                started = time.monotonic()
                conn.execute(sql)
                self.stdout.write(f"  seeded {description} in {time.monotonic() - started:.1f}s")
            conn.execute("DELETE FROM accord_bench_meta")
            conn.execute("INSERT INTO accord_bench_meta VALUES (%s)", [marker])

    @staticmethod
    def _free_port() -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    @staticmethod
    def _wait(base: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/diagnostic/status/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise CommandError("the benchmark server did not start")

    @staticmethod
    def _endpoints(shape: Shape) -> list[Endpoint]:
        consumer, latest_c, latest_p = _subjects(shape)
        return [
            Endpoint(
                "can-i-deploy consumer -> production",
                "GET",
                f"/can-i-deploy?pacticipant={consumer}&version={latest_c}&environment=production",
            ),
            Endpoint(
                f"can-i-deploy {HUB} ({shape.consumers} consumers) -> production",
                "GET",
                f"/can-i-deploy?pacticipant={HUB}&version={latest_p}&environment=production",
            ),
            Endpoint(
                "matrix (Rust CLI query) -> production",
                "GET",
                f"/matrix?q[][pacticipant]={consumer}&q[][version]={latest_c}&latestby=cvpv&environment=production",
            ),
            Endpoint(
                "matrix (Ruby CLI query, --branch) -> production",
                "GET",
                f"/matrix?q[][pacticipant]={consumer}&q[][latest]=true&q[][branch]=main&latestby=cvp"
                "&environment=production",
            ),
            Endpoint(
                f"pacts for verification {HUB} (pending + WIP)",
                "POST",
                f"/pacts/provider/{HUB}/for-verification",
                _for_verification_body(),
            ),
        ]

    @staticmethod
    def _measure(base: str, endpoint: Endpoint, requests: int, clients: int) -> None:
        lock = threading.Lock()
        remaining = [requests]

        def worker() -> None:
            with httpx.Client(base_url=base, timeout=60, headers={"Accept": "application/hal+json"}) as client:
                for _ in range(5):  # warm-up, not measured
                    client.request(endpoint.method, endpoint.path, json=endpoint.body)
                while True:
                    with lock:
                        if remaining[0] <= 0:
                            return
                        remaining[0] -= 1
                    started = time.perf_counter()
                    response = client.request(endpoint.method, endpoint.path, json=endpoint.body)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        endpoint.latencies.append(elapsed)
                        endpoint.statuses[response.status_code] = endpoint.statuses.get(response.status_code, 0) + 1
                        if "x-accord-queries" in response.headers:
                            endpoint.queries.append(int(response.headers["x-accord-queries"]))

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        endpoint.wall = time.perf_counter() - started  # type: ignore[attr-defined]
        random.shuffle(endpoint.latencies)

    def _report(self, shape: Shape, endpoints: list[Endpoint], options: dict) -> None:
        self.stdout.write(
            f"\nAccord benchmark: {shape.versions:,} versions ({shape.consumers} consumers x {shape.steps:,} + "
            f"{shape.provider_versions:,} provider), ~{shape.verifications:,} verifications; "
            f"{options['clients']} concurrent clients, {options['requests']} requests per endpoint, "
            f"{options['web_workers']} gunicorn workers\n"
        )
        header = f"{'endpoint':<52} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7} {'SQL/req':>8}  status"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for endpoint in endpoints:
            ordered = sorted(endpoint.latencies)
            p50 = statistics.median(ordered)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            queries = sorted(set(endpoint.queries))
            sql = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}" if queries else "?"
            statuses = ",".join(f"{code}x{count}" for code, count in sorted(endpoint.statuses.items()))
            rate = len(ordered) / endpoint.wall  # type: ignore[attr-defined]
            self.stdout.write(
                f"{endpoint.name:<52} {p50:>8.1f} {p99:>8.1f} {ordered[-1]:>8.1f} {rate:>7.1f} {sql:>8}  {statuses}"
            )

    # ------------------------------------------------------------------ the series

    GOALS = {
        ("can-i-deploy", 1): ("p50 <= 4 ms", lambda o: o.p50 <= 4),
        ("can-i-deploy", 8): ("p99 <= 50 ms, >= 300/s", lambda o: o.p99 <= 50 and o.rate >= 300),
        ("matrix", 8): ("p99 <= 20 ms", lambda o: o.p99 <= 20),
        ("pacts for verification", 8): ("p99 <= 100 ms", lambda o: o.p99 <= 100),
        ("publish", 8): (">= 200/s, 0 errors", lambda o: o.rate >= 200 and o.errors == 0),
    }

    # The requests whose raw-SQL floor the series measures.
    FLOORED = ("can-i-deploy", "matrix", "pacts for verification", "publish")

    def _series(self, base: str, dbname: str, shape: Shape, options: dict) -> None:
        consumer, latest_c, latest_p = _subjects(shape)
        cid_path = f"/can-i-deploy?pacticipant={HUB}&version={latest_p}&environment=production"
        loads = [
            # What the web layer alone costs: every middleware, no view work, no database.
            benchseries.Load("web floor (heartbeat)", "GET", "/diagnostic/status/heartbeat"),
            benchseries.Load("can-i-deploy", "GET", cid_path),
            benchseries.Load(
                "matrix",
                "GET",
                f"/matrix?q[][pacticipant]={consumer}&q[][version]={latest_c}"
                f"&q[][pacticipant]={HUB}&q[][latest]=true&latestby=cvpv",
            ),
            benchseries.Load(
                "pacts for verification",
                "POST",
                f"/pacts/provider/{HUB}/for-verification",
                _for_verification_body(),
            ),
            benchseries.Load("publish", "POST", "/contracts/publish", publish=True),
        ]
        wanted = {name.strip() for name in options["endpoints"].split(",") if name.strip()}
        loads = [load for load in loads if not wanted or load.name in wanted]
        clients = [int(n) for n in options["series_clients"].split(",")]
        run_id = time.strftime("%Y%m%d%H%M%S")
        outcomes: list[benchseries.Outcome] = []
        deadlocks_before = self._deadlocks(dbname)
        for load in loads:
            for count in clients:
                outcome = benchseries.drive(base, load, count, options["seconds"], run_id, "BenchPublishTarget")
                outcomes.append(outcome)
                self.stdout.write(
                    f"  {load.name:<24} {count} client(s): p50 {outcome.p50:.1f} ms, p99 {outcome.p99:.1f} ms, "
                    f"{outcome.rate:.0f}/s, {outcome.errors} errors"
                )
        deadlocks = self._deadlocks(dbname) - deadlocks_before
        # The raw-SQL floor of each read: its statements, captured from the real view, replayed
        # from psycopg by as many processes. A publish's are captured in transactions rolled
        # back, one publish per client process (a new version of a consumer of its own, so
        # no two wait on one unique key), and replayed in transactions rolled back too.
        floors: list[tuple[benchseries.Outcome, int]] = []
        conninfo = _conninfo(dbname)
        for load in loads:
            if load.name not in self.FLOORED:
                continue
            if load.publish:
                scripts = [
                    self._captured_statements(dbname, load, publish_as=(index, run_id)) for index in range(max(clients))
                ]
            else:
                scripts = [self._captured_statements(dbname, load)]
            for count in (1, max(clients)):
                outcome = benchseries.floor(
                    conninfo, scripts, count, options["seconds"], name=load.name, rollback=load.publish
                )
                floors.append((outcome, len(scripts[0])))
        self._series_report(shape, options, outcomes, floors, deadlocks)

    @staticmethod
    def _deadlocks(dbname: str) -> int:
        with _connect(dbname) as conn:
            return conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [dbname]).fetchone()[0]

    @staticmethod
    def _captured_statements(
        dbname: str, load: benchseries.Load, publish_as: tuple[int, str] | None = None
    ) -> list[benchseries.Statement]:
        """The SQL one request of the load runs, from the real view in this process, as sent.

        `publish_as` (client index, run id): a publish of a new version of the index's own
        consumer, in a transaction rolled back; its savepoints are left out (a real publish
        is a transaction of its own)."""
        from django.db import connection, transaction
        from django.test import Client
        from django.test.utils import override_settings

        from contracts.reading import PreparedCursor, as_bound

        if publish_as is not None:
            index, run_id = publish_as
            body = benchseries.publish_body(
                f"BenchFloorPublisher{index:02d}", f"{run_id}.floor.{index}", "BenchPublishTarget", index
            ).decode()
        else:
            body = json.dumps(load.body) if load.body is not None else ""
        captured: list[benchseries.Statement] = []

        def record(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                return result
            cursor = context["cursor"].cursor
            if isinstance(cursor, psycopg.ClientCursor):  # the ORM's: the values inlined, as sent
                captured.append(benchseries.Statement(connection.ops.last_executed_query(cursor, sql, params)))
            else:  # bound server-side: replayed with its parameters
                prepared = isinstance(cursor, PreparedCursor)
                captured.append(benchseries.Statement(sql, as_bound(params) if prepared else params, prepared=prepared))
            return result

        def request():
            return client.generic(load.method, load.path, body, content_type="application/json")

        with on_database(dbname), override_settings(ALLOWED_HOSTS=["testserver"]):
            client = Client(HTTP_ACCEPT="application/hal+json")
            if publish_as is None:
                request()  # warm
                with connection.execute_wrapper(record):
                    response = request()
            else:
                with transaction.atomic(), connection.execute_wrapper(record):
                    response = request()
                    transaction.set_rollback(True)
        if response.status_code != 200:
            raise CommandError(f"{load.name} answered {response.status_code} in this process")
        return captured

    def _series_report(self, shape, options, outcomes, floors, deadlocks) -> None:
        self.stdout.write(
            f"\nAccord benchmark series: {shape.versions:,} versions ({shape.consumers} consumers x {shape.steps:,} + "
            f"{shape.provider_versions:,} provider), ~{shape.verifications:,} verifications; "
            f"{options['web_workers']} gunicorn workers; each run {options['seconds']:.0f} s after a warm-up; "
            "the clients are processes on the same machine\n"
        )
        header = (
            f"{'endpoint':<24} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7} {'errors':>7}  "
            f"{'goal':<24} {'met':<4}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for outcome in outcomes:
            goal = self.GOALS.get((outcome.name, outcome.clients))
            text, met = (goal[0], "yes" if goal[1](outcome) else "NO") if goal else ("", "")
            if outcome.name == "publish" and outcome.clients == max(o.clients for o in outcomes):
                # Deadlocks are counted over the whole series: shown on its busiest publish row.
                text = f"{text}, {deadlocks} deadlocks" if text else f"{deadlocks} deadlocks"
                if goal or deadlocks:
                    met = "yes" if met == "yes" and deadlocks == 0 else "NO"
            self.stdout.write(
                f"{outcome.name:<24} {outcome.clients:>7} {outcome.p50:>8.1f} {outcome.p99:>8.1f} "
                f"{outcome.rate:>7.0f} {outcome.errors:>7}  {text:<24} {met:<4}"
            )
        self.stdout.write("")
        by_load = {(o.name, o.clients): o for o in outcomes}
        for floor, statement_count in floors:
            http = by_load.get((floor.name, floor.clients))
            ratio = (
                f"{http.p50 / floor.p50:.1f}x the floor's p50, {floor.rate / http.rate:.1f}x fewer/s" if http else ""
            )
            self.stdout.write(
                f"{floor.name} raw-SQL floor ({statement_count} statements from psycopg"
                f"{', each run rolled back' if floor.name == 'publish' else ''}), {floor.clients} client(s): "
                f"p50 {floor.p50:.2f} ms, p99 {floor.p99:.2f} ms, {floor.rate:.0f}/s; HTTP is {ratio}"
            )
