"""Secrets at delivery: a real receiver gets the values, nothing stored or shown holds them,
and a reference to a secret that does not exist sends nothing."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution
from webhooks.services.delivery import webhook_deliver
from webhooks.services.secrets import secret_delete, secret_put

pytestmark = pytest.mark.django_db

LOOPBACK_ALLOWED = override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"], ACCORD_WEBHOOK_RETRY_SCHEDULE=[10, 60])
MASK = "**********"
# A slash, a plus and a space: the URL carries them form-escaped.
URL_TOKEN = "url tok/en+SECRET-1101"
HEADER_TOKEN = "ghp_HEADER-SECRET-2202"
BODY_TOKEN = 'body-"quoted"-SECRET-3303'
CI_USER = "ci-user-SECRET-4404"
CI_PASSWORD = "ci-passw0rd-SECRET-5505"
VALUES = (URL_TOKEN, HEADER_TOKEN, BODY_TOKEN, CI_USER, CI_PASSWORD)


def secrets() -> None:
    for name, value in (
        ("UrlToken", URL_TOKEN),
        ("GithubToken", HEADER_TOKEN),
        ("BodyToken", BODY_TOKEN),
        ("CiUser", CI_USER),
        ("CiPassword", CI_PASSWORD),
    ):
        secret_put(name=name, value=value)


def hook(base: str, **fields) -> Webhook:
    """A webhook to the receiver at `base` that uses every secret everywhere it can."""
    defaults = {
        "uuid": "secret-delivery-hook-01",
        "events": ["contract_published"],
        "method": "POST",
        # `ref` is no name the outbound seam masks by itself: only the secret's own redaction does.
        "url": base + "/build/${pactbroker.consumerName}?ref=${user.UrlToken}",
        "headers": {
            "Content-Type": "application/json",
            "X-Ci-Token": "${user.GithubToken}",
            "X-Bot": "bot ${user.CiUser}",
        },
        "body": json.dumps({"token": "${user.BodyToken}", "version": "${pactbroker.consumerVersionNumber}"}),
        "body_is_json": True,
        "username": "${user.CiUser}",
        "password": "${user.CiPassword}",
    }
    return Webhook.objects.create(**{**defaults, **fields})


def publish(td, version: str = "1.0") -> TriggeredWebhook:
    td.publish("Web", version, provider="API")
    return TriggeredWebhook.objects.order_by("-id").first()


def assert_no_value_in(text: str) -> None:
    """No value, in any encoding: each ends in a mark ("SECRET-1101") no escaping changes."""
    for value in VALUES:
        assert value[-11:] not in text, value


def stored_text() -> str:
    return "\n".join(
        f"{e.request_log}\n{e.response_log}\n{e.error or ''}" for e in WebhookExecution.objects.order_by("id")
    )


@LOOPBACK_ALLOWED
def test_the_receiver_gets_every_secret_and_the_stored_execution_none(td, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    secrets()
    hook(receiver.url)
    receiver.echo = True  # and the receiver sends back all it got
    triggered = publish(td)

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "success"

    [sent] = receiver.requests
    path = urlsplit(sent["path"])
    assert path.path == "/build/Web" and parse_qs(path.query) == {"ref": [URL_TOKEN]}
    assert sent["headers"]["X-Ci-Token"] == HEADER_TOKEN
    assert sent["headers"]["X-Bot"] == f"bot {CI_USER}"
    assert json.loads(sent["body"]) == {"token": BODY_TOKEN, "version": "1.0"}
    basic = base64.b64decode(sent["headers"]["Authorization"].removeprefix("Basic ")).decode()
    assert basic == f"{CI_USER}:{CI_PASSWORD}"
    execution = WebhookExecution.objects.get()
    assert execution.success and MASK in execution.request_log and MASK in execution.response_log
    assert_no_value_in(stored_text())
    # Nor in anything logged while sending it (httpx would log the URL, query and all).
    assert_no_value_in(caplog.text)


@LOOPBACK_ALLOWED
def test_the_logs_api_and_the_delivery_page_show_the_secrets_masked(api, td, receiver):
    secrets()
    hook(receiver.url)
    triggered = publish(td)
    webhook_deliver(triggered_webhook_id=triggered.id)

    logs = api.get(f"/triggered-webhooks/{triggered.uuid}/logs")
    page = Client(HTTP_ACCEPT="text/html").get(f"/ui/webhooks/{triggered.webhook_uuid}/deliveries/{triggered.uuid}")

    assert logs.status_code == 200 and page.status_code == 200
    assert f"?ref={MASK}" in logs.content.decode()
    assert "X-Ci-Token: " + MASK in logs.content.decode()
    assert_no_value_in(logs.content.decode())
    assert_no_value_in(page.content.decode())


@LOOPBACK_ALLOWED
def test_execute_sends_the_values_and_answers_them_masked(api, td, receiver):
    secrets()
    hook(receiver.url)
    receiver.echo = True
    td.publish("Web", "2.0", provider="API")

    response = api.post("/webhooks/secret-delivery-hook-01/execute")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert receiver.requests[-1]["headers"]["X-Ci-Token"] == HEADER_TOKEN
    assert body["request"]["url"].endswith(f"/build/Web?ref={MASK}")
    assert body["request"]["headers"]["X-Ci-Token"] == MASK
    assert body["request"]["headers"]["X-Bot"] == f"bot {MASK}"
    assert body["request"]["body"] == {"token": MASK, "version": "2.0"}
    assert body["response"]["headers"]["x-echo-path"] == f"/build/Web?ref={MASK}"
    assert_no_value_in(response.content.decode())
    # The definition as the API returns it keeps the references: they are no secret.
    definition = api.get("/webhooks/secret-delivery-hook-01").json()["request"]
    assert definition["headers"]["X-Ci-Token"] == "${user.GithubToken}"
    assert (definition["username"], definition["password"]) == ("${user.CiUser}", "${user.CiPassword}")


@LOOPBACK_ALLOWED
def test_a_missing_secret_fails_the_delivery_sends_nothing_and_says_which(td, receiver, caplog):
    secret_put(name="GithubToken", value=HEADER_TOKEN)
    hook(
        receiver.url,
        url=receiver.url + "/build?ref=${user.UrlToken}",
        headers={"X-Ci-Token": "${user.GithubToken}"},
        body=None,
        body_is_json=False,
        username=None,
        password=None,
    )
    triggered = publish(td)

    assert webhook_deliver(triggered_webhook_id=triggered.id) == "failure"

    assert receiver.requests == []
    triggered.refresh_from_db()
    # Not retried: the definition (or the secrets) must change first.
    assert (triggered.status, triggered.attempts_made, triggered.next_attempt_at) == ("failure", 1, None)
    execution = WebhookExecution.objects.get()
    assert not execution.success and execution.status_code is None and execution.request_log == ""
    assert execution.error == (
        "not sent: the webhook refers to ${user.UrlToken}, but no such secret exists. Create it (POST /secrets, "
        "or Webhooks > Secrets in the UI), then test-fire the webhook"
    )
    assert "secret-delivery-hook-01 not sent: no secret named UrlToken" in caplog.text
    assert HEADER_TOKEN not in stored_text() + caplog.text


@LOOPBACK_ALLOWED
def test_executing_with_a_missing_secret_shows_the_reference_and_the_reason(api, td, receiver):
    hook(receiver.url, body=None, body_is_json=False, username=None, password=None)
    td.publish("Web", "2.0", provider="API")

    body = api.post("/webhooks/secret-delivery-hook-01/execute").json()

    assert receiver.requests == []
    assert body["success"] is False and "response" not in body
    assert body["error"]["message"].startswith(
        "not sent: the webhook refers to ${user.CiUser}, ${user.GithubToken}, ${user.UrlToken}, but no such secrets "
        "exist. Create them"
    )
    assert body["request"]["url"].endswith("/build/Web?ref=${user.UrlToken}")
    assert body["request"]["headers"]["X-Bot"] == "bot ${user.CiUser}"


@LOOPBACK_ALLOWED
def test_a_deleted_secret_fails_later_deliveries_and_a_replaced_one_sends_its_new_value(td, receiver):
    secret = secret_put(name="GithubToken", value=HEADER_TOKEN)
    hook(
        receiver.url,
        url=receiver.url + "/build",
        headers={"X-Ci-Token": "${user.GithubToken}"},
        body=None,
        body_is_json=False,
        username=None,
        password=None,
    )
    secret_put(secret=secret, name="GithubToken", value="ghp_ROTATED-SECRET-6606")
    assert webhook_deliver(triggered_webhook_id=publish(td, "1.0").id) == "success"
    assert receiver.requests[-1]["headers"]["X-Ci-Token"] == "ghp_ROTATED-SECRET-6606"

    secret_delete(secret=secret)
    assert webhook_deliver(triggered_webhook_id=publish(td, "1.1").id) == "failure"
    assert len(receiver.requests) == 1


@LOOPBACK_ALLOWED
def test_a_secret_with_a_line_break_is_refused_in_a_header_naming_the_header_only(td, receiver):
    secret_put(name="Pem", value="-----BEGIN KEY-----\nMIIsecretkeybody\n-----END KEY-----")
    hook(
        receiver.url,
        url=receiver.url + "/build",
        headers={"X-Key": "${user.Pem}"},
        body=None,
        body_is_json=False,
        username=None,
        password=None,
    )

    assert webhook_deliver(triggered_webhook_id=publish(td).id) == "failure"

    assert receiver.requests == []
    error = WebhookExecution.objects.get().error
    assert "header 'X-Key' holds a line break" in error
    assert "MIIsecretkeybody" not in stored_text()
