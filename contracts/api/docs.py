"""API views: `/doc/{rel}`, the pages the curies of HAL resources point at.

Index, pact, pacticipant and version resources link `/doc/{rel}?context=...`, webhook
collections `/doc/webhooks-{rel}`; the texts are in contracts/api/doc_pages/.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from contracts.api.base import BrokerApi
from contracts.api.doc_pages import CONTEXTS, doc_page
from contracts.api.errors import json_error
from contracts.api.inputs import Input, Text, parse
from contracts.api.links import Links


class DocQuery(Input):
    """The resource whose curie led here: a relation can mean something else in another resource."""

    context = Text(required=False, allow_blank=True, help_text=f"One of {', '.join(CONTEXTS)}; others are ignored")


HTML_PAGE = OpenApiResponse(response={"type": "string"}, description="An HTML page about the relation")


class DocApi(BrokerApi):
    """GET /doc/{rel}[?context=...]: an HTML page about a relation; JSON 404 for unknown ones."""

    @extend_schema(parameters=[DocQuery], responses={(200, "text/html"): HTML_PAGE})
    def get(self, request: Request, rel: str) -> HttpResponse:
        context = parse(DocQuery, request.query_params).get("context")
        # A curie expands `pb:publish-contracts` to /doc/publish-contracts; people also type
        # the relation as the index names it.
        prefix, _, bare = rel.partition(":")
        if bare and prefix in ("pb", "beta", "accord"):
            rel = bare
        page = doc_page(rel, context)
        if page is None:
            return json_error(f"No documentation for the relation '{rel}'", 404)
        html = render_to_string(
            "contracts/doc.html",
            {
                "page": page,
                "rel": rel,
                # Only known contexts are shown: the page does not echo arbitrary text back.
                "context": context if context in CONTEXTS else None,
                "index_href": Links(request).route("index"),
                "openapi_href": Links(request).route("openapi-ui"),
            },
        )
        return HttpResponse(html, content_type="text/html; charset=utf-8")


urlpatterns = [path("doc/<seg:rel>", DocApi.as_view(), name="doc")]
