"""Webhook definitions: create, replace and delete, with the Pact Broker's validation.

What a definition may ask for (schemes, methods) follows the Pact Broker's whitelists
(settings ACCORD_WEBHOOK_SCHEMES / _METHODS); where it may send to is decided at
delivery time by the outbound seam (verifier/http.py), so a definition cannot reach a
private address by being saved before the allow-list changed.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from contracts.exceptions import InvalidInput
from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry
from webhooks.models import EVENT_NAMES, TriggeredWebhook, Webhook
from webhooks.rendering import PARAMETER

DEFAULT_EVENT = "contract_content_changed"
UUID_FORMAT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# RFC 9110 method and header-name tokens.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def webhook_uuid_new() -> str:
    """A fresh webhook id: 22 URL-safe characters (128 random bits)."""
    return secrets.token_urlsafe(16)


def _string_problem(value: Any) -> str | None:
    if value is None:
        return "is missing"
    if not isinstance(value, str):
        return "must be a string"
    return None if value.strip() else "cannot be blank"


def _check_url(url: Any, errors: dict[str, list[str]]) -> None:
    problem = _string_problem(url)
    if problem:
        errors["request.url"] = [problem]
        return
    if any(ch in url for ch in "\r\n\t "):
        errors["request.url"] = ["cannot contain spaces, tabs or new lines"]
        return
    try:
        parsed = urlsplit(PARAMETER.sub("placeholder", url))
        other = urlsplit(PARAMETER.sub("differentplaceholder", url))
        parsed.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        errors["request.url"] = [f"is not a valid URL ({exc})"]
        return
    if not parsed.scheme or not parsed.hostname:
        errors["request.url"] = ["is not a valid URL: it needs a scheme and a host, e.g. https://ci.example.com/hook"]
    elif parsed.hostname != other.hostname:
        errors["request.url"] = ["cannot have a template parameter in the host"]
    elif parsed.scheme.lower() not in {scheme.lower() for scheme in settings.ACCORD_WEBHOOK_SCHEMES}:
        allowed = ", ".join(settings.ACCORD_WEBHOOK_SCHEMES)
        errors["request.url"] = [f"scheme must be {allowed}. See /doc/webhooks#whitelist for more information."]


def _check_method(method: Any, errors: dict[str, list[str]]) -> str | None:
    problem = _string_problem(method)
    if problem:
        errors["request.method"] = [problem]
        return None
    allowed = [name.upper() for name in settings.ACCORD_WEBHOOK_METHODS]
    if not _TOKEN.match(method) or method.upper() not in allowed:
        choices = allowed[0] if len(allowed) == 1 else "one of " + ", ".join(allowed)
        errors["request.method"] = [f"must be {choices}. See /doc/webhooks#whitelist for more information."]
        return None
    return method.upper()


def _check_headers(headers: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        errors["request.headers"] = ["must be an object of header names to string values"]
        return {}
    problems = []
    for name, value in headers.items():
        if not _TOKEN.match(name):
            problems.append(f"'{name}' is not a valid header name")
        elif not isinstance(value, str):
            problems.append(f"the value of '{name}' must be a string")
        elif "\r" in value or "\n" in value:
            problems.append(f"the value of '{name}' cannot contain a new line")
    if problems:
        errors["request.headers"] = problems
    return headers


def _optional_string(data: Mapping, key: str, field: str, errors: dict[str, list[str]], limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = ["must be a string"]
        return None
    if len(value) > limit:
        errors[field] = [f"is longer than {limit} characters"]
    return value


def _check_scope(key: str, value: Any, errors: dict[str, list[str]]) -> tuple[Pacticipant | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        errors[key] = ['must be an object with a "name" or a "label"']
        return None, None
    name, label = value.get("name"), value.get("label")
    if name is not None and label is not None:
        errors[key] = ['can have a "name" or a "label", not both']
    elif name is not None:
        if not isinstance(name, str) or not name.strip():
            errors[f"{key}.name"] = ["cannot be blank"]
        else:
            found = Pacticipant.objects.filter(name=name).first()
            if found is None:
                errors[f"{key}.name"] = [f"No pacticipant with name '{name}' found"]
            return found, None
    elif label is not None:
        if not isinstance(label, str) or not label.strip():
            errors[f"{key}.label"] = ["cannot be blank"]
        elif len(label) > 255:
            errors[f"{key}.label"] = ["is longer than 255 characters"]
        else:
            return None, label
    else:
        errors[key] = ['must have a "name" or a "label"']
    return None, None


def _check_events(events: Any, errors: dict[str, list[str]]) -> list[str]:
    if events is None:
        return [DEFAULT_EVENT]
    if not isinstance(events, list) or not events:
        errors["events"] = ['must be a non-empty array of {"name": <event name>}']
        return []
    names: list[str] = []
    for index, event in enumerate(events):
        name = event.get("name") if isinstance(event, dict) else None
        if name not in EVENT_NAMES:
            errors[f"events[{index}].name"] = [f"must be one of {', '.join(EVENT_NAMES)}"]
        elif name not in names:
            names.append(name)
    return names


def webhook_fields(data: Any, *, consumer: Pacticipant | None = None, provider: Pacticipant | None = None) -> dict:
    """Validate a webhook body (spec 3.15) into model fields, or raise InvalidInput with every problem.

    `consumer`/`provider` come from a scoped URL and override the body's scope.
    """
    if not isinstance(data, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {
        "description": _optional_string(data, "description", "description", errors, 1024),
        "enabled": True if data.get("enabled") is None else data["enabled"],
    }
    if not isinstance(fields["enabled"], bool):
        errors["enabled"] = ["must be true or false"]
    for key, from_path in (("consumer", consumer), ("provider", provider)):
        if from_path is not None:
            fields[key], fields[f"{key}_label"] = from_path, None
        else:
            fields[key], fields[f"{key}_label"] = _check_scope(key, data.get(key), errors)
    fields["events"] = _check_events(data.get("events"), errors)

    request = data.get("request")
    if not isinstance(request, dict):
        errors["request"] = ["is missing" if request is None else "must be an object"]
        raise InvalidInput(errors)
    fields["method"] = _check_method(request.get("method"), errors)
    _check_url(request.get("url"), errors)
    fields["url"] = request.get("url")
    fields["headers"] = _check_headers(request.get("headers"), errors)
    body = request.get("body")
    # Strings are sent as they are; anything else is JSON (kept as text to template it).
    fields["body_is_json"] = body is not None and not isinstance(body, str)
    fields["body"] = json.dumps(body, ensure_ascii=False) if fields["body_is_json"] else body
    fields["username"] = _optional_string(request, "username", "request.username", errors, 255)
    fields["password"] = _optional_string(request, "password", "request.password", errors, 1024)
    if errors:
        raise InvalidInput(errors)
    return fields


@atomic_with_retry
def webhook_create(*, data: Any, consumer: Pacticipant | None = None, provider: Pacticipant | None = None) -> Webhook:
    """Create a webhook with a new uuid (POST /webhooks and the scoped collections)."""
    fields = webhook_fields(data, consumer=consumer, provider=provider)
    webhook = Webhook.objects.create(uuid=webhook_uuid_new(), **fields)
    # auto_now and auto_now_add read the clock separately; equal stamps mean "never updated".
    Webhook.objects.filter(pk=webhook.pk).update(updated_at=F("created_at"))
    webhook.refresh_from_db(fields=["updated_at"])
    return webhook


@atomic_with_retry
def webhook_put(*, uuid: str, data: Any) -> tuple[Webhook, bool]:
    """Create the webhook with this uuid, or replace it entirely; returns (webhook, created)."""
    if not UUID_FORMAT.match(uuid):
        raise InvalidInput({"uuid": ["must be 16 to 64 characters of letters, digits, '-' and '_'"]})
    fields = webhook_fields(data)
    existing = Webhook.objects.select_for_update(of=("self",)).filter(uuid=uuid).first()
    if existing is None:
        try:
            # A savepoint: a concurrent PUT of the same uuid makes this insert fail, and then
            # we replace the row it committed instead.
            with transaction.atomic():
                webhook = Webhook.objects.create(uuid=uuid, **fields)
                Webhook.objects.filter(pk=webhook.pk).update(updated_at=F("created_at"))
                webhook.refresh_from_db(fields=["updated_at"])
                return webhook, True
        except IntegrityError:
            existing = Webhook.objects.select_for_update(of=("self",)).get(uuid=uuid)
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.save()
    return existing, False


@atomic_with_retry
def webhook_delete(*, webhook: Webhook) -> None:
    """Delete a webhook; its pending deliveries become no-ops (their FK is set to null)."""
    webhook.delete()


@atomic_with_retry
def webhooks_of_pair_delete(*, consumer: Pacticipant, provider: Pacticipant) -> int:
    """Delete the webhooks scoped to exactly this consumer and provider, and every delivery
    triggered for the pair; webhooks for any consumer, any provider or a label stay."""
    TriggeredWebhook.objects.filter(consumer=consumer, provider=provider).delete()
    deleted, _ = Webhook.objects.filter(consumer=consumer, provider=provider).delete()
    return deleted
