"""One exception handler for the API: domain errors and DRF errors to client bodies.

Also Django's handler404 and handler500 (set in broker/urls.py), so that an unknown
path or a crash outside a DRF view answers JSON like every other error.
"""

from __future__ import annotations

import logging
import uuid

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from contracts.api.outage import outage_answer
from contracts.exceptions import BrokerError

logger = logging.getLogger("accord.api")
HAL_CONTENT_TYPE = "application/hal+json; charset=utf-8"
INTERNAL_ERROR = "An internal error occurred"


def json_error(message: str, status: int) -> JsonResponse:
    """`{"error": message}` as HAL+JSON, for views and handlers outside DRF."""
    return JsonResponse({"error": message}, status=status, content_type=HAL_CONTENT_TYPE)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: no route matches the path (or a plain Django view raised Http404)."""
    if isinstance(exception, Resolver404) or not str(exception or ""):
        message = f"No resource at {request.path}: see the index at / for the paths this broker serves"
    else:
        message = str(exception)
    return json_error(message, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a crash outside DRF views (Django's request logger adds the traceback next)."""
    reference = uuid.uuid4().hex[:12]
    logger.error("Unhandled error (reference %s) on %s %s", reference, request.method, request.path)
    return JsonResponse(
        {"error": {"message": INTERNAL_ERROR, "reference": reference}}, status=500, content_type=HAL_CONTENT_TYPE
    )


def exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, BrokerError):
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, Http404):
        return Response({"error": str(exc) or "Not found"}, status=404)
    if isinstance(exc, drf.ParseError):
        return Response({"errors": {"body": [str(exc.detail)]}}, status=400)
    if isinstance(exc, drf.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"base": exc.detail}
        return Response({"errors": detail}, status=400)
    if isinstance(exc, drf.UnsupportedMediaType):
        return Response({"error": f"{exc.detail} Send the body as application/json."}, status=415)
    # The database or broker is down (a refused or lost connection): not the request's
    # fault and not our bug. 503 with Retry-After; logged once per outage.
    outage = outage_answer(exc, Response)
    if outage is not None:
        return outage
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot store (a NUL character, an out-of-range number): the
        # request's transaction has rolled back, so nothing was stored. Input, not our bug.
        logger.info("Refused a value the database cannot store: %s", exc)
        return Response(
            {
                "error": "The request contains a value that cannot be stored (for example a NUL "
                "character or an out-of-range number)"
            },
            status=400,
        )
    if isinstance(exc, drf.APIException):
        response = Response({"error": str(exc.detail)}, status=exc.status_code)
        if isinstance(exc, drf.MethodNotAllowed):
            response["Allow"] = ", ".join(context["view"].allowed_methods)
        return response
    # Anything else is our bug: log it with a reference the client can quote to us.
    reference = uuid.uuid4().hex[:12]
    logger.exception("Unhandled error (reference %s)", reference)
    return Response({"error": {"message": INTERNAL_ERROR, "reference": reference}}, status=500)
