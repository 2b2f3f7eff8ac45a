"""Webhook execution on demand, and what happened to triggered webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links, base_url
from contracts.api.timestamps import iso
from contracts.models import ContractPublication, Webhook
from contracts.selectors.pacticipants import pacticipants_by_names
from contracts.selectors.webhooks import webhook_get
from contracts.services.webhooks import webhook_template_context
from verifier import http
from verifier.models import TriggeredWebhook, WebhookExecution
from verifier.services.delivery import webhook_attempt, webhook_request_render

Status = TriggeredWebhook.Status


def _latest_publication(webhook: Webhook) -> ContractPublication | None:
    """The newest publication in the webhook's scope: what a test execution renders with."""
    publications = ContractPublication.objects.filter(is_current=True).select_related(
        "contract", "consumer", "provider", "consumer_version"
    )
    if webhook.consumer_id:
        publications = publications.filter(consumer_id=webhook.consumer_id)
    if webhook.provider_id:
        publications = publications.filter(provider_id=webhook.provider_id)
    return publications.order_by("-id").first()


class WebhookExecuteApi(BrokerApi):
    """POST /webhooks/{uuid}/execute: send the webhook now, with the latest matching pact."""

    def post(self, request: Request, uuid: str) -> Response:
        webhook = webhook_get(uuid=uuid)
        publication = _latest_publication(webhook)
        event = (webhook.events or ["contract_published"])[0]
        context = webhook_template_context(event_name=event, base_url=base_url(request), publication=publication)
        outcome = webhook_attempt(webhook, context)
        with transaction.atomic():
            triggered = TriggeredWebhook.objects.create(
                webhook=webhook,
                webhook_uuid=webhook.uuid,
                event_name=event,
                trigger_type="user",
                status=Status.SUCCESS if outcome.success else Status.FAILURE,
                context=context,
                consumer=publication.consumer if publication else webhook.consumer,
                provider=publication.provider if publication else webhook.provider,
                attempts_made=1,
            )
            WebhookExecution.objects.create(
                triggered_webhook=triggered,
                attempt=1,
                success=outcome.success,
                status_code=outcome.status_code,
                request_log=outcome.request_log,
                response_log=outcome.response_log,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        rendered = webhook_request_render(webhook, context)
        links = Links(request)
        body = {
            "request": {
                "method": rendered.method,
                "url": http.redact_url(rendered.url),
                "headers": http.redact_headers(rendered.headers),
                "body": http.redact_text(rendered.body or "", rendered.secrets),
            },
            "response": {"status": outcome.status_code} if outcome.status_code else None,
            "logs": "\n".join(part for part in (outcome.request_log, outcome.response_log) if part),
            "success": outcome.success,
            "_links": {
                "webhook": {"href": links.url("webhooks", webhook.uuid), "title": "Webhook"},
                "try-again": {
                    "href": links.url("webhooks", webhook.uuid, "execute"),
                    "title": "Execute the webhook again",
                },
                "pb:logs": {"href": links.url("triggered-webhooks", triggered.uuid, "logs")},
            },
        }
        if outcome.error:
            body["error"] = {"message": outcome.error}
        return Response(body)


def triggered_webhook_body(triggered: TriggeredWebhook, links: Links) -> dict:
    attempts_allowed = len(settings.ACCORD_WEBHOOK_RETRY_SCHEDULE) + 1
    remaining = (
        0 if triggered.status in (Status.SUCCESS, Status.FAILURE) else attempts_allowed - triggered.attempts_made
    )
    logs = links.url("triggered-webhooks", triggered.uuid, "logs")
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
            "pb:webhook": {"href": links.url("webhooks", triggered.webhook_uuid), "title": "Webhook"},
        },
    }


class PactTriggeredWebhooksApi(BrokerApi):
    """GET the webhooks a consumer version's pact triggered."""

    def get(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        provider_row, consumer_row = pacticipants_by_names(provider, consumer)
        triggered = (
            TriggeredWebhook.objects.filter(
                provider=provider_row, consumer=consumer_row, context__consumerVersionNumber=version
            )
            .select_related("webhook")
            .order_by("id")
        )
        links = Links(request)
        return Response(
            {
                "_embedded": {"triggeredWebhooks": [triggered_webhook_body(t, links) for t in triggered]},
                "_links": {
                    "self": {
                        "href": links.url(
                            "pacts",
                            "provider",
                            provider,
                            "consumer",
                            consumer,
                            "version",
                            version,
                            "triggered-webhooks",
                        ),
                        "title": "Triggered webhooks",
                    }
                },
            }
        )


class WebhooksStatusApi(BrokerApi):
    """GET the delivery status of the latest triggered webhooks for a pair."""

    def get(self, request: Request, provider: str, consumer: str) -> Response:
        provider_row, consumer_row = pacticipants_by_names(provider, consumer)
        latest = list(
            TriggeredWebhook.objects.filter(provider=provider_row, consumer=consumer_row)
            .order_by("webhook_uuid", "-id")
            .distinct("webhook_uuid")
            .select_related("webhook")
        )
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
                    "self": {
                        "href": links.url("pacts", "provider", provider, "consumer", consumer, "webhooks", "status")
                    },
                    "pb:error-logs": [
                        {"href": links.url("triggered-webhooks", t.uuid, "logs"), "title": t.event_name}
                        for t in latest
                        if t.status == Status.FAILURE
                    ],
                },
            }
        )


def triggered_webhook_logs(request, uuid: str) -> HttpResponse:
    """GET /triggered-webhooks/{uuid}/logs: every attempt, redacted, as text."""
    triggered = TriggeredWebhook.objects.filter(uuid=uuid).first() if _is_uuid(uuid) else None
    if triggered is None:
        return HttpResponse(f"No triggered webhook with uuid {uuid}\n", status=404, content_type="text/plain")
    lines = [
        f"Webhook {triggered.webhook_uuid} triggered by {triggered.event_name} at {iso(triggered.created_at)}",
        f"Status: {triggered.status} after {triggered.attempts_made} attempt(s)",
        "",
    ]
    for execution in triggered.executions.order_by("attempt"):
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


def _is_uuid(value: str) -> bool:
    import uuid as uuid_module

    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True


urlpatterns = [
    path("webhooks/<seg:uuid>/execute", WebhookExecuteApi.as_view(), name="webhook-execute"),
    path("triggered-webhooks/<seg:uuid>/logs", triggered_webhook_logs, name="triggered-webhook-logs"),
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/version/<seg:version>/triggered-webhooks",
        PactTriggeredWebhooksApi.as_view(),
        name="pact-triggered-webhooks",
    ),
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/webhooks/status",
        WebhooksStatusApi.as_view(),
        name="webhooks-status",
    ),
]
