"""Live targets: where (and how, and how often) drift monitoring checks a deployed provider.

`PUT /pacticipants/{provider}/live-targets/{environment}` creates (201) or replaces (200)
the provider's target in the environment. A PUT replaces everything, as the Pact
Broker's webhooks do: a field left out gets its default, so leaving out `headers` or
`auth` removes them. Credentials are never shown (every header value, and each password,
token and client secret, reads as verifier.http.MASK), so a client that GETs a target,
edits it and PUTs it back sends MASK where the secrets were: a value equal to MASK means
"keep the stored one" (and a redacted baseUrl or tokenUrl sent back unchanged keeps the
stored URL). MASK where nothing is stored to keep is a 400.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import (
    Flag,
    Headers,
    Items,
    StrictInput,
    Text,
    not_blank,
    parse,
)
from contracts.api.links import Links
from contracts.api.pacticipants import PAGE, PageQuery, Pagination
from contracts.api.schema import BOOLEAN, NULLABLE_STRING, STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import iso
from contracts.exceptions import InvalidInput
from drift import schedule
from drift.api.common import INTEGER, NULLABLE_TIMESTAMP, environment_link, pacticipant_link, target_links
from drift.models import LiveTarget
from drift.selectors import live_target, live_target_get, live_targets_list, provider_and_environment
from drift.services.credentials import AUTH_TYPES
from drift.services.targets import live_target_delete, live_target_put
from verifier.http import MASK, redact_url

HTTP_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE")
MAX_RATE = 1000
MAX_SECRET_LENGTH = 4096
MOMENT_RANGE = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
# Auth fields that hold secrets: never shown, and MASK in a PUT keeps the stored value.
SECRET_FIELDS = ("password", "token", "clientSecret")
# Fields of each kind of auth: (name, required).
AUTH_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "none": (),
    "basic": (("username", True), ("password", True)),
    "bearer": (("token", True),),
    "oauth2": (("tokenUrl", True), ("clientId", True), ("clientSecret", True), ("scope", False), ("audience", False)),
}

# ---------------------------------------------------------------- input


def absolute_http_url(value: str) -> str | None:
    """Why `value` is not an absolute http(s) URL with a host, or None when it is one."""
    if any(char.isspace() or ord(char) < 32 for char in value):
        return "must be an absolute http(s) URL (no spaces or control characters)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "must be an absolute http(s) URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    return None


def http_url(value: str) -> None:
    problem = absolute_http_url(value)
    if problem:
        raise serializers.ValidationError(problem)


def http_method(value: str) -> None:
    if value.upper() not in HTTP_METHODS:
        raise serializers.ValidationError(f"'{value}' is not an HTTP method (one of {', '.join(HTTP_METHODS)})")


@extend_schema_field(
    {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE, "description": "Requests per second, at most"}
)
class Rate(serializers.Field):
    """A JSON number above 0 and at most MAX_RATE (never a string)."""

    default_error_messages = {
        "required": "is missing",
        "null": "cannot be null",
        "invalid": "must be a number",
        "range": f"must be more than 0 and at most {MAX_RATE}",
    }

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        if not math.isfinite(data) or not 0 < data <= MAX_RATE:
            self.fail("range")
        return float(data)


@extend_schema_field({"type": "string", "format": "date-time"})
class Moment(serializers.Field):
    """An ISO-8601 date-time; without an offset it is read as UTC."""

    default_error_messages = {
        "required": "is missing",
        "null": "cannot be null",
        "invalid": "must be an ISO-8601 date-time (like 2024-05-01T22:00:00Z)",
        "range": "must be between the years 1970 and 9998",
    }

    def to_internal_value(self, data: Any):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = parse_datetime(data.strip())
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            self.fail("invalid")
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        if not MOMENT_RANGE[0] <= moment <= MOMENT_RANGE[1]:
            self.fail("range")
        return moment


class MaintenanceWindowInput(StrictInput):
    """`{from, until}`: no runs and no incidents in between."""

    # `from` is a Python keyword: declared as `from_`, renamed in get_fields().
    from_ = Moment(help_text="Start of the window (ISO-8601)")
    until = Moment(help_text="End of the window (ISO-8601), after `from`")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        return {"from": fields.pop("from_"), **fields}

    def validate(self, attrs: dict) -> dict:
        if attrs["from"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["must be after from"]})
        return attrs


def _auth_variants(consumers: dict | None = None) -> list[dict]:
    """The JSON schema of each kind of auth; with `consumers`, that property too."""
    variants = []
    for kind, fields in AUTH_FIELDS.items():
        properties: dict[str, Any] = {"type": {"const": kind}}
        for name, _ in fields:
            properties[name] = {"type": "string", "minLength": 1}
        properties.get("tokenUrl", {}).update(format="uri")
        if consumers is not None:
            properties["consumers"] = consumers
        required = ["type", *(name for name, needed in fields if needed)]
        variants.append(
            {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
        )
    return variants


AUTH_SCHEMA = {
    "description": (
        "How runs authenticate: none, basic (username, password), bearer (token) or oauth2 client credentials "
        "(tokenUrl, clientId, clientSecret, optional scope and audience), with optional `consumers`: "
        "{consumer name: <one of those>} for credentials that differ per consumer. Secrets are shown as "
        f"'{MASK}'; sending '{MASK}' back keeps the stored value."
    ),
    "oneOf": _auth_variants({"type": "object", "additionalProperties": {"oneOf": _auth_variants()}}),
}


def _auth_problems(data: Any, *, top: bool) -> dict | str:
    """What is wrong with one auth object: {field: [messages]} (nested for consumers), or a message."""
    if not isinstance(data, Mapping):
        return "must be an object"
    kind = data.get("type")
    if kind is None:
        return {"type": ["is missing"]}
    if kind not in AUTH_TYPES:
        return {"type": [f"must be one of {', '.join(AUTH_TYPES)}"]}
    fields = dict(AUTH_FIELDS[kind])
    known = {"type", *fields, *(["consumers"] if top else [])}
    problems: dict[str, Any] = {}
    for name in sorted(set(data) - known):
        allowed = ", ".join(sorted(known))
        problems[name] = [f"is not a field of {kind} auth (its fields: {allowed})"]
    for name, needed in fields.items():
        value = data.get(name)
        if value is None:
            if needed:
                problems[name] = ["is missing"]
            continue
        problem = _auth_value_problem(name, value)
        if problem:
            problems[name] = [problem]
    if top and data.get("consumers") is not None:
        consumers = _consumers_problems(data["consumers"])
        if consumers:
            problems["consumers"] = consumers
    return problems


def _auth_value_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if not value.strip():
        return "cannot be blank"
    if len(value) > MAX_SECRET_LENGTH:
        return f"is longer than {MAX_SECRET_LENGTH} characters"
    if "\x00" in value:
        return "cannot contain NUL characters"
    if name == "tokenUrl":
        return absolute_http_url(value)
    if name in ("token", "username", "clientId", "scope", "audience") and any(
        ord(char) < 32 or char == "\x7f" for char in value
    ):
        # Sent in a header or a form: a new line there would forge headers.
        return "cannot contain control characters"
    if name == "username" and ":" in value:
        return "cannot contain ':' (basic auth separates the username from the password with it)"
    return None


def _consumers_problems(consumers: Any) -> dict | list:
    if not isinstance(consumers, Mapping):
        return ["must be an object of consumer names to auth objects"]
    problems: dict[str, Any] = {}
    for name, auth in consumers.items():
        if not name.strip():
            problems[name] = ["a consumer name cannot be blank"]
            continue
        found = _auth_problems(auth, top=False)
        if found:
            problems[name] = [found] if isinstance(found, str) else found
    return problems


@extend_schema_field(AUTH_SCHEMA)
class Auth(serializers.Field):
    """A live target's auth (see drift/services/credentials.py); problems are named by field."""

    default_error_messages = {"required": "is missing", "null": "cannot be null"}

    def to_internal_value(self, data: Any) -> dict:
        problems = _auth_problems(data, top=True)
        if problems:
            raise serializers.ValidationError(problems if isinstance(problems, dict) else [problems])
        auth = {key: value for key, value in data.items() if value is not None}
        if "consumers" in auth:
            auth["consumers"] = {
                name: {key: value for key, value in each.items() if value is not None}
                for name, each in auth["consumers"].items()
            }
        return auth


class LiveTargetInput(StrictInput):
    """A live target as PUT creates or replaces it; a field left out gets its default."""

    baseUrl = Text(max_length=2048, validators=[http_url], help_text="Where the provider runs in the environment")
    headers = Headers(
        required=False, allow_null=True, help_text=f"Sent with every request; shown as '{MASK}', which keeps them"
    )
    auth = Auth(required=False, allow_null=True)
    schedule = Text(
        required=False,
        allow_null=True,
        max_length=255,
        help_text="An interval ('15m', '1h30m') or a five-field cron expression; default 15m",
    )
    rateLimitPerSecond = Rate(required=False, allow_null=True, help_text="Default 5")
    methods = Items(
        child=Text(validators=[http_method]),
        required=False,
        allow_null=True,
        allow_empty=False,
        max_length=len(HTTP_METHODS),
        help_text="HTTP methods replayed live; default GET, HEAD, OPTIONS",
    )
    standingStates = Items(
        child=Text(max_length=1024, validators=[not_blank]),
        required=False,
        allow_null=True,
        max_length=1000,
        help_text="Provider states that hold in the environment without set-up",
    )
    enabled = Flag(required=False, help_text="Default true")
    paused = Flag(required=False, help_text="Default false: no runs and no incidents while paused")
    maintenanceWindow = MaintenanceWindowInput(required=False, allow_null=True)

    def validate_schedule(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            schedule.parse(value, minimum_seconds=settings.ACCORD_DRIFT_MIN_INTERVAL_SECONDS)
        except schedule.InvalidSchedule as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_methods(self, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(method.upper() for method in value))


class LiveTargetsQuery(PageQuery):
    """Filters (each by exact name; blank means not given); paged only when page or size is given."""

    provider = Text(required=False, allow_blank=True, help_text="Only this provider's targets")
    environment = Text(required=False, allow_blank=True, help_text="Only targets in this environment (by name)")


# ---------------------------------------------------------------- secrets kept through MASK


def _kept_url(sent: str, stored: str | None) -> str:
    """A redacted URL sent back unchanged stands for the stored one."""
    if stored and sent != stored and sent == redact_url(stored):
        return stored
    return sent


def _kept_auth(sent: dict, stored: Mapping[str, Any] | None, where: str, problems: dict) -> dict:
    """`sent` with each MASK replaced by the stored secret at the same place (same kind of auth)."""
    stored = stored if isinstance(stored, Mapping) else {}
    same_kind = stored.get("type") == sent.get("type")
    out = dict(sent)
    for name in SECRET_FIELDS:
        if out.get(name) != MASK:
            continue
        if same_kind and stored.get(name):
            out[name] = stored[name]
        else:
            problems[f"{where}.{name}"] = [f"is '{MASK}', which keeps a stored {name}, but none is stored here"]
    if "tokenUrl" in out and same_kind:
        out["tokenUrl"] = _kept_url(out["tokenUrl"], stored.get("tokenUrl"))
    return out


def with_stored_secrets(values: dict, target: LiveTarget | None) -> dict:
    """The input with MASKed values (and redacted URLs sent back) replaced by what is stored."""
    problems: dict[str, list[str]] = {}
    stored_headers = target.headers if target else {}
    stored_auth = target.auth if target else {}
    headers = dict(values.get("headers") or {})
    by_name = {name.lower(): value for name, value in (stored_headers or {}).items()}
    for name, value in headers.items():
        if value == MASK:
            if name.lower() in by_name:
                headers[name] = by_name[name.lower()]
            else:
                problems.setdefault("headers", []).append(
                    f"the value of '{name}' is '{MASK}', which keeps a stored value, but none is stored"
                )
    auth = values.get("auth") or {}
    if auth:
        auth = _kept_auth(auth, stored_auth, "auth", problems)
        if "consumers" in auth:
            stored_consumers = (stored_auth or {}).get("consumers") or {}
            auth["consumers"] = {
                name: _kept_auth(each, stored_consumers.get(name), f"auth.consumers.{name}", problems)
                for name, each in auth["consumers"].items()
            }
    if problems:
        raise InvalidInput(problems)
    base_url = _kept_url(values["baseUrl"], target.base_url if target else None)
    return {**values, "headers": headers, "auth": auth, "baseUrl": base_url}


# ---------------------------------------------------------------- output


def masked_auth(auth: Mapping[str, Any] | None) -> dict:
    """Auth as shown: secrets as MASK, the token URL redacted; no auth reads as type none."""
    if not auth:
        return {"type": "none"}
    out: dict[str, Any] = {}
    for key, value in auth.items():
        if key == "consumers":
            out[key] = {name: masked_auth(each) for name, each in (value or {}).items()}
        elif key in SECRET_FIELDS:
            out[key] = MASK
        elif key == "tokenUrl":
            out[key] = redact_url(value)
        else:
            out[key] = value
    return out


def target_body(target: LiveTarget, links: Links) -> dict:
    """A live target as shown: every header value and every secret masked."""
    provider, environment = target.provider.name, target.environment.name
    window = None
    if target.maintenance_from and target.maintenance_until:
        window = {"from": iso(target.maintenance_from), "until": iso(target.maintenance_until)}
    runs = links.route("live-target-runs", provider=provider, environment=environment)
    return {
        "provider": provider,
        "environment": environment,
        "baseUrl": redact_url(target.base_url),
        # A live target's headers are credentials by intent: every value is masked.
        "headers": dict.fromkeys(target.headers or {}, MASK),
        "auth": masked_auth(target.auth),
        "schedule": target.schedule,
        "rateLimitPerSecond": target.rate_limit_per_second,
        "methods": list(target.methods),
        "standingStates": list(target.standing_states),
        "enabled": target.enabled,
        "paused": target.paused,
        "maintenanceWindow": window,
        "nextRunAt": iso(target.next_run_at),
        "lastRunAt": iso(target.last_run_at),
        "lastStatus": target.last_status,
        "unreachableSince": iso(target.unreachable_since),
        "unreachableRuns": target.unreachable_runs,
        "backoffUntil": iso(target.backoff_until),
        "authProblem": target.auth_problem,
        "createdAt": iso(target.created_at),
        "updatedAt": iso(target.updated_at),
        "_links": {
            "self": links.link(
                "live-target",
                {"provider": provider, "environment": environment},
                title=f"Live target of {provider} in {environment}",
            ),
            "pb:provider": pacticipant_link(links, provider, "Provider"),
            "pb:environment": environment_link(links, target.environment),
            "accord:runs": {"href": runs, "title": "Live runs of this target, newest first"},
            "accord:drift-incidents": target_links(links, provider, environment)["accord:drift-incidents"],
            "accord:start-run": {"href": runs, "title": "POST to start a live run now"},
        },
    }


TARGET_PROPERTIES = {
    "provider": STRING,
    "environment": STRING,
    "baseUrl": STRING,
    "headers": {"type": "object", "additionalProperties": {"const": MASK}, "description": "Every value is masked"},
    "auth": {"type": "object", "properties": {"type": {"enum": list(AUTH_TYPES)}}, "required": ["type"]},
    "schedule": STRING,
    "rateLimitPerSecond": {"type": "number"},
    "methods": {"type": "array", "items": STRING},
    "standingStates": {"type": "array", "items": STRING},
    "enabled": BOOLEAN,
    "paused": BOOLEAN,
    "maintenanceWindow": {
        "anyOf": [
            {"type": "object", "properties": {"from": TIMESTAMP, "until": TIMESTAMP}, "required": ["from", "until"]},
            {"type": "null"},
        ]
    },
    "nextRunAt": NULLABLE_TIMESTAMP,
    "lastRunAt": NULLABLE_TIMESTAMP,
    "lastStatus": NULLABLE_STRING,
    "unreachableSince": NULLABLE_TIMESTAMP,
    "unreachableRuns": INTEGER,
    "backoffUntil": NULLABLE_TIMESTAMP,
    "authProblem": NULLABLE_STRING,
    "createdAt": TIMESTAMP,
    "updatedAt": TIMESTAMP,
}
TARGET = hal(TARGET_PROPERTIES, required=tuple(TARGET_PROPERTIES))
TARGETS = collection("liveTargets", TARGET, page=PAGE)


# ---------------------------------------------------------------- views


class LiveTargetsApi(BrokerApi):
    """GET /live-targets[?provider=&environment=]: every live target (paged when asked)."""

    @extend_schema(parameters=[LiveTargetsQuery], responses={200: TARGETS})
    def get(self, request: Request) -> Response:
        query = parse(LiveTargetsQuery, request.query_params)
        pagination = Pagination(query)
        targets = pagination.apply(
            live_targets_list(provider_name=query.get("provider"), environment_name=query.get("environment"))
        )
        links = Links(request)
        body = {
            "_embedded": {"liveTargets": [target_body(target, links) for target in targets]},
            "_links": {"self": links.link("live-targets", title="Live targets")},
        }
        filters = {key: query[key] for key in ("provider", "environment") if query.get(key)}
        return Response(pagination.decorate(body, links, "live-targets", {}, filters))


class LiveTargetApi(BrokerApi):
    """PUT (create or replace), GET or DELETE the provider's live target in an environment (by name)."""

    @extend_schema(request=LiveTargetInput, responses={201: TARGET, 200: TARGET})
    def put(self, request: Request, provider: str, environment: str) -> Response:
        provider_row, environment_row = provider_and_environment(provider, environment)
        values = parse(LiveTargetInput, request.data)
        values = with_stored_secrets(values, live_target(provider, environment))
        window = values.get("maintenanceWindow") or {}
        target, created = live_target_put(
            provider=provider_row,
            environment=environment_row,
            base_url=values["baseUrl"],
            headers=values["headers"],
            auth=values["auth"],
            schedule_text=values.get("schedule"),
            rate_limit_per_second=values.get("rateLimitPerSecond"),
            methods=values.get("methods"),
            standing_states=values.get("standingStates"),
            enabled=values.get("enabled", True),
            paused=values.get("paused", False),
            maintenance_from=window.get("from"),
            maintenance_until=window.get("until"),
        )
        return Response(target_body(target, Links(request)), status=201 if created else 200)

    @extend_schema(responses={200: TARGET})
    def get(self, request: Request, provider: str, environment: str) -> Response:
        target = live_target_get(provider_name=provider, environment_name=environment)
        return Response(target_body(target, Links(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, provider: str, environment: str) -> Response:
        live_target_delete(target=live_target_get(provider_name=provider, environment_name=environment))
        return Response(status=204)


urlpatterns = [
    path("live-targets", LiveTargetsApi.as_view(), name="live-targets"),
    path(
        "pacticipants/<seg:provider>/live-targets/<seg:environment>",
        LiveTargetApi.as_view(),
        name="live-target",
    ),
]
