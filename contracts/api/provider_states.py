"""API views: the provider states a provider's consumers rely on (api spec 3.3).

`pact broker provider-states list --provider P [--branch B | --environment E]` reads
these; it needs `name` and `consumers` on every state. Like the Pact Broker, the body
has no `_links`, and nothing links here.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.schema import STRING, hal
from contracts.selectors.provider_states import ProviderStateUse, provider_states_list


def _state_body(use: ProviderStateUse) -> dict:
    body: dict = {"name": use.name}
    if use.params is not None:
        body["params"] = use.params
    body["consumers"] = list(use.consumers)
    return body


PROVIDER_STATES = hal(
    {
        "providerStates": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": STRING,
                    "params": {"type": "object"},
                    "consumers": {"type": "array", "items": STRING},
                },
                "required": ["name", "consumers"],
            },
        }
    },
    required=("providerStates",),
    links=False,
)


class ProviderStatesApi(BrokerApi):
    """GET /pacts/provider/P/provider-states[/branch/B | /environment/E]: distinct states, by name."""

    @extend_schema(responses={200: PROVIDER_STATES})
    def get(
        self, request: Request, provider: str, branch: str | None = None, environment: str | None = None
    ) -> Response:
        uses = provider_states_list(provider_name=provider, branch=branch, environment=environment)
        return Response({"providerStates": [_state_body(use) for use in uses]})


STATES = "pacts/provider/<seg:provider>/provider-states"

urlpatterns = [
    path(STATES, ProviderStatesApi.as_view(), name="provider-states"),
    path(STATES + "/branch/<seg:branch>", ProviderStatesApi.as_view(), name="provider-states-branch"),
    # The Pact Broker names the segment environment_uuid but looks it up by name, which is
    # what the CLIs send; a uuid is accepted too.
    path(STATES + "/environment/<seg:environment>", ProviderStatesApi.as_view(), name="provider-states-environment"),
]
