"""Test-only: the provider-state endpoint used to verify Accord against the Pact
clients' own consumer contracts (shared/real-client-contracts).

`POST /_pact/provider_states` wipes every broker row and sets up the data a named
provider state needs. It is routed only by tests/urls.py (the URL conf of
tests/settings.py): production code neither imports nor routes it.
"""

from __future__ import annotations

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.exceptions import InvalidInput
from tests.clients.provider_states_data import STATES

ACTIONS = ("setup", "teardown")
# Rows that hold a PROTECT reference go before the rows they protect (publications before
# content); a model not listed here is tried first and retried until nothing protects it.
_APPS = ("webhooks", "verifier", "contracts")
_PREFERRED_ORDER = (
    "webhooks.webhookexecution",
    "webhooks.triggeredwebhook",
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
    "webhooks.webhook",
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
        setups = STATES
        if state and state not in setups:
            raise InvalidInput({"state": [f"unknown provider state {state!r}"]})
        with transaction.atomic():
            broker_data_clear()
            if action == "setup" and state:
                setups[state]()
        return Response({"action": action, "state": state})


urlpatterns = [path("_pact/provider_states", ProviderStatesApi.as_view(), name="test-provider-states")]
