"""Dependency outages: a lost database or message broker answers 503, never 500.

A request that fails because PostgreSQL or Redis cannot be reached did nothing wrong: the
client should try again shortly. `unavailable_dependency` tells such a failure (a refused
or lost connection, a server that is shutting down or starting up) from errors that are the
request's own (bad data, a statement timeout, a deadlock the services retry), and
`outage_answer` is the answer: 503, `Retry-After`, and a message naming the dependency.

Outages are logged once, not once per request: the first failure is logged, then nothing
until the dependency works again (a new database connection, a task published), which is
logged too. The state is per process, which is what a log line is.
"""

from __future__ import annotations

import logging
import threading

import psycopg
import redis.exceptions
from celery.signals import after_task_publish
from django.db.backends.signals import connection_created
from django.http import HttpResponse, JsonResponse
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger("accord.outage")

DATABASE = "database"
BROKER = "message broker"
# Long enough for the embedded runtime to restart a server, short enough not to stall CI.
RETRY_AFTER_SECONDS = 5

# SQLSTATEs that mean "the server cannot serve this connection", not "this request is wrong":
# class 08 (connection exception), the server shutting down, crashing or starting up, and a
# full connection table. Deadlocks (40P01), serialization failures (40001) and statement
# timeouts (57014) are deliberately absent.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}

_lock = threading.Lock()
_down: set[str] = set()


def _causes(exc: BaseException):
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        yield current
        current, seen = current.__cause__, seen + 1


def _connection_is_broken() -> bool:
    """Whether an open database connection of this thread was lost under it."""
    from django.db import connections

    return any(
        conn.connection is not None and (conn.connection.closed or conn.connection.broken)
        for conn in connections.all(initialized_only=True)
    )


def _database_unavailable(error: psycopg.Error) -> bool:
    if error.sqlstate:
        return error.sqlstate.startswith("08") or error.sqlstate in _UNAVAILABLE_SQLSTATES
    if isinstance(error, psycopg.OperationalError):
        # Raised by the client, without a server error: connecting failed, or the
        # connection broke or was closed under us.
        return True
    if isinstance(error, psycopg.InterfaceError):
        # Usually a programming error (a closed cursor); an outage only when the
        # connection itself is gone.
        bad = error.pgconn is not None and error.pgconn.status == psycopg.pq.ConnStatus.BAD
        return bad or _connection_is_broken()
    return False


def unavailable_dependency(exc: BaseException) -> str | None:
    """DATABASE or BROKER when `exc` means that dependency cannot be reached, else None."""
    for error in _causes(exc):
        if isinstance(error, psycopg.Error):
            return DATABASE if _database_unavailable(error) else None
        if isinstance(error, (BrokerOperationalError, redis.exceptions.ConnectionError)):
            return BROKER
    return None


def outage_message(dependency: str) -> str:
    return f"The {dependency} is unavailable; try again shortly"


def outage_noted(dependency: str, exc: BaseException) -> None:
    """Log the first failure of an outage; later ones stay quiet until recovery."""
    with _lock:
        if dependency in _down:
            return
        _down.add(dependency)
    logger.error(
        "The %s is unavailable (%s: %s); requests that need it answer 503, further failures are not logged until it is back",
        dependency,
        type(exc).__name__,
        " ".join(str(exc).split()),
    )


def recovery_noted(dependency: str) -> None:
    """Log the end of an outage (once), when the dependency worked again."""
    if dependency not in _down:  # the common case, without taking the lock
        return
    with _lock:
        if dependency not in _down:
            return
        _down.discard(dependency)
    logger.warning("The %s is available again", dependency)


def outage_answer(exc: BaseException, response_class: type = JsonResponse) -> HttpResponse | None:
    """The 503 for an exception that means a dependency is down (noted once), else None.

    `response_class` is JsonResponse for plain Django views, DRF's Response for API views
    (contracts.api.errors), so the body is rendered like the view's other answers.
    """
    dependency = unavailable_dependency(exc)
    if dependency is None:
        return None
    outage_noted(dependency, exc)
    response = response_class({"error": outage_message(dependency)}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Django logs every 5xx response (django.request), once per request; the outage was
    # noted once above. This is Django's own marker for a response already logged.
    response._has_been_logged = True
    return response


def _on_connection_created(sender, connection, **kwargs) -> None:
    recovery_noted(DATABASE)


def _on_task_published(sender=None, **kwargs) -> None:
    recovery_noted(BROKER)


connection_created.connect(_on_connection_created, dispatch_uid="accord.outage.database")
after_task_publish.connect(_on_task_published, dispatch_uid="accord.outage.broker", weak=False)


class OnCommitOutageFilter(logging.Filter):
    """Quiet Django's per-request log of a task that could not be queued after commit.

    Work is queued with `transaction.on_commit(send, robust=True)`: during a broker outage
    the request still succeeds (the sweeper re-sends later) and Django logs the error with
    a traceback each time. An outage is logged once instead (`outage_noted`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            return True
        dependency = unavailable_dependency(exc)
        if dependency is None:
            return True
        outage_noted(dependency, exc)
        return False
