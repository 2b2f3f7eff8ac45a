"""Verification runs of provider builds, and the targets that start them on events."""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links
from contracts.api.timestamps import iso
from contracts.exceptions import InvalidInput
from contracts.selectors.for_verification_query import for_verification_query
from contracts.selectors.pacticipants import pacticipant_by_name
from verifier import http
from verifier.models import VerificationRun, VerificationTarget
from verifier.selectors import run_get, run_pacts, runs_list, target_get, targets_of
from verifier.services.runs import verification_run_create
from verifier.services.targets import verification_target_delete, verification_target_put

RUN_FIELDS = {
    "provider",
    "providerVersion",
    "providerVersionBranch",
    "providerVersionTags",
    "baseUrl",
    "stateChangeUrl",
    "consumerVersionSelectors",
    "includePendingStatus",
    "includeWipPactsSince",
    "headers",
}


def _run_href(links: Links, run: VerificationRun) -> str:
    return links.url("verification-runs", run.uuid)


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
            "pb:provider": {"href": links.url("pacticipants", run.provider.name), "name": run.provider.name},
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
                        "href": links.url(
                            "pacts",
                            "provider",
                            run.provider.name,
                            "consumer",
                            run_pact.contract.consumer.name,
                            "pact-version",
                            run_pact.contract.sha,
                            "verification-results",
                            run_pact.verification_id,
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
    """POST to queue a run of a provider build; GET to list runs (?provider=)."""

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise InvalidInput({"body": ["must be a JSON object"]})
        errors = {key: ["is missing"] for key in ("provider", "providerVersion", "baseUrl") if not data.get(key)}
        if errors:
            raise InvalidInput(errors)
        unknown = sorted(set(data) - RUN_FIELDS)
        if unknown:
            raise InvalidInput({"body": [f"unknown field(s): {', '.join(unknown)}"]})
        provider = pacticipant_by_name(name=str(data["provider"]))
        query = for_verification_query(
            {
                key: data[key]
                for key in (
                    "consumerVersionSelectors",
                    "providerVersionBranch",
                    "providerVersionTags",
                    "includePendingStatus",
                    "includeWipPactsSince",
                )
                if key in data
            }
        )
        run = verification_run_create(
            provider=provider,
            provider_version_number=data["providerVersion"],
            base_url=data["baseUrl"],
            state_change_url=data.get("stateChangeUrl"),
            headers=data.get("headers"),
            query=query,
            selectors=data.get("consumerVersionSelectors") or [],
        )
        links = Links(request)
        response = Response(run_body(run, links, detail=False), status=201)
        response["Location"] = _run_href(links, run)
        return response

    def get(self, request: Request) -> Response:
        name = request.query_params.get("provider")
        provider = pacticipant_by_name(name=name) if name else None
        runs = runs_list(provider=provider, status=request.query_params.get("status"))
        links = Links(request)
        return Response(
            {
                "_embedded": {"verificationRuns": [run_body(run, links, detail=False) for run in runs]},
                "_links": {"self": {"href": links.url("verification-runs"), "title": "Verification runs"}},
            }
        )


class VerificationRunApi(BrokerApi):
    """GET one run: status, per-interaction results with mismatches, redacted log."""

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
            "self": {"href": links.url("pacticipants", target.provider.name, "verification-targets", target.name)}
        },
    }


class VerificationTargetsApi(BrokerApi):
    """GET a provider's targets."""

    def get(self, request: Request, pacticipant: str) -> Response:
        provider = pacticipant_by_name(name=pacticipant)
        links = Links(request)
        return Response(
            {
                "_embedded": {"verificationTargets": [target_body(t, links) for t in targets_of(provider)]},
                "_links": {"self": {"href": links.url("pacticipants", pacticipant, "verification-targets")}},
            }
        )


class VerificationTargetApi(BrokerApi):
    """PUT (create or replace), GET or DELETE a named verification target of a provider."""

    def put(self, request: Request, pacticipant: str, name: str) -> Response:
        provider = pacticipant_by_name(name=pacticipant)
        target, created = verification_target_put(provider=provider, name=name, data=request.data)
        return Response(target_body(target, Links(request)), status=201 if created else 200)

    def get(self, request: Request, pacticipant: str, name: str) -> Response:
        return Response(target_body(target_get(provider_name=pacticipant, name=name), Links(request)))

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
