from __future__ import annotations

import copy
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from contracts.pact.content import (
    MergeConflict,
    canonical_json,
    content_sha,
    interaction_counts,
    merge_pacts,
    with_interaction_ids,
)
from contracts.pact.parsing import parse_json

FIXTURES = Path(__file__).parent / "pacts"
REAL_CLIENT_CONTRACTS = Path(__file__).resolve().parents[1] / "data" / "real-client-contracts"
V4_MIXED = FIXTURES / "pact-python-v4-V4MixedConsumer-V4MixedProvider.json"
V3_MESSAGE = FIXTURES / "pact-python-v3-V3MessageConsumer-V3MessageProvider.json"
V3_HTTP = FIXTURES / "pact-python-v3-V3HttpConsumer-V3HttpProvider.json"
REAL_V2 = REAL_CLIENT_CONTRACTS / "Pact Broker Client V2-Pact Broker.json"


def load(path: Path) -> dict[str, Any]:
    return parse_json(path.read_bytes())


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def interaction(description: str, state: str | None = None, status: int = 200) -> dict[str, Any]:
    element: dict[str, Any] = {
        "description": description,
        "request": {"method": "GET", "path": f"/{description.replace(' ', '-')}"},
        "response": {"status": status, "body": {"b": [1, 2], "a": "é"}},
    }
    if state is not None:
        element["providerState"] = state
    return element


def v2_pact(*interactions: dict[str, Any], version: str = "2.0.0") -> dict[str, Any]:
    return {
        "consumer": {"name": "Web"},
        "provider": {"name": "API"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": version}},
    }


def shuffled(value: Any, rng: random.Random) -> Any:
    """Rebuild a JSON value with every object's keys in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: shuffled(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


def reordered_pact(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Same pact content: keys shuffled, interactions/messages shuffled, re-serialised."""
    result = shuffled(doc, rng)
    for key in ("interactions", "messages"):
        if key in result:
            rng.shuffle(result[key])
    indent = rng.choice([None, 1, 2, 4, "\t"])
    text = json.dumps(result, indent=indent, ensure_ascii=rng.random() < 0.5)
    return parse_json(text)


def test_canonical_json_sorts_keys_recursively_and_is_compact() -> None:
    value = {"b": 1, "a": {"d": [3, {"z": 1, "y": 2}], "c": "é ✓"}}
    assert canonical_json(value) == '{"a":{"c":"é ✓","d":[3,{"y":2,"z":1}]},"b":1}'


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json({"a": float("nan")})


def test_content_sha_hashes_interactions_and_the_declared_version() -> None:
    doc = v2_pact({"z": 1, "a": 2}, {"b": 1})
    expected = sha1('{"interactions":[{"a":2,"z":1},{"b":1}],"pact_specification_version":"2.0.0"}')
    assert content_sha(doc) == expected


def test_content_sha_without_a_declared_version_omits_it() -> None:
    doc = {"consumer": {"name": "C"}, "interactions": [{"b": 1}]}
    assert content_sha(doc) == sha1('{"interactions":[{"b":1}]}')


def test_content_sha_includes_messages_and_interactions() -> None:
    doc = {"messages": [{"m": 1}], "interactions": [{"i": 1}], "metadata": {}}
    assert content_sha(doc) == sha1('{"interactions":[{"i":1}],"messages":[{"m":1}]}')


def test_content_sha_of_a_document_without_interactions_hashes_everything() -> None:
    doc = {"consumer": {"name": "C"}, "provider": {"name": "P"}, "foo": [2, 1]}
    assert content_sha(doc) == sha1('{"consumer":{"name":"C"},"foo":[2,1],"provider":{"name":"P"}}')
    changed = copy.deepcopy(doc)
    changed["consumer"]["name"] = "D"
    assert content_sha(changed) != content_sha(doc)


def test_content_sha_treats_null_interactions_as_absent() -> None:
    doc = {"consumer": {"name": "C"}, "interactions": None}
    assert content_sha(doc) == sha1('{"consumer":{"name":"C"},"interactions":null}')


def test_content_sha_ignores_metadata_and_pacticipant_blocks() -> None:
    doc = v2_pact(interaction("a"), interaction("b", "s"))
    other = copy.deepcopy(doc)
    other["metadata"]["pactRust"] = {"ffi": "9.9.9"}
    other["consumer"]["extra"] = True
    assert content_sha(other) == content_sha(doc)


@pytest.mark.parametrize("path", [V4_MIXED, V3_MESSAGE, V3_HTTP, REAL_V2], ids=lambda path: path.name)
def test_content_sha_ignores_whitespace_key_order_and_interaction_order(
    path: Path,
) -> None:
    doc = load(path)
    expected = content_sha(doc)
    rng = random.Random(path.name)
    for _ in range(25):
        assert content_sha(reordered_pact(doc, rng)) == expected


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, child in value.items() for p in leaf_paths(child, (*prefix, key))]
    if isinstance(value, list):
        return [p for i, child in enumerate(value) for p in leaf_paths(child, (*prefix, i))]
    return [prefix]


@pytest.mark.parametrize("path", [V4_MIXED, V3_MESSAGE, REAL_V2], ids=lambda path: path.name)
def test_content_sha_changes_when_any_interaction_value_changes(path: Path) -> None:
    doc = load(path)
    key = "messages" if "messages" in doc else "interactions"
    expected = content_sha(doc)
    leaves = leaf_paths(doc[key])
    rng = random.Random(path.name)
    for leaf in rng.sample(leaves, min(40, len(leaves))):
        changed = copy.deepcopy(doc)
        parent = changed[key]
        for part in leaf[:-1]:
            parent = parent[part]
        old = parent[leaf[-1]]
        parent[leaf[-1]] = (old + "!") if isinstance(old, str) else [old]
        assert content_sha(changed) != expected, leaf


def test_content_sha_ignores_broker_assigned_interaction_ids() -> None:
    doc = load(V4_MIXED)
    assert content_sha(with_interaction_ids(doc)) == content_sha(doc)


def test_content_sha_changes_with_the_declared_specification_version() -> None:
    doc = v2_pact(interaction("a"))
    assert content_sha(v2_pact(interaction("a"), version="2.0")) != content_sha(doc)
    assert content_sha(v2_pact(interaction("a"), version="3.0.0")) != content_sha(doc)


def test_content_sha_changes_when_an_interaction_is_added_or_duplicated() -> None:
    doc = v2_pact(interaction("a"))
    assert content_sha(v2_pact(interaction("a"), interaction("b"))) != content_sha(doc)
    assert content_sha(v2_pact(interaction("a"), interaction("a"))) != content_sha(doc)


def test_content_sha_uses_the_version_from_any_metadata_spelling() -> None:
    modern = {
        "interactions": [],
        "metadata": {"pactSpecification": {"version": "1.0.0"}},
    }
    hyphen = {
        "interactions": [],
        "metadata": {"pact-specification": {"version": "1.0.0"}},
    }
    legacy = {"interactions": [], "metadata": {"pactSpecificationVersion": "1.0.0"}}
    assert content_sha(modern) == content_sha(hyphen) == content_sha(legacy)


def test_with_interaction_ids_adds_a_deterministic_id_first() -> None:
    doc = v2_pact(interaction("a", "s"), interaction("b"))
    original = copy.deepcopy(doc)
    result = with_interaction_ids(doc)
    assert doc == original
    for element, source in zip(result["interactions"], doc["interactions"], strict=True):
        assert next(iter(element)) == "_id"
        assert element["_id"] == sha1(canonical_json(source))
        assert {k: v for k, v in element.items() if k != "_id"} == source
    assert with_interaction_ids(shuffled(doc, random.Random(1))) == result


def test_with_interaction_ids_replaces_an_existing_id_and_is_idempotent() -> None:
    doc = v2_pact(interaction("a"))
    once = with_interaction_ids(doc)
    assert with_interaction_ids(once) == once
    tampered = copy.deepcopy(once)
    tampered["interactions"][0]["_id"] = "bogus"
    assert with_interaction_ids(tampered) == once


def test_with_interaction_ids_covers_messages_and_v4_interactions() -> None:
    for path in (V3_MESSAGE, V4_MIXED):
        doc = load(path)
        key = "messages" if "messages" in doc else "interactions"
        ids = [element["_id"] for element in with_interaction_ids(doc)[key]]
        assert len(ids) == len(doc[key]) == len(set(ids))
        assert all(len(i) == 40 for i in ids)


def test_with_interaction_ids_leaves_odd_shapes_alone() -> None:
    doc = {"interactions": [1, "x", {"a": 1}], "messages": "nope"}
    result = with_interaction_ids(doc)
    assert result["interactions"][:2] == [1, "x"]
    assert result["messages"] == "nope"
    assert result["interactions"][2]["_id"] == sha1('{"a":1}')


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        pytest.param({}, (0, 0), id="empty"),
        pytest.param(v2_pact(interaction("a"), interaction("b")), (2, 0), id="v2"),
        pytest.param({"messages": [{}, {}, {}]}, (0, 3), id="v3-messages"),
        pytest.param(
            {
                "interactions": [
                    {"type": "Synchronous/HTTP"},
                    {"type": "Asynchronous/Messages"},
                    {"type": "Synchronous/Messages"},
                    {"type": "Synchronous/HTTP"},
                    {"type": "Plugin/Unknown"},
                ]
            },
            (2, 2),
            id="v4-by-type",
        ),
        pytest.param({"interactions": "x", "messages": None}, (0, 0), id="not-lists"),
    ],
)
def test_interaction_counts(doc: dict[str, Any], expected: tuple[int, int]) -> None:
    assert interaction_counts(doc) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [(V4_MIXED, (3, 2)), (V3_MESSAGE, (0, 1)), (V3_HTTP, (3, 0)), (REAL_V2, (67, 0))],
    ids=lambda value: value.name if isinstance(value, Path) else str(value),
)
def test_interaction_counts_of_real_pacts(path: Path, expected: tuple[int, int]) -> None:
    assert interaction_counts(load(path)) == expected


def test_merge_pacts_unions_interactions_by_description_and_state() -> None:
    existing = with_interaction_ids(v2_pact(interaction("a"), interaction("b", "s1")))
    new = v2_pact(interaction("b", "s1"), interaction("b", "s2"), interaction("c"))
    snapshot = copy.deepcopy(existing)
    merged = merge_pacts(existing, new)
    assert existing == snapshot
    keys = [(i["description"], i.get("providerState")) for i in merged["interactions"]]
    assert keys == [("a", None), ("b", "s1"), ("b", "s2"), ("c", None)]
    assert merged["metadata"] == existing["metadata"]


def test_merge_pacts_with_identical_content_is_a_no_op() -> None:
    existing = v2_pact(interaction("a"), interaction("b"))
    assert merge_pacts(existing, copy.deepcopy(existing)) == existing


def test_merge_pacts_raises_on_different_content_for_the_same_interaction() -> None:
    existing = v2_pact(interaction("get alligator", "Mary exists"))
    new = v2_pact(interaction("get alligator", "Mary exists", status=404))
    with pytest.raises(MergeConflict) as caught:
        merge_pacts(existing, new)
    assert str(caught.value) == (
        "interaction 'get alligator' given 'Mary exists' has different content in the existing pact and in the new pact"
    )
    assert caught.value.description == "get alligator"
    assert caught.value.provider_states == ["Mary exists"]


def test_merge_pacts_conflict_without_state_says_so() -> None:
    with pytest.raises(MergeConflict, match=r"interaction 'a' \(no provider state\) has"):
        merge_pacts(v2_pact(interaction("a")), v2_pact(interaction("a", status=500)))


def test_merge_pacts_treats_v3_states_with_params_as_part_of_the_key() -> None:
    def v3(status: int, params: dict[str, Any]) -> dict[str, Any]:
        element = interaction("get", status=status)
        element["providerStates"] = [
            {"name": "user exists", "params": params},
            {"name": "up"},
        ]
        return {
            "interactions": [element],
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
        }

    merged = merge_pacts(v3(200, {"id": 1}), v3(404, {"id": 2}))
    assert len(merged["interactions"]) == 2
    reordered = v3(500, {"id": 1})
    reordered["interactions"][0]["providerStates"].reverse()
    with pytest.raises(MergeConflict, match="'get' given 'up', 'user exists'"):
        merge_pacts(v3(200, {"id": 1}), reordered)


def test_merge_pacts_merges_messages_and_names_them() -> None:
    def messages(*items: dict[str, Any]) -> dict[str, Any]:
        return {
            "messages": list(items),
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
        }

    merged = merge_pacts(
        messages({"description": "m1", "contents": 1}),
        messages({"description": "m2", "contents": 2}),
    )
    assert [m["description"] for m in merged["messages"]] == ["m1", "m2"]
    with pytest.raises(MergeConflict, match="^message 'm1' \\(no provider state\\)"):
        merge_pacts(merged, messages({"description": "m1", "contents": 3}))


def test_merge_pacts_v4_keys_include_the_interaction_type() -> None:
    doc = load(V4_MIXED)
    http = next(i for i in doc["interactions"] if i["type"] == "Synchronous/HTTP")
    message = {"type": "Asynchronous/Messages", "description": http["description"]}
    if "providerStates" in http:
        message["providerStates"] = http["providerStates"]
    merged = merge_pacts(doc, {**doc, "interactions": [message]})
    assert len(merged["interactions"]) == len(doc["interactions"]) + 1
    assert merge_pacts(doc, copy.deepcopy(doc)) == doc


def test_merge_pacts_ignores_stored_ids_when_comparing() -> None:
    existing = with_interaction_ids(v2_pact(interaction("a")))
    assert merge_pacts(existing, v2_pact(interaction("a"))) == existing


def test_merge_pacts_refuses_to_mix_specification_versions() -> None:
    v3 = {"interactions": [], "metadata": {"pactSpecification": {"version": "3.0.0"}}}
    with pytest.raises(
        MergeConflict,
        match="cannot merge a pact for specification 3.0 into one for specification 2.0",
    ):
        merge_pacts(v2_pact(interaction("a")), v3)
    # 1.x and 2.0 pacts share the interaction shape and may be merged.
    assert len(merge_pacts(v2_pact(), v2_pact(interaction("a"), version="1.1.0"))["interactions"]) == 1


def test_merge_conflict_is_a_value_error() -> None:
    assert issubclass(MergeConflict, ValueError)
