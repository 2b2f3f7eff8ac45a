"""Measure the web UI's pages at scale: the home page, the network page, a big contract page.

    python manage.py ui_benchmark                         # 1,000 applications, 3,000 integrations, 1M versions
    python manage.py ui_benchmark --versions 100000 --requests 50

Seeds a separate database (default `<name>_ui_bench`, left in place so later runs of the
same shape reuse it; --reseed seeds again) with ui.bench, then times each page
in-process (server time: see ui/bench.py) and prints p50, p99, the time in SQL and the
statements per request.
"""

from __future__ import annotations

import time
import warnings

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from contracts.benchdata import NetworkShape
from contracts.management.commands.benchmark import _connect, on_database
from ui import bench


class Command(BaseCommand):
    help = "Seed many applications and measure the web UI's pages (server time, p50/p99, SQL)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--applications", type=int, default=1000)
        parser.add_argument("--integrations", type=int, default=3000)
        parser.add_argument("--versions", type=int, default=1_000_000, help="in total, over all applications")
        parser.add_argument("--interactions", type=int, default=500, help="in the big pact")
        parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
        parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per page first")
        parser.add_argument("--database", default=None, help="default: <the configured name>_ui_bench")
        parser.add_argument("--reseed", action="store_true", help="seed again even if the shape is the same")

    def handle(self, *args, **options) -> None:
        try:
            # The big pact's consumer version is the last of `versions`.
            shape = NetworkShape(options["applications"], options["integrations"], options["versions"] - 1)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1")
        # WhiteNoise warns that static files were never collected: the pages do not need them here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        dbname = options["database"] or f"{settings.DATABASES['default']['NAME']}_ui_bench"
        self._ensure_database(dbname)
        with on_database(dbname):
            call_command("migrate", interactive=False, verbosity=0)
            self._seed(dbname, shape, options)
            self.stdout.write("")
            self.stdout.write(f"UI benchmark on {dbname}: {bench.data_summary()}")
            started = time.monotonic()
            measured = bench.run(options["requests"], options["warmup"])
            for line in bench.table(measured, options["requests"], options["warmup"]):
                self.stdout.write(line)
            self.stdout.write(f"\nmeasured in {time.monotonic() - started:.0f}s")

    @staticmethod
    def _ensure_database(dbname: str) -> None:
        with _connect("postgres") as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')

    def _seed(self, dbname: str, shape: NetworkShape, options: dict) -> None:
        wanted = bench.marker(shape, options["interactions"])
        if bench.seeded_marker() == wanted and not options["reseed"]:
            self.stdout.write(f"reusing the data set seeded in {dbname} (--reseed seeds it again)")
            return
        self.stdout.write(f"seeding {dbname}: {wanted}")
        seconds = bench.seed(shape, options["interactions"], self.stdout.write)
        self.stdout.write(f"seeded in {seconds:.0f}s")
