"""Health endpoints, at the Pact Broker's paths.

heartbeat: liveness for load balancers; touches nothing but this process.
dependencies: readiness; the database, the Celery broker, and a worker round trip.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from broker.celery import app as celery_app

HAL = "application/hal+json;charset=utf-8"


@require_safe
def heartbeat(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "_links": {"self": {"href": request.build_absolute_uri()}}}, content_type=HAL)


def _timed(check) -> dict[str, Any]:
    started = time.monotonic()
    try:
        detail = check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; say which
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "ms": _ms(started)}
    return {"ok": True, "ms": _ms(started), **(detail or {})}


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _workers() -> dict[str, Any]:
    replies = celery_app.control.ping(timeout=1.5)
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise RuntimeError("no Celery worker answered a ping within 1.5 s")
    return {"workers": workers}


@require_safe
def dependencies(request: HttpRequest) -> JsonResponse:
    database = _timed(_database)
    broker = _timed(_broker)
    worker = _timed(_workers) if broker["ok"] else {"ok": False, "error": "broker unreachable"}
    # Readiness of the web tier depends on the database and the broker; a missing worker
    # is reported (background work will wait) without taking the web tier out of service.
    ok = database["ok"] and broker["ok"]
    body = {
        "ok": ok,
        "degraded": ok and not worker["ok"],
        "dependencies": {"database": database, "broker": broker, "worker": worker},
        "_links": {"self": {"href": request.build_absolute_uri()}},
    }
    return JsonResponse(body, status=200 if ok else 503, content_type=HAL)
