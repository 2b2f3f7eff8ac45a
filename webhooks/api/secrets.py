"""API views: secrets that webhooks refer to as `${user.NAME}` (routes at the bottom).

A secret's value goes in (POST, PUT) and never comes out: no answer, error or log holds
it. What is shown is its name, description and timestamps. Writes need write access
(broker.auth) and go through webhooks.services.secrets, one function per operation.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import StrictInput, Text, parse, single_line
from contracts.api.links import Links
from contracts.api.schema import STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import timestamps
from webhooks.models import SECRET_NAME, WebhookSecret
from webhooks.selectors import secret_get, secrets_list
from webhooks.services.secrets import (
    DESCRIPTION_MAX_LENGTH,
    NAME_RULE,
    VALUE_MAX_LENGTH,
    VALUE_MIN_LENGTH,
    secret_delete,
    secret_put,
)


def secret_name(name: str) -> None:
    if not SECRET_NAME.match(name):
        raise serializers.ValidationError(NAME_RULE)


def _value(**kwargs: Any) -> Text:
    # Its messages say the rule, never what was typed.
    return Text(
        min_length=VALUE_MIN_LENGTH,
        max_length=VALUE_MAX_LENGTH,
        help_text="The secret's value: never returned. Sent only in the webhook requests that refer to it",
        style={"input_type": "password"},
        **kwargs,
    )


class SecretInput(StrictInput):
    """A secret as POST creates it: a name, the value and an optional description."""

    name = Text(max_length=100, validators=[secret_name], help_text="Referred to as ${user.NAME}")
    description = Text(
        required=False, allow_null=True, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH, validators=[single_line]
    )
    value = _value()


class SecretUpdateInput(SecretInput):
    """A secret as PUT replaces it: name and description; the value only when given (else kept)."""

    value = _value(required=False)


def secret_fields(data: Any, *, update: bool = False) -> dict:
    """The keyword arguments of secret_put for a request body, or InvalidInput naming each field."""
    values = parse(SecretUpdateInput if update else SecretInput, data)
    return {"name": values["name"], "description": values.get("description") or None, "value": values.get("value")}


def secret_body(secret: WebhookSecret, links: Links) -> dict:
    """The secret resource: everything but its value."""
    body: dict = {"uuid": str(secret.uuid), "name": secret.name}
    if secret.description:
        body["description"] = secret.description
    body.update(timestamps(secret.created_at, secret.updated_at))
    body["_links"] = {
        "self": links.link("secret", {"uuid": secret.uuid}, title="Secret", name=secret.name),
        "accord:secrets": links.link("secrets", title="Secrets"),
    }
    return body


SECRET = hal(
    {
        "uuid": {"type": "string", "format": "uuid"},
        "name": STRING,
        "description": STRING,
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    },
    required=("uuid", "name", "createdAt"),
)
SECRETS = collection("secrets", SECRET)


class SecretsApi(BrokerApi):
    """GET /secrets lists every secret (never a value); POST creates one."""

    @extend_schema(responses={200: SECRETS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        return Response(
            {
                "_embedded": {"secrets": [secret_body(secret, links) for secret in secrets_list()]},
                "_links": {"self": links.link("secrets", title="Secrets")},
            }
        )

    @extend_schema(request=SecretInput, responses={201: SECRET})
    def post(self, request: Request) -> Response:
        secret = secret_put(**secret_fields(request.data))
        links = Links(request)
        return Response(
            secret_body(secret, links), status=201, headers={"Location": links.route("secret", uuid=secret.uuid)}
        )


class SecretApi(BrokerApi):
    """GET, PUT (replace; a value left out is kept; cannot create) and DELETE /secrets/{uuid}."""

    @extend_schema(responses={200: SECRET})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(secret_body(secret_get(uuid=uuid), Links(request)))

    @extend_schema(request=SecretUpdateInput, responses={200: SECRET})
    def put(self, request: Request, uuid: str) -> Response:
        secret = secret_put(secret=secret_get(uuid=uuid), **secret_fields(request.data, update=True))
        return Response(secret_body(secret, Links(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, uuid: str) -> Response:
        secret_delete(secret=secret_get(uuid=uuid))
        return Response(status=204)


urlpatterns = [
    path("secrets", SecretsApi.as_view(), name="secrets"),
    path("secrets/<seg:uuid>", SecretApi.as_view(), name="secret"),
]
