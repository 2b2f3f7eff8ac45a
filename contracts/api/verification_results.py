"""API views: verification results (api spec 3.10, 4.7).

Verifiers POST to the pact's `pb:publish-verification-results` href, which carries the
metadata of the pact URL they were given (`/metadata/{m}`): WIP and pending flags and the
selected consumer versions travel back that way. Results belong to the content (sha),
so every consumer version that published the same content shares them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.for_verification import PathCheckedApi, require_json
from contracts.api.inputs import Flag, Input, Object, Text, checked_by, parse
from contracts.api.links import Links
from contracts.api.pacts import pact_name
from contracts.api.schema import BOOLEAN, STRING, TIMESTAMP, hal, with_links
from contracts.api.timestamps import iso
from contracts.exceptions import NotFound
from contracts.models import ContractPublication, Verification
from contracts.selectors import pacts as pact_selectors
from contracts.selectors.pacts import decode_metadata, encode_metadata
from contracts.selectors.verifications import (
    contract_by_sha,
    latest_results_for_consumer_version,
    latest_verification_of,
    newest_publication,
    verification_for_content,
    verification_get,
)
from contracts.services.verifications import verification_delete, verification_publish
from contracts.services.versions import validate_version_number

PAIR = "pacts/provider/<seg:provider>/consumer/<seg:consumer>"
CONTENT = PAIR + "/pact-version/<seg:sha>"
CONTENT_WITH_METADATA = CONTENT + "/metadata/<seg:metadata>"
CLIENT_KEYS = {"name": "client_implementation", "testFramework": "client_test_framework", "version": "client_version"}
BUILD_URL_MAX_LENGTH = 2048


def _verified_by(stored: Any) -> dict:
    if not isinstance(stored, dict):
        return {}
    body = {key: stored[key] for key in ("implementation", "version") if stored.get(key) is not None}
    client = stored.get("clientLanguage")
    if isinstance(client, dict):
        body.update({name: client[key] for key, name in CLIENT_KEYS.items() if client.get(key) is not None})
    return body


def verification_body(links: Links, verification: Verification, publication: ContractPublication | None = None) -> dict:
    """The verification result representation (nil fields omitted)."""
    contract = verification.contract
    publication = publication or newest_publication(contract)
    pair = {"provider": contract.provider.name, "consumer": contract.consumer.name}
    self_href = links.route("verification-result", **pair, sha=contract.sha, number=verification.id)
    body: dict[str, Any] = {
        "providerName": contract.provider.name,
        "providerApplicationVersion": verification.provider_version.number,
        "success": verification.success,
        "verificationDate": iso(verification.execution_date),
    }
    if verification.build_url is not None:
        body["buildUrl"] = verification.build_url
    if verification.test_results is not None:
        body["testResults"] = verification.test_results
    body["verifiedBy"] = _verified_by(verification.verified_by)
    name = (
        pact_name(publication) if publication else f"Pact between {contract.consumer.name} and {contract.provider.name}"
    )
    pact_href = links.route("pact-content", **pair, sha=contract.sha)
    if publication is not None:
        metadata = encode_metadata({"cvn": publication.consumer_version.number})
        pact_href = links.route("pact-content-metadata", **pair, sha=contract.sha, metadata=metadata)
    body["_links"] = {
        "self": {
            "title": "Verification result",
            "name": f"Verification result {verification.id} for {name}",
            "href": self_href,
        },
        "pb:pact-version": {"title": "Pact", "name": name, "href": pact_href},
        # Served by the webhooks app (webhooks/api/deliveries.py).
        "pb:triggered-webhooks": {
            "title": "Webhooks triggered by the publication of this verification result",
            "href": links.route(
                "verification-result-triggered-webhooks", **pair, sha=contract.sha, number=verification.id
            ),
        },
    }
    return body


# ---------------------------------------------------------------- input


def _url(value: str) -> None:
    """An absolute URL (a scheme and a host) without spaces or control characters."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    odd = any(char.isspace() or ord(char) < 32 or char == "\x7f" for char in value)
    if odd or not (parts and parts.scheme and parts.netloc):
        raise serializers.ValidationError("must be a URL (e.g. https://ci.example.com/builds/1)")


def _no_nul(value: Any) -> None:
    # PostgreSQL's jsonb cannot hold a NUL character (\u0000) anywhere in a string.
    if "\\u0000" in json.dumps(value):
        raise serializers.ValidationError("cannot contain NUL characters (\\u0000)")


def _client_language(value: dict) -> None:
    if not isinstance(value.get("clientLanguage", {}), (dict, type(None))):
        raise serializers.ValidationError({"clientLanguage": ["must be an object"]})


@extend_schema_field({"type": ["array", "object"]})
class TestResults(serializers.JSONField):
    """Kept as sent: an array (the Rust and JVM verifiers) or an object (the Ruby verifier's "beta" format)."""


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "implementation": STRING,
            "version": STRING,
            "clientLanguage": {
                "type": "object",
                "properties": {"name": STRING, "testFramework": STRING, "version": STRING},
            },
        },
    }
)
class VerifiedBy(Object):
    """Who verified: kept as sent, as verifiers add their own keys."""


class VerificationResultInput(Input):
    """A published verification result (api spec 3.10)."""

    success = Flag()
    providerApplicationVersion = Text(validators=[checked_by(validate_version_number)])
    buildUrl = Text(
        required=False,
        allow_null=True,
        max_length=BUILD_URL_MAX_LENGTH,
        validators=[_url],
    )
    testResults = TestResults(required=False, allow_null=True, validators=[_no_nul])
    verifiedBy = VerifiedBy(required=False, allow_null=True, validators=[_client_language, _no_nul])


def _result_fields(data: Any) -> dict:
    """The service arguments of a published result, or InvalidInput naming every problem."""
    values = parse(VerificationResultInput, data)
    return {
        "provider_version_number": values["providerApplicationVersion"],
        "success": values["success"],
        "build_url": values.get("buildUrl"),
        "test_results": values.get("testResults"),
        "verified_by": values.get("verifiedBy"),
    }


# ---------------------------------------------------------------- response shapes

RESULT = with_links(
    hal(
        {
            "providerName": STRING,
            "providerApplicationVersion": STRING,
            "success": BOOLEAN,
            "verificationDate": TIMESTAMP,
            "buildUrl": STRING,
            "testResults": {"description": "as published: an array, or an object (the Ruby verifier's format)"},
            "verifiedBy": {"type": "object"},
        },
        required=("providerName", "providerApplicationVersion", "success", "verificationDate", "verifiedBy"),
    ),
    "self",
    "pb:pact-version",
)
_NAMES = {"type": "array", "items": STRING}
CONSUMER_VERSION_SUMMARY = with_links(
    hal(
        {
            "success": BOOLEAN,
            "providerSummary": {
                "type": "object",
                "properties": {"successful": _NAMES, "failed": _NAMES, "unknown": _NAMES},
                "required": ["successful", "failed", "unknown"],
            },
            "_embedded": {
                "type": "object",
                "properties": {"verificationResults": {"type": "array", "items": RESULT}},
                "required": ["verificationResults"],
            },
        },
        required=("success", "providerSummary", "_embedded"),
    ),
    "self",
)


class VerificationResultsApi(PathCheckedApi):
    """POST .../pact-version/{sha}[/metadata/{m}]/verification-results: publish a result."""

    @extend_schema(request=VerificationResultInput, responses={201: RESULT})
    def post(self, request: Request, provider: str, consumer: str, sha: str, metadata: str | None = None) -> Response:
        require_json(request)
        contract = contract_by_sha(provider_name=provider, consumer_name=consumer, sha=sha)
        fields = _result_fields(request.data)
        links = Links(request)
        verification = verification_publish(
            contract=contract, base_url=links.base, metadata=decode_metadata(metadata), **fields
        )
        verification = verification_get(pk=verification.pk)
        body = verification_body(links, verification)
        return Response(body, status=201, headers={"Location": body["_links"]["self"]["href"]})


class VerificationResultApi(PathCheckedApi):
    """GET/DELETE .../pact-version/{sha}[/metadata/{m}]/verification-results/{number}, or /latest."""

    def _find(self, provider: str, consumer: str, sha: str, number: str) -> Verification:
        return verification_for_content(provider_name=provider, consumer_name=consumer, sha=sha, number=number)

    @extend_schema(responses={200: RESULT})
    def get(
        self,
        request: Request,
        provider: str,
        consumer: str,
        sha: str,
        number: str = "latest",
        metadata: str | None = None,
    ) -> Response:
        return Response(verification_body(Links(request), self._find(provider, consumer, sha, number)))

    @extend_schema(responses={204: None})
    def delete(
        self,
        request: Request,
        provider: str,
        consumer: str,
        sha: str,
        number: str = "latest",
        metadata: str | None = None,
    ) -> Response:
        if number == "latest":
            raise NotFound("Delete a verification result by its number")
        verification_delete(verification=self._find(provider, consumer, sha, number))
        return Response(status=204)


class PactLatestVerificationApi(PathCheckedApi):
    """GET latest result for a consumer version's pact, or for the latest (tagged) pact."""

    @extend_schema(responses={200: RESULT})
    def get(
        self, request: Request, provider: str, consumer: str, version: str | None = None, tag: str | None = None
    ) -> Response:
        if version is not None:
            publication = pact_selectors.pact_for_version(
                provider_name=provider, consumer_name=consumer, version_number=version
            )
            what = f"{consumer} version {version} and provider {provider}"
        else:
            publication = pact_selectors.pact_latest(provider_name=provider, consumer_name=consumer, tag=tag)
            what = f"the latest{f' {tag}' if tag else ''} version of {consumer} and provider {provider}"
        verification = latest_verification_of(publication, what)
        return Response(verification_body(Links(request), verification, publication))


class ConsumerVersionVerificationSummaryApi(PathCheckedApi):
    """GET /verification-results/consumer/{C}/version/{V}/latest: latest result per provider."""

    @extend_schema(responses={200: CONSUMER_VERSION_SUMMARY})
    def get(self, request: Request, consumer: str, version: str) -> Response:
        pairs = latest_results_for_consumer_version(consumer_name=consumer, version_number=version)
        links = Links(request)
        results = [verification_body(links, latest, p) for p, latest in pairs if latest]
        summary = {
            "successful": [p.provider.name for p, latest in pairs if latest and latest.success],
            "failed": [p.provider.name for p, latest in pairs if latest and not latest.success],
            "unknown": [p.provider.name for p, latest in pairs if latest is None],
        }
        return Response(
            {
                "success": not summary["failed"] and not summary["unknown"],
                "providerSummary": summary,
                "_embedded": {"verificationResults": results},
                "_links": {
                    "self": links.link(
                        "consumer-version-verification-results-latest",
                        {"consumer": consumer, "version": version},
                        title=f"Latest verification results for consumer {consumer} version {version}",
                    )
                },
            }
        )


urlpatterns = [
    path(CONTENT + "/verification-results", VerificationResultsApi.as_view(), name="verification-results"),
    path(
        CONTENT_WITH_METADATA + "/verification-results",
        VerificationResultsApi.as_view(),
        name="verification-results-metadata",
    ),
    path(CONTENT + "/verification-results/<seg:number>", VerificationResultApi.as_view(), name="verification-result"),
    path(
        CONTENT_WITH_METADATA + "/verification-results/<seg:number>",
        VerificationResultApi.as_view(),
        name="verification-result-metadata",
    ),
    path(
        PAIR + "/version/<seg:version>/verification-results/latest",
        PactLatestVerificationApi.as_view(),
        name="version-verification-results-latest",
    ),
    path(
        PAIR + "/latest/verification-results/latest",
        PactLatestVerificationApi.as_view(),
        name="latest-pact-verification-results-latest",
    ),
    path(
        PAIR + "/latest/<seg:tag>/verification-results/latest",
        PactLatestVerificationApi.as_view(),
        name="latest-tagged-pact-verification-results-latest",
    ),
    path(
        "verification-results/consumer/<seg:consumer>/version/<seg:version>/latest",
        ConsumerVersionVerificationSummaryApi.as_view(),
        name="consumer-version-verification-results-latest",
    ),
]
