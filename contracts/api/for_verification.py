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
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Flag, Input, Items, Text, no_control_characters, not_blank, parse
from contracts.api.links import Links
from contracts.api.pacts import pact_name
from contracts.api.schema import BOOLEAN, STRING, hal, with_links
from contracts.exceptions import BrokerError, NotFound
from contracts.selectors.for_verification import ForVerificationQuery, VerifiablePact, pacts_for_verification
from contracts.selectors.for_verification_query import (
    EMPTY_BRANCH,
    FIELD,
    empty_branch_allowed,
    for_verification_query_build,
    query_string_body,
    selectors_problems,
    wip_since,
)
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


# ---------------------------------------------------------------- input


SELECTOR = {
    "type": "object",
    "description": "Which consumer versions' pacts to verify (api spec 3.11)",
    "properties": {
        "mainBranch": {"const": True},
        "branch": {"anyOf": [STRING, {"const": True}], "description": "a branch name, or true for every branch"},
        "fallbackBranch": STRING,
        "matchingBranch": {"const": True},
        "tag": STRING,
        "fallbackTag": STRING,
        "latest": BOOLEAN,
        "consumer": STRING,
        "environment": STRING,
        "deployed": BOOLEAN,
        "released": BOOLEAN,
        "deployedOrReleased": BOOLEAN,
    },
}


@extend_schema_field({"type": "array", "items": SELECTOR})
class ConsumerVersionSelectors(serializers.Field):
    """The selectors array. Each problem is listed under this one key, ending "(at index N)":
    people read these in CI logs, where "consumerVersionSelectors[3]" says less."""

    default_error_messages = {"required": "is missing", "null": "cannot be null", "invalid": "must be an array"}

    def to_internal_value(self, data: Any) -> list[dict]:
        if not isinstance(data, list):
            self.fail("invalid")
        # matchingBranch needs the body's providerVersionBranch: read it as sent, so this
        # field's problems are reported with everyone else's.
        problems = selectors_problems(data, self.root.initial_data.get("providerVersionBranch"))
        if problems:
            raise serializers.ValidationError(problems)
        return data

    def to_representation(self, value: Any) -> list[dict]:
        return list(value)


@extend_schema_field({"type": "string", "description": "a date (YYYY-MM-DD) or an ISO-8601 date-time"})
class WipSince(serializers.Field):
    """`includeWipPactsSince`: a date (midnight UTC) or a date-time, as a datetime."""

    default_error_messages = {
        "required": "is missing",
        "null": "cannot be null",
        "invalid": "must be a date (YYYY-MM-DD) or an ISO-8601 date-time",
    }

    def to_internal_value(self, data: Any) -> Any:
        moment = wip_since(data)
        if moment is None:
            self.fail("invalid")
        return moment

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


class ForVerificationInput(Input):
    """The body the verifiers POST (and the deprecated GET's query string, as the same body)."""

    consumerVersionSelectors = ConsumerVersionSelectors(required=False, allow_null=True)
    providerVersionBranch = Text(
        required=False, allow_null=True, allow_blank=True, validators=[no_control_characters, not_blank]
    )
    providerVersionTags = Items(
        child=Text(validators=[no_control_characters, not_blank]), required=False, allow_null=True
    )
    includePendingStatus = Flag(required=False, allow_null=True, help_text="omitted means true")
    includeWipPactsSince = WipSince(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        allowed = empty_branch_allowed(
            tags=attrs.get("providerVersionTags") or [],
            include_pending_status=attrs.get("includePendingStatus"),
            wip=attrs.get("includeWipPactsSince") is not None,
        )
        if attrs.get("providerVersionBranch") == "" and not allowed:
            raise serializers.ValidationError({"providerVersionBranch": [EMPTY_BRANCH]})
        return attrs


def _query(data: Any) -> ForVerificationQuery:
    """The query a body asks, or InvalidInput (the body's problems first, then unknown environments)."""
    values = parse(ForVerificationInput, data)
    return for_verification_query_build(
        selectors=values.get(FIELD) or [],
        provider_version_branch=values.get("providerVersionBranch"),
        provider_version_tags=values.get("providerVersionTags") or [],
        include_pending_status=values.get("includePendingStatus"),
        include_wip_pacts_since=values.get("includeWipPactsSince"),
    )


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
    url = links.route(
        "pact-content-metadata",
        provider=publication.provider.name,
        consumer=publication.consumer.name,
        sha=publication.contract.sha,
        metadata=_metadata(pact, query.include_pending_status),
    )
    notices = []
    if deprecated:
        notices.append(
            {
                "when": "before_verification",
                "text": (
                    "WARNING - GET on pacts for verification is deprecated: POST the same parameters as JSON to "
                    f"{links.route('pacts-for-verification', provider=publication.provider.name)} instead."
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


# ---------------------------------------------------------------- response shape

# The Rust verifier reads this strictly: without a string `shortDescription`, or with a
# notice that is not a map of strings, it silently reports "no pacts".
_NOTICE = {"type": "object", "additionalProperties": STRING, "required": ["when", "text"]}
VERIFIABLE_PACT = with_links(
    hal(
        {
            "shortDescription": STRING,
            "verificationProperties": {
                "type": "object",
                "properties": {
                    "pending": BOOLEAN,
                    "wip": BOOLEAN,
                    "notices": {"type": "array", "items": _NOTICE},
                },
                "required": ["notices"],
            },
        },
        required=("shortDescription", "verificationProperties"),
    ),
    "self",
)
PACTS_FOR_VERIFICATION = with_links(
    hal(
        {
            "_embedded": {
                "type": "object",
                "properties": {"pacts": {"type": "array", "items": VERIFIABLE_PACT}},
                "required": ["pacts"],
            }
        },
        required=("_embedded",),
    ),
    # The Rust verifier GETs this resource first and POSTs its body to `self`.
    "self",
)


def _repeated(name: str, items: dict, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "items": items},
        OpenApiParameter.QUERY,
        explode=True,
        description=description,
        deprecated=True,
    )


# The deprecated GET: the POST body's fields in snake_case, selectors as Rack nested parameters.
GET_PARAMETERS = [
    _repeated("provider_version_tags[]", STRING, "providerVersionTags"),
    OpenApiParameter("provider_version_branch", str, description="providerVersionBranch", deprecated=True),
    OpenApiParameter("include_pending_status", bool, description="includePendingStatus", deprecated=True),
    OpenApiParameter("include_wip_pacts_since", str, description="includeWipPactsSince", deprecated=True),
    *(
        _repeated(
            f"consumer_version_selectors[][{key}]",
            BOOLEAN if kind == "flag" else STRING,
            "A selector's field; a field the current selector already has starts the next selector",
        )
        for key, kind in (
            ("main_branch", "flag"),
            ("branch", "text"),
            ("fallback_branch", "text"),
            ("matching_branch", "flag"),
            ("tag", "text"),
            ("fallback_tag", "text"),
            ("latest", "flag"),
            ("consumer", "text"),
            ("environment", "text"),
            ("deployed", "flag"),
            ("released", "flag"),
            ("deployed_or_released", "flag"),
        )
    ),
]


# ---------------------------------------------------------------- views


class PactsForVerificationApi(PathCheckedApi):
    """GET/POST /pacts/provider/{P}/for-verification: the pacts a provider version must verify."""

    @extend_schema(
        description=(
            "Without parameters: the pacts of the default selectors, and `self` to POST a query to (the Rust "
            "verifier GETs this first). The query parameters are deprecated: POST them as JSON."
        ),
        parameters=GET_PARAMETERS,
        responses={200: PACTS_FOR_VERIFICATION},
    )
    def get(self, request: Request, provider: str) -> Response:
        query_string = request.META.get("QUERY_STRING", "")
        return self._answer(request, provider, query_string_body(query_string), deprecated=True)

    @extend_schema(request=ForVerificationInput, responses={200: PACTS_FOR_VERIFICATION})
    def post(self, request: Request, provider: str) -> Response:
        require_json(request)
        return self._answer(request, provider, request.data, deprecated=False)

    def _answer(self, request: Request, provider_name: str, data: Any, *, deprecated: bool) -> Response:
        provider = pacticipant_by_name(name=provider_name, role="provider")
        query = _query(data)
        links = Links(request)
        pacts = pacts_for_verification(provider=provider, query=query)
        return Response(
            {
                "_embedded": {
                    "pacts": [verifiable_pact_body(links, pact, query, deprecated=deprecated) for pact in pacts]
                },
                "_links": {
                    "self": links.link(
                        "pacts-for-verification", {"provider": provider.name}, title="Pacts to be verified"
                    )
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
