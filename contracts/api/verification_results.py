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
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.for_verification import PathCheckedApi, require_json
from contracts.api.links import Links
from contracts.api.pacts import pact_name
from contracts.api.timestamps import iso
from contracts.exceptions import InvalidInput, NotFound
from contracts.models import ContractPublication, Verification
from contracts.selectors import pacts as pact_selectors
from contracts.selectors.for_verification_query import has_control_characters
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
    pair = ("pacts", "provider", contract.provider.name, "consumer", contract.consumer.name)
    content = (*pair, "pact-version", contract.sha)
    self_href = links.url(*content, "verification-results", verification.id)
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
    pact_href = links.url(*content)
    if publication is not None:
        pact_href = links.url(*content, "metadata", encode_metadata({"cvn": publication.consumer_version.number}))
    body["_links"] = {
        "self": {
            "title": "Verification result",
            "name": f"Verification result {verification.id} for {name}",
            "href": self_href,
        },
        "pb:pact-version": {"title": "Pact", "name": name, "href": pact_href},
        "pb:triggered-webhooks": {
            "title": "Webhooks triggered by the publication of this verification result",
            "href": f"{self_href}/triggered-webhooks",
        },
    }
    return body


def _is_url(value: Any) -> bool:
    if (
        not isinstance(value, str)
        or len(value) > 2048
        or any(c.isspace() for c in value)
        or has_control_characters(value)
    ):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return bool(parts.scheme and parts.netloc)


def _result_fields(data: Any) -> dict:
    """Validate a published result (api spec 3.10) into service arguments, or raise InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    if "success" not in data or data["success"] is None:
        errors["success"] = ["is missing"]
    elif not isinstance(data["success"], bool):
        errors["success"] = ["must be true or false"]
    number = data.get("providerApplicationVersion")
    if number is None:
        errors["providerApplicationVersion"] = ["is missing"]
    elif not isinstance(number, str):
        errors["providerApplicationVersion"] = ["must be a string"]
    elif has_control_characters(number):
        errors["providerApplicationVersion"] = ["cannot contain control characters"]
    else:
        try:
            validate_version_number(number, "providerApplicationVersion")
        except InvalidInput as exc:
            errors.update(exc.errors)
    build_url = data.get("buildUrl")
    if build_url is not None and not _is_url(build_url):
        errors["buildUrl"] = ["must be a URL (e.g. https://ci.example.com/builds/1)"]
    verified_by = data.get("verifiedBy")
    if verified_by is not None and (
        not isinstance(verified_by, dict) or not isinstance(verified_by.get("clientLanguage", {}), (dict, type(None)))
    ):
        errors["verifiedBy"] = ['must be an object like {"implementation", "version", "clientLanguage": {...}}']
    for key in ("testResults", "verifiedBy"):
        # PostgreSQL's jsonb cannot hold a NUL character (\u0000) anywhere in a string.
        if key not in errors and "\\u0000" in json.dumps(data.get(key)):
            errors[key] = ["cannot contain NUL characters (\\u0000)"]
    if errors:
        raise InvalidInput(errors)
    return {
        "provider_version_number": number,
        "success": data["success"],
        "build_url": build_url,
        "test_results": data.get("testResults"),
        "verified_by": verified_by,
    }


class VerificationResultsApi(PathCheckedApi):
    """POST .../pact-version/{sha}[/metadata/{m}]/verification-results: publish a result."""

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
                    "self": {
                        "href": links.url("verification-results", "consumer", consumer, "version", version, "latest"),
                        "title": f"Latest verification results for consumer {consumer} version {version}",
                    }
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
