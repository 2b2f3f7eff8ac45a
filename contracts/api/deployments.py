"""API views: recording deployments and releases, and reading them back (routes at the bottom).

Both CLIs record with a POST to the version's `pb:record-deployment` / `pb:record-release`
link, and undo with a PATCH on each entry of the environment's currently-deployed or
currently-supported list. The Rust CLI PATCHes with `application/merge-patch+json`, the
Ruby CLI with `application/json`: both are accepted.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi, json_object
from contracts.api.environments import environment_body, environment_label
from contracts.api.links import Links
from contracts.api.timestamps import iso, timestamps
from contracts.exceptions import InvalidInput, Unprocessable
from contracts.models import DeployedVersion, ReleasedVersion, Version
from contracts.selectors.environments import (
    ANY_INSTANCE,
    deployed_version_get,
    deployed_versions_current,
    deployed_versions_for_version,
    environment_get,
    released_version_get,
    released_versions_for_version,
    released_versions_supported,
    version_get,
)
from contracts.services.deployments import (
    deployment_end,
    deployment_record,
    release_end_support,
    release_record,
)


def _self_with_query(request: Request, links: Links, *segments: object, title: str) -> dict:
    href = links.url(*segments)
    query = request.META.get("QUERY_STRING", "")
    return {"href": f"{href}?{query}" if query else href, "title": title}


def _embedded_version(version: Version, links: Links) -> dict:
    pacticipant = version.pacticipant
    return {
        "pacticipant": {
            "name": pacticipant.name,
            "_links": {"self": links.link("pacticipant", {"name": pacticipant.name})},
        },
        "version": {
            "number": version.number,
            "_links": {
                "self": links.link(
                    "version",
                    {"name": pacticipant.name, "number": version.number},
                    title="Version",
                    name=version.number,
                ),
            },
        },
    }


def deployed_version_body(deployed: DeployedVersion, links: Links, *, with_environment: bool = True) -> dict:
    """A deployed version; list entries leave out the (shared) environment."""
    body: dict = {"uuid": str(deployed.uuid), "currentlyDeployed": deployed.currently_deployed}
    if deployed.target is not None:
        body["applicationInstance"] = deployed.target
        body["target"] = deployed.target  # the deprecated name; old clients read it
    body.update(timestamps(deployed.created_at, deployed.updated_at))
    undeployed_at = iso(deployed.undeployed_at)
    if undeployed_at is not None:
        body["undeployedAt"] = undeployed_at
    body["_embedded"] = _embedded_version(deployed.version, links)
    if with_environment:
        body["_embedded"]["environment"] = environment_body(deployed.environment, links)
    body["_links"] = {"self": links.link("deployed-version", {"uuid": deployed.uuid})}
    return body


def released_version_body(released: ReleasedVersion, links: Links, *, with_environment: bool = True) -> dict:
    """A released version; list entries leave out the (shared) environment."""
    body: dict = {"uuid": str(released.uuid), "currentlySupported": released.currently_supported}
    body.update(timestamps(released.created_at, released.updated_at))
    support_ended_at = iso(released.support_ended_at)
    if support_ended_at is not None:
        body["supportEndedAt"] = support_ended_at
    body["_embedded"] = _embedded_version(released.version, links)
    if with_environment:
        body["_embedded"]["environment"] = environment_body(released.environment, links)
    body["_links"] = {"self": links.link("released-version", {"uuid": released.uuid})}
    return body


def _boolean_patch(body: dict, field: str) -> bool | None:
    """The value of `field` in a PATCH body: None when absent (a no-op)."""
    if field not in body:
        return None
    value = body[field]
    if value is True:
        raise Unprocessable({field: [f"{field} can only be set to false"]})
    if value is not False:
        raise InvalidInput({field: ["must be false (or left out)"]})
    return False


class DeployedVersionsForVersionApi(BrokerApi):
    """POST records a deployment of the version to the environment; GET lists its deployments there."""

    def get(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        links = Links(request)
        deployed = deployed_versions_for_version(version=found, environment=environment)
        return Response(
            {
                "_embedded": {
                    "deployedVersions": [deployed_version_body(d, links, with_environment=False) for d in deployed]
                },
                "_links": {
                    "self": _self_with_query(
                        request,
                        links,
                        "pacticipants",
                        pacticipant,
                        "versions",
                        version,
                        "deployed-versions",
                        "environment",
                        environment.uuid,
                        title=f"Deployed versions for {pacticipant} version {version}",
                    )
                },
            }
        )

    def post(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        body = json_object(request.data)
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        # The CLIs send both names; applicationInstance is the current one.
        target = body.get("applicationInstance")
        if target is None:
            target = body.get("target")
        deployed, _ = deployment_record(version=found, environment=environment, target=target)
        links = Links(request)
        return Response(
            deployed_version_body(deployed, links),
            status=201,
            headers={"Location": links.url("deployed-versions", deployed.uuid)},
        )


class ReleasedVersionsForVersionApi(BrokerApi):
    """POST records a release (201 new, 200 if already released); GET shows it."""

    def get(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        links = Links(request)
        released = released_versions_for_version(version=found, environment=environment)
        title = f"Released versions for {pacticipant} version {version} in {environment_label(environment)}"
        return Response(
            {
                "_embedded": {
                    "releasedVersions": [released_version_body(r, links, with_environment=False) for r in released]
                },
                "_links": {
                    "self": _self_with_query(
                        request,
                        links,
                        "pacticipants",
                        pacticipant,
                        "versions",
                        version,
                        "released-versions",
                        "environment",
                        environment.uuid,
                        title=title,
                    )
                },
            }
        )

    def post(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        json_object(request.data)  # no fields, but a non-object body is still a client error
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        released, created = release_record(version=found, environment=environment)
        links = Links(request)
        return Response(
            released_version_body(released, links),
            status=201 if created else 200,
            headers={"Location": links.url("released-versions", released.uuid)},
        )


class DeployedVersionApi(BrokerApi):
    """GET a deployed version; PATCH {"currentlyDeployed": false} records the undeployment."""

    def get(self, request: Request, uuid: str) -> Response:
        return Response(deployed_version_body(deployed_version_get(uuid=uuid), Links(request)))

    def patch(self, request: Request, uuid: str) -> Response:
        deployed = deployed_version_get(uuid=uuid)
        if _boolean_patch(json_object(request.data), "currentlyDeployed") is False:
            deployment_end(deployed_version=deployed)
            deployed = deployed_version_get(uuid=uuid)
        return Response(deployed_version_body(deployed, Links(request)))


class ReleasedVersionApi(BrokerApi):
    """GET a released version; PATCH {"currentlySupported": false} records the end of support."""

    def get(self, request: Request, uuid: str) -> Response:
        return Response(released_version_body(released_version_get(uuid=uuid), Links(request)))

    def patch(self, request: Request, uuid: str) -> Response:
        released = released_version_get(uuid=uuid)
        if _boolean_patch(json_object(request.data), "currentlySupported") is False:
            release_end_support(released_version=released)
            released = released_version_get(uuid=uuid)
        return Response(released_version_body(released, Links(request)))


class CurrentlyDeployedVersionsApi(BrokerApi):
    """GET the versions currently deployed to an environment (?pacticipant, ?applicationInstance)."""

    def get(self, request: Request, uuid: str) -> Response:
        environment = environment_get(uuid=uuid)
        params = request.query_params
        # A blank instance means "deployed without an instance", not "any instance".
        target: object = ANY_INSTANCE
        for name in ("applicationInstance", "target"):
            if name in params:
                target = params.get(name) or None
                break
        deployed = deployed_versions_current(
            environment=environment, pacticipant_name=params.get("pacticipant") or None, target=target
        )
        links = Links(request)
        return Response(
            {
                "_embedded": {
                    "deployedVersions": [deployed_version_body(d, links, with_environment=False) for d in deployed]
                },
                "_links": {
                    "self": _self_with_query(
                        request,
                        links,
                        "environments",
                        environment.uuid,
                        "deployed-versions",
                        "currently-deployed",
                        title=f"Currently deployed versions for {environment_label(environment)}",
                    )
                },
            }
        )


class CurrentlySupportedVersionsApi(BrokerApi):
    """GET the releases currently supported in an environment (?pacticipant, ?version)."""

    def get(self, request: Request, uuid: str) -> Response:
        environment = environment_get(uuid=uuid)
        params = request.query_params
        released = released_versions_supported(
            environment=environment,
            pacticipant_name=params.get("pacticipant") or None,
            version_number=params.get("version") or None,
        )
        links = Links(request)
        return Response(
            {
                "_embedded": {
                    "releasedVersions": [released_version_body(r, links, with_environment=False) for r in released]
                },
                "_links": {
                    "self": _self_with_query(
                        request,
                        links,
                        "environments",
                        environment.uuid,
                        "released-versions",
                        "currently-supported",
                        title=f"Currently supported versions in {environment_label(environment)}",
                    )
                },
            }
        )


_VERSION = "pacticipants/<seg:pacticipant>/versions/<seg:version>"

urlpatterns = [
    path(
        f"{_VERSION}/deployed-versions/environment/<seg:uuid>",
        DeployedVersionsForVersionApi.as_view(),
        name="version-deployed-versions",
    ),
    path(
        f"{_VERSION}/released-versions/environment/<seg:uuid>",
        ReleasedVersionsForVersionApi.as_view(),
        name="version-released-versions",
    ),
    path("deployed-versions/<seg:uuid>", DeployedVersionApi.as_view(), name="deployed-version"),
    path("released-versions/<seg:uuid>", ReleasedVersionApi.as_view(), name="released-version"),
    path(
        "environments/<seg:uuid>/deployed-versions/currently-deployed",
        CurrentlyDeployedVersionsApi.as_view(),
        name="environment-currently-deployed",
    ),
    path(
        "environments/<seg:uuid>/released-versions/currently-supported",
        CurrentlySupportedVersionsApi.as_view(),
        name="environment-currently-supported",
    ),
]
