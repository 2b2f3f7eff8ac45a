"""Test-only: the provider-state endpoint and request rewrite used to verify Accord
against the Pact clients' own consumer contracts (/work/shared/real-client-contracts).

`POST /_pact/provider_states` wipes every broker row and sets up the data a named
provider state needs. It exists only when settings.ACCORD_PROVIDER_STATES is true
(tests/settings.py; broker/settings.py defaults it off): the route is decided when the
URL conf is loaded, so in production there is nothing to reach.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, quote, quote_plus

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.exceptions import InvalidInput

ACTIONS = ("setup", "teardown")
# Rows that hold a PROTECT reference go before the rows they protect (publications before
# content); a model not listed here is tried first and retried until nothing protects it.
_APPS = ("verifier", "contracts")
_PREFERRED_ORDER = (
    "verifier.webhookexecution",
    "verifier.triggeredwebhook",
    "contracts.verification",
    "contracts.contractpublication",
    "contracts.contract",
    "contracts.integration",
    "contracts.deployedversion",
    "contracts.releasedversion",
    "contracts.tag",
    "contracts.branch",
    "contracts.branchversion",
    "contracts.version",
    "contracts.label",
    "contracts.webhook",
    "contracts.environment",
    "contracts.pacticipant",
)


def broker_data_clear() -> None:
    """Delete every row of every contracts and verifier model."""
    remaining = sorted(
        (model for name in _APPS for model in apps.get_app_config(name).get_models()),
        key=lambda model: _rank(model._meta.label_lower),
    )
    with transaction.atomic():
        while remaining:
            blocked = []
            for model in remaining:
                try:
                    with transaction.atomic():
                        model._base_manager.all().delete()
                except (ProtectedError, RestrictedError, IntegrityError):
                    blocked.append(model)
            if len(blocked) == len(remaining):
                names = ", ".join(model._meta.label for model in blocked)
                raise RuntimeError(f"cannot clear broker data: rows of {names} are still referenced")
            remaining = blocked


def _rank(label: str) -> int:
    return _PREFERRED_ORDER.index(label) if label in _PREFERRED_ORDER else -1


def _state_setups() -> dict[str, Callable[[], None]]:
    # Imported on first use: the state data is test data and lives with the tests.
    from tests.clients.provider_states_data import STATES

    return STATES


class ProviderStatesApi(BrokerApi):
    """POST /_pact/provider_states: {"action": "setup"|"teardown", "params": {}, "state": name}."""

    def post(self, request: Request) -> Response:
        body = request.data
        if body and not isinstance(body, dict):
            raise InvalidInput({"body": ['must be a JSON object: {"action": ..., "params": {}, "state": ...}']})
        # An empty body: the verifier's --state-change-as-query sends the fields in the query.
        data = body or request.query_params
        action = data.get("action") or "setup"
        state = data.get("state") or ""
        if action not in ACTIONS:
            raise InvalidInput({"action": [f"must be one of {', '.join(ACTIONS)}, got {action!r}"]})
        if not isinstance(state, str):
            raise InvalidInput({"state": ["must be a string"]})
        setups = _state_setups()
        if state and state not in setups:
            raise InvalidInput({"state": [f"unknown provider state {state!r}"]})
        with transaction.atomic():
            broker_data_clear()
            if action == "setup" and state:
                setups[state]()
        return Response({"action": action, "state": state})


# --- The verifier regroups matrix query strings --------------------------------------
# Pact spec 2 keeps a query as one key-sorted string, so the verifier sends every
# q[][pacticipant] before every q[][version], and positional pairing pairs them wrongly.
# These six matrix queries of "Pact Broker Client V2-Pact Broker.json" do not survive
# the regrouping: each maps the query as sent (decoded) to the query as meant.
_REGROUPED = {
    "latestby=cvpv&q[][pacticipant]=Foo Thing&q[][pacticipant]=Bar&q[][version]=1.2.3&q[][version]=4.5.6": "q[][pacticipant]=Foo Thing&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv",
    "latestby=cvpv&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1.2.3&q[][version]=4.5.6": "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv",
    "latestby=cvpv&q[][latest]=true&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][tag]=prod&q[][version]=1.2.3": "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][latest]=true&q[][tag]=prod&latestby=cvpv",
    "latestby=cvpv&q[][latest]=true&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1.2.4": "q[][pacticipant]=Foo&q[][version]=1.2.4&q[][pacticipant]=Bar&q[][latest]=true&latestby=cvpv",
    "latestby=cvpv&q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1.2.3&q[][version]=9.9.9": "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=9.9.9&latestby=cvpv",
    "ignore[][pacticipant]=Foo&ignore[][version]=3.4.5&latestby=cvpv"
    "&q[][pacticipant]=Bar&q[][pacticipant]=Foo&q[][tag]=prod&q[][version]=4.5.6": "q[][pacticipant]=Bar&q[][version]=4.5.6&q[][pacticipant]=Foo&q[][tag]=prod&latestby=cvpv"
    "&ignore[][pacticipant]=Foo&ignore[][version]=3.4.5",
}


def _literal_pairs(query: str) -> list[tuple[str, str]]:
    return [tuple(item.split("=", 1)) for item in query.split("&")]  # type: ignore[misc]


def regroup_matrix_query(query_string: str) -> str:
    """The intended query for one of the six regrouped matrix queries; others unchanged."""
    sent = parse_qsl(query_string, keep_blank_values=True)
    for regrouped, meant in _REGROUPED.items():
        if sent == _literal_pairs(regrouped):
            return "&".join(f"{quote(key, safe='')}={quote_plus(value)}" for key, value in _literal_pairs(meant))
    return query_string


class MatrixQueryRegroupMiddleware:
    """Test-only: puts regrouped matrix queries back in order before routing.

    A no-op unless ACCORD_PROVIDER_STATES is on; list it in MIDDLEWARE after
    broker.middleware.RawPathMiddleware to use it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(settings.ACCORD_PROVIDER_STATES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.enabled and request.path_info == "/matrix" and request.META.get("QUERY_STRING"):
            request.META["QUERY_STRING"] = regroup_matrix_query(request.META["QUERY_STRING"])
            # Django caches the parsed query on first access; drop it so views see the rewrite.
            request.__dict__.pop("GET", None)
        return self.get_response(request)


urlpatterns: list = (
    [path("_pact/provider_states", ProviderStatesApi.as_view(), name="provider-states")]
    if settings.ACCORD_PROVIDER_STATES
    else []
)
