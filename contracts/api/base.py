"""The base class of every API view."""

from __future__ import annotations

from django.http import HttpResponseBase
from rest_framework.response import Response
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

    def finalize_response(self, request, response, *args, **kwargs) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.add_post_render_callback(release_references)
        return response


def release_references(response: Response) -> None:
    """Once a response is rendered, drop the references DRF leaves between the view, its
    request and the response, so that a request's objects are freed as soon as the server
    lets go of them.

    DRF links them in cycles (the view holds the response, the response's renderer context
    holds the view and the response, the request's parser context holds the request), which
    only the garbage collector can free: a hub's can-i-deploy body is ~700 dicts and lists,
    and in a web worker they piled up until the collector's next pass freed thousands at
    once, a 5-7 ms pause in one request out of every ~30. `tests/api/test_reference_cycles`
    holds every endpoint of the benchmark to no cyclic garbage at all.
    """
    context = response.renderer_context or {}
    response.renderer_context = {}
    view = context.get("view")
    if view is not None:
        view.__dict__.clear()  # its request, response and `head` (a bound method of itself)
    request = context.get("request")
    if request is not None and request.parser_context is not None:
        request.parser_context = {}
