"""`test-webhook` of both CLIs against a live Accord: the webhook is sent now, rendered
with the latest verification (a verification webhook) as the event "test", and the CLIs
show what came back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from contracts.models import Pacticipant
from tests.builders import TestData
from tests.clients.conftest import run_cli, succeeded
from tests.conftest import _child_env, start_gunicorn
from webhooks.services.definitions import WebhookDefinition, webhook_put

pytestmark = pytest.mark.clients

UUID = "cli-test-webhook-0001"


@pytest.fixture(scope="module")
def loopback_broker(test_db_name, tmp_path_factory) -> Iterator[str]:
    """A live Accord that may send webhooks to receivers on 127.0.0.1 (the test's)."""
    env = _child_env(test_db_name, ACCORD_OUTBOUND_ALLOW="127.0.0.1")
    server, url = start_gunicorn("gunicorn-loopback", env, tmp_path_factory.mktemp("loopback"), workers=1)
    yield url
    server.stop()


@pytest.fixture
def webhook(loopback_broker, transactional_db, receiver) -> str:
    TestData().publish("CliWeb", "1.0", provider="CliApi").verify("7.0", success=False)
    body = {"event": "${pactbroker.eventName}", "provider": "${pactbroker.providerVersionNumber}"}
    definition = WebhookDefinition(
        method="POST",
        url=receiver.url + "/ci",
        events=("provider_verification_published",),
        provider=Pacticipant.objects.get(name="CliApi"),
        body=body,
    )
    webhook_put(uuid=UUID, definition=definition)
    return loopback_broker


def test_the_rust_cli_tests_a_webhook(rust_pact, webhook, receiver):
    out = succeeded(run_cli([rust_pact, "broker", "test-webhook", "--uuid", UUID, "--broker-base-url", webhook]),
                    "pact broker test-webhook")  # fmt: skip

    assert [json.loads(r["body"]) for r in receiver.requests] == [{"event": "test", "provider": "7.0"}]
    # The Rust CLI prints the execution as it came: what was sent and what came back.
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["success"] is True
    assert answer["request"]["body"] == {"event": "test", "provider": "7.0"}
    assert (answer["response"]["status"], answer["response"]["body"]) == (200, {"received": 1})


def test_the_ruby_cli_tests_a_webhook(ruby_pact_broker, webhook, receiver):
    out = succeeded(run_cli([ruby_pact_broker, "test-webhook", "--uuid", UUID, "--broker-base-url", webhook]),
                    "pact-broker test-webhook")  # fmt: skip

    assert [json.loads(r["body"]) for r in receiver.requests] == [{"event": "test", "provider": "7.0"}]
    # The Ruby CLI prints the execution's logs: the request sent and the response.
    assert f"POST {receiver.url}/ci" in out
    assert '{"event": "test", "provider": "7.0"}' in out
    assert "200 OK" in out and '{"received": 1}' in out
