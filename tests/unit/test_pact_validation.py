from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contracts.pact.parsing import parse_json
from contracts.pact.validation import (
    SCHEMA_DIR,
    specification_version,
    validate_pact,
    validate_pact_names,
)

FIXTURES = Path(__file__).parent / "pacts"
# The Ruby pact_broker-client's own contracts, kept as shared project data (see its README).
REAL_CLIENT_CONTRACTS = Path(__file__).resolve().parents[1] / "data" / "real-client-contracts"


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()


BASES = json.loads((FIXTURES / "schema-test-bases.json").read_text(encoding="utf-8"))


def pact(base: str, *changes: tuple[str, Any]) -> dict[str, Any]:
    """Copy a base pact and apply dotted-path changes ("interactions.0.request.path")."""
    doc = copy.deepcopy(BASES[base])
    for dotted, value in changes:
        *parents, last = dotted.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        key: Any = int(last) if isinstance(target, list) else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return doc


def case_id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}:{case[1] or 'as-is'}={case[2]!r}"[:60]


V4_TYPES = "'Synchronous/HTTP', 'Asynchronous/Messages', 'Synchronous/Messages'"
I0 = "interactions[0]"

# (base pact, dotted path to change, new value); every one must validate.
# fmt: off
VALID = [
    ("v1", "", None),
    ("v1", "metadata", {"pactSpecification": {"version": "1.1.0"}}),
    ("v1", "interactions.0.request.headers.X-Term", {"json_class": "Pact::Term"}),
    ("v2", "", None),
    ("v2", "metadata", DELETE),
    ("v2", "interactions.0.request.query", {"name": ["Mary"], "age": "3"}),  # Ruby hash query
    ("v2", "interactions.0.providerState", None),
    ("v2", "interactions", []),
    ("v2", "consumer.name", "Ünïcode Consumer ✓"),
    ("v2", "interactions.0.response.status", 599),
    ("v2", "interactions.0.response.status", 100),
    ("v2", "interactions.0.response.body", "plain text"),
    ("v2", "interactions.0.x-extension", {"any": "thing"}),
    ("v2", "metadata", {"pact-specification": {"version": "2.0.0"}}),
    ("v3", "", None),
    ("v3", "interactions.0.request.headers", {"Accept": ["a", "b"]}),
    ("v3", "interactions.0.providerState", "legacy"),
    ("v3", "interactions.0.request.matchingRules", {"$.query.name": {"match": "type"}}),
    ("v3", "metadata", {"pactSpecification": {"version": "3.1"}}),  # closest known: 3.0
    ("v3-message", "", None),
    ("v3-message", "messages.0.contents", None),
    ("v4", "", None),
    ("v4", "interactions.2.response", DELETE),
    ("v4", "metadata", {"pactSpecification": {"version": "5.1.0"}}),  # closest known: 4.0
]
# fmt: on


@pytest.mark.parametrize(("base", "path", "value"), VALID, ids=[case_id(c) for c in VALID])
def test_accepts_valid_pacts(base: str, path: str, value: Any) -> None:
    doc = pact(base, (path, value)) if path else pact(base)
    assert validate_pact(doc) == []


# (base pact, dotted path to change, new value, expected error)
# fmt: off
INVALID = [
    ("v2", "interactions.0.response.status", "abc",
     f"{I0}.response.status: 'abc' is not of type 'integer'"),
    ("v2", "interactions.0.response.status", 99,
     f"{I0}.response.status: 99 is less than the minimum of 100"),
    ("v4", "interactions.0.response.status", 600,
     f"{I0}.response.status: 600 is greater than the maximum of 599"),
    ("v3", "interactions.0.response.status", 200.5,
     f"{I0}.response.status: 200.5 is not of type 'integer'"),
    ("v2", "interactions.0.response.status", DELETE,
     f"{I0}.response: 'status' is a required property"),
    ("v2", "consumer", DELETE, "'consumer' is a required property"),
    ("v3", "provider.name", DELETE, "provider: 'name' is a required property"),
    ("v4", "consumer.name", "", "consumer.name: '' must not be blank"),
    ("v1", "provider.name", "  ", "provider.name: '  ' must not be blank"),
    ("v2", "consumer.name", 42, "consumer.name: 42 is not of type 'string'"),
    ("v2", "consumer", "Web", "consumer: 'Web' is not of type 'object'"),
    ("v2", "interactions", DELETE, "one of 'interactions', 'messages' is required"),
    ("v4", "interactions", DELETE, "'interactions' is a required property"),
    ("v2", "interactions", {"a": 1}, "interactions: {'a': 1} is not of type 'array'"),
    ("v3", "interactions.0", "hello", f"{I0}: 'hello' is not of type 'object'"),
    ("v3-message", "messages", [1], "messages[0]: 1 is not of type 'object'"),
    ("v2", "interactions.0.description", DELETE,
     f"{I0}: 'description' is a required property"),
    ("v3-message", "messages.0.description", ["x"],
     "messages[0].description: ['x'] is not of type 'string'"),
    ("v1", "interactions.0.request.method", DELETE,
     f"{I0}.request: 'method' is a required property"),
    ("v2", "interactions.0.request.method", "", f"{I0}.request.method: '' should be non-empty"),
    ("v4", "interactions.0.request.path", DELETE, f"{I0}.request: 'path' is a required property"),
    ("v3", "interactions.0.request.path", ["/a"],
     f"{I0}.request.path: ['/a'] is not of type 'string'"),
    ("v2", "interactions.0.request", DELETE, f"{I0}: 'request' is a required property"),
    ("v2", "interactions.0.request.query", 5,
     f"{I0}.request.query: 5 is not of type 'string', 'object'"),
    ("v3", "interactions.0.request.query", "name=Mary",
     f"{I0}.request.query: 'name=Mary' is not of type 'object'"),
    ("v3", "interactions.0.request.query", {"name": [1]},
     f"{I0}.request.query.name[0]: 1 is not of type 'string'"),
    ("v4", "interactions.0.request.query", {"name": "Mary"},
     f"{I0}.request.query.name: 'Mary' is not of type 'array'"),
    ("v2", "interactions.0.request.headers", ["Accept"],
     f"{I0}.request.headers: ['Accept'] is not of type 'object'"),
    ("v4", "interactions.0.response.headers", {"X-Count": [1]},
     f"{I0}.response.headers.X-Count[0]: 1 is not of type 'string'"),
    ("v2", "interactions.0.response.headers", {"Content Type": 5},
     f'{I0}.response.headers["Content Type"]: 5 is not of type'),
    ("v2", "interactions.0.providerState", ["a"],
     f"{I0}.providerState: ['a'] is not of type 'string'"),
    ("v3", "interactions.0.providerStates", "alligators exist",
     f"{I0}.providerStates: 'alligators exist' is not of type 'array'"),
    ("v3", "interactions.0.providerStates.0", {"params": {}},
     f"{I0}.providerStates[0]: 'name' is a required property"),
    ("v4", "interactions.0.providerStates.0.params", [1],
     f"{I0}.providerStates[0].params: [1] is not of type 'object'"),
    ("v2", "interactions.0.response.matchingRules", ["$.body"],
     f"{I0}.response.matchingRules: ['$.body'] is not of type 'object'"),
    ("v2", "interactions.0.response.matchingRules", {"$.body.a": "type"},
     f"{I0}.response.matchingRules[\"$.body.a\"]: 'type' is not of type 'object'"),
    ("v3", "interactions.0.request.matchingRules.path", {"matchers": {"match": "regex"}},
     f"{I0}.request.matchingRules.path.matchers: {{'match': 'regex'}} is not of type 'array'"),
    ("v3", "interactions.0.response.generators", [],
     f"{I0}.response.generators: [] is not of type 'object'"),
    ("v4", "interactions.0.type", "Synchronous/Carrier-Pigeon",
     f"{I0}.type: 'Synchronous/Carrier-Pigeon' is not one of {V4_TYPES}"),
    ("v4", "interactions.1.type", DELETE, "interactions[1]: 'type' is a required property"),
    ("v4", "interactions.0.response", DELETE, f"{I0}: 'response' is a required property"),
    ("v4", "interactions.2.request", DELETE, "interactions[2]: 'request' is a required property"),
    ("v4", "interactions.2.response", {"contents": {}},
     "interactions[2].response: {'contents': {}} is not of type 'array'"),
    ("v4", "interactions.1.metadata", "topic",
     "interactions[1].metadata: 'topic' is not of type 'object'"),
    ("v4", "interactions.0.pending", "no", f"{I0}.pending: 'no' is not of type 'boolean'"),
    ("v3", "metadata.pactSpecification.version", 3,
     "metadata.pactSpecification.version: 3 is not of type 'string'"),
    ("v2", "metadata", {"pact-specification": "2.0.0"},
     "metadata.pact-specification: '2.0.0' is not of type 'object'"),
]
# fmt: on


@pytest.mark.parametrize(("base", "path", "value", "expected"), INVALID, ids=[case_id(c) for c in INVALID])
def test_rejects_invalid_pacts(base: str, path: str, value: Any, expected: str) -> None:
    errors = validate_pact(pact(base, (path, value)))
    assert any(expected in error for error in errors), errors


def test_several_errors_are_all_reported_in_document_order() -> None:
    doc = pact("v2")
    doc["interactions"] = [copy.deepcopy(doc["interactions"][0]) for _ in range(12)]
    doc["interactions"][10]["response"]["status"] = "x"
    doc["interactions"][2]["request"]["path"] = 1
    doc["provider"] = {}
    assert validate_pact(doc) == [
        "interactions[2].request.path: 1 is not of type 'string'",
        "interactions[10].response.status: 'x' is not of type 'integer'",
        "provider: 'name' is a required property",
    ]


def test_long_values_are_shortened() -> None:
    doc = pact("v2")
    doc["interactions"][0]["request"] = {
        "method": "GET",
        "path": "/",
        "headers": "y" * 500,
    }
    assert validate_pact(doc) == ["interactions[0].request.headers: '" + "y" * 56 + "... is not of type 'object'"]


def test_number_of_errors_is_capped() -> None:
    doc = pact("v2")
    doc["interactions"] = [{"description": "d", "request": {}, "response": {}}] * 60
    errors = validate_pact(doc)
    assert len(errors) == 101
    assert errors[-1] == "... and 80 more errors"
    assert len(validate_pact(doc, max_errors=5)) == 6


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], "the pact must be a JSON object, not an array"),
        ("pact", "the pact must be a JSON object, not a string"),
        (None, "the pact must be a JSON object, not null"),
        (3, "the pact must be a JSON object, not a number"),
        (True, "the pact must be a JSON object, not a boolean"),
    ],
)
def test_a_non_object_document_is_one_error(doc: object, expected: str) -> None:
    assert validate_pact(doc) == [expected]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (None, "2.0"),
        ({}, "2.0"),
        ({"pactSpecification": {"version": "3.0.0"}}, "3.0"),
        ({"pactSpecification": {"version": "4.0"}}, "4.0"),
        ({"pact-specification": {"version": "1.1.0"}}, "1.1"),
        ({"pactSpecificationVersion": "1.0.0"}, "1.0"),
        ({"pactSpecificationVersion": "2"}, "2.0"),
        ({"pactSpecification": {"version": "V3"}}, "3.0"),
        ({"pactSpecification": {"version": " 3.0.0-beta.1"}}, "3.0"),
        ({"pactSpecification": {"version": 3}}, "3.0"),
        ({"pactSpecification": {"version": "banana"}}, "2.0"),
        ({"pactSpecification": {}, "pactSpecificationVersion": "3.0.0"}, "3.0"),
        (
            {
                "pactSpecification": {"version": "4.0"},
                "pactSpecificationVersion": "1.0.0",
            },
            "4.0",
        ),
        ({"pactSpecification": "3.0.0"}, "2.0"),
        ({"pactSpecificationVersion": "9" * 5000}, "2.0"),
        ({"pactSpecificationVersion": "3." + "1" * 5000}, "3.0"),
    ],
)
def test_specification_version(metadata: Any, expected: str) -> None:
    doc: dict[str, Any] = {} if metadata is None else {"metadata": metadata}
    assert specification_version(doc) == expected


def test_specification_version_ignores_a_non_object_metadata() -> None:
    assert specification_version({"metadata": ["3.0.0"]}) == "2.0"


def real_client_contracts() -> list[Path]:
    return sorted(REAL_CLIENT_CONTRACTS.glob("*.json"))


def test_the_four_real_client_contracts_are_present() -> None:
    assert len(real_client_contracts()) == 4


@pytest.mark.parametrize("path", real_client_contracts(), ids=lambda p: p.name)
def test_real_client_contracts_validate(path: Path) -> None:
    doc = parse_json(path.read_bytes())
    assert specification_version(doc) == "2.0"
    assert validate_pact(doc) == []


PACT_PYTHON_FIXTURES = {
    "pact-python-v2-V2HttpConsumer-V2HttpProvider.json": "2.0",
    "pact-python-v3-V3HttpConsumer-V3HttpProvider.json": "3.0",
    "pact-python-v3-V3MessageConsumer-V3MessageProvider.json": "3.0",
    "pact-python-v4-V4MixedConsumer-V4MixedProvider.json": "4.0",
}


@pytest.mark.parametrize(("name", "version"), PACT_PYTHON_FIXTURES.items())
def test_pact_python_generated_pacts_validate(name: str, version: str) -> None:
    doc = parse_json((FIXTURES / name).read_bytes())
    assert specification_version(doc) == version
    assert validate_pact(doc) == []


def test_pact_python_v4_fixture_has_all_three_interaction_types() -> None:
    doc = parse_json((FIXTURES / "pact-python-v4-V4MixedConsumer-V4MixedProvider.json").read_text())
    assert {i["type"] for i in doc["interactions"]} == {
        "Synchronous/HTTP",
        "Asynchronous/Messages",
        "Synchronous/Messages",
    }


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.json")), ids=lambda p: p.name)
def test_schemas_are_valid_draft_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_there_is_one_schema_per_known_version() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == [
        "pact-v1.0.json",
        "pact-v1.1.json",
        "pact-v2.0.json",
        "pact-v3.0.json",
        "pact-v4.0.json",
    ]


NAME_CASES = [
    pytest.param({"consumer": {"name": "Web"}, "provider": {"name": "API"}}, [], id="match"),
    pytest.param(
        {"consumer": {"name": "Mobile"}, "provider": {"name": "API"}},
        ["consumer.name: the consumer in the pact is 'Mobile' but the request is for consumer 'Web'"],
        id="consumer-differs",
    ),
    pytest.param(
        {"consumer": {"name": "Web"}, "provider": {"name": "api"}},
        ["provider.name: the provider in the pact is 'api' but the request is for provider 'API'"],
        id="provider-differs-by-case",
    ),
    pytest.param(
        {"provider": {"name": "Billing"}},
        [
            "consumer.name: expected 'Web' but the pact names no consumer",
            ("provider.name: the provider in the pact is 'Billing' but the request is for provider 'API'"),
        ],
        id="both",
    ),
    pytest.param([], [], id="not-an-object-is-validate_pacts-job"),
]


@pytest.mark.parametrize(("doc", "expected"), NAME_CASES)
def test_validate_pact_names(doc: Any, expected: list[str]) -> None:
    assert validate_pact_names(doc, consumer="Web", provider="API") == expected
