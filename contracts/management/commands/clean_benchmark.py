"""Measure the clean on a big broker while can-i-deploy keeps being asked over HTTP.

    python manage.py clean_benchmark --versions 100000
    python manage.py clean_benchmark --versions 1000000 --verifications 5000000

Uses the API benchmark's data set (`manage.py benchmark`: `<name>_bench`, seeded once and
reused at the same size) and copies it (CREATE DATABASE ... TEMPLATE) into
`<name>_clean_bench` (dropped at the end), which the clean empties, so both benchmarks keep
their data. In the copy each pacticipant's versions are spread evenly over `--history-days`
(730: two years; the seed puts them all within days), so the default keep selectors, with
their 90 days, keep what a broker of that age would.

Then: a dry run; gunicorn serving the copy; can-i-deploy asked by one client back to back
(a consumer's and the hub's latest versions to production: both kept), first with nothing
else running, then during the clean (`manage.py clean` in its own process, every version not
kept, the configured batch size). Prints versions before and after, what went, versions
deleted per second, the clean's time, can-i-deploy p50/p99/max and errors before, during and
after, and whether its answers for the kept versions are the same afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time

import httpx
import psycopg
from django.conf import settings
from django.core.management.base import CommandError

from contracts.benchdata import Shape
from contracts.keep_selectors import DEFAULT_KEEP_SELECTORS
from contracts.management.commands.benchmark import ROOT, Endpoint, _connect
from contracts.management.commands.benchmark import Command as BenchmarkCommand


class Command(BenchmarkCommand):
    help = "Clean a big broker down to what the default keep selectors keep while can-i-deploy is asked over HTTP."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--versions", type=int, default=100_000)
        parser.add_argument("--verifications", type=int, default=None, help="default: 5 x versions")
        parser.add_argument("--consumers", type=int, default=30)
        parser.add_argument("--history-days", type=int, default=730, help="the copy's versions span this many days")
        parser.add_argument("--batch-size", type=int, default=None, help="default: ACCORD_CLEAN_BATCH_SIZE")
        parser.add_argument(
            "--requests", type=int, default=300, help="can-i-deploy requests before and after the clean"
        )
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--reseed", action="store_true", help="seed the API benchmark's data set again")

    def handle(self, *args, **options) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        shape = Shape(options["versions"], options["verifications"] or options["versions"] * 5, options["consumers"])
        name = settings.DATABASES["default"]["NAME"]
        source, copy = f"{name}_bench", f"{name}_clean_bench"
        env = dict(
            os.environ,
            ACCORD_DATABASE_NAME=source,
            DJANGO_SETTINGS_MODULE="broker.settings",
            ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        self._ensure_database(source)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        self._seed(source, shape, options["reseed"])
        self._copy(source, copy)
        self._age(copy, options["history_days"])
        env["ACCORD_DATABASE_NAME"] = copy
        keep = [selector.as_dict() for selector in DEFAULT_KEEP_SELECTORS]
        batch_size = options["batch_size"] or settings.ACCORD_CLEAN_BATCH_SIZE
        dry = self._clean(env, keep, batch_size, dry_run=True)
        self.stdout.write(
            f"  dry run: {dry['counts']['versionsToDelete']:,} of {dry['counts']['totalVersions']:,} versions to "
            f"delete, counted in {dry['seconds']:.1f}s"
        )

        server, base = self._serve(env, options["web_workers"])
        try:
            endpoints = self._endpoints(shape)[:2]  # can-i-deploy: a consumer's and the hub's
            answers_before = [self._answer(base, endpoint) for endpoint in endpoints]
            idle = self._ask(base, endpoints, count=options["requests"])
            stop, during = threading.Event(), Sample()
            asking = threading.Thread(target=self._ask, args=(base, endpoints), kwargs={"stop": stop, "into": during})
            asking.start()
            try:
                result = self._clean(env, keep, batch_size, dry_run=False)
            finally:
                stop.set()
                asking.join(120)
            answers_after = [self._answer(base, endpoint) for endpoint in endpoints]
            after = self._ask(base, endpoints, count=options["requests"])
        finally:
            server.terminate()
            server.wait(timeout=30)
        with _connect(copy) as conn:
            versions_after = conn.execute("SELECT count(*) FROM contracts_version").fetchone()[0]
        with _connect("postgres") as conn:  # the copy is scratch: the next run copies again
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        samples = {"before the clean": idle, "during the clean": during, "after the clean": after}
        self._report_clean(shape, options, batch_size, result, versions_after, samples, answers_before == answers_after)

    # ------------------------------------------------------------ the data set

    def _copy(self, source: str, copy: str) -> None:
        started = time.monotonic()
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            deadline = time.monotonic() + 300
            while True:
                try:
                    conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}" STRATEGY FILE_COPY')
                    break
                except psycopg.errors.ObjectInUse:
                    # Autovacuum may still be working through the fresh seed.
                    if time.monotonic() > deadline:
                        raise CommandError(f"{source} stayed in use; cannot copy it") from None
                    time.sleep(2)
        self.stdout.write(f"  copied {source} to {copy} in {time.monotonic() - started:.1f}s")

    def _age(self, dbname: str, days: int) -> None:
        """Spread each pacticipant's versions evenly over `days`, the newest now (their order stays)."""
        started = time.monotonic()
        with _connect(dbname) as conn:
            conn.execute(
                """UPDATE contracts_version v
                   SET created_at = now() - (x.n - x.k)::float8 / greatest(x.n - 1, 1) * %s * interval '1 day'
                   FROM (SELECT id, row_number() OVER w AS k, count(*) OVER w AS n FROM contracts_version
                         WINDOW w AS (PARTITION BY pacticipant_id ORDER BY id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) x
                   WHERE x.id = v.id""",
                [days],
            )
            conn.execute("VACUUM ANALYZE contracts_version")
        self.stdout.write(f"  spread the versions over {days} days in {time.monotonic() - started:.1f}s")

    @staticmethod
    def _clean(env: dict[str, str], keep: list[dict], batch_size: int, *, dry_run: bool) -> dict:
        command = [
            sys.executable,
            "manage.py",
            "clean",
            "--json",
            "--dry-run" if dry_run else "--no-dry-run",
            "--limit",
            str(10**9),
            "--batch-size",
            str(batch_size),
            "--keep",
            json.dumps(keep),
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"manage.py clean failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout)

    # ------------------------------------------------------------ can-i-deploy

    @staticmethod
    def _answer(base: str, endpoint: Endpoint) -> tuple:
        """What can-i-deploy says: the verdict, its counts and the rows (versions and results)."""
        body = httpx.get(base + endpoint.path, timeout=60, headers={"Accept": "application/hal+json"}).json()
        summary = body["summary"]
        rows = sorted(
            (
                row["consumer"]["name"],
                row["consumer"]["version"]["number"],
                (row["provider"].get("version") or {}).get("number"),
                (row.get("verificationResult") or {}).get("success"),
            )
            for row in body["matrix"]
        )
        return summary["deployable"], summary["success"], summary["failed"], summary["unknown"], rows

    @staticmethod
    def _ask(
        base: str,
        endpoints: list[Endpoint],
        *,
        count: int | None = None,
        stop: threading.Event | None = None,
        into: Sample | None = None,
    ) -> Sample:
        """Ask each endpoint in turn, back to back, `count` times or until `stop`."""
        sample = into or Sample()
        with httpx.Client(base_url=base, timeout=60, headers={"Accept": "application/hal+json"}) as client:
            for endpoint in endpoints:  # warm-up, not measured
                client.get(endpoint.path)
            asked = 0
            while (count is None or asked < count) and not (stop is not None and stop.is_set()):
                endpoint = endpoints[asked % len(endpoints)]
                started = time.perf_counter()
                try:
                    ok = client.get(endpoint.path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                sample.add((time.perf_counter() - started) * 1000, ok)
                asked += 1
        return sample

    # ------------------------------------------------------------ the report

    def _report_clean(
        self,
        shape: Shape,
        options: dict,
        batch_size: int,
        result: dict,
        versions_after: int,
        samples: dict[str, Sample],
        same_answers: bool,
    ) -> None:
        write = self.stdout.write
        counts, deleted, seconds = result["counts"], result["deleted"], result["seconds"]
        write(
            f"\nAccord clean benchmark: {shape.versions:,} versions ({shape.consumers} consumers x {shape.steps:,} + "
            f"{shape.provider_versions:,} provider), ~{shape.verifications:,} verifications, the versions spread "
            f"over {options['history_days']} days; the default keep selectors; batches of {batch_size}; "
            f"{options['web_workers']} gunicorn workers\n"
        )
        write(f"versions before          {counts['totalVersions']:>12,}")
        write(f"versions after           {versions_after:>12,}   (kept by the selectors: {counts['versionsToKeep']:,})")
        write(f"versions deleted         {deleted['versions']:>12,}   in {result['batches']:,} batches")
        others = ", ".join(
            f"{deleted[kind]:,} {label}"
            for kind, label in (
                ("publications", "pacts"),
                ("contracts", "contents"),
                ("verifications", "verification results"),
                ("branchVersions", "branch memberships"),
                ("deployments", "ended deployments"),
                ("releases", "ended releases"),
                ("tags", "tags"),
            )
        )
        write(f"  with                   {others}")
        write(f"clean time               {seconds:>12.1f} s")
        write(f"versions deleted / s     {deleted['versions'] / seconds if seconds else 0:>12,.0f}")
        rows = sum(deleted.values())
        write(f"rows deleted / s         {rows / seconds if seconds else 0:>12,.0f}   ({rows:,} rows)")
        header = f"\n{'can-i-deploy over HTTP (1 client)':<36} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}"
        write(header)
        write("-" * (len(header) - 1))
        for label, sample in samples.items():
            write(f"{label:<36} {sample.summary()}")
        write(f"\nits answers for the kept versions afterwards: {'the same' if same_answers else 'DIFFERENT'}")
        if not same_answers:
            raise CommandError("can-i-deploy answered differently after the clean")


class Sample:
    """Latencies and errors of requests, safe to add to from one thread while another reads at the end."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self._lock = threading.Lock()

    def add(self, milliseconds: float, ok: bool) -> None:
        with self._lock:
            self.latencies.append(milliseconds)
            self.errors += 0 if ok else 1

    def summary(self) -> str:
        ordered = sorted(self.latencies)
        if not ordered:
            return f"{0:>9}"
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return f"{len(ordered):>9,} {statistics.median(ordered):>8.1f} {p99:>8.1f} {ordered[-1]:>8.1f} {self.errors:>7}"
