"""Measure drift monitoring's scheduler and runner: beat's tick, live runs on real workers.

    python manage.py drift_benchmark                     # 200 targets, 10 consumers x 20 interactions
    python manage.py drift_benchmark --targets 50 --workers 1 --rate 50

Builds a fresh database (`<name>_drift_bench`): `--targets` live targets (providers x
environments) among `--idle-targets` more that are not due, each environment with
`--consumers` consumer versions deployed whose pacts hold `--interactions` GETs each. A
local provider process answers them and measures the request rate each target really
sent. Then one tick makes every busy target due, and `--workers` real Celery workers
(one process each) run the live runs. Prints the tick's cost, runs per minute per
worker, interactions replayed per second, and the most requests any target sent in one
second against its limit.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.management.commands.benchmark import _connect

ROOT = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "Measure the drift scheduler (beat's tick) and live runs on real workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--targets", type=int, default=200, help="live targets that run")
        parser.add_argument("--idle-targets", type=int, default=9800, help="more targets, not due")
        parser.add_argument("--consumers", type=int, default=10)
        parser.add_argument("--interactions", type=int, default=20, help="per consumer pact")
        parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
        parser.add_argument("--rate", type=float, default=100.0, help="each target's rateLimitPerSecond")
        parser.add_argument("--database", default=None)

    def handle(self, *args, **options) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        dbname = options["database"] or f"{settings.DATABASES['default']['NAME']}_drift_bench"
        queue = f"drift-bench-{os.getpid()}"
        env = dict(
            os.environ, ACCORD_DATABASE_NAME=dbname, DJANGO_SETTINGS_MODULE="broker.settings",
            ACCORD_DRIFT_QUEUE=queue, ACCORD_OUTBOUND_ALLOW="127.0.0.1", ACCORD_LOG_LEVEL="WARNING",
        )  # fmt: skip
        self._fresh_database(dbname)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        connections["default"].close()
        connections["default"].settings_dict["NAME"] = dbname
        settings.ACCORD_DRIFT_QUEUE = queue
        settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]

        folder = Path(tempfile.mkdtemp(prefix="accord-drift-bench-"))
        provider = subprocess.Popen([sys.executable, "-m", "drift.bench", str(folder / "port")], cwd=ROOT)
        processes: list[subprocess.Popen] = [provider]
        try:
            url = self._provider_url(folder / "port")
            started = time.monotonic()
            targets = self._seed(options, url)
            self.stdout.write(f"seeded {len(targets)} targets (+{options['idle_targets']} idle) in "
                              f"{time.monotonic() - started:.1f}s")  # fmt: skip
            idle_tick = self._tick_cost(due=False)
            for n in range(options["workers"]):
                processes.append(self._worker(env, queue, f"bench-{n}", folder))
            self._wait_for_workers(options["workers"])
            from drift.models import LiveTarget

            LiveTarget.objects.filter(id__in=targets).update(next_run_at=timezone.now() - timedelta(seconds=1))
            busy_tick, tick_queries, ran_at = self._tick_cost(due=True)
            self._report(options, url, targets, idle_tick, (busy_tick, tick_queries), ran_at)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)

    def _fresh_database(self, dbname: str) -> None:
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')

    @staticmethod
    def _provider_url(port_file: Path) -> str:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text():
                return f"http://127.0.0.1:{port_file.read_text()}"
            time.sleep(0.05)
        raise CommandError("the benchmark provider did not start")

    def _seed(self, options: dict, url: str) -> list[int]:
        from contracts.models import Environment, Pacticipant
        from contracts.services.deployments import deployment_record
        from contracts.services.publication import contracts_publish, prepare_contract
        from contracts.services.versions import version_find_or_create
        from drift.bench import pact
        from drift.models import LiveTarget
        from drift.services.targets import live_target_put

        environments_count = 10
        providers = [f"Provider{n:03d}" for n in range(max(1, -(-options["targets"] // environments_count)))]
        environments = [
            Environment.objects.create(name=f"env{n:02d}", production=n == 0) for n in range(environments_count)
        ]
        for c in range(options["consumers"]):
            consumer = f"Consumer{c:02d}"
            prepared = [prepare_contract(pact(consumer, p, options["interactions"]), consumer_name=consumer,
                                         provider_name=p) for p in providers]  # fmt: skip
            result = contracts_publish(pacticipant_name=consumer, version_number="1.0.0", contracts=prepared)
            for environment in environments:
                deployment_record(version=result.version, environment=environment)
        ids = []
        for n in range(options["targets"]):
            provider = Pacticipant.objects.get(name=providers[n // environments_count])
            environment = environments[n % environments_count]
            version, _ = version_find_or_create(pacticipant=provider, number="2.0.0")
            deployment_record(version=version, environment=environment)
            target, _ = live_target_put(
                provider=provider, environment=environment, base_url=url, headers={"X-Target": str(n)},
                rate_limit_per_second=options["rate"], schedule_text="15m",
            )  # fmt: skip
            ids.append(target.id)
        idle = options["idle_targets"]
        if idle:
            spare_envs = Environment.objects.bulk_create(
                [Environment(name=f"idle{n:04d}", production=False) for n in range(-(-idle // 100))]
            )
            spare = Pacticipant.objects.bulk_create([Pacticipant(name=f"IdleProvider{n:03d}") for n in range(100)])
            later = timezone.now() + timedelta(hours=1)
            LiveTarget.objects.bulk_create(
                [
                    LiveTarget(
                        provider=spare[n % 100],
                        environment=spare_envs[n // 100],
                        base_url=url,
                        next_run_at=later + timedelta(seconds=n % 900),
                    )  # fmt: skip
                    for n in range(idle)
                ],
                batch_size=2000,
            )
        connection.cursor().execute("ANALYZE")
        return ids

    def _tick_cost(self, *, due: bool):
        from drift.services.runs import tick

        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            counts = tick()
            elapsed = time.monotonic() - started
        if not due:
            return elapsed
        return elapsed, (len(queries), counts), time.monotonic()

    @staticmethod
    def _worker(env: dict, queue: str, name: str, folder: Path) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "broker", "worker", "--loglevel", "WARNING",
                   "--concurrency", "1", "--hostname", f"{name}@%h", "--without-mingle", "--without-gossip",
                   "--queues", queue]  # fmt: skip
        log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    @staticmethod
    def _wait_for_workers(count: int) -> None:
        from celery import current_app as app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(app.control.ping(timeout=0.5) or []) >= count:
                return
        raise CommandError("the benchmark workers did not answer")

    def _report(self, options: dict, url: str, targets: list[int], idle_tick: float, tick, ran_at: float) -> None:
        from django.db.models import Max, Min, Sum

        from drift.models import LiveRun

        busy_tick, (tick_queries, counts) = tick
        runs = LiveRun.objects.filter(target_id__in=targets)
        deadline = time.monotonic() + 3600
        while runs.filter(finished_at__isnull=True).exists():
            if time.monotonic() > deadline:
                raise CommandError("the live runs did not finish within an hour")
            time.sleep(0.5)
        wall = time.monotonic() - ran_at
        figures = runs.aggregate(
            replayed=Sum("interactions_replayed"), first=Min("started_at"), last=Max("finished_at")
        )
        statuses = dict(runs.values_list("status").annotate(n=Sum(1)).values_list("status", "n"))
        stats = httpx.get(url + "/_bench/stats", timeout=10).json()
        worst = max((s["maxPerSecond"] for s in stats.values()), default=0)
        total = len(targets)
        workers = options["workers"]
        w = self.stdout.write
        w("")
        w(f"targets: {total} running + {options['idle_targets']} idle; {options['consumers']} consumers x "
          f"{options['interactions']} interactions each; {workers} worker process(es); limit {options['rate']:g}/s")  # fmt: skip
        w(f"beat tick, nothing due ({total + options['idle_targets']} targets): {idle_tick * 1000:.1f} ms")
        w(f"beat tick, {counts['started']} due: {busy_tick * 1000:.1f} ms, {tick_queries} SQL statements "
          f"(creating and queueing every run)")  # fmt: skip
        w(f"runs: {statuses}; all finished {wall:.1f}s after the tick")
        w(f"runs per minute per worker: {total / wall * 60 / workers:.1f}")
        w(f"interactions replayed per second: {(figures['replayed'] or 0) / wall:.1f} (total {figures['replayed']})")
        w(f"most requests any target started within one second: {worst} (its limit: {options['rate']:g}/s)")
