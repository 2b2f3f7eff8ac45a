"""Read replicas (DATABASE_REPLICA_URL): the read-only endpoints read from a streaming standby.

Configured only when DATABASE_REPLICA_URL names one or more databases (aliases `replica_1`,
`replica_2`, ...); with none, nothing here is installed and no request pays for it.

- `ReplicaRouter` (DATABASE_ROUTERS): writes and migrations always go to `default`; reads go
  to a replica only inside a read-only request's scope (a context variable the middleware
  sets), so Celery workers, beat, management commands and every other request use `default`.
- `ReadReplicaMiddleware` (after authentication, so token and session look-ups stay on the
  primary): the endpoints in `READ_ONLY_URL_NAMES` and the web UI's GET pages open the scope.
- The causal gate: after every committed write (every write service calls
  `contracts.access.write`, whose handler `write_recorded` registers an on-commit hook), the
  primary's WAL position is stored in Redis as a monotonic maximum. A read-only request uses a
  replica only when that replica has replayed at least that far, so a client that wrote (a
  publish, a deployment, a verification) and then asks can-i-deploy sees its write. Otherwise,
  or when Redis or the replica cannot be reached, the request reads from the primary.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse

from contracts import access

log = logging.getLogger("accord.replicas")

# The API's read-only endpoints, by URL name (contracts/api/matrix.py, for_verification.py):
# the methods each answers without writing.
READ_ONLY_URL_NAMES: dict[str, frozenset[str]] = {
    "matrix": frozenset({"GET", "HEAD"}),
    "matrix-integration": frozenset({"GET", "HEAD"}),
    "can-i-deploy": frozenset({"GET", "HEAD"}),
    "can-i-deploy-tag-to-tag": frozenset({"GET", "HEAD"}),
    "can-i-deploy-branch-to-environment": frozenset({"GET", "HEAD"}),
    # Pacts for verification is a POST (its body is the selectors) that writes nothing.
    "pacts-for-verification": frozenset({"GET", "HEAD", "POST"}),
}
# Every web UI page read with GET or HEAD, except signing in and out.
UI_PREFIX = "/ui/"
UI_EXCLUDED_URL_NAMES = frozenset({"ui-login", "ui-logout"})

# Where the primary's WAL position after the latest write is kept.
LSN_KEY_PREFIX = "accord:replicas:primary-lsn:"
# SET only when higher: positions are 16 hex digits, so string order is numeric order.
_MAX_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if (not current) or ARGV[1] > current then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
"""

_replica: ContextVar[str | None] = ContextVar("accord_replica", default=None)


def replicas() -> list[str]:
    return list(getattr(settings, "ACCORD_DATABASE_REPLICAS", ()))


def lsn_number(text: str) -> int:
    """A pg_lsn ('16/B374D848') as an integer."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_key() -> str:
    """One key per primary, so brokers sharing a Redis do not gate each other."""
    primary = settings.DATABASES["default"]
    return f"{LSN_KEY_PREFIX}{primary.get('HOST') or 'local'}:{primary.get('PORT') or 5432}/{primary['NAME']}"


# ------------------------------------------------------------------ the router


class ReplicaRouter:
    """Reads inside a read-only request's scope go to its replica; everything else to default."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return _replica.get() or "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # a replica holds the primary's own rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


# ------------------------------------------------------------------ failures, logged once per window


class _Outages:
    """Which dependencies failed recently: skipped (and not logged again) until the window ends."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def down(self, name: str) -> bool:
        until = self._until.get(name)
        return until is not None and time.monotonic() < until

    def failed(self, name: str, exc: BaseException) -> None:
        window = settings.ACCORD_DB_REPLICA_RETRY_SECONDS
        with self._lock:
            if self.down(name):
                return
            self._until[name] = time.monotonic() + window
        log.warning("%s unreachable, reading from the primary for %ss: %s", name, window, exc)

    def recovered(self, name: str) -> None:
        if self._until.pop(name, None) is not None:
            log.info("%s reachable again", name)


outages = _Outages()


# ------------------------------------------------------------------ Redis: the latest write's position

_redis_client: Any = None
_redis_lock = threading.Lock()


def _redis_from_url(url: str) -> Any:
    import redis

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    database = (query.pop("virtual_host", "") or "").strip("/")
    timeout = settings.ACCORD_DB_REPLICA_REDIS_TIMEOUT
    timeouts = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if parts.scheme in {"redis+socket", "socket", "unix"}:
        return redis.Redis(unix_socket_path=parts.path, db=int(database or query.get("db") or 0), **timeouts)
    path = f"/{database}" if database else parts.path
    return redis.Redis.from_url(urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), "")), **timeouts)


def _redis() -> Any:
    """A Redis client for the Celery broker's Redis (kombu's `virtual_host` is its database)."""
    global _redis_client
    if _redis_client is None:
        with _redis_lock:
            if _redis_client is None:
                _redis_client = _redis_from_url(settings.CELERY_BROKER_URL)
    return _redis_client


def _record_primary_lsn() -> None:
    """On commit: store the primary's current WAL position as the maximum seen (never lowers it)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            position = lsn_number(cursor.fetchone()[0])
    except Exception as exc:  # the write committed; the gate then trusts what Redis already holds
        log.warning("the primary's WAL position after a write could not be read: %s", exc)
        return
    try:
        _redis().eval(_MAX_SCRIPT, 1, lsn_key(), f"{position:016x}")
        outages.recovered("redis")
    except Exception as exc:
        outages.failed("redis", exc)


def write_recorded(actor: access.Actor | None, write: access.Write) -> None:
    """An `access` handler: once this write's transaction commits, record the primary's position."""
    transaction.on_commit(_record_primary_lsn)


def primary_lsn() -> int | None:
    """The recorded position (0 when nothing was written yet); None when Redis cannot answer."""
    if outages.down("redis"):
        return None
    try:
        value = _redis().get(lsn_key())
    except Exception as exc:
        outages.failed("redis", exc)
        return None
    outages.recovered("redis")
    return int(value, 16) if value else 0


# ------------------------------------------------------------------ the gate

_turn = random.randrange(1 << 16)


def replica_for_read() -> str | None:
    """A replica that has replayed the latest recorded write, or None (read from the primary)."""
    global _turn
    aliases = [alias for alias in replicas() if not outages.down(alias)]
    if not aliases:
        return None
    needed = primary_lsn()
    if needed is None:
        return None
    _turn += 1
    start = _turn % len(aliases)
    for alias in aliases[start:] + aliases[:start]:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn()")
                replayed = cursor.fetchone()[0]
        except Exception as exc:
            outages.failed(alias, exc)
            try:
                connections[alias].close()
            except Exception:  # noqa: S110 - already broken; the next request reconnects
                pass
            continue
        outages.recovered(alias)
        if replayed is not None and lsn_number(replayed) >= needed:
            return alias
    return None


def read_only(request: HttpRequest) -> bool:
    """Whether this request is one the replicas may answer."""
    match = request.resolver_match
    name = match.url_name if match is not None else None
    methods = READ_ONLY_URL_NAMES.get(name or "")
    if methods is not None:
        return request.method in methods
    return (
        request.path_info.startswith(UI_PREFIX)
        and request.method in ("GET", "HEAD")
        and name not in UI_EXCLUDED_URL_NAMES
    )


class ReadReplicaMiddleware:
    """Open the replica scope for a read-only request's view (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:
            token = request.__dict__.pop("_accord_replica_token", None)
            if token is not None:
                _replica.reset(token)
        gate = getattr(request, "accord_replica_gate", None)
        if gate is not None:
            alias, seconds = gate
            # What the gate chose and what it cost (in-process), for operators and the tests.
            response.headers["Server-Timing"] = f'db-gate;dur={seconds * 1000:.3f};desc="{alias}"'
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if not read_only(request):
            return None
        started = time.perf_counter()
        alias = replica_for_read()
        request.accord_replica_gate = (alias or "default", time.perf_counter() - started)
        if alias is not None:
            request._accord_replica_token = _replica.set(alias)  # type: ignore[attr-defined]
        return None
