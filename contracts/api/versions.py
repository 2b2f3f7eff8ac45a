"""API views: versions, branches and tags (routes in urlpatterns at the bottom).

The CLIs and verifiers build several of these URLs themselves (client-wire.md section 5),
so the paths are fixed API. Tag and branch-version PUTs come with an empty body, `{}` or
`{"name": ...}`; the URL says everything, and the answer must be JSON (the Rust verifier
drops its verification results when the branch PUT answers anything else).
"""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi, json_object
from contracts.api.environments import environment_label
from contracts.api.links import Links, seg
from contracts.api.pacticipants import Pagination
from contracts.api.timestamps import iso, timestamps
from contracts.exceptions import InvalidInput
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
    validate_ref_name,
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
                    "href": links.url("pacticipants", name, "branches", membership.branch_name, "versions", number),
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
                    "href": links.url("pacticipants", name, "versions", number, "tags", tag.name),
                }
            },
        }
        for tag in detail.tags
    ]
    body["_embedded"] = {"branchVersions": memberships, "branches": memberships, "tags": tags}
    version_path = f"/pacticipants/{seg(name)}/versions/{seg(number)}"
    body["_links"] = {
        "self": {"title": "Version", "name": number, "href": links.url("pacticipants", name, "versions", number)},
        "pb:pacticipant": {"title": "Pacticipant", "name": name, "href": links.url("pacticipants", name)},
        "pb:tag": {
            "title": "Get, create or delete a tag for this pacticipant version",
            "href": links.template(f"{version_path}/tags/{{tag}}"),
            "templated": True,
        },
        "pb:latest-verification-results-where-pacticipant-is-consumer": {
            "title": "Latest verification results for consumer version",
            "href": links.url("verification-results", "consumer", name, "version", number, "latest"),
        },
        "pb:pact-versions": [
            {
                "title": "Pact",
                "name": f"Pact between {name} ({number}) and {pub.provider.name}",
                "href": links.url("pacts", "provider", pub.provider.name, "consumer", name, "version", number),
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
                "href": links.url(
                    "pacticipants", name, "versions", number, "deployed-versions", "environment", env.uuid
                ),
            }
            for env in detail.environments
        ],
        "pb:record-release": [
            {
                "title": f"Record release to {environment_label(env)}",
                "name": env.name,
                "href": links.url(
                    "pacticipants", name, "versions", number, "released-versions", "environment", env.uuid
                ),
            }
            for env in detail.environments
        ],
        "curies": [{"name": "pb", "href": links.template("/doc/{rel}?context=version"), "templated": True}],
    }
    return body


def _deployed(links: Links, deployment) -> dict:
    environment = environment_label(deployment.environment)
    out = {
        "title": f"Version deployed to {environment}",
        "name": environment,
        "href": links.url("deployed-versions", deployment.uuid),
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
        "href": links.url("released-versions", release.uuid),
        "currently_supported": release.currently_supported,
        "released_at": iso(release.created_at),
    }
    if release.support_ended_at is not None:
        out["support_ended_at"] = iso(release.support_ended_at)
    return out


def _version_response(request: Request, version, status: int = 200) -> Response:
    links = Links(request)
    self_href = links.url("pacticipants", version.pacticipant.name, "versions", version.number)
    headers = {"Location": self_href} if status == 201 else None
    return Response(version_body(links, version_details([version])[0]), status=status, headers=headers)


def _versions_response(request: Request, name: str, versions, segments: list, title: str) -> Response:
    """A page of versions (newest first as the queryset orders them)."""
    links = Links(request)
    pagination = Pagination(request.query_params)
    details = version_details(pagination.apply(versions))
    items = [version_body(links, detail) for detail in details]
    pacticipant_href = links.url("pacticipants", name)
    body = {
        "_embedded": {"versions": items},
        "_links": {
            "self": {"title": title, "href": links.url(*segments)},
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
    return Response(pagination.decorate(body, links, segments, {}))


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
                "href": links.url("pacticipants", name, "branches", branch.name),
            },
            "pb:latest-version": {
                "title": "Latest version for branch",
                "href": links.url("pacticipants", name, "branches", branch.name, "versions", query={"pageSize": 1}),
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
                "href": links.url("pacticipants", name, "branches", branch, "versions", number),
            },
            "pb:branch": {
                "title": "Branch",
                "name": branch,
                "href": links.url("pacticipants", name, "branches", branch),
            },
            "pb:version": {
                "title": "Version",
                "name": number,
                "href": links.url("pacticipants", name, "versions", number),
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
                "href": links.url("pacticipants", name, "versions", number, "tags", tag.name),
            },
            "version": {
                "title": "Version",
                "name": number,
                "href": links.url("pacticipants", name, "versions", number),
            },
            "pacticipant": {"title": "Pacticipant", "name": name, "href": links.url("pacticipants", name)},
        },
    }


# --- input -------------------------------------------------------------------------------


def _version_input(body: dict) -> tuple[str | None, list[str] | None]:
    """buildUrl and tag names from a version PUT/PATCH body (`branch` is ignored, as upstream)."""
    build_url = body.get("buildUrl")
    if build_url is not None and (not isinstance(build_url, str) or len(build_url) > 2048):
        raise InvalidInput({"buildUrl": ["must be a string of at most 2048 characters"]})
    raw_tags = body.get("tags")
    if raw_tags is None:
        return build_url or None, None
    if not isinstance(raw_tags, list):
        raise InvalidInput({"tags": ['must be an array of {"name": ...} objects']})
    tags = []
    for item in raw_tags:
        tag = item.get("name") if isinstance(item, dict) else item
        tags.append(validate_ref_name(tag, "tags"))
    return build_url or None, tags


# --- views -------------------------------------------------------------------------------


class VersionListApi(BrokerApi):
    """GET /pacticipants/{name}/versions, newest first."""

    def get(self, request: Request, name: str) -> Response:
        versions = versions_for_pacticipant(pacticipant_by_name(name=name))
        return _versions_response(
            request, name, versions, ["pacticipants", name, "versions"], f"All versions of the pacticipant {name}"
        )


class VersionApi(BrokerApi):
    """GET, PUT (upsert), PATCH (merge-patch) and DELETE /pacticipants/{name}/versions/{number}."""

    def get(self, request: Request, name: str, number: str) -> Response:
        return _version_response(request, version_get(pacticipant_name=name, number=number))

    def put(self, request: Request, name: str, number: str) -> Response:
        build_url, tags = _version_input(json_object(request.data))
        version, created = version_upsert(
            pacticipant_name=name, number=number, build_url=build_url, tags=tags, replace=True
        )
        return _version_response(request, version, 201 if created else 200)

    def patch(self, request: Request, name: str, number: str) -> Response:
        # No client PATCHes versions (client-wire.md); the Pact Broker takes merge-patch only.
        if (request.content_type or "").split(";")[0].strip().lower() != MERGE_PATCH:
            return Response({"error": f"PATCH of a version needs Content-Type {MERGE_PATCH}"}, status=415)
        body = json_object(request.data)
        build_url, tags = _version_input(body)
        clear_build_url = "buildUrl" in body and body["buildUrl"] is None
        version, created = version_upsert(
            pacticipant_name=name, number=number, build_url=build_url, tags=tags, replace=clear_build_url
        )
        return _version_response(request, version, 201 if created else 200)

    def delete(self, request: Request, name: str, number: str) -> Response:
        version_delete(version=version_get(pacticipant_name=name, number=number))
        return Response(status=204)


class LatestVersionApi(BrokerApi):
    """GET /pacticipants/{name}/latest-version[/{tag}]."""

    def get(self, request: Request, name: str, tag: str | None = None) -> Response:
        return _version_response(request, version_latest(pacticipant_name=name, tag=tag))


class BranchLatestVersionApi(BrokerApi):
    """GET /pacticipants/{name}/branches/{branch}/latest-version: the branch head."""

    def get(self, request: Request, name: str, branch: str) -> Response:
        return _version_response(request, branch_head(pacticipant_name=name, branch_name=branch))


class TagVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/tags/{tag}/versions."""

    def get(self, request: Request, name: str, tag: str) -> Response:
        versions = versions_with_tag(pacticipant_name=name, tag=tag)
        return _versions_response(
            request,
            name,
            versions,
            ["pacticipants", name, "tags", tag, "versions"],
            f"Versions of {name} with tag {tag}",
        )


class BranchVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/branches/{branch}/versions, most recently added first."""

    def get(self, request: Request, name: str, branch: str) -> Response:
        versions = versions_on_branch(branch_get(pacticipant_name=name, name=branch))
        return _versions_response(
            request,
            name,
            versions,
            ["pacticipants", name, "branches", branch, "versions"],
            f"Versions of {name} on branch {branch}",
        )


class EnvironmentVersionsApi(BrokerApi):
    """GET /pacticipants/{name}/environments/{uuid}/versions: deployed or released there."""

    def get(self, request: Request, name: str, uuid: str) -> Response:
        versions = versions_in_environment(pacticipant_name=name, environment_uuid=uuid)
        return _versions_response(
            request,
            name,
            versions,
            ["pacticipants", name, "environments", uuid, "versions"],
            f"Versions of {name} deployed or released to the environment",
        )


class BranchListApi(BrokerApi):
    """GET /pacticipants/{name}/branches; DELETE it to delete all but `exclude[]` and the main branch."""

    def get(self, request: Request, name: str) -> Response:
        links = Links(request)
        query = request.query_params.get("q") or None
        pagination = Pagination(request.query_params)
        branches = pagination.apply(branch_list(pacticipant=pacticipant_by_name(name=name), query=query))
        body = {
            "_embedded": {"branches": [branch_body(links, branch) for branch in branches]},
            "_links": {
                "self": {"title": f"{name} branches", "href": links.url("pacticipants", name, "branches")},
                "pb:branches": [
                    {"name": branch.name, "href": links.url("pacticipants", name, "branches", branch.name)}
                    for branch in branches
                ],
            },
        }
        query_params = {"q": query} if query else {}
        return Response(pagination.decorate(body, links, ["pacticipants", name, "branches"], query_params))

    def delete(self, request: Request, name: str) -> Response:
        exclude = request.query_params.getlist("exclude[]") + request.query_params.getlist("exclude")
        # The Pact Broker deletes after replying (202); here it is quick enough to do now.
        deleted, remaining = branches_delete(pacticipant=pacticipant_by_name(name=name), exclude=exclude)
        noun = "branch" if deleted == 1 else "branches"
        text = f"Deleted {deleted} {noun} of {name}. Remaining branches: {', '.join(remaining) or 'none'}."
        return Response({"notices": [{"type": "success", "text": text}]}, status=202)


class BranchApi(BrokerApi):
    """GET and DELETE /pacticipants/{name}/branches/{branch} (deleting keeps the versions)."""

    def get(self, request: Request, name: str, branch: str) -> Response:
        return Response(branch_body(Links(request), branch_get(pacticipant_name=name, name=branch)))

    def delete(self, request: Request, name: str, branch: str) -> Response:
        branch_delete(branch=branch_get(pacticipant_name=name, name=branch))
        return Response(status=204)


class BranchVersionApi(BrokerApi):
    """PUT (find or create everything), GET and DELETE /pacticipants/{name}/branches/{branch}/versions/{number}."""

    def put(self, request: Request, name: str, branch: str, number: str) -> Response:
        json_object(request.data)  # empty, {} or {"name": branch}: only its validity matters
        membership, created = branch_version_find_or_create(
            pacticipant_name=name, branch_name=branch, version_number=number
        )
        links = Links(request)
        body = branch_version_body(links, name, branch, number, membership.created_at)
        headers = {"Location": body["_links"]["self"]["href"]} if created else None
        return Response(body, status=201 if created else 200, headers=headers)

    def get(self, request: Request, name: str, branch: str, number: str) -> Response:
        membership = branch_version_get(pacticipant_name=name, branch_name=branch, number=number)
        return Response(branch_version_body(Links(request), name, branch, number, membership.created_at))

    def delete(self, request: Request, name: str, branch: str, number: str) -> Response:
        branch_version_remove(
            branch_version=branch_version_get(pacticipant_name=name, branch_name=branch, number=number)
        )
        return Response(status=204)


class TagApi(BrokerApi):
    """PUT (find or create everything), GET and DELETE /pacticipants/{name}/versions/{number}/tags/{tag}."""

    def put(self, request: Request, name: str, number: str, tag: str) -> Response:
        json_object(request.data)  # empty, {} or {"name": tag}: only its validity matters
        found, created = tag_find_or_create(pacticipant_name=name, version_number=number, tag_name=tag)
        links = Links(request)
        body = tag_body(links, name, number, found)
        headers = {"Location": body["_links"]["self"]["href"]} if created else None
        return Response(body, status=201 if created else 200, headers=headers)

    def get(self, request: Request, name: str, number: str, tag: str) -> Response:
        return Response(tag_body(Links(request), name, number, tag_get(pacticipant_name=name, number=number, name=tag)))

    def delete(self, request: Request, name: str, number: str, tag: str) -> Response:
        tag_delete(tag=tag_get(pacticipant_name=name, number=number, name=tag))
        return Response(status=204)


urlpatterns = [
    path("pacticipants/<seg:name>/versions", VersionListApi.as_view(), name="versions"),
    path("pacticipants/<seg:name>/versions/<seg:number>", VersionApi.as_view(), name="version"),
    path("pacticipants/<seg:name>/versions/<seg:number>/tags/<seg:tag>", TagApi.as_view(), name="version-tag"),
    path("pacticipants/<seg:name>/latest-version", LatestVersionApi.as_view(), name="latest-version"),
    path("pacticipants/<seg:name>/latest-version/<seg:tag>", LatestVersionApi.as_view(), name="latest-tagged-version"),
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
