"""GET /openapi.json (the OpenAPI 3.1 document) and GET /openapi (a page to browse and try it).

Both answer what they are whatever the Accept header asks, like the rest of the API: a
Pact client sending `Accept: application/hal+json` gets the document, not a 406.
"""

from __future__ import annotations

from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import BaseContentNegotiation


class FirstRenderer(BaseContentNegotiation):
    """Render with the view's first renderer; parse nothing (these views take no body)."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OpenApiDocument(SpectacularJSONAPIView):
    content_negotiation_class = FirstRenderer
    # application/json first: what tools (and people with curl) expect.
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer]


class OpenApiPage(SpectacularSwaggerSplitView):
    """Swagger UI, its start-up script served from `?script` rather than inline (the page's
    Content-Security-Policy allows scripts from this site only)."""

    content_negotiation_class = FirstRenderer
    url_name = "openapi"
    title = "Accord API"
