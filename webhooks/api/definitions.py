"""API views: webhook definitions (routes in urlpatterns at the bottom).

Clients: `pact-broker create-webhook` POSTs to `pb:webhooks`; `create-or-update-webhook`
PUTs to the expanded `pb:webhook` with its own uuid. Both read `_links.self`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Choice, Flag, Headers, Input, Items, Text, is_http_token, not_blank, parse
from contracts.api.links import Links, Placeholder
from contracts.api.schema import BOOLEAN, STRING, TIMESTAMP, hal
from contracts.api.timestamps import iso
from contracts.exceptions import NotFound
from contracts.models import Pacticipant
from contracts.selectors.pacticipants import pacticipant_by_name
from webhooks.models import EVENT_NAMES, Webhook
from webhooks.rendering import MASK, TEMPLATE, is_only_parameters, redact_headers, secret_names
from webhooks.selectors import secret_names_missing, webhook_get, webhooks_list
from webhooks.services.definitions import (
    DEFAULT_EVENT,
    WebhookDefinition,
    webhook_create,
    webhook_delete,
    webhook_put,
)

EXECUTE_TITLE = "Test the execution of the webhook with the latest matching pact or verification by sending a POST request to this URL"


def display_description(webhook: Webhook) -> str:
    """The description, or "<METHOD> <host>" when none was given (the Pact Broker's rule)."""
    if webhook.description and webhook.description.strip():
        return webhook.description
    host = urlsplit(TEMPLATE.sub("placeholder", webhook.url)).hostname or ""
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
                "href": links.route("pacticipant", name=pacticipant.name),
            }
        elif label is not None:
            out[f"pb:{role}s"] = {
                "title": f"{title}s labelled '{label}'",
                "name": label,
                "href": links.route("pacticipants-for-label", label=label),
            }
    if webhook.consumer and webhook.provider:
        out["pb:pact-webhooks"] = {
            "title": f"All webhooks for consumer {webhook.consumer.name} and provider {webhook.provider.name}",
            "href": links.route(
                "webhooks-provider-consumer", provider=webhook.provider.name, consumer=webhook.consumer.name
            ),
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
        "self": {"title": display_description(webhook), "href": links.route("webhook", uuid=webhook.uuid)},
        "pb:execute": {"title": EXECUTE_TITLE, "href": links.route("webhook-execute", uuid=webhook.uuid)},
        **_scope_links(links, webhook),
        "pb:webhooks": {"title": "All webhooks", "href": links.route("webhooks")},
    }
    return body


def webhooks_body(webhooks, links: Links, self_href: str) -> dict:
    """A webhook collection: links only, one `pb:webhooks` entry per webhook."""
    # The doc route's one segment is `webhooks-{rel}`: a fixed prefix on the curie's placeholder.
    doc = links.route("doc", rel=Placeholder("rel")).replace(Placeholder("rel"), "webhooks-{rel}")
    return {
        "_links": {
            "self": {"title": "Webhooks", "href": self_href},
            "pb:create": {"title": "POST to create a webhook", "href": self_href},
            "pb:webhooks": [
                {
                    "title": scope_description(webhook),
                    "name": display_description(webhook),
                    "href": links.route("webhook", uuid=webhook.uuid),
                }
                for webhook in webhooks
            ],
            "curies": [{"name": "pb", "href": doc, "templated": True}],
        }
    }


# ---------------------------------------------------------------- input


def _not_whitelisted(what: str, allowed: list[str]) -> serializers.ValidationError:
    choices = allowed[0] if len(allowed) == 1 else "one of " + ", ".join(allowed)
    return serializers.ValidationError(f"{what} {choices}. See /doc/webhooks#whitelist for more information.")


def webhook_method(method: str) -> None:
    """An HTTP method in the whitelist (ACCORD_WEBHOOK_METHODS, any case)."""
    not_blank(method)
    allowed = [name.upper() for name in settings.ACCORD_WEBHOOK_METHODS]
    if not is_http_token(method) or method.upper() not in allowed:
        raise _not_whitelisted("must be", allowed)


def webhook_url(url: str) -> None:
    """An absolute URL with a whitelisted scheme (ACCORD_WEBHOOK_SCHEMES) and no template
    (`${pactbroker.*}` nor `${user.*}`) in its host."""
    not_blank(url)
    if any(char in url for char in "\r\n\t "):
        raise serializers.ValidationError("cannot contain spaces, tabs or new lines")
    try:
        # Parameters are filled with two different values: a host that changes is templated.
        parsed = urlsplit(TEMPLATE.sub("placeholder", url))
        other = urlsplit(TEMPLATE.sub("differentplaceholder", url))
        parsed.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise serializers.ValidationError(f"is not a valid URL ({exc})") from None
    if not parsed.scheme or not parsed.hostname:
        raise serializers.ValidationError(
            "is not a valid URL: it needs a scheme and a host, e.g. https://ci.example.com/hook"
        )
    if parsed.hostname != other.hostname:
        raise serializers.ValidationError("cannot have a template parameter in the host")
    allowed = list(settings.ACCORD_WEBHOOK_SCHEMES)
    if parsed.scheme.lower() not in {scheme.lower() for scheme in allowed}:
        raise _not_whitelisted("scheme must be", allowed)


class WebhookScopeInput(Input):
    """`{"name": ...}` of a pacticipant that exists, or `{"label": ...}`: exactly one of them."""

    name = Text(required=False, allow_null=True, validators=[not_blank])
    label = Text(required=False, allow_null=True, max_length=255, validators=[not_blank])

    def validate(self, attrs: dict) -> dict:
        name, label = attrs.get("name"), attrs.get("label")
        if name is not None and label is not None:
            raise serializers.ValidationError('can have a "name" or a "label", not both')
        if name is None and label is None:
            raise serializers.ValidationError('must have a "name" or a "label"')
        if name is not None:
            try:
                attrs["pacticipant"] = pacticipant_by_name(name=name)
            except NotFound as exc:
                raise serializers.ValidationError({"name": [exc.message]}) from None
        return attrs


class WebhookEventInput(Input):
    """An event the webhook is sent on."""

    name = Choice(choices=EVENT_NAMES)


class WebhookRequestInput(Input):
    """The request a webhook sends; `${pactbroker.*}` parameters and `${user.*}` secrets are
    filled in when it is sent."""

    method = Text(validators=[webhook_method])
    url = Text(validators=[webhook_url])
    headers = Headers(required=False, allow_null=True)
    body = serializers.JSONField(required=False, allow_null=True, help_text="Any JSON value, or a string")
    username = Text(required=False, allow_null=True, allow_blank=True, max_length=255)
    password = Text(required=False, allow_null=True, allow_blank=True, max_length=1024)


_SCOPE_NOT_AN_OBJECT = {"invalid": 'must be an object with a "name" or a "label"'}
# DRF formats error messages: the braces are doubled.
_NO_EVENTS = 'must be a non-empty array of {{"name": <event name>}}'


class WebhookInput(Input):
    """A webhook definition as POST creates it and PUT replaces it (spec 3.15)."""

    description = Text(required=False, allow_null=True, allow_blank=True, max_length=1024)
    enabled = Flag(required=False, allow_null=True)
    consumer = WebhookScopeInput(required=False, allow_null=True, error_messages=_SCOPE_NOT_AN_OBJECT)
    provider = WebhookScopeInput(required=False, allow_null=True, error_messages=_SCOPE_NOT_AN_OBJECT)
    events = Items(
        child=WebhookEventInput(),
        required=False,
        allow_null=True,
        allow_empty=False,
        error_messages={"not_a_list": _NO_EVENTS, "empty": _NO_EVENTS},
    )
    request = WebhookRequestInput(error_messages={"required": "is missing", "null": "is missing"})


def webhook_definition(
    data: Any, *, consumer: Pacticipant | None = None, provider: Pacticipant | None = None
) -> WebhookDefinition:
    """The definition in a request body, or InvalidInput naming every problem.

    `consumer`/`provider` come from a scoped URL and replace the body's scope for their role.
    """
    from_path = {"consumer": consumer, "provider": provider}
    if isinstance(data, Mapping):
        data = {key: value for key, value in data.items() if from_path.get(key) is None}
    values = parse(WebhookInput, data)
    scope: dict[str, Any] = {}
    for role, pacticipant in from_path.items():
        given = values.get(role) or {}
        scope[role] = pacticipant or given.get("pacticipant")
        scope[f"{role}_label"] = None if pacticipant else given.get("label")
    request = values["request"]
    events = values.get("events") or [{"name": DEFAULT_EVENT}]
    return WebhookDefinition(
        description=values.get("description"),
        enabled=values.get("enabled") is not False,  # omitted or null: enabled
        events=tuple(event["name"] for event in events),
        method=request["method"],
        url=request["url"],
        headers=request.get("headers") or {},
        body=request.get("body"),
        username=request.get("username"),
        password=request.get("password"),
        **scope,
    )


# ---------------------------------------------------------------- response shapes

SCOPE = {
    "type": "object",
    "description": 'The pacticipant ({"name"}) or the label ({"label"}) the webhook applies to',
    "properties": {"name": STRING, "label": STRING},
}
WEBHOOK = hal(
    {
        "uuid": STRING,
        "description": STRING,
        "consumer": SCOPE,
        "provider": SCOPE,
        "enabled": BOOLEAN,
        "request": {
            "type": "object",
            "description": "Secret header values and the password are masked",
            "properties": {
                "method": STRING,
                "url": STRING,
                "headers": {"type": "object", "additionalProperties": STRING},
                "body": {"description": "Any JSON value, or a string"},
                "username": STRING,
                "password": STRING,
            },
            "required": ["method", "url"],
        },
        "events": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": STRING}, "required": ["name"]},
        },
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
        "notices": {
            "type": "array",
            "description": "After a write: warnings, e.g. a ${user.NAME} that names no secret yet",
            "items": {"type": "object", "properties": {"type": STRING, "text": STRING}, "required": ["type", "text"]},
        },
    },
    required=("uuid", "description", "enabled", "request", "events", "createdAt"),
)
# Links only: self, pb:create and one pb:webhooks entry per webhook.
WEBHOOKS = hal()


# ---------------------------------------------------------------- views


def missing_secret_notices(webhook: Webhook) -> list[dict[str, str]]:
    """A warning per `${user.NAME}` the webhook refers to that names no secret yet. The
    webhook is saved all the same (the secret may be created next), but until then its
    deliveries fail and send nothing."""
    return [
        {
            "type": "warning",
            "text": f"No secret named {name} exists: until one does (POST /secrets), deliveries of this "
            f"webhook fail without sending anything, as ${{user.{name}}} cannot be filled in.",
        }
        for name in secret_names_missing(names=secret_names(webhook))
    ]


def _written(request: Request, webhook: Webhook, *, status: int = 200) -> Response:
    """The webhook after a write, with notices about secrets it refers to that do not exist."""
    links = Links(request)
    body = webhook_body(webhook, links)
    notices = missing_secret_notices(webhook)
    if notices:
        body["notices"] = notices
    headers = {"Location": links.route("webhook", uuid=webhook.uuid)} if status == 201 else None
    return Response(body, status=status, headers=headers)


def _created(request: Request, webhook: Webhook) -> Response:
    return _written(request, webhook, status=201)


class WebhooksApi(BrokerApi):
    """GET /webhooks lists every webhook; POST creates one with a generated uuid."""

    @extend_schema(responses={200: WEBHOOKS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        return Response(webhooks_body(webhooks_list(), links, links.route("webhooks")))

    @extend_schema(request=WebhookInput, responses={201: WEBHOOK})
    def post(self, request: Request) -> Response:
        return _created(request, webhook_create(definition=webhook_definition(request.data)))


class ScopedWebhooksApi(BrokerApi):
    """GET/POST webhooks scoped to a provider and/or consumer named in the path (404 if absent)."""

    def _scope(self, provider: str | None, consumer: str | None) -> tuple[Pacticipant | None, Pacticipant | None]:
        found_provider = pacticipant_by_name(name=provider) if provider is not None else None
        found_consumer = pacticipant_by_name(name=consumer) if consumer is not None else None
        return found_provider, found_consumer

    @extend_schema(responses={200: WEBHOOKS})
    def get(self, request: Request, provider: str | None = None, consumer: str | None = None) -> Response:
        found_provider, found_consumer = self._scope(provider, consumer)
        webhooks = webhooks_list(scoped=True, consumer=found_consumer, provider=found_provider)
        links = Links(request)
        # The collection's own route (names may hold spaces, '/' or '%', encoded once).
        match = request.resolver_match
        return Response(webhooks_body(webhooks, links, links.route(match.url_name, **match.kwargs)))

    @extend_schema(request=WebhookInput, responses={201: WEBHOOK})
    def post(self, request: Request, provider: str | None = None, consumer: str | None = None) -> Response:
        found_provider, found_consumer = self._scope(provider, consumer)
        definition = webhook_definition(request.data, consumer=found_consumer, provider=found_provider)
        return _created(request, webhook_create(definition=definition))


class WebhookApi(BrokerApi):
    """GET, PUT (create 201 or replace 200) and DELETE one webhook by uuid."""

    @extend_schema(responses={200: WEBHOOK})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(webhook_body(webhook_get(uuid=uuid), Links(request)))

    @extend_schema(request=WebhookInput, responses={201: WEBHOOK, 200: WEBHOOK})
    def put(self, request: Request, uuid: str) -> Response:
        webhook, created = webhook_put(uuid=uuid, definition=webhook_definition(request.data))
        return _written(request, webhook, status=201 if created else 200)

    @extend_schema(responses={204: None})
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
