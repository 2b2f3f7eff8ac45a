"""API views: a pact's previous distinct version, and diffs between pacts (as the Pact Broker).

`.../version/{V}/previous-distinct` is the pact (HAL+JSON) of the nearest earlier consumer
version whose content differs from V's. The diff resources answer text/plain: a title and
a unified diff of the two pacts' sorted content (contracts.pact.content.content_diff),
from the earlier or other pact to this one. Every error is a JSON 404, as elsewhere.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.pacts import PACT, PAIR, SHA, pact_not_found, pact_response
from contracts.exceptions import NotFound
from contracts.models import ContractPublication
from contracts.pact.content import content_diff
from contracts.selectors import pacts as selectors

TEXT_PLAIN = "text/plain; charset=utf-8"
DIFF = OpenApiResponse(
    response={"type": "string", "description": "A title, then a unified diff from the other pact to this one"},
    description="What changed between the two pacts",
)


def _pact_for_version(provider: str, consumer: str, version: str) -> ContractPublication:
    publication = selectors.pact_for_version(provider_name=provider, consumer_name=consumer, version_number=version)
    if publication is None:
        raise pact_not_found(
            provider, consumer, f"No pact found for {consumer} version {version} and provider {provider}"
        )
    return publication


def _pact_for_sha(provider: str, consumer: str, sha: str) -> ContractPublication:
    sha = sha.lower()
    publication = None
    if SHA.match(sha):
        publication = selectors.pact_for_sha(provider_name=provider, consumer_name=consumer, sha=sha)
    if publication is None:
        raise pact_not_found(provider, consumer, f"No pact with content {sha} found between {consumer} and {provider}")
    return publication


def _previous_distinct(publication: ContractPublication) -> ContractPublication:
    previous = selectors.pact_previous_distinct(publication)
    if previous is None:
        raise NotFound(
            f"No previous distinct version of the pact for {publication.consumer.name} version "
            f"{publication.consumer_version.number} and provider {publication.provider.name} found"
        )
    return previous


def diff_text(old: ContractPublication, new: ContractPublication, old_name: str, new_name: str) -> str:
    """The diff resource's body: a title naming both sides, then the diff (or "No differences.")."""
    title = f"Diff between {old_name} and {new_name} of the pact between {new.consumer.name} and {new.provider.name}"
    diff = content_diff(
        json.loads(old.contract.document),
        json.loads(new.contract.document),
        labels=(old_name, new_name),
        max_lines=None,  # the whole diff: this resource is where people read it
    )
    return "\n".join([title, "=" * len(title), "", diff or "No differences.", ""])


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type=TEXT_PLAIN)


def _version_name(publication: ContractPublication) -> str:
    return f"version {publication.consumer_version.number}"


class PreviousDistinctPactApi(BrokerApi):
    """GET .../version/{V}/previous-distinct: the pact before V's whose content differs."""

    @extend_schema(responses={200: PACT})
    def get(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        publication = _pact_for_version(provider, consumer, version)
        return pact_response(request, _previous_distinct(publication))


class DiffPreviousDistinctApi(BrokerApi):
    """GET .../version/{V}/diff/previous-distinct: what V's pact changed from the previous distinct one."""

    @extend_schema(responses={(200, "text/plain"): DIFF})
    def get(self, request: Request, provider: str, consumer: str, version: str) -> HttpResponse:
        publication = _pact_for_version(provider, consumer, version)
        previous = _previous_distinct(publication)
        return _text(diff_text(previous, publication, _version_name(previous), _version_name(publication)))


class DiffVersionApi(BrokerApi):
    """GET .../version/{V}/diff/version/{V2}: what differs from V2's pact to V's."""

    @extend_schema(responses={(200, "text/plain"): DIFF})
    def get(self, request: Request, provider: str, consumer: str, version: str, other: str) -> HttpResponse:
        publication = _pact_for_version(provider, consumer, version)
        compared = _pact_for_version(provider, consumer, other)
        return _text(diff_text(compared, publication, _version_name(compared), _version_name(publication)))


class DiffPactVersionApi(BrokerApi):
    """GET .../pact-version/{sha}/diff/pact-version/{sha2}: what differs from content sha2 to sha."""

    @extend_schema(responses={(200, "text/plain"): DIFF})
    def get(self, request: Request, provider: str, consumer: str, sha: str, other: str) -> HttpResponse:
        publication = _pact_for_sha(provider, consumer, sha)
        compared = _pact_for_sha(provider, consumer, other)
        return _text(
            diff_text(
                compared,
                publication,
                f"pact version {compared.contract.sha}",
                f"pact version {publication.contract.sha}",
            )
        )


VERSION = PAIR + "/version/<seg:version>"

urlpatterns = [
    path(VERSION + "/previous-distinct", PreviousDistinctPactApi.as_view(), name="pact-previous-distinct"),
    path(VERSION + "/diff/previous-distinct", DiffPreviousDistinctApi.as_view(), name="pact-diff-previous-distinct"),
    path(VERSION + "/diff/version/<seg:other>", DiffVersionApi.as_view(), name="pact-diff-version"),
    path(
        PAIR + "/pact-version/<seg:sha>/diff/pact-version/<seg:other>",
        DiffPactVersionApi.as_view(),
        name="pact-diff-pact-version",
    ),
]
