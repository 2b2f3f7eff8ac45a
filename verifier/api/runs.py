"""Verification runs of provider builds, and the targets that start them on events."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Choice, Flag, Headers, Input, Items, Object, StrictInput, Text, not_blank, parse
from contracts.api.links import Links
from contracts.api.schema import BOOLEAN, NULLABLE_STRING, STRING, TIMESTAMP, hal
from contracts.api.timestamps import iso
from contracts.selectors.for_verification_query import for_verification_query
from contracts.selectors.pacticipants import pacticipant_by_name
from verifier import http
from verifier.models import VerificationRun, VerificationTarget
from verifier.selectors import run_get, run_pacts, runs_list, target_get, targets_of
from verifier.services.runs import verification_run_create
from verifier.services.targets import verification_target_delete, verification_target_put

# ---------------------------------------------------------------- input


def http_url(value: str) -> None:
    """An absolute http(s) URL (a target's may hold ${providerVersion} templates)."""
    if not value.startswith(("http://", "https://")):
        raise serializers.ValidationError("must be an absolute http(s) URL")


def _url(**kwargs: Any) -> Text:
    return Text(max_length=2048, validators=[http_url], **kwargs)


class VerificationRunInput(StrictInput):
    """A run of a provider build: where it answers, and which pacts to verify (as pacts-for-verification
    selects them; for_verification_query checks those fields with the rules the verifiers meet)."""

    provider = Text(validators=[not_blank])
    providerVersion = Text(validators=[not_blank])
    baseUrl = _url()
    stateChangeUrl = _url(required=False, allow_null=True, allow_blank=True)
    headers = Headers(required=False, allow_null=True)
    providerVersionBranch = Text(required=False, allow_null=True, allow_blank=True)
    providerVersionTags = Items(required=False, allow_null=True)
    consumerVersionSelectors = Items(child=Object(), required=False, allow_null=True)
    includePendingStatus = Flag(required=False, allow_null=True)
    includeWipPactsSince = Text(
        required=False, allow_null=True, help_text="A date (YYYY-MM-DD) or an ISO-8601 date-time"
    )


# What a run selects with: the pacts-for-verification body's fields.
QUERY_FIELDS = (
    "consumerVersionSelectors",
    "providerVersionBranch",
    "providerVersionTags",
    "includePendingStatus",
    "includeWipPactsSince",
)


class VerificationRunsQuery(Input):
    """`?provider=` (a name) and `?status=` narrow the list; blank means not given."""

    provider = Text(required=False, allow_blank=True)
    status = Choice(choices=VerificationRun.Status.values, required=False, allow_blank=True)


class VerificationTargetInput(Input):
    """A target: `${providerVersion}` and `${providerVersionBranch}` in the URLs are filled in per run."""

    baseUrl = _url()
    stateChangeUrl = _url(required=False, allow_null=True, allow_blank=True)
    headers = Headers(required=False, allow_null=True)
    enabled = Flag(required=False)


# ---------------------------------------------------------------- response shapes

INTEGER = {"type": "integer"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
HEADERS = {"type": "object", "additionalProperties": STRING, "description": "Secret values are masked"}
RUN_PROPERTIES = {
    "uuid": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "enum": list(VerificationRun.Status.values)},
    "provider": STRING,
    "providerVersion": STRING,
    "providerVersionBranch": NULLABLE_STRING,
    "providerVersionTags": {"type": "array", "items": STRING},
    "baseUrl": STRING,
    "trigger": STRING,
    "attempts": INTEGER,
    "createdAt": TIMESTAMP,
    "startedAt": NULLABLE_TIMESTAMP,
    "finishedAt": NULLABLE_TIMESTAMP,
    "error": NULLABLE_STRING,
}
RUN = hal(RUN_PROPERTIES, required=tuple(RUN_PROPERTIES))
RUN_PACT = hal(
    {
        "consumer": STRING,
        "pactVersionSha": STRING,
        "shortDescription": STRING,
        "pending": BOOLEAN,
        "wip": BOOLEAN,
        "success": BOOLEAN,
        "interactions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "interactionId": NULLABLE_STRING,
                    "description": STRING,
                    "success": BOOLEAN,
                    "pending": BOOLEAN,
                    "mismatches": {"type": "array"},
                },
                "required": ["interactionId", "description", "success", "pending", "mismatches"],
            },
        },
    },
    required=("consumer", "pactVersionSha", "shortDescription", "pending", "wip", "success", "interactions"),
)
RUN_DETAIL_PROPERTIES = {
    **RUN_PROPERTIES,
    "stateChangeUrl": NULLABLE_STRING,
    "headers": HEADERS,
    "consumerVersionSelectors": {"type": "array", "items": {"type": "object"}},
    "includePendingStatus": BOOLEAN,
    "includeWipPactsSince": {"type": ["string", "null"], "format": "date"},
    "log": STRING,
    "pacts": {"type": "array", "items": RUN_PACT},
}
RUN_DETAIL = hal(RUN_DETAIL_PROPERTIES, required=tuple(RUN_DETAIL_PROPERTIES))
RUNS = hal(
    {
        "_embedded": {
            "type": "object",
            "properties": {"verificationRuns": {"type": "array", "items": RUN}},
            "required": ["verificationRuns"],
        }
    },
    required=("_embedded",),
)
TARGET = hal(
    {
        "name": STRING,
        "baseUrl": STRING,
        "stateChangeUrl": NULLABLE_STRING,
        "headers": HEADERS,
        "enabled": BOOLEAN,
        "createdAt": TIMESTAMP,
    },
    required=("name", "baseUrl", "stateChangeUrl", "headers", "enabled", "createdAt"),
)
TARGETS = hal(
    {
        "_embedded": {
            "type": "object",
            "properties": {"verificationTargets": {"type": "array", "items": TARGET}},
            "required": ["verificationTargets"],
        }
    },
    required=("_embedded",),
)


# ---------------------------------------------------------------- views


def _run_href(links: Links, run: VerificationRun) -> str:
    return links.route("verification-run", uuid=run.uuid)


def run_body(run: VerificationRun, links: Links, *, detail: bool) -> dict:
    """A run as JSON; header values that look secret are masked, as in stored logs."""
    body: dict = {
        "uuid": str(run.uuid),
        "status": run.status,
        "provider": run.provider.name,
        "providerVersion": run.provider_version_number,
        "providerVersionBranch": run.provider_version_branch,
        "providerVersionTags": run.provider_version_tags,
        "baseUrl": http.redact_url(run.base_url),
        "trigger": run.trigger,
        "attempts": run.attempts,
        "createdAt": iso(run.created_at),
        "startedAt": iso(run.started_at),
        "finishedAt": iso(run.finished_at),
        "error": run.error,
        "_links": {
            "self": {"href": _run_href(links, run), "title": "Verification run"},
            "pb:provider": {"href": links.route("pacticipant", name=run.provider.name), "name": run.provider.name},
        },
    }
    if not detail:
        return body
    body.update(
        stateChangeUrl=http.redact_url(run.state_change_url) if run.state_change_url else None,
        headers=http.redact_headers(run.headers),
        consumerVersionSelectors=run.consumer_version_selectors,
        includePendingStatus=run.include_pending_status,
        includeWipPactsSince=run.include_wip_pacts_since.isoformat() if run.include_wip_pacts_since else None,
        log=run.log,
        pacts=[
            {
                "consumer": run_pact.contract.consumer.name,
                "pactVersionSha": run_pact.contract.sha,
                "shortDescription": run_pact.short_description,
                "pending": run_pact.pending,
                "wip": run_pact.wip,
                "success": run_pact.success,
                "interactions": [
                    {
                        "interactionId": item.interaction_id,
                        "description": item.description,
                        "success": item.success,
                        "pending": item.pending,
                        "mismatches": item.mismatches,
                    }
                    for item in run_pact.interactions.all()
                ],
                "_links": {
                    "pb:verification-result": {
                        "href": links.route(
                            "verification-result",
                            provider=run.provider.name,
                            consumer=run_pact.contract.consumer.name,
                            sha=run_pact.contract.sha,
                            number=run_pact.verification_id,
                        )
                    }
                }
                if run_pact.verification_id
                else {},
            }
            for run_pact in run_pacts(run)
        ],
    )
    return body


class VerificationRunsApi(BrokerApi):
    """POST to queue a run of a provider build; GET to list runs (?provider=, ?status=)."""

    @extend_schema(request=VerificationRunInput, responses={201: RUN})
    def post(self, request: Request) -> Response:
        values = parse(VerificationRunInput, request.data)
        provider = pacticipant_by_name(name=values["provider"])
        # Selected as pacts-for-verification selects: the same function, the same rules.
        query = for_verification_query({key: values[key] for key in QUERY_FIELDS if key in values})
        run = verification_run_create(
            provider=provider,
            provider_version_number=values["providerVersion"],
            base_url=values["baseUrl"],
            state_change_url=values.get("stateChangeUrl"),
            headers=values.get("headers"),
            query=query,
            selectors=values.get("consumerVersionSelectors") or [],
        )
        links = Links(request)
        response = Response(run_body(run, links, detail=False), status=201)
        response["Location"] = _run_href(links, run)
        return response

    @extend_schema(parameters=[VerificationRunsQuery], responses={200: RUNS})
    def get(self, request: Request) -> Response:
        values = parse(VerificationRunsQuery, request.query_params)
        name = values.get("provider")
        provider = pacticipant_by_name(name=name) if name else None
        runs = runs_list(provider=provider, status=values.get("status"))
        links = Links(request)
        return Response(
            {
                "_embedded": {"verificationRuns": [run_body(run, links, detail=False) for run in runs]},
                "_links": {"self": {"href": links.route("verification-runs"), "title": "Verification runs"}},
            }
        )


class VerificationRunApi(BrokerApi):
    """GET one run: status, per-interaction results with mismatches, redacted log."""

    @extend_schema(responses={200: RUN_DETAIL})
    def get(self, request: Request, uuid: str) -> Response:
        return Response(run_body(run_get(uuid=uuid), Links(request), detail=True))


def target_body(target: VerificationTarget, links: Links) -> dict:
    return {
        "name": target.name,
        "baseUrl": target.base_url,
        "stateChangeUrl": target.state_change_url,
        "headers": http.redact_headers(target.headers),
        "enabled": target.enabled,
        "createdAt": iso(target.created_at),
        "_links": {
            "self": {"href": links.route("verification-target", pacticipant=target.provider.name, name=target.name)}
        },
    }


class VerificationTargetsApi(BrokerApi):
    """GET a provider's targets."""

    @extend_schema(responses={200: TARGETS})
    def get(self, request: Request, pacticipant: str) -> Response:
        provider = pacticipant_by_name(name=pacticipant)
        links = Links(request)
        return Response(
            {
                "_embedded": {"verificationTargets": [target_body(t, links) for t in targets_of(provider)]},
                "_links": {"self": {"href": links.route("verification-targets", pacticipant=pacticipant)}},
            }
        )


class VerificationTargetApi(BrokerApi):
    """PUT (create or replace), GET or DELETE a named verification target of a provider."""

    @extend_schema(request=VerificationTargetInput, responses={201: TARGET, 200: TARGET})
    def put(self, request: Request, pacticipant: str, name: str) -> Response:
        provider = pacticipant_by_name(name=pacticipant)
        values = parse(VerificationTargetInput, request.data)
        target, created = verification_target_put(
            provider=provider,
            name=name,
            base_url=values["baseUrl"],
            state_change_url=values.get("stateChangeUrl") or None,
            headers=values.get("headers") or {},
            enabled=values.get("enabled", True),
        )
        return Response(target_body(target, Links(request)), status=201 if created else 200)

    @extend_schema(responses={200: TARGET})
    def get(self, request: Request, pacticipant: str, name: str) -> Response:
        return Response(target_body(target_get(provider_name=pacticipant, name=name), Links(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pacticipant: str, name: str) -> Response:
        verification_target_delete(target=target_get(provider_name=pacticipant, name=name))
        return Response(status=204)


urlpatterns = [
    path("verification-runs", VerificationRunsApi.as_view(), name="verification-runs"),
    path("verification-runs/<seg:uuid>", VerificationRunApi.as_view(), name="verification-run"),
    path(
        "pacticipants/<seg:pacticipant>/verification-targets",
        VerificationTargetsApi.as_view(),
        name="verification-targets",
    ),
    path(
        "pacticipants/<seg:pacticipant>/verification-targets/<seg:name>",
        VerificationTargetApi.as_view(),
        name="verification-target",
    ),
]
