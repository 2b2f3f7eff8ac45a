"""API views: webhook definitions (routes in urlpatterns at the bottom).

Clients: `pact-broker create-webhook` POSTs to `pb:webhooks`; `create-or-update-webhook`
PUTs to the expanded `pb:webhook` with its own uuid. Both read `_links.self`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links
from contracts.api.timestamps import iso
from contracts.models import Pacticipant
from contracts.selectors.pacticipants import pacticipant_by_name
from webhooks.models import Webhook
from webhooks.rendering import MASK, PARAMETER, is_only_parameters, redact_headers
from webhooks.selectors import webhook_get, webhooks_list
from webhooks.services.definitions import webhook_create, webhook_delete, webhook_put

EXECUTE_TITLE = "Test the execution of the webhook with the latest matching pact or verification by sending a POST request to this URL"


def display_description(webhook: Webhook) -> str:
    """The description, or "<METHOD> <host>" when none was given (the Pact Broker's rule)."""
    if webhook.description and webhook.description.strip():
        return webhook.description
    host = urlsplit(PARAMETER.sub("placeholder", webhook.url)).hostname or ""
    return f"{webhook.method.upper()} {host}".strip()


def scope_description(webhook: Webhook) -> str:
    """What a webhook applies to, in words (the title of its entry in webhook lists)."""
    consumer = webhook.consumer.name if webhook.consumer else None
    provider = webhook.provider.name if webhook.provider else None
    consumers = f"consumers labelled '{webhook.consumer_label}'" if webhook.consumer_label else None
    providers = f"providers labelled '{webhook.provider_label}'" if webhook.provider_label else None
    if consumer and provider:
        return f"A webhook for the pact between {consumer} and {provider}"
    parts = [
        f"consumer {consumer}" if consumer else consumers,
        f"provider {provider}" if provider else providers,
    ]
    given = [part for part in parts if part]
    if not given:
        return "A webhook for all pacts"
    return "A webhook for all pacts with " + " and ".join(given)


def _scope(pacticipant: Pacticipant | None, label: str | None) -> dict | None:
    if pacticipant is not None:
        return {"name": pacticipant.name}
    if label is not None:
        return {"label": label}
    return None


def _request_body(webhook: Webhook) -> dict:
    out: dict = {"method": webhook.method, "url": webhook.url}
    if webhook.headers:
        out["headers"] = redact_headers(webhook.headers)
    if webhook.body is not None:
        out["body"] = json.loads(webhook.body) if webhook.body_is_json else webhook.body
    if webhook.username is not None:
        out["username"] = webhook.username
    if webhook.password is not None:
        # A password that is only template parameters holds no secret; show it as written.
        out["password"] = webhook.password if is_only_parameters(webhook.password) else MASK
    return out


def _scope_links(links: Links, webhook: Webhook) -> dict:
    out: dict = {}
    for role, title in (("consumer", "Consumer"), ("provider", "Provider")):
        pacticipant: Pacticipant | None = getattr(webhook, role)
        label: str | None = getattr(webhook, f"{role}_label")
        if pacticipant is not None:
            out[f"pb:{role}"] = {
                "title": title,
                "name": pacticipant.name,
                "href": links.url("pacticipants", pacticipant.name),
            }
        elif label is not None:
            out[f"pb:{role}s"] = {
                "title": f"{title}s labelled '{label}'",
                "name": label,
                "href": links.url("pacticipants", "label", label),
            }
    if webhook.consumer and webhook.provider:
        out["pb:pact-webhooks"] = {
            "title": f"All webhooks for consumer {webhook.consumer.name} and provider {webhook.provider.name}",
            "href": links.url("webhooks", "provider", webhook.provider.name, "consumer", webhook.consumer.name),
        }
    return out


def webhook_body(webhook: Webhook, links: Links) -> dict:
    """The webhook resource (spec 3.15), secrets masked, nil fields omitted."""
    body: dict = {"uuid": webhook.uuid, "description": display_description(webhook)}
    for role in ("consumer", "provider"):
        scope = _scope(getattr(webhook, role), getattr(webhook, f"{role}_label"))
        if scope is not None:
            body[role] = scope
    body["enabled"] = webhook.enabled
    body["request"] = _request_body(webhook)
    body["events"] = [{"name": name} for name in webhook.events]
    body["createdAt"] = iso(webhook.created_at)
    if webhook.updated_at != webhook.created_at:
        body["updatedAt"] = iso(webhook.updated_at)
    body["_links"] = {
        "self": {"title": display_description(webhook), "href": links.url("webhooks", webhook.uuid)},
        "pb:execute": {"title": EXECUTE_TITLE, "href": links.url("webhooks", webhook.uuid, "execute")},
        **_scope_links(links, webhook),
        "pb:webhooks": {"title": "All webhooks", "href": links.url("webhooks")},
    }
    return body


def webhooks_body(webhooks, links: Links, self_href: str) -> dict:
    """A webhook collection: links only, one `pb:webhooks` entry per webhook."""
    return {
        "_links": {
            "self": {"title": "Webhooks", "href": self_href},
            "pb:create": {"title": "POST to create a webhook", "href": self_href},
            "pb:webhooks": [
                {
                    "title": scope_description(webhook),
                    "name": display_description(webhook),
                    "href": links.url("webhooks", webhook.uuid),
                }
                for webhook in webhooks
            ],
            "curies": [{"name": "pb", "href": links.template("/doc/webhooks-{rel}"), "templated": True}],
        }
    }


def _created(request: Request, webhook: Webhook) -> Response:
    links = Links(request)
    href = links.url("webhooks", webhook.uuid)
    return Response(webhook_body(webhook, links), status=201, headers={"Location": href})


class WebhooksApi(BrokerApi):
    """GET /webhooks lists every webhook; POST creates one with a generated uuid."""

    def get(self, request: Request) -> Response:
        links = Links(request)
        return Response(webhooks_body(webhooks_list(), links, links.url("webhooks")))

    def post(self, request: Request) -> Response:
        return _created(request, webhook_create(data=request.data))


class ScopedWebhooksApi(BrokerApi):
    """GET/POST webhooks scoped to a provider and/or consumer named in the path (404 if absent)."""

    def _scope(self, provider: str | None, consumer: str | None) -> tuple[Pacticipant | None, Pacticipant | None]:
        found_provider = pacticipant_by_name(name=provider) if provider is not None else None
        found_consumer = pacticipant_by_name(name=consumer) if consumer is not None else None
        return found_provider, found_consumer

    def get(self, request: Request, provider: str | None = None, consumer: str | None = None) -> Response:
        found_provider, found_consumer = self._scope(provider, consumer)
        webhooks = webhooks_list(scoped=True, consumer=found_consumer, provider=found_provider)
        links = Links(request)
        return Response(webhooks_body(webhooks, links, links.url(*self._segments(request, provider, consumer))))

    @staticmethod
    def _segments(request: Request, provider: str | None, consumer: str | None) -> tuple[str, ...]:
        # The collection's own path, re-encoded (names may hold spaces, '/' or '%').
        if request.resolver_match.url_name == "pact-webhooks":
            return ("pacts", "provider", provider, "consumer", consumer, "webhooks")
        segments: tuple[str, ...] = ("webhooks",)
        if provider is not None:
            segments += ("provider", provider)
        if consumer is not None:
            segments += ("consumer", consumer)
        return segments

    def post(self, request: Request, provider: str | None = None, consumer: str | None = None) -> Response:
        found_provider, found_consumer = self._scope(provider, consumer)
        return _created(request, webhook_create(data=request.data, consumer=found_consumer, provider=found_provider))


class WebhookApi(BrokerApi):
    """GET, PUT (create 201 or replace 200) and DELETE one webhook by uuid."""

    def get(self, request: Request, uuid: str) -> Response:
        return Response(webhook_body(webhook_get(uuid=uuid), Links(request)))

    def put(self, request: Request, uuid: str) -> Response:
        webhook, created = webhook_put(uuid=uuid, data=request.data)
        if created:
            return _created(request, webhook)
        return Response(webhook_body(webhook, Links(request)))

    def delete(self, request: Request, uuid: str) -> Response:
        webhook_delete(webhook=webhook_get(uuid=uuid))
        return Response(status=204)


urlpatterns: list = [
    path("webhooks", WebhooksApi.as_view(), name="webhooks"),
    path(
        "webhooks/provider/<seg:provider>/consumer/<seg:consumer>",
        ScopedWebhooksApi.as_view(),
        name="webhooks-provider-consumer",
    ),
    path("webhooks/provider/<seg:provider>", ScopedWebhooksApi.as_view(), name="webhooks-provider"),
    path("webhooks/consumer/<seg:consumer>", ScopedWebhooksApi.as_view(), name="webhooks-consumer"),
    # Deprecated upstream, still linked from pacts (pb:pact-webhooks of old brokers).
    path(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/webhooks",
        ScopedWebhooksApi.as_view(),
        name="pact-webhooks",
    ),
    path("webhooks/<seg:uuid>", WebhookApi.as_view(), name="webhook"),
]
