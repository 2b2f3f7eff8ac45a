"""API views: recording deployments and releases, and reading them back (routes at the bottom).

Both CLIs record with a POST to the version's `pb:record-deployment` / `pb:record-release`
link, and undo with a PATCH on each entry of the environment's currently-deployed or
currently-supported list. The Rust CLI PATCHes with `application/merge-patch+json`, the
Ruby CLI with `application/json`: both are accepted.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.environments import ENVIRONMENT, environment_body, environment_label
from contracts.api.inputs import Empty, Flag, Input, Text, parse, single_line
from contracts.api.links import Links
from contracts.api.schema import BOOLEAN, ERROR, STRING, TIMESTAMP, hal, with_links
from contracts.api.timestamps import iso, timestamps
from contracts.exceptions import Unprocessable
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


def _self_with_query(request: Request, href: str, *, title: str) -> dict:
    """A list's self link: its href with the query string the client sent (the filter it asked for)."""
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


# --- input -------------------------------------------------------------------------------


def _instance(**kwargs: object) -> Text:
    return Text(required=False, allow_null=True, allow_blank=True, max_length=255, validators=[single_line], **kwargs)


class DeploymentInput(Input):
    """POST to pb:record-deployment. The CLIs send both names; `applicationInstance` wins.
    No instance (null, blank or left out) is the pacticipant's one unnamed instance."""

    applicationInstance = _instance()
    target = _instance(help_text="Deprecated name of applicationInstance")


class UndeploymentInput(Input):
    """PATCH of a deployed version: only `false` can be set (the end of a deployment cannot be undone)."""

    currentlyDeployed = Flag(required=False)


class SupportEndedInput(Input):
    """PATCH of a released version: only `false` can be set."""

    currentlySupported = Flag(required=False)


class CurrentlyDeployedQuery(Input):
    """Filters of the currently-deployed list. A blank instance means "deployed without an
    instance"; leaving both instance parameters out means any instance."""

    pacticipant = Text(required=False, allow_blank=True)
    applicationInstance = Text(required=False, allow_blank=True)
    target = Text(required=False, allow_blank=True, help_text="Deprecated name of applicationInstance")


class CurrentlySupportedQuery(Input):
    """Filters of the currently-supported list."""

    pacticipant = Text(required=False, allow_blank=True)
    version = Text(required=False, allow_blank=True)


def _ending(input_class: type[Input], data: object, field: str) -> bool:
    """Whether a PATCH body ends the deployment or support; False for a no-op (`field` left out)."""
    value = parse(input_class, data).get(field)
    if value is True:
        raise Unprocessable({field: [f"{field} can only be set to false"]})
    return value is False


# --- response shapes ---------------------------------------------------------------------

_VERSION_OF = {
    "pacticipant": hal({"name": STRING}, required=("name",)),
    "version": hal({"number": STRING}, required=("number",)),
    "environment": ENVIRONMENT,
}
_EMBEDDED = {"type": "object", "properties": _VERSION_OF, "required": ["pacticipant", "version"]}
DEPLOYED_VERSION = with_links(
    hal(
        {
            "uuid": {"type": "string", "format": "uuid"},
            "currentlyDeployed": BOOLEAN,
            "applicationInstance": STRING,
            "target": STRING,
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
            "undeployedAt": TIMESTAMP,
            "_embedded": _EMBEDDED,
        },
        required=("uuid", "currentlyDeployed", "createdAt", "_embedded"),
    ),
    "self",
)
RELEASED_VERSION = with_links(
    hal(
        {
            "uuid": {"type": "string", "format": "uuid"},
            "currentlySupported": BOOLEAN,
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
            "supportEndedAt": TIMESTAMP,
            "_embedded": _EMBEDDED,
        },
        required=("uuid", "currentlySupported", "createdAt", "_embedded"),
    ),
    "self",
)


def _list_of(key: str, item: dict) -> dict:
    embedded = {"type": "object", "properties": {key: {"type": "array", "items": item}}, "required": [key]}
    return hal({"_embedded": embedded}, required=("_embedded",))


DEPLOYED_VERSIONS = _list_of("deployedVersions", DEPLOYED_VERSION)
RELEASED_VERSIONS = _list_of("releasedVersions", RELEASED_VERSION)


def _cannot_set_true(field: str) -> OpenApiResponse:
    return OpenApiResponse(response=ERROR, description=f"{field} was set to true: it can only be set to false")


# --- views -------------------------------------------------------------------------------


class DeployedVersionsForVersionApi(BrokerApi):
    """POST records a deployment of the version to the environment; GET lists its deployments there."""

    @extend_schema(responses={200: DEPLOYED_VERSIONS})
    def get(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        links = Links(request)
        deployed = deployed_versions_for_version(version=found, environment=environment)
        href = links.route("version-deployed-versions", pacticipant=pacticipant, version=version, uuid=environment.uuid)
        return Response(
            {
                "_embedded": {
                    "deployedVersions": [deployed_version_body(d, links, with_environment=False) for d in deployed]
                },
                "_links": {
                    "self": _self_with_query(
                        request, href, title=f"Deployed versions for {pacticipant} version {version}"
                    )
                },
            }
        )

    @extend_schema(request=DeploymentInput, responses={201: DEPLOYED_VERSION})
    def post(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        values = parse(DeploymentInput, request.data)
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        target = values.get("applicationInstance")
        if target is None:
            target = values.get("target")
        deployed, _ = deployment_record(version=found, environment=environment, target=target)
        links = Links(request)
        return Response(
            deployed_version_body(deployed, links),
            status=201,
            headers={"Location": links.route("deployed-version", uuid=deployed.uuid)},
        )


class ReleasedVersionsForVersionApi(BrokerApi):
    """POST records a release (201 new, 200 if already released); GET shows it."""

    @extend_schema(responses={200: RELEASED_VERSIONS})
    def get(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        links = Links(request)
        released = released_versions_for_version(version=found, environment=environment)
        title = f"Released versions for {pacticipant} version {version} in {environment_label(environment)}"
        href = links.route("version-released-versions", pacticipant=pacticipant, version=version, uuid=environment.uuid)
        return Response(
            {
                "_embedded": {
                    "releasedVersions": [released_version_body(r, links, with_environment=False) for r in released]
                },
                "_links": {"self": _self_with_query(request, href, title=title)},
            }
        )

    @extend_schema(request=Empty, responses={201: RELEASED_VERSION, 200: RELEASED_VERSION})
    def post(self, request: Request, pacticipant: str, version: str, uuid: str) -> Response:
        parse(Empty, request.data)  # no fields, but a non-object body is still a client error
        found = version_get(pacticipant_name=pacticipant, number=version)
        environment = environment_get(uuid=uuid)
        released, created = release_record(version=found, environment=environment)
        links = Links(request)
        return Response(
            released_version_body(released, links),
            status=201 if created else 200,
            headers={"Location": links.route("released-version", uuid=released.uuid)},
        )


class DeployedVersionApi(BrokerApi):
    """GET a deployed version; PATCH {"currentlyDeployed": false} records the undeployment."""

    @extend_schema(responses={200: DEPLOYED_VERSION})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(deployed_version_body(deployed_version_get(uuid=uuid), Links(request)))

    @extend_schema(
        request=UndeploymentInput,
        responses={200: DEPLOYED_VERSION, 422: _cannot_set_true("currentlyDeployed")},
    )
    def patch(self, request: Request, uuid: str) -> Response:
        deployed = deployed_version_get(uuid=uuid)
        if _ending(UndeploymentInput, request.data, "currentlyDeployed"):
            deployment_end(deployed_version=deployed)
            deployed = deployed_version_get(uuid=uuid)
        return Response(deployed_version_body(deployed, Links(request)))


class ReleasedVersionApi(BrokerApi):
    """GET a released version; PATCH {"currentlySupported": false} records the end of support."""

    @extend_schema(responses={200: RELEASED_VERSION})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(released_version_body(released_version_get(uuid=uuid), Links(request)))

    @extend_schema(
        request=SupportEndedInput,
        responses={200: RELEASED_VERSION, 422: _cannot_set_true("currentlySupported")},
    )
    def patch(self, request: Request, uuid: str) -> Response:
        released = released_version_get(uuid=uuid)
        if _ending(SupportEndedInput, request.data, "currentlySupported"):
            release_end_support(released_version=released)
            released = released_version_get(uuid=uuid)
        return Response(released_version_body(released, Links(request)))


class CurrentlyDeployedVersionsApi(BrokerApi):
    """GET the versions currently deployed to an environment (?pacticipant, ?applicationInstance)."""

    @extend_schema(parameters=[CurrentlyDeployedQuery], responses={200: DEPLOYED_VERSIONS})
    def get(self, request: Request, uuid: str) -> Response:
        query = parse(CurrentlyDeployedQuery, request.query_params)
        environment = environment_get(uuid=uuid)
        # A blank instance means "deployed without an instance", not "any instance".
        target: object = ANY_INSTANCE
        for name in ("applicationInstance", "target"):
            if name in query:
                target = query[name] or None
                break
        deployed = deployed_versions_current(
            environment=environment, pacticipant_name=query.get("pacticipant") or None, target=target
        )
        links = Links(request)
        href = links.route("environment-currently-deployed", uuid=environment.uuid)
        return Response(
            {
                "_embedded": {
                    "deployedVersions": [deployed_version_body(d, links, with_environment=False) for d in deployed]
                },
                "_links": {
                    "self": _self_with_query(
                        request, href, title=f"Currently deployed versions for {environment_label(environment)}"
                    )
                },
            }
        )


class CurrentlySupportedVersionsApi(BrokerApi):
    """GET the releases currently supported in an environment (?pacticipant, ?version)."""

    @extend_schema(parameters=[CurrentlySupportedQuery], responses={200: RELEASED_VERSIONS})
    def get(self, request: Request, uuid: str) -> Response:
        query = parse(CurrentlySupportedQuery, request.query_params)
        environment = environment_get(uuid=uuid)
        released = released_versions_supported(
            environment=environment,
            pacticipant_name=query.get("pacticipant") or None,
            version_number=query.get("version") or None,
        )
        links = Links(request)
        href = links.route("environment-currently-supported", uuid=environment.uuid)
        return Response(
            {
                "_embedded": {
                    "releasedVersions": [released_version_body(r, links, with_environment=False) for r in released]
                },
                "_links": {
                    "self": _self_with_query(
                        request, href, title=f"Currently supported versions in {environment_label(environment)}"
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
