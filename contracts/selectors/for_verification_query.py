"""The question pacts-for-verification answers, from the JSON the verifiers send (api spec 3.11).

The rules of a request body live here, once: `selector_problems` (what a selector may
combine), `wip_since` and `empty_branch_allowed`. The API's Input serializer applies them
to the body the verifiers send; `for_verification_query` applies them to a body Accord
itself keeps (verification runs). `for_verification_query_build` then checks what needs
the database (unknown environments) and builds the ForVerificationQuery, so a run selects
exactly the pacts a verifier would be given. `query_string_body` turns the deprecated GET
query parameters into the same body.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import parse_qsl

from django.utils.dateparse import parse_date, parse_datetime

from contracts.exceptions import InvalidInput
from contracts.models import Environment
from contracts.selectors.for_verification import ForVerificationQuery, Selector, with_matching_branch

FIELD = "consumerVersionSelectors"
EMPTY_BRANCH = "cannot be an empty string when pending status or WIP pacts are requested without providerVersionTags"
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


def has_control_characters(value: str) -> bool:
    """True for text PostgreSQL cannot store (NUL) or that cannot be a name (other control characters)."""
    return any(ord(char) < 32 or char == "\x7f" for char in value)


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


def selector_problems(raw: dict, provider_version_branch: str | None) -> list[str]:
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


def selectors_problems(raw_selectors: list, provider_version_branch: str | None) -> list[str]:
    """What is wrong with each selector of the array, each message ending "(at index N)"."""
    return [
        f"{problem} (at index {index})"
        for index, raw in enumerate(raw_selectors)
        for problem in (
            selector_problems(raw, provider_version_branch) if isinstance(raw, dict) else ["must be an object"]
        )
    ]


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


def wip_since(value: Any) -> datetime | None:
    """A date (midnight UTC) or an ISO-8601 date-time (UTC unless it says otherwise); None if it is neither."""
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


def empty_branch_allowed(*, tags: list[str], include_pending_status: bool | None, wip: bool) -> bool:
    """An empty providerVersionBranch means "no branch", which pending and WIP need tags to replace."""
    return bool(tags) or (include_pending_status is False and not wip)


def for_verification_query(data: Any) -> ForVerificationQuery:
    """A query from a body Accord keeps (a verification run's), or InvalidInput naming every problem.

    Requests to the API are checked by its Input serializer with the same rules.
    """
    if not isinstance(data, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    pending = data.get("includePendingStatus")
    if pending is not None and not isinstance(pending, bool):
        errors["includePendingStatus"] = ["must be true or false"]
    since = None
    if data.get("includeWipPactsSince") is not None:
        since = wip_since(data["includeWipPactsSince"])
        if since is None:
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
        elif not branch and not empty_branch_allowed(tags=tags, include_pending_status=pending, wip=since is not None):
            errors["providerVersionBranch"] = [EMPTY_BRANCH]
    raw_selectors = data.get(FIELD)
    if raw_selectors is not None and not isinstance(raw_selectors, list):
        errors[FIELD] = ["must be an array"]
    elif problems := selectors_problems(raw_selectors or [], branch):
        errors[FIELD] = problems
    if errors:
        raise InvalidInput(errors)
    return for_verification_query_build(
        selectors=raw_selectors or [],
        provider_version_branch=branch,
        provider_version_tags=tags,
        include_pending_status=pending,
        include_wip_pacts_since=since,
    )


def for_verification_query_build(
    *,
    selectors: list[dict],
    provider_version_branch: str | None,
    provider_version_tags: list[str],
    include_pending_status: bool | None,
    include_wip_pacts_since: datetime | None,
) -> ForVerificationQuery:
    """The query for a body whose rules hold; InvalidInput for what only the database knows.

    `selectors` are the body's selector objects (each valid by `selector_problems`).
    """
    branch = provider_version_branch or None  # an empty branch is no branch
    expanded = [selector for raw in selectors for selector in _selector(raw, branch)]
    errors = _environment_problems(expanded, selectors)
    if errors:
        raise InvalidInput({FIELD: errors})
    return ForVerificationQuery(
        selectors=tuple(dict.fromkeys(expanded)),  # repeated selectors would repeat descriptions
        provider_version_branch=branch,
        provider_version_tags=tuple(dict.fromkeys(provider_version_tags)),
        include_pending_status=include_pending_status is not False,  # omitted means true (the Pact Broker's code)
        include_wip_pacts_since=include_wip_pacts_since,
    )


def _environment_problems(selectors: list[Selector], raw_selectors: list[dict]) -> list[str]:
    names = {s.environment for s in selectors if s.environment}
    if not names:
        return []
    known = set(Environment.objects.filter(name__in=names).values_list("name", flat=True))
    return [
        f"environment '{raw['environment']}' does not exist (at index {index})"
        for index, raw in enumerate(raw_selectors)
        if raw.get("environment") in names - known
    ]


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
