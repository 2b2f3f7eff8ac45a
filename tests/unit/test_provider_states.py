"""Provider states read from pacts of every specification version, and their aggregation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contracts.pact.parsing import parse_json
from contracts.pact.states import ProviderState, provider_states
from contracts.selectors.provider_states import ProviderStateUse, aggregate

FIXTURES = Path(__file__).parent / "pacts"


def load(name: str) -> dict[str, Any]:
    return parse_json((FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "pact-python-v2-V2HttpConsumer-V2HttpProvider.json",
            [ProviderState("user 123 exists"), ProviderState("no users exist")],
        ),
        (
            "pact-python-v3-V3HttpConsumer-V3HttpProvider.json",
            [
                ProviderState("user 123 exists", {"id": 123, "name": "Alice"}),
                ProviderState("the user service is up"),
                ProviderState("no users exist"),
            ],
        ),
        (
            "pact-python-v3-V3MessageConsumer-V3MessageProvider.json",
            [ProviderState("a user is created", {"id": 7})],
        ),
        (
            "pact-python-v4-V4MixedConsumer-V4MixedProvider.json",
            [
                ProviderState("no users exist"),
                ProviderState("user 123 exists", {"id": 123, "name": "Alice"}),
                ProviderState("the user service is up"),
                ProviderState("a user is created", {"id": 7}),
                ProviderState("user 7 exists"),
            ],
        ),
    ],
)
def test_states_of_pacts_written_by_pact_python(fixture, expected):
    assert provider_states(load(fixture)) == expected


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ({"provider_state": "v1"}, [ProviderState("v1")]),
        ({"providerState": "v2"}, [ProviderState("v2")]),
        ({"providerStates": [{"name": "v3", "params": {"a": [1]}}]}, [ProviderState("v3", {"a": [1]})]),
        ({"providerStates": [{"name": "v3", "params": {}}]}, [ProviderState("v3")]),
        ({"providerStates": [{"name": "v3", "params": None}]}, [ProviderState("v3")]),
        # The list form wins over a legacy string on the same interaction.
        ({"providerState": "old", "providerStates": [{"name": "new"}]}, [ProviderState("new")]),
        ({"providerStates": [], "providerState": "ignored"}, []),
        ({"providerState": ""}, []),
        ({"providerState": None}, []),
        ({}, []),
        # Malformed entries (never accepted at publish) are skipped rather than echoed.
        ({"providerState": 7}, []),
        ({"providerStates": [{"params": {"a": 1}}, "s", None, {"name": 7}, {"name": ""}]}, []),
        ({"providerStates": [{"name": "ok", "params": [1, 2]}]}, [ProviderState("ok")]),
        ({"providerStates": {"name": "not a list"}}, []),
    ],
)
def test_one_interaction(element, expected):
    assert provider_states({"interactions": [element]}) == expected


@pytest.mark.parametrize("doc", [None, [], "pact", {"interactions": None}, {"interactions": ["x", 1, None]}])
def test_documents_without_interactions_have_no_states(doc):
    assert provider_states(doc) == []


def test_messages_and_interactions_are_both_read():
    doc = {"interactions": [{"providerState": "http"}], "messages": [{"providerStates": [{"name": "message"}]}]}

    assert [state.name for state in provider_states(doc)] == ["http", "message"]


def test_params_identify_a_state_whatever_their_key_order():
    assert ProviderState("s", {"a": 1, "b": 2}).key == ProviderState("s", {"b": 2, "a": 1}).key
    assert ProviderState("s").key != ProviderState("s", {"a": 1}).key


def test_aggregate_merges_states_across_consumers_and_orders_them():
    uses = aggregate(
        [
            ("Web", [ProviderState("b"), ProviderState("a", {"id": 2}), ProviderState("b")]),
            ("Mobile", [ProviderState("b"), ProviderState("a", {"id": 1})]),
            ("Admin", []),
            ("Batch", [ProviderState("a")]),
        ]
    )

    assert uses == [
        ProviderStateUse("a", None, ("Batch",)),
        ProviderStateUse("a", {"id": 1}, ("Mobile",)),
        ProviderStateUse("a", {"id": 2}, ("Web",)),
        ProviderStateUse("b", None, ("Mobile", "Web")),
    ]
