"""API views: pacticipants and labels (routes in urlpatterns at the bottom).

Also home to helpers the version views share: `Pagination` (the Pact Broker pages a
collection only when the client asks), `timestamps` (createdAt, and updatedAt only when
it differs) and `json_object`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi, json_object
from contracts.api.environments import environment_label
from contracts.api.links import Links, seg
from contracts.api.timestamps import timestamps
from contracts.exceptions import InvalidInput
from contracts.models import Label
from contracts.selectors.pacticipants import (
    PacticipantDetail,
    label_get,
    label_names,
    pacticipant_by_name,
    pacticipant_detail,
    pacticipant_details,
    pacticipant_list,
)
from contracts.services.pacticipants import (
    label_add,
    label_remove,
    pacticipant_delete,
    pacticipant_upsert,
    validate_name,
)

# --- shared rendering helpers ------------------------------------------------------------


def _positive_param(params: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
            raise InvalidInput({name: ["must be a whole number from 1 to 1000000"]})
        return int(raw)
    return None


class Pagination:
    """`page`/`size` (or the legacy `pageNumber`/`pageSize`) when asked; otherwise the whole list."""

    DEFAULT_SIZE = 100

    def __init__(self, params: Mapping[str, str]) -> None:
        number = _positive_param(params, "page", "pageNumber")
        size = _positive_param(params, "size", "pageSize")
        self.requested = number is not None or size is not None
        self.number = number or 1
        self.size = size or self.DEFAULT_SIZE
        self.total = 0

    def apply(self, queryset: QuerySet) -> list:
        """The rows of the requested page (all rows when no page was asked for)."""
        if not self.requested:
            return list(queryset)
        self.total = queryset.count()
        start = (self.number - 1) * self.size
        return list(queryset[start : start + self.size])

    def decorate(self, body: dict, links: Links, segments: Iterable[object], query: Mapping[str, str]) -> dict:
        """Add `page` and the next/previous links to a paginated body."""
        if not self.requested:
            return body
        pages = math.ceil(self.total / self.size)
        body["page"] = {"number": self.number, "size": self.size, "totalElements": self.total, "totalPages": pages}
        segments = tuple(segments)
        neighbours = (("next", self.number + 1, "Next page"), ("previous", self.number - 1, "Previous page"))
        for rel, number, title in neighbours:
            if 1 <= number <= pages:
                href = links.url(*segments, query={**query, "page": number, "size": self.size})
                body["_links"][rel] = {"href": href, "title": title}
        return body


# --- representations ---------------------------------------------------------------------


def embedded_version(links: Links, pacticipant_name: str, number: str) -> dict:
    """A version as other resources embed it: its number and self link."""
    href = links.url("pacticipants", pacticipant_name, "versions", number)
    return {"number": number, "_links": {"self": {"title": "Version", "name": number, "href": href}}}


def pacticipant_body(links: Links, detail: PacticipantDetail) -> dict:
    """The pacticipant resource (spec 3.4)."""
    pacticipant = detail.pacticipant
    name = pacticipant.name
    base = f"/pacticipants/{seg(name)}"
    body: dict[str, Any] = {"name": name}
    for key, value in (
        ("displayName", pacticipant.display_name),
        ("repositoryUrl", pacticipant.repository_url),
        ("repositoryName", pacticipant.repository_name),
        ("repositoryNamespace", pacticipant.repository_namespace),
        ("mainBranch", pacticipant.main_branch),
    ):
        if value is not None:
            body[key] = value
    body.update(timestamps(pacticipant.created_at, pacticipant.updated_at))
    embedded: dict[str, Any] = {
        "labels": [
            {"name": label.name, "_links": {"self": _label_self(links, name, label.name)}} for label in detail.labels
        ]
    }
    if detail.latest_version is not None:
        embedded["latestVersion"] = embedded_version(links, name, detail.latest_version.number)
        deprecated = "DEPRECATED - please use latestVersion"
        embedded["latest-version"] = {**embedded["latestVersion"], "title": deprecated, "name": deprecated}
    body["_embedded"] = embedded
    versions = links.url("pacticipants", name, "versions")
    body["_links"] = {
        "self": {"href": links.url("pacticipants", name)},
        "pb:versions": {"href": versions},
        "pb:branches": {"href": links.url("pacticipants", name, "branches")},
        "pb:version": {
            "title": "Get, create or delete a pacticipant version",
            "href": links.template(f"{base}/versions/{{version}}"),
            "templated": True,
        },
        "pb:version-tag": {
            "title": f"Get, create or delete a tag for a version of {name}",
            "href": links.template(f"{base}/versions/{{version}}/tags/{{tag}}"),
            "templated": True,
        },
        "pb:branch-version": {
            "title": f"Get or add/create a version for a branch of {name}",
            "href": links.template(f"{base}/branches/{{branch}}/versions/{{version}}"),
            "templated": True,
        },
        "pb:label": {
            "title": f"Get, create or delete a label for {name}",
            "href": links.template(f"{base}/labels/{{label}}"),
            "templated": True,
        },
        "versions": {"title": "Deprecated - use pb:versions", "href": versions},
        "pb:can-i-deploy-badge": {
            "title": f"Can I Deploy {name} badge",
            "href": links.template(f"{base}/latest-version/{{tag}}/can-i-deploy/to/{{environmentTag}}/badge"),
            "templated": True,
        },
        "pb:can-i-deploy-branch-to-environment-badge": {
            "title": f"Can I Deploy {name} from branch to environment badge",
            "href": links.template(
                f"{base}/branches/{{branch}}/latest-version/can-i-deploy/to-environment/{{environment}}/badge"
            ),
            "templated": True,
        },
        "pb:deployed-environments": [_deployed_environment(links, deployment) for deployment in detail.deployments],
        "curies": [{"name": "pb", "href": links.template("/doc/{rel}?context=pacticipant"), "templated": True}],
    }
    return body


def _deployed_environment(links: Links, deployment) -> dict:
    environment = environment_label(deployment.environment)
    out = {
        "title": f"Version {deployment.version.number} deployed to {environment}",
        "name": environment,
        "href": links.url("deployed-versions", deployment.uuid),
        "currently_deployed": deployment.currently_deployed,
    }
    if deployment.target is not None:
        out["application_instance"] = deployment.target
    return out


def pacticipants_body(links: Links, details: list[PacticipantDetail], self_href: str) -> dict:
    """A pacticipant collection, with the deprecated top-level copies old clients read."""
    items = [pacticipant_body(links, detail) for detail in details]
    deprecated_title = "DEPRECATED - Please use the embedded pacticipants collection"
    return {
        "_embedded": {"pacticipants": items},
        "pacticipants": [{**item, "title": deprecated_title} for item in items],
        "_links": {
            "self": {"href": self_href},
            "pb:pacticipants-with-label": {
                "title": "Find pacticipants by label",
                "href": links.template("/pacticipants/label/{label}"),
                "templated": True,
            },
            "pb:pacticipants": [
                {"href": item["_links"]["self"]["href"], "title": "Pacticipant", "name": item["name"]} for item in items
            ],
            "pacticipants": [
                {
                    "href": item["_links"]["self"]["href"],
                    "title": item["name"],
                    "name": "DEPRECATED - please use pb:pacticipants",
                }
                for item in items
            ],
        },
    }


def _label_self(links: Links, pacticipant_name: str, label: str) -> dict:
    return {"title": "Label", "name": label, "href": links.url("pacticipants", pacticipant_name, "labels", label)}


def label_body(links: Links, label: Label) -> dict:
    """A label of a pacticipant."""
    name = label.pacticipant.name
    return {
        "name": label.name,
        **timestamps(label.created_at),
        "_links": {
            "self": _label_self(links, name, label.name),
            "pacticipant": {"title": "Pacticipant", "name": name, "href": links.url("pacticipants", name)},
        },
    }


# --- input -------------------------------------------------------------------------------


class PacticipantInput(serializers.Serializer):
    """The editable pacticipant fields; blank strings mean "not set"."""

    displayName = serializers.CharField(
        source="display_name", required=False, allow_null=True, allow_blank=True, max_length=255
    )
    repositoryUrl = serializers.CharField(
        source="repository_url", required=False, allow_null=True, allow_blank=True, max_length=2048
    )
    repositoryName = serializers.CharField(
        source="repository_name", required=False, allow_null=True, allow_blank=True, max_length=255
    )
    repositoryNamespace = serializers.CharField(
        source="repository_namespace", required=False, allow_null=True, allow_blank=True, max_length=255
    )
    mainBranch = serializers.CharField(
        source="main_branch", required=False, allow_null=True, allow_blank=True, max_length=255
    )

    # The old Ruby client PATCHes `repository_url`; accept the snake_case spelling of each field.
    ALIASES: ClassVar[dict[str, str]] = {
        "display_name": "displayName",
        "repository_url": "repositoryUrl",
        "repository_name": "repositoryName",
        "repository_namespace": "repositoryNamespace",
        "main_branch": "mainBranch",
    }

    def validate_mainBranch(self, value: str | None) -> str | None:
        if value and any(char.isspace() for char in value):
            raise serializers.ValidationError("cannot contain spaces")
        return value

    @classmethod
    def fields_from(cls, body: dict) -> dict[str, str | None]:
        """Validated model fields from a request body (only those the body gives)."""
        for alias, key in cls.ALIASES.items():
            if alias in body and key not in body:
                body[key] = body[alias]
        serializer = cls(data=body, partial=True)
        serializer.is_valid(raise_exception=True)
        return {field: (value or None) for field, value in serializer.validated_data.items()}


# --- views -------------------------------------------------------------------------------


def _detail_response(request: Request, name: str, status: int = 200) -> Response:
    links = Links(request)
    headers = {"Location": links.url("pacticipants", name)} if status == 201 else None
    return Response(pacticipant_body(links, pacticipant_detail(name=name)), status=status, headers=headers)


class PacticipantListApi(BrokerApi):
    """GET /pacticipants (`q` filters by name) and POST /pacticipants."""

    def get(self, request: Request) -> Response:
        links = Links(request)
        query = request.query_params.get("q") or None
        pagination = Pagination(request.query_params)
        details = pacticipant_details(pagination.apply(pacticipant_list(query=query)))
        body = pacticipants_body(links, details, links.url("pacticipants"))
        return Response(pagination.decorate(body, links, ["pacticipants"], {"q": query} if query else {}))

    def post(self, request: Request) -> Response:
        body = json_object(request.data)
        name = validate_name(body.get("name"))
        fields = PacticipantInput.fields_from(body)
        # A name that exists already (say, a racing create-or-update) is updated, not refused.
        _, created = pacticipant_upsert(name=name, fields=fields)
        return _detail_response(request, name, 201 if created else 200)


class PacticipantApi(BrokerApi):
    """GET, PUT (replace), PATCH (update or create) and DELETE /pacticipants/{name}."""

    def get(self, request: Request, name: str) -> Response:
        return _detail_response(request, name)

    def put(self, request: Request, name: str) -> Response:
        fields = PacticipantInput.fields_from(json_object(request.data))
        pacticipant_by_name(name=name)
        pacticipant_upsert(name=name, fields=fields, replace=True)
        return _detail_response(request, name)

    def patch(self, request: Request, name: str) -> Response:
        # Ruby sends application/json, Rust application/merge-patch+json: both are accepted.
        fields = PacticipantInput.fields_from(json_object(request.data))
        _, created = pacticipant_upsert(name=name, fields=fields)
        return _detail_response(request, name, 201 if created else 200)

    def delete(self, request: Request, name: str) -> Response:
        pacticipant_delete(pacticipant=pacticipant_by_name(name=name))
        return Response(status=204)


class PacticipantsForLabelApi(BrokerApi):
    """GET /pacticipants/label/{label}: the pacticipants carrying a label."""

    def get(self, request: Request, label: str) -> Response:
        links = Links(request)
        pagination = Pagination(request.query_params)
        details = pacticipant_details(pagination.apply(pacticipant_list(label=label)))
        body = pacticipants_body(links, details, links.url("pacticipants", "label", label))
        return Response(pagination.decorate(body, links, ["pacticipants", "label", label], {}))


class LabelApi(BrokerApi):
    """GET, PUT and DELETE /pacticipants/{name}/labels/{label}."""

    def get(self, request: Request, name: str, label: str) -> Response:
        found = label_get(pacticipant=pacticipant_by_name(name=name), name=label)
        return Response(label_body(Links(request), found))

    def put(self, request: Request, name: str, label: str) -> Response:
        json_object(request.data)  # the body carries nothing we need, but must be valid JSON
        found, created = label_add(pacticipant=pacticipant_by_name(name=name), name=label)
        links = Links(request)
        headers = {"Location": links.url("pacticipants", name, "labels", label)} if created else None
        return Response(label_body(links, found), status=201 if created else 200, headers=headers)

    def delete(self, request: Request, name: str, label: str) -> Response:
        label_remove(label=label_get(pacticipant=pacticipant_by_name(name=name), name=label))
        return Response(status=204)


class LabelListApi(BrokerApi):
    """GET /labels: every label name in use."""

    def get(self, request: Request) -> Response:
        links = Links(request)
        labels = [
            {
                "name": name,
                "_links": {
                    "pb:pacticipants": {
                        "title": f"Pacticipants labelled {name}",
                        "href": links.url("pacticipants", "label", name),
                    }
                },
            }
            for name in label_names()
        ]
        return Response(
            {"_embedded": {"labels": labels}, "_links": {"self": {"title": "Labels", "href": links.url("labels")}}}
        )


urlpatterns = [
    path("pacticipants", PacticipantListApi.as_view(), name="pacticipants"),
    # Before pacticipants/<name>/...: "label" here is a keyword, not a pacticipant name.
    path("pacticipants/label/<seg:label>", PacticipantsForLabelApi.as_view(), name="pacticipants-for-label"),
    path("pacticipants/<seg:name>", PacticipantApi.as_view(), name="pacticipant"),
    path("pacticipants/<seg:name>/labels/<seg:label>", LabelApi.as_view(), name="pacticipant-label"),
    path("labels", LabelListApi.as_view(), name="labels"),
]
