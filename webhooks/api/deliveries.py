"""Webhook deliveries: a test execution on demand, and what happened to triggered webhooks."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links, base_url
from contracts.api.schema import BOOLEAN, STRING, TIMESTAMP, hal
from contracts.api.timestamps import iso
from contracts.exceptions import NotFound
from contracts.selectors.pacticipants import pacticipants_by_names
from contracts.selectors.verifications import verification_for_content
from webhooks.models import TriggeredWebhook
from webhooks.selectors import (
    triggered_for_consumer_version,
    triggered_for_verification,
    triggered_latest_per_webhook,
    triggered_webhook_executions,
    triggered_webhook_get,
    webhook_get,
)
from webhooks.services.delivery import webhook_execute

Status = TriggeredWebhook.Status


def _json_or_text(text: str | None):
    """A body as the Pact Broker shows it: parsed when it is JSON, else the text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


INTEGER = {"type": "integer"}
ANY = {"description": "Any JSON value (a body that is not JSON is a string)"}
HEADERS = {"type": "object", "additionalProperties": STRING}
EXECUTION = hal(
    {
        "request": {
            "type": "object",
            "description": "What was sent, secrets masked",
            "properties": {"method": STRING, "url": STRING, "headers": HEADERS, "body": ANY},
            "required": ["method", "url", "headers", "body"],
        },
        "response": {
            "type": "object",
            "description": "What came back (absent when nothing answered)",
            "properties": {"status": INTEGER, "headers": HEADERS, "body": ANY},
            "required": ["status", "headers", "body"],
        },
        "error": {"type": "object", "properties": {"message": STRING}, "required": ["message"]},
        "logs": STRING,
        "success": BOOLEAN,
    },
    required=("request", "logs", "success"),
)
TRIGGERED_WEBHOOK = hal(
    {
        "name": STRING,
        "status": {"type": "string", "enum": list(TriggeredWebhook.Status.values)},
        "attemptsMade": INTEGER,
        "attemptsRemaining": INTEGER,
        "triggerType": STRING,
        "eventName": STRING,
        "triggeredAt": TIMESTAMP,
    },
    required=("name", "status", "attemptsMade", "attemptsRemaining", "triggerType", "eventName", "triggeredAt"),
)
TRIGGERED_WEBHOOKS_EMBEDDED = {
    "type": "object",
    "properties": {"triggeredWebhooks": {"type": "array", "items": TRIGGERED_WEBHOOK}},
    "required": ["triggeredWebhooks"],
}
TRIGGERED_WEBHOOKS = hal({"_embedded": TRIGGERED_WEBHOOKS_EMBEDDED}, required=("_embedded",))
WEBHOOKS_STATUS = hal(
    {
        "summary": {
            "type": "object",
            "properties": {"successful": INTEGER, "failed": INTEGER, "notRun": INTEGER, "retrying": INTEGER},
            "required": ["successful", "failed", "notRun", "retrying"],
        },
        "_embedded": TRIGGERED_WEBHOOKS_EMBEDDED,
    },
    required=("summary", "_embedded"),
)


class WebhookExecuteApi(BrokerApi):
    """POST /webhooks/{uuid}/execute: send the webhook now with the latest matching pact or
    verification (`${pactbroker.eventName}` is "test"), and show what was sent and received."""

    @extend_schema(request=None, responses={200: EXECUTION})
    def post(self, request: Request, uuid: str) -> Response:
        executed = webhook_execute(webhook=webhook_get(uuid=uuid), base_url=base_url(request))
        rendered, outcome = executed.rendered, executed.outcome
        links = Links(request)
        shown = rendered.shown()
        body: dict = {"request": {**shown, "body": _json_or_text(shown["body"] or None)}}
        if outcome.status_code is not None:
            body["response"] = {
                "status": outcome.status_code,
                "headers": outcome.response_headers,
                "body": _json_or_text(outcome.response_body),
            }
        if outcome.error:
            body["error"] = {"message": outcome.error}
        body["logs"] = "\n".join(part for part in (outcome.request_log, outcome.response_log) if part)
        body["success"] = outcome.success
        body["_links"] = {
            "webhook": {"href": links.route("webhook", uuid=uuid), "title": "Webhook"},
            "try-again": {"href": links.route("webhook-execute", uuid=uuid), "title": "Execute the webhook again"},
            "pb:logs": {"href": links.route("triggered-webhook-logs", uuid=executed.triggered.uuid)},
        }
        return Response(body)


def triggered_webhook_body(triggered: TriggeredWebhook, links: Links) -> dict:
    attempts_allowed = len(settings.ACCORD_WEBHOOK_RETRY_SCHEDULE) + 1
    remaining = (
        0 if triggered.status in (Status.SUCCESS, Status.FAILURE) else attempts_allowed - triggered.attempts_made
    )
    logs = links.route("triggered-webhook-logs", uuid=triggered.uuid)
    return {
        "name": triggered.webhook.description if triggered.webhook and triggered.webhook.description else "Webhook",
        "status": triggered.status,
        "attemptsMade": triggered.attempts_made,
        "attemptsRemaining": max(remaining, 0),
        "triggerType": triggered.trigger_type,
        "eventName": triggered.event_name,
        "triggeredAt": iso(triggered.created_at),
        "_links": {
            "pb:logs": {"href": logs, "title": "Webhook execution logs"},
            "logs": {"href": logs, "title": "DEPRECATED - use pb:logs"},
            "pb:webhook": {"href": links.route("webhook", uuid=triggered.webhook_uuid), "title": "Webhook"},
        },
    }


class PactTriggeredWebhooksApi(BrokerApi):
    """GET the webhooks a consumer version's pact triggered."""

    @extend_schema(responses={200: TRIGGERED_WEBHOOKS})
    def get(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        provider_row, consumer_row = pacticipants_by_names(provider, consumer)
        triggered = triggered_for_consumer_version(provider=provider_row, consumer=consumer_row, version_number=version)
        links = Links(request)
        return Response(
            {
                "_embedded": {"triggeredWebhooks": [triggered_webhook_body(t, links) for t in triggered]},
                "_links": {
                    "self": {
                        "href": links.route(
                            "pact-triggered-webhooks", provider=provider, consumer=consumer, version=version
                        ),
                        "title": "Triggered webhooks",
                    }
                },
            }
        )


class VerificationTriggeredWebhooksApi(BrokerApi):
    """GET the webhooks a verification result triggered (its `pb:triggered-webhooks`)."""

    @extend_schema(responses={200: TRIGGERED_WEBHOOKS})
    def get(self, request: Request, provider: str, consumer: str, sha: str, number: str) -> Response:
        verification = verification_for_content(provider_name=provider, consumer_name=consumer, sha=sha, number=number)
        triggered = triggered_for_verification(verification)
        links = Links(request)
        contract = verification.contract
        return Response(
            {
                "_embedded": {"triggeredWebhooks": [triggered_webhook_body(t, links) for t in triggered]},
                "_links": {
                    "self": {
                        "href": links.route(
                            "verification-result-triggered-webhooks",
                            provider=contract.provider.name,
                            consumer=contract.consumer.name,
                            sha=contract.sha,
                            number=verification.id,
                        ),
                        "title": "Triggered webhooks",
                    }
                },
            }
        )


class WebhooksStatusApi(BrokerApi):
    """GET the delivery status of the latest triggered webhooks for a pair."""

    @extend_schema(responses={200: WEBHOOKS_STATUS})
    def get(self, request: Request, provider: str, consumer: str) -> Response:
        provider_row, consumer_row = pacticipants_by_names(provider, consumer)
        latest = triggered_latest_per_webhook(provider=provider_row, consumer=consumer_row)
        counts = {status: sum(1 for t in latest if t.status == status) for status in Status.values}
        links = Links(request)
        return Response(
            {
                "summary": {
                    "successful": counts["success"],
                    "failed": counts["failure"],
                    "notRun": counts["not_run"],
                    "retrying": counts["retrying"],
                },
                "_embedded": {"triggeredWebhooks": [triggered_webhook_body(t, links) for t in latest]},
                "_links": {
                    "self": {"href": links.route("webhooks-status", provider=provider, consumer=consumer)},
                    "pb:error-logs": [
                        {"href": links.route("triggered-webhook-logs", uuid=t.uuid), "title": t.event_name}
                        for t in latest
                        if t.status == Status.FAILURE
                    ],
                },
            }
        )


def triggered_webhook_logs(request: HttpRequest, uuid: str) -> HttpResponse:
    """GET /triggered-webhooks/{uuid}/logs: every attempt, redacted, as text."""
    try:
        triggered = triggered_webhook_get(uuid=uuid)
    except NotFound as exc:
        return HttpResponse(f"{exc.message}\n", status=404, content_type="text/plain")
    lines = [
        f"Webhook {triggered.webhook_uuid} triggered by {triggered.event_name} at {iso(triggered.created_at)}",
        f"Status: {triggered.status} after {triggered.attempts_made} attempt(s)",
        "",
    ]
    for execution in triggered_webhook_executions(triggered):
        lines += [
            f"--- attempt {execution.attempt} at {iso(execution.created_at)}: "
            f"{'success' if execution.success else 'failure'}",
            execution.request_log,
            execution.response_log,
        ]
        if execution.error:
            lines.append(f"Error: {execution.error}")
        lines.append("")
    if triggered.next_attempt_at and triggered.status == Status.RETRYING:
        lines.append(f"Next attempt at {iso(triggered.next_attempt_at)} (now {iso(timezone.now())})")
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("webhooks/<seg:uuid>/execute", WebhookExecuteApi.as_view(), name="webhook-execute"),
    path("triggered-webhooks/<seg:uuid>/logs", triggered_webhook_logs, name="triggered-webhook-logs"),
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/version/<seg:version>/triggered-webhooks",
        PactTriggeredWebhooksApi.as_view(),
        name="pact-triggered-webhooks",
    ),
    # Before contracts' routes (broker/urls.py includes this app first); the result's own
    # route (.../verification-results/<number>) takes one segment, so it cannot match here.
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/pact-version/<seg:sha>"
        "/verification-results/<seg:number>/triggered-webhooks",
        VerificationTriggeredWebhooksApi.as_view(),
        name="verification-result-triggered-webhooks",
    ),
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/webhooks/status",
        WebhooksStatusApi.as_view(),
        name="webhooks-status",
    ),
]
