"""API views: pacts for verification (`pb:provider-pacts-for-verification`, api spec 3.11).

POST takes the JSON body the verifiers send; GET takes the deprecated snake_case query
parameters, and with none at all answers with the default selectors, because the Rust
verifier GETs this resource first and then POSTs to the `_links.self.href` it returns.
The Rust verifier reads the answer strictly: `shortDescription` must be a string and
every notice a map of strings, or it silently reports "no pacts".
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links
from contracts.api.pacts import pact_name
from contracts.exceptions import BrokerError, NotFound
from contracts.selectors.for_verification import ForVerificationQuery, VerifiablePact, pacts_for_verification
from contracts.selectors.for_verification_query import for_verification_query, query_string_body
from contracts.selectors.pacticipants import pacticipant_by_name
from contracts.selectors.pacts import METADATA_MAX_LENGTH, encode_metadata

JSON_TYPES = ("application/json", "application/hal+json")
READ_MORE_PENDING = "Read more at https://docs.pact.io/go/pending"
READ_MORE_WIP = "Read more at https://docs.pact.io/go/wip"


class UnsupportedMediaType(BrokerError):
    status = 415


class PathCheckedApi(BrokerApi):
    """A view whose path segments name things: one with a NUL character names nothing (404)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, str) and "\x00" in value for value in kwargs.values()):
            raise NotFound("No resource has a name with a NUL character")


def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (an empty body would otherwise pass as {})."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        raise UnsupportedMediaType(f"Content-Type {content_type or '(none)'} is not supported: send application/json")


# ---------------------------------------------------------------- rendering


def _join(words: list[str]) -> str:
    quoted = [f"'{word}'" for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _provider_side(query: ForVerificationQuery, provider: str, tags: tuple[str, ...]) -> str:
    """The provider versions a pending state is about: "a version of P from branch 'main'"."""
    if query.provider_version_branch:
        return f"a version of {provider} from branch '{query.provider_version_branch}'"
    if tags:
        return f"a version of {provider} with tag{'s' if len(tags) > 1 else ''} {_join(list(tags))}"
    return provider


def _inclusion_reason(pact: VerifiablePact, url: str, provider: str) -> str:
    consumer = pact.publication.consumer.name
    if pact.wip:
        heads = [f"from branch '{s.branch}'" if s.branch else f"tagged '{s.tag}'" for s in pact.selectors]
        return (
            f"The pact at {url} is being verified because it is a 'work in progress' pact: it is the pact of the "
            f"latest version of {consumer} {' and '.join(heads)}, and it is still pending for this provider. "
            f"{READ_MORE_WIP}"
        )
    criteria = "\n".join(f"    * {selector.description(provider)}" for selector in pact.selectors)
    plural = len(pact.selectors) > 1
    return (
        f"The pact at {url} is being verified because the pact content belongs to the consumer "
        f"version{'s' if plural else ''} matching the following {'criteria' if plural else 'criterion'}:\n{criteria}"
    )


def _pending_notices(pact: VerifiablePact, query: ForVerificationQuery, provider: str) -> list[dict[str, str]]:
    if not pact.pending:
        side = _provider_side(query, provider, pact.non_pending_tags)
        return [
            {
                "when": "before_verification",
                "text": (
                    f"This pact has previously been successfully verified by {side}. If this verification fails, it will "
                    f"fail the build. {READ_MORE_PENDING}"
                ),
            }
        ]
    side = _provider_side(query, provider, pact.pending_tags)
    with_tags = "with these tags " if len(pact.pending_tags) > 1 else "with this tag " if pact.pending_tags else ""
    still = (
        f"This pact is still in pending state for {side}, as a successful verification result {with_tags}"
        "has not yet been published."
    )
    return [
        {
            "when": "before_verification",
            "text": (
                f"This pact is in pending state for this version of {provider} because a successful verification result "
                f"for {side} has not yet been published. If this verification fails, it will not cause the overall "
                f"build to fail. {READ_MORE_PENDING}"
            ),
        },
        {"when": "after_verification:success_true_published_false", "text": still},
        {"when": "after_verification:success_false_published_false", "text": still},
        {
            "when": "after_verification:success_true_published_true",
            "text": (
                f"This pact is no longer in pending state for {side}, as a successful verification result {with_tags}"
                f"has been published. If a verification for {side} fails in the future, it will fail the build. "
                f"{READ_MORE_PENDING}"
            ),
        },
        {"when": "after_verification:success_false_published_true", "text": still},
    ]


def _metadata(pact: VerifiablePact, include_pending: bool) -> str:
    """The opaque /metadata/{m} segment: selectors (with consumer versions), pending or WIP."""
    data: dict[str, Any] = {"w": True} if pact.wip else {}
    if include_pending and not pact.wip:
        data["p"] = bool(pact.pending)
    encoded = encode_metadata({**data, "s": [selector.metadata() for selector in pact.selectors]})
    if len(encoded) > METADATA_MAX_LENGTH:
        # Hundreds of selected versions would not fit a URL: keep the flags and the newest version.
        encoded = encode_metadata({**data, "cvn": pact.publication.consumer_version.number})
    return encoded


def verifiable_pact_body(links: Links, pact: VerifiablePact, query: ForVerificationQuery, *, deprecated: bool) -> dict:
    """One `_embedded.pacts[]` entry."""
    publication = pact.publication
    url = links.url(
        "pacts",
        "provider",
        publication.provider.name,
        "consumer",
        publication.consumer.name,
        "pact-version",
        publication.contract.sha,
        "metadata",
        _metadata(pact, query.include_pending_status),
    )
    notices = []
    if deprecated:
        notices.append(
            {
                "when": "before_verification",
                "text": (
                    "WARNING - GET on pacts for verification is deprecated: POST the same parameters as JSON to "
                    f"{links.url('pacts', 'provider', publication.provider.name, 'for-verification')} instead."
                ),
            }
        )
    notices.append({"when": "before_verification", "text": _inclusion_reason(pact, url, publication.provider.name)})
    properties: dict[str, Any] = {}
    if query.include_pending_status or pact.wip:
        # A WIP pact is always pending: without the flag a failing WIP pact would fail the build.
        properties["pending"] = bool(pact.pending)
        notices += _pending_notices(pact, query, publication.provider.name)
    if pact.wip:
        properties["wip"] = True
    properties["notices"] = notices
    return {
        "shortDescription": pact.short_description(),
        "verificationProperties": properties,
        "_links": {"self": {"href": url, "name": pact_name(publication)}},
    }


# ---------------------------------------------------------------- views


class PactsForVerificationApi(PathCheckedApi):
    """GET/POST /pacts/provider/{P}/for-verification: the pacts a provider version must verify."""

    def get(self, request: Request, provider: str) -> Response:
        query_string = request.META.get("QUERY_STRING", "")
        return self._answer(request, provider, query_string_body(query_string), deprecated=True)

    def post(self, request: Request, provider: str) -> Response:
        require_json(request)
        return self._answer(request, provider, request.data, deprecated=False)

    def _answer(self, request: Request, provider_name: str, data: Any, *, deprecated: bool) -> Response:
        provider = pacticipant_by_name(name=provider_name, role="provider")
        query = for_verification_query(data)
        links = Links(request)
        pacts = pacts_for_verification(provider=provider, query=query)
        return Response(
            {
                "_embedded": {
                    "pacts": [verifiable_pact_body(links, pact, query, deprecated=deprecated) for pact in pacts]
                },
                "_links": {
                    "self": {
                        "href": links.url("pacts", "provider", provider.name, "for-verification"),
                        "title": "Pacts to be verified",
                    }
                },
            }
        )


urlpatterns = [
    path(
        "pacts/provider/<seg:provider>/for-verification",
        PactsForVerificationApi.as_view(),
        name="pacts-for-verification",
    ),
]
