"""The web UI's benchmark (`manage.py ui_benchmark`): seed many applications, time the pages.

Seeding: contracts.benchdata's NetworkShape (set-based SQL: applications, versions,
integrations, pacts, verifications, deployments, the integration summaries), then, through
the real services and models, what SQL should not fake: live targets and drift incidents
on the busiest providers, and one big pact (`interactions` HTTP interactions with provider
states, matching rules and generators) published by a new version of one of the busiest
provider's consumers, with three verification results carrying per-interaction testResults.

Measuring: server time, the time Django takes to handle a request. django.test.Client sends
each request in-process through the whole middleware stack and the URL resolver, view and
template, as a gunicorn worker would but without the socket and the WSGI server; the
database connection stays open between requests, as a worker's does. Requests run one at a
time, after a few unmeasured warm-up requests; an execute wrapper counts each request's SQL
statements and the time spent in them.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from contracts.benchdata import NetworkShape, network_statements
from contracts.models import (
    Contract,
    ContractPublication,
    Environment,
    Integration,
    Label,
    Pacticipant,
    Verification,
    Version,
)
from contracts.services.publication import contracts_publish, prepare_contract
from contracts.services.verifications import verification_record
from drift.models import DriftIncident, LiveTarget
from ui.network_views import FULL_GRAPH_LIMIT

# Bump when the seeding changes: a database seeded by an older revision is seeded again.
SEED_REVISION = 2
META_TABLE = "accord_bench_meta"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DRIFT_HUBS = 20  # providers with live targets (staging and production)
DRIFTING_HUBS = 5  # ... of which these have open incidents in production
FAILING_INTERACTIONS = 5  # in the newest verification of the big pact

Write = Callable[[str], None]


# ---------------------------------------------------------------- seeding


def marker(shape: NetworkShape, interactions: int) -> str:
    """What a seeded database records about its data set (reused only when equal)."""
    return json.dumps(
        {
            "kind": "ui",
            "revision": SEED_REVISION,
            "applications": shape.applications,
            "integrations": shape.integrations,
            "versions": shape.versions,
            "interactions": interactions,
        },
        sort_keys=True,
    )


def seeded_marker() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (shape text)")
        cursor.execute(f"SELECT shape FROM {META_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def seed(shape: NetworkShape, interactions: int, write: Write) -> float:
    """Seed the data set on Django's connection (emptying its tables first); the seconds it took.

    `shape.versions` counts the SQL-seeded versions; the big pact's consumer version is one more.
    """
    started = time.monotonic()
    with connection.cursor() as cursor:
        # The big statements sort millions of rows: give them memory, and no time limit.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        try:
            for description, sql in network_statements(shape):
                step = time.monotonic()
                cursor.execute(sql)
                write(f"  {description}: {time.monotonic() - step:.1f}s")
        finally:
            cursor.execute("RESET statement_timeout")
            cursor.execute("RESET work_mem")
            cursor.execute("RESET maintenance_work_mem")
    step = time.monotonic()
    _seed_drift()
    write(f"  live targets and drift incidents: {time.monotonic() - step:.1f}s")
    step = time.monotonic()
    _seed_big_pact(interactions)
    write(f"  the {interactions}-interaction pact and its verifications: {time.monotonic() - step:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (shape text)")
        cursor.execute(f"DELETE FROM {META_TABLE}")
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES (%s)", [marker(shape, interactions)])
    return time.monotonic() - started


def _busiest_providers(limit: int) -> list[int]:
    """The providers with the most consumers (ties by id)."""
    rows = Integration.objects.values("provider_id").annotate(n=Count("id")).order_by("-n", "provider_id")
    return [row["provider_id"] for row in rows[:limit]]


def _seed_drift() -> None:
    """Live targets in staging and production for the busiest providers, with every last
    status a target shows, and open or acknowledged incidents for a few of their consumers."""
    environments = {env.name: env for env in Environment.objects.filter(name__in=("staging", "production"))}
    hubs = _busiest_providers(DRIFT_HUBS)
    names = dict(Pacticipant.objects.filter(id__in=hubs).values_list("id", "name"))
    now = timezone.now()
    statuses = ["passed", "passed", "unreachable", None]
    targets = LiveTarget.objects.bulk_create(
        [
            LiveTarget(
                provider_id=hub,
                environment=env,
                base_url=f"https://{names[hub]}.{env.name}.example.com",
                last_status="drifted" if n < DRIFTING_HUBS and env.production else statuses[n % len(statuses)],
                last_run_at=now - timedelta(minutes=n),
            )
            for n, hub in enumerate(hubs)
            for env in environments.values()
        ]
    )
    production = {t.provider_id: t for t in targets if t.environment.production}
    incidents = []
    for n, hub in enumerate(hubs[:DRIFTING_HUBS]):
        consumers = Integration.objects.filter(provider_id=hub).order_by("consumer_id")
        for m, consumer_id in enumerate(consumers.values_list("consumer_id", flat=True)[:3]):
            incidents.append(
                DriftIncident(
                    consumer_id=consumer_id,
                    provider_id=hub,
                    environment=production[hub].environment,
                    target=production[hub],
                    interaction_key=f"{n:02d}{m:02d}".ljust(40, "0"),
                    description="a request for item 1",
                    provider_states=[{"name": "an item exists", "params": {"id": 1}}],
                    method="GET",
                    path="/items/1",
                    status="acknowledged" if m == 2 else "open",
                    opened_at=now - timedelta(hours=n + m + 1),
                    opened_by_run_uuid=uuid.uuid4(),
                    mismatches=[{"type": "BodyMismatch", "path": "$.name", "expected": "item 1", "actual": None}],
                )
            )
    DriftIncident.objects.bulk_create(incidents)


def big_pact(consumer: str, provider: str, count: int) -> dict[str, Any]:
    """A v3 pact of `count` HTTP interactions as a consumer's test suite writes them: reads,
    creates, updates and deletes of a few resources, provider states with parameters,
    request and response matching rules, generators."""
    resources = ("orders", "customers", "invoices", "shipments", "products")
    interactions = []
    for n in range(count):
        resource = resources[n % len(resources)]
        kind = (n // len(resources)) % 5
        item = {"id": n, "name": f"{resource[:-1]} {n}", "status": "open", "createdAt": "2026-01-02T10:00:00"}
        body_rules = {
            "$.id": {"matchers": [{"match": "integer"}]},
            "$.name": {"matchers": [{"match": "type"}]},
            "$.status": {"matchers": [{"match": "regex", "regex": "open|closed|cancelled"}]},
            "$.createdAt": {"matchers": [{"match": "timestamp", "timestamp": "yyyy-MM-dd'T'HH:mm:ss"}]},
        }
        state = {"name": f"a {resource[:-1]} exists", "params": {"id": n}}
        headers = {"Accept": "application/json", "Authorization": "Bearer token"}
        request: dict[str, Any]
        response: dict[str, Any]
        if kind == 0:
            description = f"a request for {resource[:-1]} {n}"
            request = {"method": "GET", "path": f"/{resource}/{n}", "headers": headers}
            response = {"status": 200, "body": item, "matchingRules": {"body": body_rules}}
            states = [state]
        elif kind == 1:
            description = f"a search of {resource} page {n}"
            request = {"method": "GET", "path": f"/{resource}", "query": {"page": [str(n)], "size": ["20"]}}
            request["headers"] = headers
            response = {
                "status": 200,
                "body": {"items": [item, item], "page": n},
                "matchingRules": {
                    "body": {
                        "$.items": {"matchers": [{"match": "type", "min": 1}]},
                        "$.items[*].id": {"matchers": [{"match": "integer"}]},
                        "$.page": {"matchers": [{"match": "integer"}]},
                    }
                },
            }
            states = [{"name": f"{resource} exist", "params": {"count": 40}}]
        elif kind == 2:
            description = f"a request to create {resource[:-1]} {n}"
            request = {
                "method": "POST",
                "path": f"/{resource}",
                "headers": {**headers, "Content-Type": "application/json"},
                "body": {"name": item["name"]},
            }
            response = {
                "status": 201,
                "headers": {"Location": f"/{resource}/{n}"},
                "body": item,
                "matchingRules": {
                    "body": body_rules,
                    "header": {"Location": {"matchers": [{"match": "regex", "regex": f"/{resource}/\\d+"}]}},
                },
                "generators": {"body": {"$.id": {"type": "RandomInt", "min": 1, "max": 100000}}},
            }
            states = []
        elif kind == 3:
            description = f"a request to update {resource[:-1]} {n}"
            request = {
                "method": "PUT",
                "path": f"/{resource}/{n}",
                "headers": {**headers, "Content-Type": "application/json"},
                "body": {**item, "status": "closed"},
                "matchingRules": {"path": {"matchers": [{"match": "regex", "regex": f"/{resource}/\\d+"}]}},
            }
            response = {"status": 200, "body": {**item, "status": "closed"}, "matchingRules": {"body": body_rules}}
            states = [state, {"name": "the user may write", "params": {"role": "admin"}}]
        else:
            description = f"a request for missing {resource[:-1]} {n}"
            request = {"method": "GET", "path": f"/{resource}/{n + 100000}", "headers": headers}
            response = {"status": 404, "body": {"error": "not found"}}
            states = [{"name": f"no {resource[:-1]} {n + 100000} exists"}]
        response.setdefault("headers", {})["Content-Type"] = "application/json"
        interaction: dict[str, Any] = {"description": description, "request": request, "response": response}
        if states:
            interaction["providerStates"] = states
        interactions.append(interaction)
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}, "pactRust": {"ffi": "0.4.22"}},
    }


def _test_results(contract: Contract, failing: int) -> list[dict[str, Any]]:
    """testResults as the Rust verifier publishes them; the last `failing` interactions fail."""
    elements = json.loads(contract.document)["interactions"]
    results = []
    for n, element in enumerate(elements):
        entry: dict[str, Any] = {
            "interactionId": element["_id"],
            "interactionDescription": element["description"],
            "success": n < len(elements) - failing,
        }
        if not entry["success"]:
            entry["mismatches"] = [
                {"attribute": "body", "identifier": "$.status", "description": "Expected 'open' but received 'OPEN'"},
                {"attribute": "status", "description": "expected 200 but was 500"},
            ]
        results.append(entry)
    return results


def _seed_big_pact(interactions: int) -> None:
    """The big pact, published by a new version of the busiest provider's first consumer,
    and verified by the provider's three newest versions (the newest with failures)."""
    hub = _busiest_providers(1)[0]
    integration = Integration.objects.filter(provider_id=hub).select_related("consumer", "provider").order_by("id")[0]
    consumer, provider = integration.consumer, integration.provider
    number = f"1.0.{Version.objects.filter(pacticipant=consumer).count() + 1}"
    raw = json.dumps(big_pact(consumer.name, provider.name, interactions))
    prepared = prepare_contract(raw, consumer_name=consumer.name, provider_name=provider.name)
    result = contracts_publish(
        pacticipant_name=consumer.name, version_number=number, branch="main", contracts=[prepared]
    )
    contract = result.contracts[0].publication.contract
    numbers = list(Version.objects.filter(pacticipant=provider).order_by("-id").values_list("number", flat=True)[:3])
    for n, provider_version in enumerate(reversed(numbers)):
        failing = FAILING_INTERACTIONS if n == len(numbers) - 1 else 0
        verification_record(
            contract=contract,
            provider_version_number=provider_version,
            success=not failing,
            build_url=f"https://ci.example.com/{provider.name}/builds/{1000 + n}",
            test_results=_test_results(contract, min(failing, interactions)),
            verified_by={"implementation": "Pact-Rust", "version": "1.2.5"},
        )


# ---------------------------------------------------------------- measuring


@dataclass
class Page:
    name: str
    path: str
    note: str = ""
    times: list[float] = field(default_factory=list)  # ms
    sql_times: list[float] = field(default_factory=list)  # ms
    queries: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    size: int = 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class _Counter:
    """An execute wrapper: how many statements ran and how long they took."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def pages(client: Client) -> list[Page]:
    """The pages measured, named after the seeded data (the busiest provider, the big pact)."""
    hub = Pacticipant.objects.get(id=_busiest_providers(1)[0]).name
    big = Contract.objects.select_related("consumer", "provider").order_by("-interactions_count", "id")[0]
    names = set(Pacticipant.objects.values_list("name", flat=True))
    term = "pay" if any("pay" in name for name in names) else hub[:3]
    matching = Integration.objects.filter(consumer__name__icontains=term) | Integration.objects.filter(
        provider__name__icontains=term
    )
    statuses = dict(Integration.objects.values_list("verification_status").annotate(n=Count("id")))
    first = client.get("/")
    found = re.search(r'rel="next" href="/\?([^"]+)"', first.content.decode())
    after = found.group(1).replace("&amp;", "&") if found else ""
    labels = set(Label.objects.values_list("name", flat=True))
    label = "tier-1" if "tier-1" in labels else min(labels)
    whole = "the picker and the table" if len(names) > FULL_GRAPH_LIMIT else "drawn whole"
    contract = f"/ui/pacts/provider/{quote(big.provider.name)}/consumer/{quote(big.consumer.name)}/latest"
    return [
        Page("home, first page", "/"),
        *([Page("home, next page (keyset cursor)", f"/?{after}")] if after else []),
        Page("home, search", f"/?q={term}", f"{matching.distinct().count():,} integrations match"),
        Page("home, status filter", "/?status=failed", f"{statuses.get('failed', 0):,} failed"),
        Page("home, label filter", f"/?label={label}"),
        Page("home, environment filter", "/?environment=production"),
        Page("home, sorted by latest pact", "/?sort=latest_pact"),
        Page("network, whole system", "/ui/network", f"{len(names):,} applications: {whole}"),
        Page("network, whole graph drawn", "/ui/network?all=1"),
        Page("network, one neighbourhood", "/ui/network?" + urlencode({"around": hub, "depth": 1}), hub),
        Page(f"contract, {big.interactions_count} interactions", contract, f"{big.consumer.name} -> {hub}"),
    ]


def measure(client: Client, page: Page, requests: int, warmup: int) -> None:
    """Time `requests` requests of the page (after `warmup` unmeasured ones)."""
    for _ in range(warmup):
        response = client.get(page.path)
        if response.status_code != 200:
            raise RuntimeError(f"{page.path} answered {response.status_code}: {response.content[:300]!r}")
    for _ in range(requests):
        counter = _Counter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(page.path)
            elapsed = time.perf_counter() - started
        page.times.append(elapsed * 1000)
        page.sql_times.append(counter.seconds * 1000)
        page.queries.append(counter.count)
        page.statuses[response.status_code] += 1
        page.size = len(response.content)


def run(requests: int, warmup: int) -> list[Page]:
    """Measure every page on Django's connection (the seeded database)."""
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client = Client(headers=HTML)
        measured = pages(client)
        for page in measured:
            measure(client, page, requests, warmup)
    return measured


def data_summary() -> str:
    statuses = dict(Integration.objects.values_list("verification_status").annotate(n=Count("id")))
    mix = ", ".join(f"{status} {statuses.get(status, 0):,}" for status in sorted(statuses, key=lambda s: -statuses[s]))
    return (
        f"{Pacticipant.objects.count():,} applications, {Integration.objects.count():,} integrations ({mix}), "
        f"{Version.objects.count():,} versions, {ContractPublication.objects.count():,} pact publications "
        f"of {Contract.objects.count():,} contents, {Verification.objects.count():,} verification results, "
        f"{LiveTarget.objects.count()} live targets, {DriftIncident.objects.count()} drift incidents"
    )


def table(measured: list[Page], requests: int, warmup: int) -> list[str]:
    """The report: one row per page, then the paths."""
    header = f"{'page':<36} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'SQL p50':>8} {'queries':>8} {'KB':>6}  status"
    lines = [
        "server time: in-process, django.test.Client through the full middleware stack (no socket, no WSGI "
        f"server); {requests} requests per page one at a time, after {warmup} warm-up requests; "
        "SQL p50: time in the database",
        f"machine: {os.cpu_count()} CPUs; PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000} "
        "on the same machine",
        "",
        header,
        "-" * len(header),
    ]
    for page in measured:
        queries = sorted(set(page.queries))
        sql = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
        statuses = ",".join(f"{code}x{count}" for code, count in sorted(page.statuses.items()))
        lines.append(
            f"{page.name:<36} {statistics.median(page.times):>8.1f} {percentile(page.times, 0.99):>8.1f} "
            f"{max(page.times):>8.1f} {statistics.median(page.sql_times):>8.1f} {sql:>8} "
            f"{page.size / 1024:>6.0f}  {statuses}"
        )
    lines += ["", "pages:"]
    lines += [f"  {page.name}: {page.path}" + (f"  ({page.note})" if page.note else "") for page in measured]
    return lines
