"""API views: publishing pacts (api spec 3.1, 3.2).

`POST /contracts/publish` validates the whole request before anything is written (a bad
contract in a batch stores nothing), then makes one service call. The legacy
`/pacts/provider/P/consumer/C/version/V` resource (PUT, PATCH, DELETE, and GET from
`PactApi`) is routed here too.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Choice, Input, Items, Text, checked_by, parse
from contracts.api.links import Links, base_url
from contracts.api.pacts import PACT, PactApi, pact_not_found, pact_response
from contracts.api.schema import STRING, hal, with_links
from contracts.events import Notice
from contracts.exceptions import Conflict, InvalidInput, TooLarge
from contracts.selectors import pacts as selectors
from contracts.services.pacticipants import validate_name
from contracts.services.publication import (
    ON_CONFLICT,
    PreparedContract,
    PublishedContract,
    PublishResult,
    contracts_publish,
    pact_delete,
    pact_publish,
    prepare_contract,
)
from contracts.services.versions import validate_ref_name, validate_version_number

JSON_MEDIA_TYPES = {"application/json", "application/hal+json", "application/merge-patch+json"}
BUILD_URL_MAX_LENGTH = 2048
DOCS = "https://docs.pact.io/go"


def _json_body(request: Request) -> bytes:
    """The raw request body; 415 unless it is sent as JSON (an empty body needs no type)."""
    raw = request.body
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if raw.strip() and media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(media_type or "(none)")
    return raw


# ---------------------------------------------------------------- input


def _decode_content(content: str) -> bytes:
    # Strict, as the Pact Broker: standard alphabet with padding, no line breaks.
    return base64.b64decode(content, validate=True)


class ContractInput(Input):
    """One `contracts[i]`: validated down to its pact document, so a bad one in a batch stores nothing."""

    consumerName = Text(validators=[checked_by(validate_name)])
    providerName = Text(validators=[checked_by(validate_name)])
    specification = Text(help_text="Only 'pact' contracts are stored; others are skipped with a warning")
    contentType = Text(help_text="application/json")
    content = Text(help_text="The pact document, Base64-encoded (standard alphabet, padded, no line breaks)")
    onConflict = Choice(choices=ON_CONFLICT, required=False, allow_null=True, allow_blank=True)

    def validate_consumerName(self, consumer: str) -> str:
        # A cross-field rule read from the raw body, so that it is reported with every other problem.
        pacticipant = self.root.initial_data.get("pacticipantName")
        if isinstance(pacticipant, str) and consumer != pacticipant:
            raise serializers.ValidationError(f"must match pacticipantName ('{pacticipant}') but is '{consumer}'")
        return consumer

    def validate(self, attrs: dict) -> dict:
        """The pact itself: `prepared` is its validated document, or None for a skipped specification."""
        if attrs["specification"].lower() != "pact":
            return {**attrs, "prepared": None}
        if "json" not in attrs["contentType"].lower():
            message = f"'{attrs['contentType']}' is not supported: publish pacts as application/json"
            raise serializers.ValidationError({"contentType": [message]})
        try:
            raw = _decode_content(attrs["content"])
        except ValueError:
            message = "is not valid Base64 (strict encoding: standard alphabet, padded, no line breaks)"
            raise serializers.ValidationError({"content": [message]}) from None
        limit = settings.ACCORD_PUBLISH_MAX_BYTES
        if len(raw) > limit:
            # The limit is on the contract, not on its Base64 text (a third larger).
            raise TooLarge(
                f"The pact for provider '{attrs['providerName']}' is {len(raw)} bytes once decoded, over the "
                f"limit of {limit} bytes per contract (ACCORD_PUBLISH_MAX_BYTES)"
            )
        try:
            prepared = prepare_contract(
                raw,
                consumer_name=attrs["consumerName"],
                provider_name=attrs["providerName"],
                on_conflict=attrs.get("onConflict") or "overwrite",
            )
        except InvalidInput as exc:
            raise serializers.ValidationError({"content": exc.errors["content"]}) from None
        return {**attrs, "prepared": prepared}


class PublishInput(Input):
    """The `POST /contracts/publish` body (api spec 3.1)."""

    pacticipantName = Text(validators=[checked_by(validate_name)])
    pacticipantVersionNumber = Text(validators=[checked_by(validate_version_number)])
    branch = Text(required=False, allow_null=True, validators=[checked_by(validate_ref_name)])
    tags = Items(child=Text(validators=[checked_by(validate_ref_name)]), required=False, allow_null=True)
    buildUrl = Text(required=False, allow_null=True, allow_blank=True, max_length=BUILD_URL_MAX_LENGTH)
    contracts = Items(child=ContractInput())


@dataclass
class PublishRequest:
    """A validated `POST /contracts/publish` body."""

    pacticipant_name: str
    version_number: str
    branch: str | None
    tags: list[str]
    build_url: str | None
    contracts: list[PreparedContract]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (specification, provider name)


def publish_request_parse(body: Any) -> PublishRequest:
    """Validate a publish body completely, or raise InvalidInput listing every problem."""
    values = parse(PublishInput, body)
    items = values["contracts"]
    return PublishRequest(
        pacticipant_name=values["pacticipantName"],
        version_number=values["pacticipantVersionNumber"],
        branch=values.get("branch"),
        tags=list(dict.fromkeys(values.get("tags") or [])),
        build_url=values.get("buildUrl") or None,
        contracts=[item["prepared"] for item in items if item["prepared"] is not None],
        skipped=[(item["specification"], item["providerName"]) for item in items if item["prepared"] is None],
    )


def _version_notice(parsed: PublishRequest, created: bool) -> str:
    text = f"{'Created' if created else 'Updated'} {parsed.pacticipant_name} version {parsed.version_number}"
    if parsed.branch:
        text += f" with branch {parsed.branch}"
    if parsed.tags:
        text += f"{' and' if parsed.branch else ' with'} tags {', '.join(parsed.tags)}"
    return text


def _contract_notices(links: Links, parsed: PublishRequest, published: PublishedContract) -> list[dict]:
    consumer, number = parsed.pacticipant_name, parsed.version_number
    provider = published.publication.provider
    subject = f"{consumer} version {number} and provider {provider.name}"
    outcome = published.outcome
    if outcome == "created":
        notices = [{"type": "success", "text": f"Pact successfully published for {subject}."}]
    elif outcome == "unchanged":
        notices = [{"type": "success", "text": f"Pact successfully republished for {subject} with no content changes."}]
    elif outcome == "merged":
        notices = [{"type": "success", "text": f"Pact content merged with the existing content for {subject}."}]
    else:
        notices = [
            {
                "type": "warning",
                "text": (
                    f"Pact with changed content published over existing content for {subject}. This is not recommended "
                    "in normal circumstances and may indicate that you have not configured your Pact pipeline correctly. "
                    f"For more information see {DOCS}/versioning"
                ),
            }
        ]
    url = links.route("pact", provider=provider.name, consumer=consumer, version=number)
    notices.append({"type": "debug", "text": f"  View the published pact at {url}"})
    detected = ", ".join(name + (f" ({comment})" if comment else "") for name, comment in published.events)
    notices.append({"type": "debug", "text": f"  Events detected: {detected}"})
    notices.extend(_notice_body(n) for n in _reaction_notices(published.notices))
    notices.extend(_next_steps(published))
    return notices


def _notice_body(notice: Notice) -> dict:
    return {"type": notice.type, "text": notice.text}


def _reaction_notices(notices: list[Notice]) -> list[Notice]:
    """What the events' subscribers said, once each; fallbacks only when nothing else was said."""
    said = [n for n in notices if not n.next_step]
    shown = [n for n in said if not n.fallback] or [n for n in said if n.fallback]
    return list(dict.fromkeys(shown))


def _next_steps(published: PublishedContract) -> list[dict]:
    publication = published.publication
    provider = publication.provider
    steps = []
    if not published.pair_verified:
        steps.append(
            f"    * Add Pact verification tests to the {provider.name} build. See {DOCS}/provider_verification"
        )
    steps += list(dict.fromkeys(n.text for n in published.notices if n.next_step))
    return [{"type": "prompt", "text": text} for text in (["  Next steps:", *steps] if steps else [])]


def publish_response_body(links: Links, parsed: PublishRequest, result: PublishResult) -> dict:
    """The publish answer: notices (and their `logs` mirror), the version, tags and pacts."""
    name, number = parsed.pacticipant_name, parsed.version_number
    notices = [{"type": "debug", "text": _version_notice(parsed, result.version_created)}]
    if not parsed.branch:
        notices.append(
            {
                "type": "prompt",
                "text": ("  Next steps:\n    Configure the version branch to be the value of your repository branch."),
            }
        )
    for specification, provider in parsed.skipped:
        notices.append(
            {
                "type": "warning",
                "text": (
                    f"The {specification} contract for provider {provider} was not stored: only 'pact' contracts are supported."
                ),
            }
        )
    for published in result.contracts:
        notices.extend(_contract_notices(links, parsed, published))
    pacticipant_href = links.route("pacticipant", name=name)
    version_href = links.route("version", name=name, number=number)
    return {
        "notices": notices,
        "logs": [
            {"level": n["type"], "message": n["text"], "deprecationWarning": "Replaced by notices"} for n in notices
        ],
        "_embedded": {
            "pacticipant": {"name": name, "_links": {"self": {"href": pacticipant_href}}},
            "version": {
                "number": number,
                "_links": {"self": {"title": "Version", "name": number, "href": version_href}},
            },
        },
        "_links": {
            "pb:pacticipant": {"title": "Pacticipant", "name": name, "href": pacticipant_href},
            "pb:pacticipant-version": {"title": "Pacticipant version", "name": number, "href": version_href},
            "pb:pacticipant-version-tags": [
                links.link("version-tag", {"name": name, "number": number, "tag": tag}, title="Tag", name=tag)
                for tag in parsed.tags
            ],
            "pb:contracts": [
                {
                    "title": "Pact",
                    "name": f"Pact between {name} ({number}) and {published.publication.provider.name}",
                    "href": links.route(
                        "pact", provider=published.publication.provider.name, consumer=name, version=number
                    ),
                }
                for published in result.contracts
            ],
        },
    }


# ---------------------------------------------------------------- response shapes

_NOTICE = {"type": "object", "properties": {"type": STRING, "text": STRING}, "required": ["type", "text"]}
_LOG = {
    "type": "object",
    "properties": {"level": STRING, "message": STRING, "deprecationWarning": STRING},
    "required": ["level", "message", "deprecationWarning"],
}
# The Rust CLI parses all of this strictly (and warns that it cannot show the notices otherwise).
PUBLISHED = with_links(
    hal(
        {
            "notices": {"type": "array", "items": _NOTICE},
            "logs": {"type": "array", "items": _LOG},
            "_embedded": {
                "type": "object",
                "properties": {
                    "pacticipant": hal({"name": STRING}, required=("name",)),
                    "version": hal({"number": STRING}, required=("number",)),
                },
                "required": ["pacticipant", "version"],
            },
        },
        required=("notices", "logs", "_embedded"),
    ),
    "pb:pacticipant",
    "pb:pacticipant-version",
    "pb:pacticipant-version-tags",
    "pb:contracts",
)
# A pact document as the clients write it: checked against the JSON Schema of its specification.
PACT_BODY = {
    "application/json": {
        "type": "object",
        "description": "A pact document (consumer, provider, interactions or messages, metadata)",
    }
}
PACT_DELETED = with_links(hal(), "index", "pb:latest-pact-version")


class ContractsPublishApi(BrokerApi):
    """POST /contracts/publish: a consumer version with its branch, tags and pacts."""

    @extend_schema(request=PublishInput, responses={200: PUBLISHED})
    def post(self, request: Request) -> Response:
        _json_body(request)
        parsed = publish_request_parse(request.data)
        try:
            result = contracts_publish(
                pacticipant_name=parsed.pacticipant_name,
                version_number=parsed.version_number,
                contracts=parsed.contracts,
                branch=parsed.branch,
                tags=parsed.tags,
                build_url=parsed.build_url,
                base_url=base_url(request),
            )
        except Conflict as exc:
            # Both CLIs print `notices` (the message, then the difference); `errors` is the
            # Pact Broker's validation shape.
            notices = [{"type": "error", "text": exc.message}, *exc.notices]
            raise Conflict(exc.message, field="contracts", notices=notices) from None
        return Response(publish_response_body(Links(request), parsed, result))


class PactPublishApi(PactApi):
    """The legacy pact resource: GET it, PUT (publish), PATCH (merge) or DELETE it."""

    def _answer(self, request: Request, provider: str, consumer: str, version: str, created: bool) -> Response:
        publication = selectors.pact_for_version(provider_name=provider, consumer_name=consumer, version_number=version)
        return pact_response(request, publication, status=201 if created else 200)

    @extend_schema(request=PACT_BODY, responses={201: PACT, 200: PACT})
    def put(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        raw = _json_body(request)
        try:
            published = pact_publish(
                consumer_name=consumer,
                provider_name=provider,
                version_number=version,
                raw=raw,
                base_url=base_url(request),
            )
        except Conflict as exc:
            return Response({"error": exc.message}, status=409)
        return self._answer(request, provider, consumer, version, published.outcome == "created")

    @extend_schema(request=PACT_BODY, responses={201: PACT, 200: PACT})
    def patch(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        raw = _json_body(request)
        validate_name(consumer, "consumer")
        validate_name(provider, "provider")
        validate_version_number(version, "consumerVersionNumber")
        prepared = prepare_contract(
            raw, consumer_name=consumer, provider_name=provider, on_conflict="merge", field="pact"
        )
        try:
            result = contracts_publish(
                pacticipant_name=consumer, version_number=version, contracts=[prepared], base_url=base_url(request)
            )
        except Conflict as exc:
            return Response({"error": exc.message}, status=409)
        return self._answer(request, provider, consumer, version, result.contracts[0].outcome == "created")

    @extend_schema(responses={200: PACT_DELETED})
    def delete(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        publication = selectors.pact_for_version(provider_name=provider, consumer_name=consumer, version_number=version)
        if publication is None:
            raise pact_not_found(
                provider, consumer, f"No pact found for {consumer} version {version} and provider {provider}"
            )
        pact_delete(version=publication.consumer_version, provider_id=publication.provider_id)
        links = Links(request)
        return Response(
            {
                "_links": {
                    "index": links.link("index", title="Index"),
                    "pb:latest-pact-version": links.link(
                        "pact-latest", {"provider": provider, "consumer": consumer}, title="Latest version of this pact"
                    ),
                }
            }
        )


PAIR = "provider/<seg:provider>/consumer/<seg:consumer>"

# Among the busiest routes: broker/urls.py tries it before the others (contracts/api/urls.py).
hot_urlpatterns = [path("contracts/publish", ContractsPublishApi.as_view(), name="contracts-publish")]

urlpatterns = [
    path(f"pacts/{PAIR}/version/<seg:version>", PactPublishApi.as_view(), name="pact"),
    # Deprecated spellings the Pact Broker still routes.
    path(f"pacts/{PAIR}/versions/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-versions"),
    path(f"pact/{PAIR}/version/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-singular"),
    path(f"pact/{PAIR}/versions/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-singular-versions"),
]
