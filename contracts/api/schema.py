"""The OpenAPI document's view of our views (drf-spectacular).

Every API view answers HAL+JSON and takes JSON bodies; path segments use the `seg`
converter (a percent-encoded name). A view says what it takes and gives with
`extend_schema` (request=SomeInput, parameters=[SomeQuery], responses={200: SHAPE}),
using the Input serializers of contracts/api/inputs.py and the response shapes below.
What every operation may answer besides (400, 404, 415, ...) is added here, once, so the
document lists the error bodies a client can meet without each view repeating them.
Operation ids are the route names (`version.get`), stable across refactors.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema

from contracts.api.links import _routes

JSON = "application/json"
HAL = "application/hal+json"

# ---------------------------------------------------------------- response shapes


def hal(properties: dict[str, Any] | None = None, *, required: tuple[str, ...] = (), links: bool = True) -> dict:
    """A HAL+JSON object: `_links` (unless `links=False`) and the given properties; more are allowed."""
    shape: dict[str, Any] = {"type": "object", "properties": dict(properties or {})}
    needed = list(required)
    if links:
        shape["properties"]["_links"] = LINKS
        needed.append("_links")
    if needed:
        shape["required"] = needed
    return shape


def collection(key: str, item: dict, *, page: dict | None = None) -> dict:
    """A HAL collection: `_embedded.<key>` is an array of `item`; with `page` when it is paginated."""
    embedded = {"type": "object", "properties": {key: {"type": "array", "items": item}}, "required": [key]}
    properties: dict[str, Any] = {"_embedded": embedded}
    if page is not None:
        properties["page"] = page
    return hal(properties, required=("_embedded",))


LINK = {
    "type": "object",
    "properties": {
        "href": {"type": "string"},
        "title": {"type": "string"},
        "name": {"type": "string"},
        "templated": {"type": "boolean"},
    },
    "required": ["href"],
}
LINKS_SHAPE = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"$ref": "#/components/schemas/Link"},
            {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        ]
    },
}
LINKS = {"$ref": "#/components/schemas/Links"}
STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
BOOLEAN = {"type": "boolean"}

ERROR_SHAPE = {
    "type": "object",
    "description": (
        'One of: {"error": "message"}; {"errors": {"field": ["message"]}} (validation, the Pact Broker\'s shape, '
        'with dotted and indexed keys for nested fields); {"errors": ["message"]} (matrix selectors); '
        "optionally with `notices` for people."
    ),
    "properties": {
        "error": {
            "anyOf": [
                STRING,
                {"type": "object", "properties": {"message": STRING, "reference": STRING}, "required": ["message"]},
            ]
        },
        "errors": {
            "anyOf": [
                {"type": "object", "additionalProperties": {"type": "array", "items": STRING}},
                {"type": "array", "items": STRING},
            ]
        },
        "notices": {"type": "array", "items": {"type": "object"}},
    },
    "anyOf": [{"required": ["error"]}, {"required": ["errors"]}],
}

ERROR = {"$ref": "#/components/schemas/Error"}
COMPONENTS = {"Link": LINK, "Links": LINKS_SHAPE, "Error": ERROR_SHAPE}

_ERRORS_BY_METHOD = {
    "GET": ("400", "404"),
    "POST": ("400", "404", "409", "413", "415"),
    "PUT": ("400", "404", "409", "413", "415"),
    "PATCH": ("400", "404", "409", "413", "415", "422"),
    "DELETE": ("404",),
}
_ERROR_DESCRIPTIONS = {
    "400": "The request is invalid: what is wrong, by field",
    "401": "Credentials are needed (basic auth or a bearer token), or the bearer token sent does not authenticate",
    "403": "The credentials do not give the access this request needs; the message names the missing permission",
    "404": "Nothing by that name (or no such route)",
    "405": "The resource does not take that method",
    "409": "The request contradicts stored data",
    "413": "The request body is over the limit for this endpoint",
    "415": "The body is not sent as JSON",
    "422": "The change is not allowed",
    "503": "A dependency (the database) is unavailable; retry after the Retry-After header",
}

UNDESCRIBED = {"type": "object", "description": "Not described yet"}


def public_endpoints(endpoints: list, **kwargs: Any) -> list:
    """Preprocessing hook: the API as deployed (the test server's own routes are not part of it)."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/_pact/")]


def add_components(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: the shared shapes as components, referenced by `$ref`."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    return result


# ---------------------------------------------------------------- operation ids


@functools.cache
def _route_names() -> dict[str, str]:
    """OpenAPI path ("/pacticipants/{name}") -> route name, from the URL conf."""
    parameter = re.compile(r"<(?:\w+:)?(\w+)>")
    return {"/" + parameter.sub(r"{\1}", pattern): name for name, pattern in _routes(settings.ROOT_URLCONF).items()}


class AccordSchema(AutoSchema):
    """AutoSchema with our media types, route-name operation ids and the shared error answers."""

    def map_renderers(self, attribute: str) -> list[str]:
        return [HAL]

    def map_parsers(self) -> list[str]:
        return [JSON]

    def get_operation_id(self) -> str:
        name = _route_names().get(self.path)
        return f"{name}.{self.method.lower()}" if name else super().get_operation_id()

    def get_request_serializer(self) -> Any:
        # Views declare their Input with extend_schema; without it there is no body to describe.
        return None

    def get_response_serializers(self) -> Any:
        # Views declare their shapes with extend_schema; an operation without one says so
        # (tests/api/test_openapi.py lists those that remain).
        if self.method == "DELETE":
            return {"204": None}
        if self.method in ("POST", "PUT", "PATCH"):
            return {"200": UNDESCRIBED, "201": UNDESCRIBED}
        return {"200": UNDESCRIBED}

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in (*_ERRORS_BY_METHOD.get(self.method, ()), "401", "403", "503"):
            if code not in responses:
                responses[code] = {
                    "description": _ERROR_DESCRIPTIONS[code],
                    "content": {HAL: {"schema": ERROR}},
                }
        return responses


def with_links(shape: dict, *relations: str) -> dict:
    """`shape` (from `hal()`) whose `_links` must hold these relations: those the real clients follow."""
    out = {**shape, "properties": dict(shape["properties"])}
    out["properties"]["_links"] = {"allOf": [LINKS, {"type": "object", "required": list(relations)}]}
    return out
