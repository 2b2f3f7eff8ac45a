"""API views: pacticipants and labels (routes in urlpatterns at the bottom).

Also home to what the version and integration views share: `Pagination` with its query
(`PageQuery`; the Pact Broker pages a collection only when the client asks) and the
`PAGE` shape, and `embedded_version`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.environments import environment_label
from contracts.api.inputs import Empty, Input, Text, Whole, no_spaces, parse, single_line
from contracts.api.links import Links, Placeholder
from contracts.api.schema import STRING, TIMESTAMP, hal, with_links
from contracts.api.timestamps import timestamps
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
)

# --- pagination (shared) -----------------------------------------------------------------

MAX_PAGE = 1_000_000


def _page_number(**kwargs: Any) -> Whole:
    # One message for every way a page parameter can be wrong: it names the whole range.
    message = f"must be a whole number from 1 to {MAX_PAGE}"
    errors = {"invalid": message, "min_value": message, "max_value": message}
    return Whole(required=False, min_value=1, max_value=MAX_PAGE, error_messages=errors, **kwargs)


class PageQuery(Input):
    """`page`/`size`, or the legacy `pageNumber`/`pageSize` (the first spelling wins); an empty value is no value."""

    page = _page_number(help_text="The page to show (from 1); without page or size, the whole list")
    size = _page_number(help_text="Items per page (default 100)")
    pageNumber = _page_number(help_text="Legacy spelling of page")
    pageSize = _page_number(help_text="Legacy spelling of size")


class SearchQuery(PageQuery):
    """A collection filtered by a case-insensitive name substring, paginated when asked."""

    q = Text(required=False, allow_blank=True, help_text="Only those whose name contains this")


PAGE = {
    "type": "object",
    "properties": {
        "number": {"type": "integer"},
        "size": {"type": "integer"},
        "totalElements": {"type": "integer"},
        "totalPages": {"type": "integer"},
    },
    "required": ["number", "size", "totalElements", "totalPages"],
}


class Pagination:
    """The page a PageQuery asked for; without one, the whole list."""

    DEFAULT_SIZE = 100

    def __init__(self, query: Mapping[str, Any]) -> None:
        """`query`: the values parsed from a PageQuery (or a serializer extending it)."""
        number = query.get("page") or query.get("pageNumber")
        size = query.get("size") or query.get("pageSize")
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

    def decorate(self, body: dict, links: Links, route: str, params: Mapping[str, object], query: Mapping) -> dict:
        """Add `page` and the next/previous links (to `route` with `params`, keeping `query`) to a paginated body."""
        if not self.requested:
            return body
        pages = math.ceil(self.total / self.size)
        body["page"] = {"number": self.number, "size": self.size, "totalElements": self.total, "totalPages": pages}
        neighbours = (("next", self.number + 1, "Next page"), ("previous", self.number - 1, "Previous page"))
        for rel, number, title in neighbours:
            if 1 <= number <= pages:
                href = links.route(route, query={**query, "page": number, "size": self.size}, **params)
                body["_links"][rel] = {"href": href, "title": title}
        return body


# --- representations ---------------------------------------------------------------------


def embedded_version(links: Links, pacticipant_name: str, number: str) -> dict:
    """A version as other resources embed it: its number and self link."""
    href = links.route("version", name=pacticipant_name, number=number)
    return {"number": number, "_links": {"self": {"title": "Version", "name": number, "href": href}}}


def _templated(title: str, href: str) -> dict:
    return {"title": title, "href": href, "templated": True}


def pacticipant_body(links: Links, detail: PacticipantDetail) -> dict:
    """The pacticipant resource (spec 3.4)."""
    pacticipant = detail.pacticipant
    name = pacticipant.name
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
    versions = links.route("versions", name=name)
    body["_links"] = {
        "self": {"href": links.route("pacticipant", name=name)},
        "pb:versions": {"href": versions},
        "pb:branches": {"href": links.route("branches", name=name)},
        "pb:version": _templated(
            "Get, create or delete a pacticipant version",
            links.route("version", name=name, number=Placeholder("version")),
        ),
        "pb:version-tag": _templated(
            f"Get, create or delete a tag for a version of {name}",
            links.route("version-tag", name=name, number=Placeholder("version"), tag=Placeholder("tag")),
        ),
        "pb:branch-version": _templated(
            f"Get or add/create a version for a branch of {name}",
            links.route("branch-version", name=name, branch=Placeholder("branch"), number=Placeholder("version")),
        ),
        "pb:label": _templated(
            f"Get, create or delete a label for {name}",
            links.route("pacticipant-label", name=name, label=Placeholder("label")),
        ),
        "versions": {"title": "Deprecated - use pb:versions", "href": versions},
        "pb:can-i-deploy-badge": _templated(
            f"Can I Deploy {name} badge",
            links.route(
                "can-i-deploy-tag-badge", pacticipant=name, tag=Placeholder("tag"), to_tag=Placeholder("environmentTag")
            ),
        ),
        "pb:can-i-deploy-branch-to-environment-badge": _templated(
            f"Can I Deploy {name} from branch to environment badge",
            links.route(
                "can-i-deploy-branch-badge",
                pacticipant=name,
                branch=Placeholder("branch"),
                environment=Placeholder("environment"),
            ),
        ),
        "pb:deployed-environments": [_deployed_environment(links, deployment) for deployment in detail.deployments],
        "curies": [
            {
                "name": "pb",
                "href": links.route("doc", rel=Placeholder("rel")) + "?context=pacticipant",
                "templated": True,
            }
        ],
    }
    return body


def _deployed_environment(links: Links, deployment) -> dict:
    environment = environment_label(deployment.environment)
    out = {
        "title": f"Version {deployment.version.number} deployed to {environment}",
        "name": environment,
        "href": links.route("deployed-version", uuid=deployment.uuid),
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
            "pb:pacticipants-with-label": _templated(
                "Find pacticipants by label", links.route("pacticipants-for-label", label=Placeholder("label"))
            ),
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
    return {
        "title": "Label",
        "name": label,
        "href": links.route("pacticipant-label", name=pacticipant_name, label=label),
    }


def label_body(links: Links, label: Label) -> dict:
    """A label of a pacticipant."""
    name = label.pacticipant.name
    return {
        "name": label.name,
        **timestamps(label.created_at),
        "_links": {
            "self": _label_self(links, name, label.name),
            "pacticipant": {"title": "Pacticipant", "name": name, "href": links.route("pacticipant", name=name)},
        },
    }


# --- input -------------------------------------------------------------------------------


def _optional_text(max_length: int, **kwargs: Any) -> Text:
    # Null or blank means "not set".
    return Text(required=False, allow_null=True, allow_blank=True, max_length=max_length, **kwargs)


def _old_spelling(field: str, max_length: int, **kwargs: Any) -> Text:
    return _optional_text(max_length, help_text=f"Deprecated spelling of {field}", **kwargs)


class PacticipantInput(Input):
    """The editable pacticipant fields, as PUT replaces and PATCH updates them; blank means "not set".

    The old Ruby client sends the snake_case spelling (`repository_url`), the model's field
    name: each is accepted, and the camelCase one wins when a body has both (declared last).
    """

    display_name = _old_spelling("displayName", 255)
    repository_url = _old_spelling("repositoryUrl", 2048)
    repository_name = _old_spelling("repositoryName", 255)
    repository_namespace = _old_spelling("repositoryNamespace", 255)
    main_branch = _old_spelling("mainBranch", 255, validators=[no_spaces])
    displayName = _optional_text(255, source="display_name")
    repositoryUrl = _optional_text(2048, source="repository_url")
    repositoryName = _optional_text(255, source="repository_name")
    repositoryNamespace = _optional_text(255, source="repository_namespace")
    mainBranch = _optional_text(255, source="main_branch", validators=[no_spaces])


class PacticipantCreateInput(PacticipantInput):
    """POST /pacticipants: a name and the editable fields."""

    name = Text(max_length=255, validators=[single_line])


def _fields(data: object, input_class: type[PacticipantInput] = PacticipantInput) -> dict[str, Any]:
    """Model field values from a body (only those it gives; blank strings as None)."""
    return {field: (value or None) for field, value in parse(input_class, data).items()}


PACTICIPANT = with_links(
    hal(
        {
            "name": STRING,
            "displayName": STRING,
            "repositoryUrl": STRING,
            "repositoryName": STRING,
            "repositoryNamespace": STRING,
            "mainBranch": STRING,
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
            "_embedded": {
                "type": "object",
                "properties": {
                    "labels": {"type": "array", "items": hal({"name": STRING}, required=("name",))},
                    "latestVersion": hal({"number": STRING}, required=("number",)),
                },
                "required": ["labels"],
            },
        },
        required=("name", "createdAt", "_embedded"),
    ),
    "self",
    "pb:version",
    "pb:version-tag",
    "pb:branch-version",
    "pb:deployed-environments",
)
PACTICIPANTS = hal(
    {
        "_embedded": {
            "type": "object",
            "properties": {"pacticipants": {"type": "array", "items": PACTICIPANT}},
            "required": ["pacticipants"],
        },
        "pacticipants": {"type": "array", "items": PACTICIPANT, "description": "Deprecated: use _embedded"},
        "page": PAGE,
    },
    required=("_embedded", "pacticipants"),
)
LABEL = hal({"name": STRING, "createdAt": TIMESTAMP}, required=("name", "createdAt"))
LABELS = hal(
    {
        "_embedded": {
            "type": "object",
            "properties": {"labels": {"type": "array", "items": hal({"name": STRING}, required=("name",))}},
            "required": ["labels"],
        }
    },
    required=("_embedded",),
)


# --- views -------------------------------------------------------------------------------


def _detail_response(request: Request, name: str, status: int = 200) -> Response:
    links = Links(request)
    headers = {"Location": links.route("pacticipant", name=name)} if status == 201 else None
    return Response(pacticipant_body(links, pacticipant_detail(name=name)), status=status, headers=headers)


class PacticipantListApi(BrokerApi):
    """GET /pacticipants (`q` filters by name) and POST /pacticipants."""

    @extend_schema(parameters=[SearchQuery], responses={200: PACTICIPANTS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        query = parse(SearchQuery, request.query_params)
        search = query.get("q") or None
        pagination = Pagination(query)
        details = pacticipant_details(pagination.apply(pacticipant_list(query=search)))
        body = pacticipants_body(links, details, links.route("pacticipants"))
        return Response(pagination.decorate(body, links, "pacticipants", {}, {"q": search} if search else {}))

    @extend_schema(request=PacticipantCreateInput, responses={201: PACTICIPANT, 200: PACTICIPANT})
    def post(self, request: Request) -> Response:
        fields = _fields(request.data, PacticipantCreateInput)
        name = fields.pop("name")
        # A name that exists already (say, a racing create-or-update) is updated, not refused.
        _, created = pacticipant_upsert(name=name, fields=fields)
        return _detail_response(request, name, 201 if created else 200)


class PacticipantApi(BrokerApi):
    """GET, PUT (replace), PATCH (update or create) and DELETE /pacticipants/{name}."""

    @extend_schema(responses={200: PACTICIPANT})
    def get(self, request: Request, name: str) -> Response:
        return _detail_response(request, name)

    @extend_schema(request=PacticipantInput, responses={200: PACTICIPANT})
    def put(self, request: Request, name: str) -> Response:
        fields = _fields(request.data)
        pacticipant_by_name(name=name)
        pacticipant_upsert(name=name, fields=fields, replace=True)
        return _detail_response(request, name)

    @extend_schema(request=PacticipantInput, responses={200: PACTICIPANT, 201: PACTICIPANT})
    def patch(self, request: Request, name: str) -> Response:
        # Ruby sends application/json, Rust application/merge-patch+json: both are accepted.
        fields = _fields(request.data)
        _, created = pacticipant_upsert(name=name, fields=fields)
        return _detail_response(request, name, 201 if created else 200)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str) -> Response:
        pacticipant_delete(pacticipant=pacticipant_by_name(name=name))
        return Response(status=204)


class PacticipantsForLabelApi(BrokerApi):
    """GET /pacticipants/label/{label}: the pacticipants carrying a label."""

    @extend_schema(parameters=[PageQuery], responses={200: PACTICIPANTS})
    def get(self, request: Request, label: str) -> Response:
        links = Links(request)
        pagination = Pagination(parse(PageQuery, request.query_params))
        details = pacticipant_details(pagination.apply(pacticipant_list(label=label)))
        body = pacticipants_body(links, details, links.route("pacticipants-for-label", label=label))
        return Response(pagination.decorate(body, links, "pacticipants-for-label", {"label": label}, {}))


class LabelApi(BrokerApi):
    """GET, PUT and DELETE /pacticipants/{name}/labels/{label}."""

    @extend_schema(responses={200: LABEL})
    def get(self, request: Request, name: str, label: str) -> Response:
        found = label_get(pacticipant=pacticipant_by_name(name=name), name=label)
        return Response(label_body(Links(request), found))

    @extend_schema(request=Empty, responses={201: LABEL, 200: LABEL})
    def put(self, request: Request, name: str, label: str) -> Response:
        parse(Empty, request.data)  # the URL says everything, but a body must still be a JSON object
        found, created = label_add(pacticipant=pacticipant_by_name(name=name), name=label)
        links = Links(request)
        headers = {"Location": links.route("pacticipant-label", name=name, label=label)} if created else None
        return Response(label_body(links, found), status=201 if created else 200, headers=headers)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str, label: str) -> Response:
        label_remove(label=label_get(pacticipant=pacticipant_by_name(name=name), name=label))
        return Response(status=204)


class LabelListApi(BrokerApi):
    """GET /labels: every label name in use."""

    @extend_schema(responses={200: LABELS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        labels = [
            {
                "name": name,
                "_links": {
                    "pb:pacticipants": {
                        "title": f"Pacticipants labelled {name}",
                        "href": links.route("pacticipants-for-label", label=name),
                    }
                },
            }
            for name in label_names()
        ]
        return Response(
            {"_embedded": {"labels": labels}, "_links": {"self": {"title": "Labels", "href": links.route("labels")}}}
        )


urlpatterns = [
    path("pacticipants", PacticipantListApi.as_view(), name="pacticipants"),
    # Before pacticipants/<name>/...: "label" here is a keyword, not a pacticipant name.
    path("pacticipants/label/<seg:label>", PacticipantsForLabelApi.as_view(), name="pacticipants-for-label"),
    path("pacticipants/<seg:name>", PacticipantApi.as_view(), name="pacticipant"),
    path("pacticipants/<seg:name>/labels/<seg:label>", LabelApi.as_view(), name="pacticipant-label"),
    path("labels", LabelListApi.as_view(), name="labels"),
]
