"""The base class of every API view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.views import APIView

from contracts.api.hal import JSON_PARSERS, AlwaysHal, HalJSONRenderer
from contracts.exceptions import InvalidInput


class BrokerApi(APIView):
    """An APIView that speaks HAL+JSON and takes the JSON bodies the Pact clients send.

    Authentication happens before the view (broker.auth.BasicAuthMiddleware), so DRF's
    own authentication, permissions and CSRF checks are off.
    """

    renderer_classes = [HalJSONRenderer]
    parser_classes = JSON_PARSERS
    content_negotiation_class = AlwaysHal
    authentication_classes: list = []
    permission_classes: list = []


def json_object(data: Any) -> dict:
    """The request body as a dict (an empty body is {}); anything but a JSON object is a 400."""
    if not isinstance(data, Mapping):
        raise InvalidInput({"body": ["must be a JSON object"]})
    return dict(data)
