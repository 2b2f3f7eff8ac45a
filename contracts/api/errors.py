"""One exception handler for the API: domain errors and DRF errors to client bodies."""

from __future__ import annotations

import logging
import uuid

from django.db import DataError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from broker.outage import outage_answer
from contracts.exceptions import BrokerError

logger = logging.getLogger("accord.api")


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
    return Response({"error": {"message": "An internal error occurred", "reference": reference}}, status=500)
