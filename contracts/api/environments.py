"""API views: environments (routes in urlpatterns at the bottom).

`GET /environments` carries the environments twice: embedded (read by the Rust CLI)
and as the `pb:environments` link array named by environment (the Ruby CLI finds an
environment with `_links["pb:environments"].find!(name)` and fails without it).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Flag, Input, Items, Object, Text, no_spaces, parse, single_line
from contracts.api.links import Links
from contracts.api.schema import BOOLEAN, STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import timestamps
from contracts.models import Environment
from contracts.selectors.environments import environment_get, environments_list
from contracts.services.environments import (
    environment_create,
    environment_delete,
    environment_replace,
)


def environment_label(environment: Environment) -> str:
    """What titles call an environment: its display name, else its name."""
    return environment.display_name or environment.name


def environment_body(environment: Environment, links: Links) -> dict:
    """The environment resource (also embedded in deployed and released versions)."""
    label = environment_label(environment)
    body: dict = {"uuid": str(environment.uuid), "name": environment.name}
    if environment.display_name:
        body["displayName"] = environment.display_name
    body["production"] = environment.production
    body["contacts"] = environment.contacts or []
    body.update(timestamps(environment.created_at, environment.updated_at))
    body["_links"] = {
        "self": links.link("environment", {"uuid": environment.uuid}, title="Environment", name=environment.name),
        "pb:currently-deployed-deployed-versions": {
            "title": f"Versions currently deployed to {label} environment",
            "href": links.route("environment-currently-deployed", uuid=environment.uuid),
        },
        "pb:currently-supported-released-versions": {
            "title": f"Versions released and supported in {label} environment",
            "href": links.route("environment-currently-supported", uuid=environment.uuid),
        },
        "pb:environments": links.link("environments", title="Environments"),
    }
    return body


class ContactInput(Input):
    name = Text(validators=[single_line])
    details = Object(required=False)


class EnvironmentInput(Input):
    """An environment as POST creates it and PUT replaces it (PUT ignores `uuid`)."""

    name = Text(max_length=255, validators=[single_line, no_spaces], error_messages={"blank": "must be filled"})
    displayName = Text(source="display_name", required=False, allow_null=True, max_length=255, validators=[single_line])
    production = Flag(error_messages={"invalid": "must be one of: true, false"})
    contacts = Items(child=ContactInput(), required=False, allow_null=True)
    uuid = serializers.UUIDField(required=False, error_messages={"invalid": "is not a valid UUID"})


class EnvironmentsQuery(Input):
    name = Text(required=False)


ENVIRONMENT = hal(
    {
        "uuid": {"type": "string", "format": "uuid"},
        "name": STRING,
        "displayName": STRING,
        "production": BOOLEAN,
        "contacts": {"type": "array", "items": {"type": "object"}},
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    },
    required=("uuid", "name", "production", "createdAt"),
)
ENVIRONMENTS = collection("environments", ENVIRONMENT)


def _fields(data: dict) -> dict:
    fields = parse(EnvironmentInput, data)
    fields.pop("uuid", None)
    fields.setdefault("display_name", None)
    fields["contacts"] = [dict(contact) for contact in fields.get("contacts") or []]
    return fields


class EnvironmentCollectionApi(BrokerApi):
    """GET /environments[?name=x] lists environments; POST creates one."""

    @extend_schema(parameters=[EnvironmentsQuery], responses={200: ENVIRONMENTS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        environments = environments_list(name=parse(EnvironmentsQuery, request.query_params).get("name"))
        return Response(
            {
                "_embedded": {"environments": [environment_body(environment, links) for environment in environments]},
                "_links": {
                    "self": links.link("environments", title="Environments"),
                    "pb:environments": [
                        links.link(
                            "environment", {"uuid": environment.uuid}, title="Environment", name=environment.name
                        )
                        for environment in environments
                    ],
                },
            }
        )

    @extend_schema(request=EnvironmentInput, responses={201: ENVIRONMENT})
    def post(self, request: Request) -> Response:
        uuid = parse(EnvironmentInput, request.data).get("uuid")
        environment = environment_create(**_fields(request.data), uuid=str(uuid) if uuid else None)
        links = Links(request)
        return Response(
            environment_body(environment, links),
            status=201,
            headers={"Location": links.route("environment", uuid=environment.uuid)},
        )


class EnvironmentApi(BrokerApi):
    """GET, PUT (replace; cannot create) and DELETE /environments/{uuid}."""

    @extend_schema(responses={200: ENVIRONMENT})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(environment_body(environment_get(uuid=uuid), Links(request)))

    @extend_schema(request=EnvironmentInput, responses={200: ENVIRONMENT})
    def put(self, request: Request, uuid: str) -> Response:
        environment = environment_get(uuid=uuid)
        environment = environment_replace(environment=environment, **_fields(request.data))
        return Response(environment_body(environment, Links(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, uuid: str) -> Response:
        environment_delete(environment=environment_get(uuid=uuid))
        return Response(status=204)


urlpatterns = [
    path("environments", EnvironmentCollectionApi.as_view(), name="environments"),
    path("environments/<seg:uuid>", EnvironmentApi.as_view(), name="environment"),
]
