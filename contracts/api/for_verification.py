"""API views: pacts for verification (`pb:provider-pacts-for-verification`, api spec 3.11).

POST takes the JSON body the verifiers send; GET takes the deprecated snake_case query
parameters, and with none at all answers with the default selectors, because the Rust
verifier GETs this resource first and then POSTs to the `_links.self.href` it returns.
The Rust verifier reads the answer strictly: `shortDescription` must be a string and
every notice a map of strings, or it silently reports "no pacts".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import parse_qsl

from django.urls import path
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links
from contracts.api.pacts import pact_name
from contracts.exceptions import BrokerError, InvalidInput, NotFound
from contracts.models import Environment, Pacticipant
from contracts.selectors.for_verification import (
    ForVerificationQuery,
    Selector,
    VerifiablePact,
    pacts_for_verification,
    with_matching_branch,
)
from contracts.selectors.pacts import METADATA_MAX_LENGTH, encode_metadata

JSON_TYPES = ("application/json", "application/hal+json")
FIELD = "consumerVersionSelectors"
BRANCHISH = ("latest", "tag", "fallbackTag", "branch", "fallbackBranch", "matchingBranch", "mainBranch")
ENVIRONMENTISH = ("environment", "deployed", "released", "deployedOrReleased")
# A selector must say what to select with at least one of these.
SELECTING = (
    "mainBranch",
    "tag",
    "branch",
    "environment",
    "matchingBranch",
    "deployed",
    "released",
    "deployedOrReleased",
    "latest",
)
READ_MORE_PENDING = "Read more at https://docs.pact.io/go/pending"
READ_MORE_WIP = "Read more at https://docs.pact.io/go/wip"


class UnsupportedMediaType(BrokerError):
    status = 415


def has_control_characters(value: str) -> bool:
    """True for text PostgreSQL cannot store (NUL) or that cannot be a name (other control characters)."""
    return any(ord(char) < 32 or char == "\x7f" for char in value)


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


# ---------------------------------------------------------------- request validation


def _is_set(selector: dict, key: str) -> bool:
    # A false deployed/released flag selects nothing, as if it were absent.
    value = selector.get(key)
    return value is not None and not (value is False and key in ENVIRONMENTISH)


def _name_problem(value: Any, key: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{key} must be a non-blank string"
    if has_control_characters(value):
        return f"{key} cannot contain control characters"
    return None


def _selector_problems(raw: dict, provider_version_branch: str | None) -> list[str]:
    """What is wrong with one selector object, as messages (empty when it is valid)."""
    given = {key for key in raw if _is_set(raw, key)}
    problems = [
        problem
        for key in ("tag", "fallbackTag", "fallbackBranch", "consumer", "environment")
        if key in given and (problem := _name_problem(raw[key], key))
    ]
    for key in ("latest", "deployed", "released", "deployedOrReleased"):
        if key in given and not isinstance(raw[key], bool):
            problems.append(f"{key} must be true or false")
    for key in ("mainBranch", "matchingBranch"):
        if key in given and raw[key] is not True:
            problems.append(f"{key} can only be true")
    if "branch" in given and raw["branch"] is not True and _name_problem(raw["branch"], "branch"):
        problems.append("branch must be a non-blank string, or true for the latest version of every branch")
    if problems:
        return problems
    latest_false = raw.get("latest") is False
    if not any(key in given for key in SELECTING if key != "latest") and raw.get("latest") is not True:
        problems.append(f"must specify at least one of {', '.join(SELECTING[:-1])} or latest: true")
    if "tag" in given and "branch" in given:
        problems.append("cannot specify both a tag and a branch")
    mixed_branch = [key for key in BRANCHISH if key in given]
    mixed_environment = [key for key in ENVIRONMENTISH if key in given]
    if mixed_branch and mixed_environment:
        problems.append(f"cannot combine {', '.join(mixed_branch)} with {', '.join(mixed_environment)}")
    if sum(key in given for key in ("deployed", "released", "deployedOrReleased")) > 1:
        problems.append("can only specify one of deployed, released or deployedOrReleased")
    if "mainBranch" in given and (given - {"mainBranch", "consumer", "latest"} or latest_false):
        problems.append("mainBranch can only be combined with consumer (and latest: true)")
    if "branch" in given and latest_false:
        problems.append("cannot specify latest: false with branch, which always selects the latest version")
    if "fallbackBranch" in given and (not isinstance(raw.get("branch"), str) or latest_false):
        problems.append("fallbackBranch can only be specified with a branch name (and not latest: false)")
    if "fallbackTag" in given and ("tag" not in given or raw.get("latest") is not True):
        problems.append("fallbackTag can only be specified with a tag and latest: true")
    if "matchingBranch" in given:
        if not provider_version_branch:
            problems.append("matchingBranch can only be used when providerVersionBranch is specified")
        if given - {"matchingBranch", "consumer"}:
            problems.append("matchingBranch can only be combined with consumer")
    return problems


def _selector(raw: dict, provider_version_branch: str | None) -> list[Selector]:
    """The selectors one valid selector object stands for (deployedOrReleased is two)."""
    values = {key: raw[key] for key in raw if _is_set(raw, key)}
    selector = Selector(
        latest=values.get("latest") is True or "mainBranch" in values or "branch" in values,
        main_branch="mainBranch" in values,
        branch=values["branch"] if isinstance(values.get("branch"), str) else None,
        each_branch=values.get("branch") is True,
        fallback_branch=values.get("fallbackBranch"),
        tag=values.get("tag"),
        fallback_tag=values.get("fallbackTag"),
        deployed=bool(values.get("deployed")),
        released=bool(values.get("released")),
        environment=values.get("environment"),
        consumer=values.get("consumer"),
    )
    if "matchingBranch" in values:
        return [with_matching_branch(selector, provider_version_branch or "")]
    if values.get("deployedOrReleased") or (selector.environment and not selector.deployed and not selector.released):
        return [
            Selector(deployed=True, environment=selector.environment, consumer=selector.consumer),
            Selector(released=True, environment=selector.environment, consumer=selector.consumer),
        ]
    return [selector]


def _wip_since(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value.strip())
        day = None if moment else parse_date(value.strip())
    except ValueError:
        return None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def for_verification_query(data: Any) -> ForVerificationQuery:
    """Validate a request body (api spec 3.11) into a query, or raise InvalidInput naming every problem."""
    if not isinstance(data, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    pending = data.get("includePendingStatus")
    if pending is not None and not isinstance(pending, bool):
        errors["includePendingStatus"] = ["must be true or false"]
    wip_since = None
    if data.get("includeWipPactsSince") is not None:
        wip_since = _wip_since(data["includeWipPactsSince"])
        if wip_since is None:
            errors["includeWipPactsSince"] = ["must be a date (YYYY-MM-DD) or an ISO-8601 date-time"]
    tags = data.get("providerVersionTags")
    if tags is None:
        tags = []
    elif not isinstance(tags, list) or any(_name_problem(tag, "tag") for tag in tags):
        errors["providerVersionTags"] = ["must be an array of non-blank strings"]
        tags = []
    branch = data.get("providerVersionBranch")
    if branch is not None:
        if not isinstance(branch, str):
            errors["providerVersionBranch"] = ["must be a string"]
        elif has_control_characters(branch):
            errors["providerVersionBranch"] = ["cannot contain control characters"]
        elif branch and not branch.strip():
            errors["providerVersionBranch"] = ["cannot be blank"]
        elif not branch and not tags and (pending is not False or wip_since is not None):
            errors["providerVersionBranch"] = [
                "cannot be an empty string when pending status or WIP pacts are requested without providerVersionTags"
            ]
        branch = branch or None
    raw_selectors = data.get(FIELD)
    selectors: list[Selector] = []
    if raw_selectors is not None and not isinstance(raw_selectors, list):
        errors[FIELD] = ["must be an array"]
    for index, raw in enumerate(raw_selectors if isinstance(raw_selectors, list) else []):
        problems = ["must be an object"] if not isinstance(raw, dict) else _selector_problems(raw, branch)
        if problems:
            errors.setdefault(FIELD, []).extend(f"{problem} (at index {index})" for problem in problems)
        else:
            selectors += _selector(raw, branch if isinstance(branch, str) else None)
    if FIELD not in errors:
        _check_environments(selectors, raw_selectors or [], errors)
    if errors:
        raise InvalidInput(errors)
    return ForVerificationQuery(
        selectors=tuple(dict.fromkeys(selectors)),  # repeated selectors would repeat descriptions
        provider_version_branch=branch,
        provider_version_tags=tuple(dict.fromkeys(tags)),
        include_pending_status=pending is not False,  # omitted means true (the Pact Broker's code)
        include_wip_pacts_since=wip_since,
    )


def _check_environments(selectors: list[Selector], raw_selectors: list, errors: dict[str, list[str]]) -> None:
    names = {s.environment for s in selectors if s.environment}
    if not names:
        return
    known = set(Environment.objects.filter(name__in=names).values_list("name", flat=True))
    for index, raw in enumerate(raw_selectors):
        if raw.get("environment") in names - known:
            errors.setdefault(FIELD, []).append(f"environment '{raw['environment']}' does not exist (at index {index})")


# Rack-style nested query parameters: consumer_version_selectors[][tag]=prod (a key seen
# again in the last item starts a new item) or consumer_version_selectors[0][tag]=prod.
_NESTED = re.compile(r"^consumer_version_selectors\[(\d*)\]\[(\w+)\]$")
_SNAKE_TO_CAMEL = {
    "main_branch": "mainBranch",
    "fallback_tag": "fallbackTag",
    "fallback_branch": "fallbackBranch",
    "matching_branch": "matchingBranch",
    "deployed_or_released": "deployedOrReleased",
}
_BOOLEAN_KEYS = {"latest", "mainBranch", "matchingBranch", "deployed", "released", "deployedOrReleased"}


def _query_value(key: str, value: str) -> Any:
    if key in _BOOLEAN_KEYS or key == "includePendingStatus":
        return {"true": True, "false": False}.get(value.lower(), value)
    return value


def query_string_body(query_string: str) -> dict:
    """The JSON body equivalent to the deprecated GET query parameters."""
    body: dict[str, Any] = {}
    items: list[dict] = []
    indexed: dict[str, dict] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if match := _NESTED.match(name):
            index, key = match.groups()
            key = _SNAKE_TO_CAMEL.get(key, key)
            if index:
                item = indexed.setdefault(index, {})
                if not item:
                    items.append(item)
            elif not items or key in items[-1]:
                item = {}
                items.append(item)
            else:
                item = items[-1]
            item[key] = _query_value(key, value)
        elif name in ("provider_version_tags[]", "provider_version_tags"):
            body.setdefault("providerVersionTags", []).append(value)
        elif name in ("provider_version_branch", "include_pending_status", "include_wip_pacts_since"):
            key = re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)
            body[key] = _query_value(key, value)
    if items:
        body[FIELD] = items
    return body


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
        provider = Pacticipant.objects.filter(name=provider_name).first()
        if provider is None:
            raise NotFound(f"No provider with name '{provider_name}' found")
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
