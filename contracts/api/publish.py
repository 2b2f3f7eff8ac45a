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

from django.urls import path
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links, base_url
from contracts.api.pacts import PactApi, pact_not_found, pact_response, pair_segments
from contracts.events import Notice
from contracts.exceptions import Conflict, InvalidInput
from contracts.selectors import pacts as selectors
from contracts.selectors.verifications import pair_has_verifications
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


class _Errors:
    """Collects every problem in a request, so one 400 lists them all."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def check(self, validator: Any, value: Any, key: str) -> bool:
        try:
            validator(value, key)
        except InvalidInput as exc:
            for name, messages in exc.errors.items():
                self.errors.setdefault(name, []).extend(messages)
            return False
        return True

    def required_string(self, body: dict, name: str, key: str, validator: Any = None) -> str | None:
        value = body.get(name)
        if value is None:
            self.add(key, "is missing")
        elif not isinstance(value, str):
            self.add(key, "must be a string")
        elif validator is None or self.check(validator, value, key):
            return value
        return None


def _decode_content(content: str) -> bytes:
    # Strict, as the Pact Broker: standard alphabet with padding, no line breaks.
    return base64.b64decode(content, validate=True)


def _contract(errors: _Errors, item: Any, key: str, pacticipant_name: str | None) -> PreparedContract | tuple | None:
    """One contracts[i]: a PreparedContract, (specification, provider) when skipped, or None on errors."""
    if not isinstance(item, dict):
        errors.add(key, "must be an object")
        return None
    before = len(errors.errors)
    consumer = errors.required_string(item, "consumerName", f"{key}.consumerName", validate_name)
    if consumer is not None and pacticipant_name is not None and consumer != pacticipant_name:
        errors.add(f"{key}.consumerName", f"must match pacticipantName ('{pacticipant_name}') but is '{consumer}'")
    provider = errors.required_string(item, "providerName", f"{key}.providerName", validate_name)
    specification = errors.required_string(item, "specification", f"{key}.specification")
    content_type = errors.required_string(item, "contentType", f"{key}.contentType")
    content = errors.required_string(item, "content", f"{key}.content")
    on_conflict = item.get("onConflict") or "overwrite"
    if on_conflict not in ON_CONFLICT:
        errors.add(f"{key}.onConflict", f"must be one of: {', '.join(ON_CONFLICT)}")
    if len(errors.errors) != before:
        return None
    if specification.lower() != "pact":
        return (specification, provider)
    if "json" not in content_type.lower():
        errors.add(f"{key}.contentType", f"'{content_type}' is not supported: publish pacts as application/json")
        return None
    try:
        raw = _decode_content(content)
    except ValueError:
        errors.add(f"{key}.content", "is not valid Base64 (strict encoding: standard alphabet, padded, no line breaks)")
        return None
    try:
        return prepare_contract(
            raw, consumer_name=consumer, provider_name=provider, on_conflict=on_conflict, field=f"{key}.content"
        )
    except InvalidInput as exc:
        for name, messages in exc.errors.items():
            errors.errors.setdefault(name, []).extend(messages)
        return None


def publish_request_parse(body: Any) -> PublishRequest:
    """Validate a publish body completely, or raise InvalidInput listing every problem."""
    if not isinstance(body, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    errors = _Errors()
    name = errors.required_string(body, "pacticipantName", "pacticipantName", validate_name)
    number = errors.required_string(
        body, "pacticipantVersionNumber", "pacticipantVersionNumber", validate_version_number
    )
    branch = body.get("branch")
    if branch is not None:
        if not isinstance(branch, str):
            errors.add("branch", "must be a string")
        else:
            errors.check(validate_ref_name, branch, "branch")
    tags = body.get("tags") if body.get("tags") is not None else []
    if not isinstance(tags, list):
        errors.add("tags", "must be an array of strings")
        tags = []
    for tag in tags:
        if not isinstance(tag, str):
            errors.add("tags", "must be an array of strings")
        else:
            errors.check(validate_ref_name, tag, "tags")
    build_url = body.get("buildUrl")
    if build_url is not None and not isinstance(build_url, str):
        errors.add("buildUrl", "must be a string")
    elif build_url is not None and len(build_url) > BUILD_URL_MAX_LENGTH:
        errors.add("buildUrl", f"is longer than {BUILD_URL_MAX_LENGTH} characters")
    items = body.get("contracts")
    if items is None:
        errors.add("contracts", "is missing")
        items = []
    elif not isinstance(items, list):
        errors.add("contracts", "must be an array")
        items = []
    prepared: list[PreparedContract] = []
    skipped: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        outcome = _contract(errors, item, f"contracts[{index}]", name)
        if isinstance(outcome, PreparedContract):
            prepared.append(outcome)
        elif outcome is not None:
            skipped.append(outcome)
    if errors.errors:
        raise InvalidInput(errors.errors)
    return PublishRequest(
        pacticipant_name=name,
        version_number=number,
        branch=branch,
        tags=list(dict.fromkeys(tags)),
        build_url=build_url or None,
        contracts=prepared,
        skipped=skipped,
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
    url = links.url(*pair_segments(provider.name, consumer), "version", number)
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
    if not pair_has_verifications(consumer=publication.consumer, provider=provider):
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
    pacticipant_href = links.url("pacticipants", name)
    version_href = links.url("pacticipants", name, "versions", number)
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
                {"title": "Tag", "name": tag, "href": links.url("pacticipants", name, "versions", number, "tags", tag)}
                for tag in parsed.tags
            ],
            "pb:contracts": [
                {
                    "title": "Pact",
                    "name": f"Pact between {name} ({number}) and {published.publication.provider.name}",
                    "href": links.url(*pair_segments(published.publication.provider.name, name), "version", number),
                }
                for published in result.contracts
            ],
        },
    }


class ContractsPublishApi(BrokerApi):
    """POST /contracts/publish: a consumer version with its branch, tags and pacts."""

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
                    "index": {"href": links.base, "title": "Index"},
                    "pb:latest-pact-version": {
                        "href": links.url(*pair_segments(provider, consumer), "latest"),
                        "title": "Latest version of this pact",
                    },
                }
            }
        )


PAIR = "provider/<seg:provider>/consumer/<seg:consumer>"

urlpatterns = [
    path("contracts/publish", ContractsPublishApi.as_view(), name="contracts-publish"),
    path(f"pacts/{PAIR}/version/<seg:version>", PactPublishApi.as_view(), name="pact"),
    # Deprecated spellings the Pact Broker still routes.
    path(f"pacts/{PAIR}/versions/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-versions"),
    path(f"pact/{PAIR}/version/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-singular"),
    path(f"pact/{PAIR}/versions/<seg:version>", PactPublishApi.as_view(), name="pact-deprecated-singular-versions"),
]
