"""Regenerate the pact-python fixture pacts: `.venv/bin/python tests/unit/pacts/generate.py`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pact import Pact, match

HERE = Path(__file__).parent


def _http(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for user 123")
        .given("user 123 exists", id=123, name="Alice")
        .given("the user service is up")
        .with_request("GET", "/users/123")
        .with_header("Accept", "application/json")
        .with_query_parameter("fields", "name")
        .with_query_parameter("fields", "email")
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(
            {
                "id": match.int(123),
                "name": match.str("Alice"),
                "email": match.regex("alice@example.com", regex=r".+@.+"),
                "created": match.datetime("2024-01-02T03:04:05Z", "%Y-%m-%dT%H:%M:%SZ"),
                "tags": match.each_like("admin", min=1),
                "ratio": match.float(0.25),
                "requestId": match.uuid(),
            }
        )
    )
    (
        pact.upon_receiving("a request to create a user")
        .with_request("POST", "/users")
        .with_header("Content-Type", "application/json")
        .with_body({"name": "Bob", "unicode": "Grüße ✓"}, "application/json")
        .will_respond_with(201)
        .with_header("Location", match.regex("/users/7", regex=r"/users/\d+"))
    )
    (
        pact.upon_receiving("a request for a missing user")
        .given("no users exist")
        .with_request("DELETE", match.regex("/users/404", regex=r"/users/\d+"))
        .will_respond_with(404)
    )


def _async(pact: Pact) -> None:
    (
        pact.upon_receiving("a user created event", "Async")
        .given("a user is created", id=7)
        .with_body({"event": "user.created", "id": match.int(7)}, "application/json")
        .with_metadata({"topic": "users", "kafka_key": "7"})
    )


def _sync(pact: Pact) -> None:
    (
        pact.upon_receiving("a user lookup over a queue", "Sync")
        .given("user 7 exists")
        .with_body({"query": "user", "id": 7}, "application/json")
        .will_respond_with()
        .with_body({"id": match.int(7), "name": match.str("Bob")}, "application/json")
    )


def main() -> None:
    """Write the V2 HTTP, V3 HTTP, V3 message and V4 mixed pacts next to this file."""
    specs = [
        ("V2HttpConsumer", "V2HttpProvider", "V2", [_http]),
        ("V3HttpConsumer", "V3HttpProvider", "V3", [_http]),
        ("V3MessageConsumer", "V3MessageProvider", "V3", [_async]),
        ("V4MixedConsumer", "V4MixedProvider", "V4", [_http, _async, _sync]),
    ]
    for consumer, provider, spec, builders in specs:
        pact = Pact(consumer, provider).with_specification(spec)
        for build in builders:
            build(pact)
        with tempfile.TemporaryDirectory() as tmp:
            pact.write_file(tmp, overwrite=True)
            for written in Path(tmp).glob("*.json"):
                target = HERE / f"pact-python-{spec.lower()}-{written.name}"
                target.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
