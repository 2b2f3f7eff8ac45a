"""The base class of every API view."""

from __future__ import annotations

from rest_framework.views import APIView

from contracts.api.hal import JSON_PARSERS, AlwaysHal, HalJSONRenderer


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
