"""API views: versions, branches and tags (routes in urlpatterns at the bottom).

The CLIs and verifiers build several of these URLs themselves (client-wire.md section 5),
so the paths are fixed API. Tag and branch-version PUTs come with an empty body, `{}` or
`{"name": ...}`; the URL says everything, and the answer must be JSON (the Rust verifier
drops its verification results when the branch PUT answers anything else).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.environments import environment_label
from contracts.api.inputs import Input, Items, Text, parse, single_line
from contracts.api.links import Links, Placeholder
from contracts.api.pacticipants import PAGE, PageQuery, Pagination, SearchQuery
from contracts.api.schema import BOOLEAN, ERROR, STRING, TIMESTAMP, collection, hal, with_links
from contracts.api.timestamps import iso, timestamps
from contracts.models import Branch, Tag
from contracts.selectors.pacticipants import pacticipant_by_name
from contracts.selectors.versions import (
    VersionDetail,
    branch_get,
    branch_head,
    branch_list,
    branch_version_get,
    tag_get,
    version_details,
    version_get,
    version_latest,
    versions_for_pacticipant,
    versions_in_environment,
    versions_on_branch,
    versions_with_tag,
)
from contracts.services.versions import (
    branch_delete,
    branch_version_find_or_create,
    branch_version_remove,
    branches_delete,
    tag_delete,
    tag_find_or_create,
    version_delete,
    version_upsert,
)

MERGE_PATCH = "application/merge-patch+json"

# --- representations ---------------------------------------------------------------------


def version_body(links: Links, detail: VersionDetail) -> dict:
    """The version resource (spec 3.5)."""
    version = detail.version
    name, number = version.pacticipant.name, version.number
    body: dict = {"number": number}
    if version.build_url:
        body["buildUrl"] = version.build_url
    body.update(timestamps(version.created_at, version.updated_at))
    memberships = [
        {
            "name": membership.branch_name,
            "latest": membership.branch.head_id == membership.id,
            "_links": {
                "self": {
                    "title": "Branch version",
                    "name": membership.branch_name,
                    "href": links.route("branch-version", name=name, branch=membership.branch_name, number=number),
                }
            },
        }
        for membership in detail.branch_versions
    ]
    tags = [
        {
            "name": tag.name,
            "_links": {
                "self": {
                    "title": "Tag",
                    "name": tag.name,
                    "href": links.route("version-tag", name=name, number=number, tag=tag.name),
                }
            },
        }
        for tag in detail.tags
    ]
    body["_embedded"] = {"branchVersions": memberships, "branches": memberships, "tags": tags}
    body["_links"] = {
        "self": {"title": "Version", "name": number, "href": links.route("version", name=name, number=number)},
        "pb:pacticipant": {"title": "Pacticipant", "name": name, "href": links.route("pacticipant", name=name)},
        "pb:tag": {
            "title": "Get, create or delete a tag for this pacticipant version",
            "href": links.route("version-tag", name=name, number=number, tag=Placeholder("tag")),
            "templated": True,
        },
        "pb:latest-verification-results-where-pacticipant-is-consumer": {
            "title": "Latest verification results for consumer version",
            "href": links.route("consumer-version-verification-results-latest", consumer=name, version=number),
        },
        "pb:pact-versions": [
            {
                "title": "Pact",
                "name": f"Pact between {name} ({number}) and {pub.provider.name}",
                "href": links.route("pact", provider=pub.provider.name, consumer=name, version=number),
            }
            for pub in detail.publications
        ],
        "pb:deployed-environments": [_deployed(links, deployment) for deployment in detail.deployments],
        "pb:released-environments": [_released(links, release) for release in detail.releases],
        # One link per environment, named by environment name: the CLIs pick theirs by name.
        "pb:record-deployment": [
            {
                "title": f"Record deployment to {environment_label(env)}",
                "name": env.name,
                "href": links.route("version-deployed-versions", pacticipant=name, version=number, uuid=env.uuid),
            }
            for env in detail.environments
        ],
        "pb:record-release": [
            {
                "title": f"Record release to {environment_label(env)}",
                "name": env.name,
                "href": links.route("version-released-versions", pacticipant=name, version=number, uuid=env.uuid),
            }
            for env in detail.environments
        ],
        "curies": [
            {"name": "pb", "href": links.route("doc", rel=Placeholder("rel")) + "?context=version", "templated": True}
        ],
    }
    return body


def _deployed(links: Links, deployment) -> dict:
    environment = environment_label(deployment.environment)
    out = {
        "title": f"Version deployed to {environment}",
        "name": environment,
        "href": links.route("deployed-version", uuid=deployment.uuid),
        "currently_deployed": deployment.currently_deployed,
        "deployed_at": iso(deployment.created_at),
    }
    if deployment.undeployed_at is not None:
        out["undeployed_at"] = iso(deployment.undeployed_at)
    if deployment.target is not None:
        out["application_instance"] = deployment.target
    return out


def _released(links: Links, release) -> dict:
    environment = environment_label(release.environment)
    out = {
        "title": f"Version released to {environment}",
        "name": environment,
        "href": links.route("released-version", uuid=release.uuid),
        "currently_supported": release.currently_supported,
        "released_at": iso(release.created_at),
    }
    if release.support_ended_at is not None:
        out["support_ended_at"] = iso(release.support_ended_at)
    return out


def _version_response(request: Request, version, status: int = 200) -> Response:
    links = Links(request)
    self_href = links.route("version", name=version.pacticipant.name, number=version.number)
    headers = {"Location": self_href} if status == 201 else None
    return Response(version_body(links, version_details([version])[0]), status=status, headers=headers)


def _versions_response(request: Request, versions, route: str, params: dict[str, Any], title: str) -> Response:
    """A page of versions (newest first as the queryset orders them) at `route`; params["name"] is the pacticipant."""
    links = Links(request)
    pagination = Pagination(parse(PageQuery, request.query_params))
    details = version_details(pagination.apply(versions))
    items = [version_body(links, detail) for detail in details]
    name = params["name"]
    pacticipant_href = links.route("pacticipant", name=name)
    body = {
        "_embedded": {"versions": items},
        "_links": {
            "self": {"title": title, "href": links.route(route, **params)},
            "pb:pacticipant": {"title": "Pacticipant", "name": name, "href": pacticipant_href},
            "pacticipant": {"title": name, "href": pacticipant_href},
            "pb:versions": [
                {
                    "title": f"Version {d.version.number} - {d.version.created_at.strftime('%d/%m/%Y')}",
                    "name": d.version.number,
                    "href": item["_links"]["self"]["href"],
                }
                for d, item in zip(details, items, strict=True)
            ],
            "versions": [
                {"title": f"Version {d.version.number}", "href": item["_links"]["self"]["href"]}
                for d, item in zip(details, items, strict=True)
            ],
        },
    }
    return Response(pagination.decorate(body, links, route, params, {}))


def branch_body(links: Links, branch: Branch) -> dict:
    """A branch of a pacticipant."""
    name = branch.pacticipant.name
    return {
        "name": branch.name,
        **timestamps(branch.created_at, branch.updated_at),
        "_links": {
            "self": {
                "title": "Branch",
                "name": branch.name,
                "href": links.route("branch", name=name, branch=branch.name),
            },
            "pb:latest-version": {
                "title": "Latest version for branch",
                "href": links.route("branch-versions", name=name, branch=branch.name, query={"pageSize": 1}),
            },
        },
    }


def branch_version_body(links: Links, name: str, branch: str, number: str, created_at) -> dict:
    """Membership of a version in a branch (spec 3.6)."""
    return {
        **timestamps(created_at),
        "_links": {
            "self": {
                "title": "Branch version",
                "href": links.route("branch-version", name=name, branch=branch, number=number),
            },
            "pb:branch": {
                "title": "Branch",
                "name": branch,
                "href": links.route("branch", name=name, branch=branch),
            },
            "pb:version": {
                "title": "Version",
                "name": number,
                "href": links.route("version", name=name, number=number),
            },
        },
    }


def tag_body(links: Links, name: str, number: str, tag: Tag) -> dict:
    """A tag on a version (spec 3.7)."""
    return {
        "name": tag.name,
        **timestamps(tag.created_at, tag.updated_at),
        "_links": {
            "self": {
                "title": "Tag",
                "name": tag.name,
                "href": links.route("version-tag", name=name, number=number, tag=tag.name),
            },
            "version": {
                "title": "Version",
                "name": number,
                "href": links.route("version", name=name, number=number),
            },
            "pacticipant": {"title": "Pacticipant", "name": name, "href": links.route("pacticipant", name=name)},
        },
    }


# --- input -------------------------------------------------------------------------------


class VersionTagInput(Input):
    """One of a version's tags: `{"name": "prod"}`, or leniently the bare name `"prod"`."""

    name = Text(max_length=255, validators=[single_line])

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value({"name": data} if isinstance(data, str) else data)


class VersionInput(Input):
    """A version PUT (replace) or PATCH (merge-patch); `branch` is ignored, as upstream."""

    buildUrl = Text(required=False, allow_null=True, allow_blank=True, max_length=2048)
    tags = Items(
        child=VersionTagInput(), required=False, allow_null=True, help_text="When given, replaces the version's tags"
    )


def _version_values(data: object) -> tuple[dict, str | None, list[str] | None]:
    """The parsed body, its build URL (blank as None) and its tag names (None when not given)."""
    values = parse(VersionInput, data)
    tags = values.get("tags")
    return values, values.get("buildUrl") or None, None if tags is None else [tag["name"] for tag in tags]


class RefNameInput(Input):
    """A tag or branch-version PUT: empty, `{}` or `{"name": ...}`. The URL names the tag or
    branch, so `name` is not read; it is only checked to be a string."""

    name = Text(required=False, allow_blank=True, help_text="Ignored: the URL names the tag or branch")


class BranchesDeleteQuery(Input):
    """DELETE /pacticipants/{name}/branches: `exclude[]=name` (repeatable) names branches to keep."""

    def get_fields(self) -> dict:
        # `exclude[]` (what clients send) is not a Python name, so it cannot be a class attribute.
        return {
            "exclude[]": Items(child=Text(allow_blank=True), required=False, help_text="A branch to keep"),
            "exclude": Items(child=Text(allow_blank=True), required=False, help_text="Same as exclude[]"),
        }


# --- response shapes ---------------------------------------------------------------------

_NAMED = hal({"name": STRING}, required=("name",))
_BRANCH_MEMBERSHIP = hal({"name": STRING, "latest": BOOLEAN}, required=("name", "latest"))
VERSION = with_links(
    hal(
        {
            "number": STRING,
            "buildUrl": STRING,
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
            "_embedded": {
                "type": "object",
                "properties": {
                    "branchVersions": {"type": "array", "items": _BRANCH_MEMBERSHIP},
                    "branches": {"type": "array", "items": _BRANCH_MEMBERSHIP},
                    "tags": {"type": "array", "items": _NAMED},
                },
                "required": ["branchVersions", "tags"],
            },
        },
        required=("number", "createdAt", "_embedded"),
    ),
    "self",
    "pb:pacticipant",
    "pb:record-deployment",
    "pb:record-release",
)
VERSIONS = collection("versions", VERSION, page=PAGE)
BRANCH = hal({"name": STRING, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP}, required=("name", "createdAt"))
BRANCHES = collection("branches", BRANCH, page=PAGE)
BRANCH_VERSION = with_links(hal({"createdAt": TIMESTAMP}, required=("createdAt",)), "self", "pb:branch", "pb:version")
TAG = with_links(
    hal({"name": STRING, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP}, required=("name", "createdAt")),
    "self",
    "version",
    "pacticipant",
)
NOTICES = hal(
    {
        "notices": {
            "type": "array",
            "items": {"type": "object", "properties": {"type": STRING, "text": STRING}, "required": ["type", "text"]},
        }
    },
    required=("notices",),
    links=False,
)


# A DELETE answers 400 only when it reads a query string (schema.py does not add it to DELETEs).
BAD_QUERY = OpenApiResponse(response=ERROR, description="The query string is invalid: what is wrong, by parameter")

# /pacticipants/label/{label} (the pacticipants with a label) comes first in the URL conf,
# as in the Pact Broker: /pacticipants/{name}/versions with the name "label" is the list of
# pacticipants labelled "versions". The document says so rather than promise otherwise.
NOT_LABEL = OpenApiParameter(
    "name",
    {"type": "string", "pattern": "^(?!label$)[^/]+$"},
    OpenApiParameter.PATH,
    description='A pacticipant name; for "label" this path is /pacticipants/label/{label}',
)


# --- views -------------------------------------------------------------------------------


class VersionListApi(BrokerApi):
    """GET /pacticipants/{name}/versions, newest first."""

    @extend_schema(parameters=[PageQuery, NOT_LABEL], responses={200: VERSIONS})
    def get(self, request: Request, name: str) -> Response:
        versions = versions_for_pacticipant(pacticipant_by_name(name=name))
        return _versions_response(
            request, versions, "versions", {"name": name}, f"All versions of the pacticipant {name}"
        )


class VersionApi(BrokerApi):
    """GET, PUT (upsert), PATCH (merge-patch) and DELETE /pacticipants/{name}/versions/{number}."""

    @extend_schema(responses={200: VERSION})
    def get(self, request: Request, name: str, number: str) -> Response:
        return _version_response(request, version_get(pacticipant_name=name, number=number))

    @extend_schema(request=VersionInput, responses={201: VERSION, 200: VERSION})
    def put(self, request: Request, name: str, number: str) -> Response:
        _, build_url, tags = _version_values(request.data)
        version, created = version_upsert(
            pacticipant_name=name, number=number, build_url=build_url, tags=tags, replace=True
        )
        return _version_response(request, version, 201 if created else 200)

    @extend_schema(request={MERGE_PATCH: VersionInput}, responses={200: VERSION, 201: VERSION})
    def patch(self, request: Request, name: str, number: str) -> Response:
        # No client PATCHes versions (client-wire.md); the Pact Broker takes merge-patch only.
        if (request.content_type or "").split(";")[0].strip().lower() != MERGE_PATCH:
            return Response({"error": f"PATCH of a version needs Content-Type {MERGE_PATCH}"}, status=415)
        values, build_url, tags = _version_values(request.data)
        # Merge-patch: an explicit null removes the build URL; leaving it out keeps it.
        clear_build_url = "buildUrl" in values and values["buildUrl"] is None
        version, created = version_upsert(
            pacticipant_name=name, number=number, build_url=build_url, tags=tags, replace=clear_build_url
        )
        return _version_response(request, version, 201 if created else 200)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str, number: str) -> Response:
        version_delete(version=version_get(pacticipant_name=name, number=number))
        return Response(status=204)


class LatestVersionApi(BrokerApi):
    """GET /pacticipants/{name}/latest-version."""

    @extend_schema(parameters=[NOT_LABEL], responses={200: VERSION})
    def get(self, request: Request, name: str) -> Response:
        return _version_response(request, version_latest(pacticipant_name=name, tag=None))


class LatestTaggedVersionApi(BrokerApi):
    """GET /pacticipants/{name}/latest-version/{tag}."""

    @extend_schema(responses={200: VERSION})
    def get(self, request: Request, name: str, tag: str) -> Response:
        return _version_response(request, version_latest(pacticipant_name=name, tag=tag))


class BranchLatestVersionApi(BrokerApi):
    """GET /pacticipants/{name}/branches/{branch}/latest-version: the branch head."""

    @extend_schema(responses={200: VERSION})
    def get(self, request: Request, name: str, branch: str) -> Response:
        return _version_response(request, branch_head(pacticipant_name=name, branch_name=branch))


class TagVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/tags/{tag}/versions."""

    @extend_schema(parameters=[PageQuery], responses={200: VERSIONS})
    def get(self, request: Request, name: str, tag: str) -> Response:
        versions = versions_with_tag(pacticipant_name=name, tag=tag)
        return _versions_response(
            request, versions, "tag-versions", {"name": name, "tag": tag}, f"Versions of {name} with tag {tag}"
        )


class BranchVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/branches/{branch}/versions, most recently added first."""

    @extend_schema(parameters=[PageQuery], responses={200: VERSIONS})
    def get(self, request: Request, name: str, branch: str) -> Response:
        versions = versions_on_branch(branch_get(pacticipant_name=name, name=branch))
        return _versions_response(
            request,
            versions,
            "branch-versions",
            {"name": name, "branch": branch},
            f"Versions of {name} on branch {branch}",
        )


class EnvironmentVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/environments/{uuid}/versions: deployed or released there."""

    @extend_schema(parameters=[PageQuery], responses={200: VERSIONS})
    def get(self, request: Request, name: str, uuid: str) -> Response:
        versions = versions_in_environment(pacticipant_name=name, environment_uuid=uuid)
        return _versions_response(
            request,
            versions,
            "environment-versions",
            {"name": name, "uuid": uuid},
            f"Versions of {name} deployed or released to the environment",
        )


class BranchListApi(BrokerApi):
    """GET /pacticipants/{name}/branches; DELETE it to delete all but `exclude[]` and the main branch."""

    @extend_schema(parameters=[SearchQuery, NOT_LABEL], responses={200: BRANCHES})
    def get(self, request: Request, name: str) -> Response:
        links = Links(request)
        query = parse(SearchQuery, request.query_params)
        search = query.get("q") or None
        pagination = Pagination(query)
        branches = pagination.apply(branch_list(pacticipant=pacticipant_by_name(name=name), query=search))
        body = {
            "_embedded": {"branches": [branch_body(links, branch) for branch in branches]},
            "_links": {
                "self": {"title": f"{name} branches", "href": links.route("branches", name=name)},
                "pb:branches": [
                    {"name": branch.name, "href": links.route("branch", name=name, branch=branch.name)}
                    for branch in branches
                ],
            },
        }
        return Response(pagination.decorate(body, links, "branches", {"name": name}, {"q": search} if search else {}))

    @extend_schema(parameters=[BranchesDeleteQuery, NOT_LABEL], responses={202: NOTICES, 400: BAD_QUERY})
    def delete(self, request: Request, name: str) -> Response:
        query = parse(BranchesDeleteQuery, request.query_params)
        exclude = query.get("exclude[]", []) + query.get("exclude", [])
        # The Pact Broker deletes after replying (202); here it is quick enough to do now.
        deleted, remaining = branches_delete(pacticipant=pacticipant_by_name(name=name), exclude=exclude)
        noun = "branch" if deleted == 1 else "branches"
        text = f"Deleted {deleted} {noun} of {name}. Remaining branches: {', '.join(remaining) or 'none'}."
        return Response({"notices": [{"type": "success", "text": text}]}, status=202)


class BranchApi(BrokerApi):
    """GET and DELETE /pacticipants/{name}/branches/{branch} (deleting keeps the versions)."""

    @extend_schema(responses={200: BRANCH})
    def get(self, request: Request, name: str, branch: str) -> Response:
        return Response(branch_body(Links(request), branch_get(pacticipant_name=name, name=branch)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str, branch: str) -> Response:
        branch_delete(branch=branch_get(pacticipant_name=name, name=branch))
        return Response(status=204)


class BranchVersionApi(BrokerApi):
    """PUT (find or create everything), GET and DELETE /pacticipants/{name}/branches/{branch}/versions/{number}."""

    @extend_schema(request=RefNameInput, responses={201: BRANCH_VERSION, 200: BRANCH_VERSION})
    def put(self, request: Request, name: str, branch: str, number: str) -> Response:
        parse(RefNameInput, request.data)
        membership, created = branch_version_find_or_create(
            pacticipant_name=name, branch_name=branch, version_number=number
        )
        links = Links(request)
        body = branch_version_body(links, name, branch, number, membership.created_at)
        headers = {"Location": body["_links"]["self"]["href"]} if created else None
        return Response(body, status=201 if created else 200, headers=headers)

    @extend_schema(responses={200: BRANCH_VERSION})
    def get(self, request: Request, name: str, branch: str, number: str) -> Response:
        membership = branch_version_get(pacticipant_name=name, branch_name=branch, number=number)
        return Response(branch_version_body(Links(request), name, branch, number, membership.created_at))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str, branch: str, number: str) -> Response:
        branch_version_remove(
            branch_version=branch_version_get(pacticipant_name=name, branch_name=branch, number=number)
        )
        return Response(status=204)


class TagApi(BrokerApi):
    """PUT (find or create everything), GET and DELETE /pacticipants/{name}/versions/{number}/tags/{tag}."""

    @extend_schema(request=RefNameInput, responses={201: TAG, 200: TAG})
    def put(self, request: Request, name: str, number: str, tag: str) -> Response:
        parse(RefNameInput, request.data)
        found, created = tag_find_or_create(pacticipant_name=name, version_number=number, tag_name=tag)
        links = Links(request)
        body = tag_body(links, name, number, found)
        headers = {"Location": body["_links"]["self"]["href"]} if created else None
        return Response(body, status=201 if created else 200, headers=headers)

    @extend_schema(responses={200: TAG})
    def get(self, request: Request, name: str, number: str, tag: str) -> Response:
        return Response(tag_body(Links(request), name, number, tag_get(pacticipant_name=name, number=number, name=tag)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str, number: str, tag: str) -> Response:
        tag_delete(tag=tag_get(pacticipant_name=name, number=number, name=tag))
        return Response(status=204)


urlpatterns = [
    path("pacticipants/<seg:name>/versions", VersionListApi.as_view(), name="versions"),
    path("pacticipants/<seg:name>/versions/<seg:number>", VersionApi.as_view(), name="version"),
    path("pacticipants/<seg:name>/versions/<seg:number>/tags/<seg:tag>", TagApi.as_view(), name="version-tag"),
    path("pacticipants/<seg:name>/latest-version", LatestVersionApi.as_view(), name="latest-version"),
    path(
        "pacticipants/<seg:name>/latest-version/<seg:tag>",
        LatestTaggedVersionApi.as_view(),
        name="latest-tagged-version",
    ),
    path("pacticipants/<seg:name>/tags/<seg:tag>/versions", TagVersionsApi.as_view(), name="tag-versions"),
    path(
        "pacticipants/<seg:name>/environments/<seg:uuid>/versions",
        EnvironmentVersionsApi.as_view(),
        name="environment-versions",
    ),
    path("pacticipants/<seg:name>/branches", BranchListApi.as_view(), name="branches"),
    path("pacticipants/<seg:name>/branches/<seg:branch>", BranchApi.as_view(), name="branch"),
    path(
        "pacticipants/<seg:name>/branches/<seg:branch>/latest-version",
        BranchLatestVersionApi.as_view(),
        name="branch-latest-version",
    ),
    path("pacticipants/<seg:name>/branches/<seg:branch>/versions", BranchVersionsApi.as_view(), name="branch-versions"),
    path(
        "pacticipants/<seg:name>/branches/<seg:branch>/versions/<seg:number>",
        BranchVersionApi.as_view(),
        name="branch-version",
    ),
]
