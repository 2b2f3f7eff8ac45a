"""API views: integrations, the consumer/provider pairs of the network (api spec 3.16).

`GET /integrations` lists them as HAL, or as a Graphviz DOT graph of the network for
`Accept: text/vnd.graphviz`; `DELETE /integrations/provider/P/consumer/C` deletes one
pair's contract data, and `DELETE /integrations` deletes all data, as in the Pact Broker.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.hal import HAL_JSON
from contracts.api.inputs import parse
from contracts.api.links import Links
from contracts.api.negotiation import preferred_media_type
from contracts.api.pacticipants import PAGE, Pagination, SearchQuery
from contracts.api.schema import STRING, collection, hal
from contracts.models import Integration
from contracts.selectors.integrations import integration_get, integrations_list
from contracts.services.integrations import integration_delete, integrations_delete_all

GRAPHVIZ = "text/vnd.graphviz"
# A DOT ID that needs no quotes; anything else (spaces, '-', '/', keywords) is quoted.
_BARE_DOT_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def integration_body(links: Links, integration: Integration) -> dict:
    """One integration: the pair's names and links to what Accord has about it.

    The Pact Broker's `pb:dashboard` (a UI resource Accord does not have) is left out;
    `pb:matrix` is absolute here, where upstream's lacks the base URL.
    """
    consumer, provider = integration.consumer.name, integration.provider.name
    pair = {"provider": provider, "consumer": consumer}
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "_links": {
            "pb:consumer": {"title": "Consumer", "name": consumer, "href": links.route("pacticipant", name=consumer)},
            "pb:provider": {"title": "Provider", "name": provider, "href": links.route("pacticipant", name=provider)},
            "pb:latest-pact-version": {
                "title": "Latest version of the pact",
                "href": links.route("pact-latest", **pair),
            },
            "pb:all-pact-versions": {"title": "All versions of the pact", "href": links.route("pact-versions", **pair)},
            "pb:matrix": {
                "title": f"Matrix of pacts/verification results for {consumer} and {provider}",
                "href": links.route("matrix-integration", **pair),
            },
            "pb:group": {"href": links.route("pacticipant", name=consumer)},
            "pb:delete_integration": {
                "title": f"Delete the integration between {consumer} and {provider}",
                "href": links.route("integration", **pair),
            },
        },
    }


def integrations_body(links: Links, integrations: list[Integration]) -> dict:
    """The collection: every integration embedded, and a self link."""
    return {
        "_embedded": {"integrations": [integration_body(links, integration) for integration in integrations]},
        "_links": {"self": {"title": "All integrations", "href": links.route("integrations")}},
    }


_NAME = hal({"name": STRING}, required=("name",), links=False)
INTEGRATION = hal({"consumer": _NAME, "provider": _NAME}, required=("consumer", "provider"))
INTEGRATIONS = collection("integrations", INTEGRATION, page=PAGE)
DOT_GRAPH = OpenApiResponse(
    response={"type": "string", "description": "A Graphviz digraph: one consumer -> provider edge per integration"},
    description="The network, for Accept: text/vnd.graphviz",
)


def _dot_id(name: str) -> str:
    if _BARE_DOT_ID.fullmatch(name) and name.lower() not in _DOT_KEYWORDS:
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def integrations_dot(integrations: list[Integration]) -> str:
    """The network as a Graphviz digraph: one `consumer -> provider` edge per integration."""
    edges = "".join(f"  {_dot_id(i.consumer.name)} -> {_dot_id(i.provider.name)};\n" for i in integrations)
    return (
        "digraph {\n"
        "  ranksep=3; ratio=auto; overlap=false;\n"
        "  node [shape=plaintext, fontname=Helvetica];\n"
        f"{edges}"
        "}\n"
    )


class IntegrationsApi(BrokerApi):
    """GET /integrations (`q` filters by name, `page`/`size` paginate) and DELETE /integrations (all data)."""

    @extend_schema(parameters=[SearchQuery], responses={(200, HAL_JSON): INTEGRATIONS, (200, GRAPHVIZ): DOT_GRAPH})
    def get(self, request: Request) -> Response | HttpResponse:
        query = parse(SearchQuery, request.query_params)
        search = query.get("q") or None
        pagination = Pagination(query)
        integrations = pagination.apply(integrations_list(query=search))
        if preferred_media_type(request.headers.get("Accept"), (HAL_JSON, GRAPHVIZ)) == GRAPHVIZ:
            return HttpResponse(integrations_dot(integrations), content_type=f"{GRAPHVIZ};charset=utf-8")
        links = Links(request)
        body = integrations_body(links, integrations)
        return Response(pagination.decorate(body, links, "integrations", {}, {"q": search} if search else {}))

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        integrations_delete_all()
        return Response(status=204)


class IntegrationApi(BrokerApi):
    """DELETE /integrations/provider/{P}/consumer/{C}: the pair's pacts, content and verifications."""

    @extend_schema(responses={204: None})
    def delete(self, request: Request, provider: str, consumer: str) -> Response:
        integration_delete(integration=integration_get(provider_name=provider, consumer_name=consumer))
        return Response(status=204)


urlpatterns = [
    path("integrations", IntegrationsApi.as_view(), name="integrations"),
    path(
        "integrations/provider/<seg:provider>/consumer/<seg:consumer>",
        IntegrationApi.as_view(),
        name="integration",
    ),
]
