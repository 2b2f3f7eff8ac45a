"""`pact broker provider-states list` (the Rust CLI) against a live Accord.

The data is published through the services; the tests assert on what the CLI prints.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import TestData, interaction, pact_json
from tests.clients.conftest import run_cli, succeeded

pytestmark = pytest.mark.clients

PROVIDER = "Rust States API"


def publish(consumer: str, version: str, *states: str | dict, branch: str) -> None:
    """Publish a spec 3 pact with one interaction per state (a name, or {name, params})."""
    items = []
    for i, state in enumerate(states):
        item = interaction(f"request {i}", path=f"/things/{i}")
        item["providerStates"] = [state if isinstance(state, dict) else {"name": state}]
        items.append(item)
    doc = json.loads(pact_json(consumer, PROVIDER, interactions=items))
    doc["metadata"] = {"pactSpecification": {"version": "3.0.0"}}
    TestData().publish(consumer, version, provider=PROVIDER, branch=branch, content=json.dumps(doc))


def provider_states(rust_pact: str, broker: str, *args: str) -> str:
    result = run_cli([rust_pact, "broker", "provider-states", "list", "--provider", PROVIDER, *args,
                      "--broker-base-url", broker])  # fmt: skip
    return succeeded(result, "pact broker provider-states list")


@pytest.fixture
def published(broker) -> None:
    publish("RustWeb", "1", "a thing exists", {"name": "thing 7 exists", "params": {"id": 7}}, branch="main")
    publish("RustMobile", "1", "a thing exists", "no things", branch="main")
    publish("RustWeb", "2", "a feature state", branch="feat/x")
    TestData().deploy("RustMobile", "1", to="production")


def test_list_prints_the_main_branch_states_with_consumers_and_params(rust_pact, broker, published):
    out = provider_states(rust_pact, broker)

    assert f"Provider States for Provider: {PROVIDER}" in out
    assert "Scope: Main branch" in out
    # Table rows: "│ name ┆ consumers ┆ params │".
    rows = [[cell.strip() for cell in line.strip("│ ").split("┆")] for line in out.splitlines() if line.startswith("│")]
    assert rows == [
        ["Provider State Name", "Consumers", "Parameters"],
        ["a thing exists", "RustMobile, RustWeb", ""],
        ["no things", "RustMobile", ""],
        ["thing 7 exists", "RustWeb", '{"id":7}'],
    ]


def test_list_as_json_for_a_branch_and_an_environment(rust_pact, broker, published):
    branch = json.loads(provider_states(rust_pact, broker, "--branch", "feat/x", "--json"))
    environment = json.loads(provider_states(rust_pact, broker, "--environment", "production", "--json"))
    main = json.loads(provider_states(rust_pact, broker, "--json"))

    assert branch == {"providerStates": [{"consumers": ["RustWeb"], "name": "a feature state"}]}
    assert environment == {
        "providerStates": [
            {"consumers": ["RustMobile"], "name": "a thing exists"},
            {"consumers": ["RustMobile"], "name": "no things"},
        ]
    }
    assert [state["name"] for state in main["providerStates"]] == ["a thing exists", "no things", "thing 7 exists"]
    assert main["providerStates"][2] == {"consumers": ["RustWeb"], "name": "thing 7 exists", "params": {"id": 7}}


def test_an_unknown_provider_fails_with_the_brokers_message(rust_pact, broker):
    code, out, err = run_cli([rust_pact, "broker", "provider-states", "list", "--provider", "Nobody",
                              "--broker-base-url", broker])  # fmt: skip

    assert code == 1, out
    assert "'/pacts/provider/Nobody/provider-states' failed: 404 Not Found" in out + err
