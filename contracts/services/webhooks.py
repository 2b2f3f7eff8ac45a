"""Webhooks: definitions (create, replace, delete), templates, and the delivery outbox.

`webhooks_trigger` records one TriggeredWebhook per matching webhook inside the caller's
transaction, so an event and the deliveries it owes commit (or roll back) together;
workers deliver the rows later (verifier app).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contracts.exceptions import InvalidInput
from contracts.models import (
    ContractPublication,
    Pacticipant,
    Verification,
    Version,
    Webhook,
)
from contracts.models.webhook import EVENT_NAMES
from contracts.selectors.webhooks import (
    contract_latest_verification,
    pacticipant_label_names,
    verification_publication,
    version_branch_name,
    version_tag_names,
    webhooks_matching,
)
from contracts.services._tx import atomic_with_retry
from verifier import http
from verifier.models import TriggeredWebhook

DEFAULT_EVENT = "contract_content_changed"
UUID_FORMAT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PARAMETER = re.compile(r"\$\{pactbroker\.([A-Za-z0-9_]+)\}")
MASK = http.MASK
# RFC 9110 method and header-name tokens.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

# ---------------------------------------------------------------- templates


def render_template(text: str, context: Mapping[str, str], *, url: bool = False) -> str:
    """Replace `${pactbroker.X}` with context values; form-escape them inside a URL.

    Unknown parameters are left as written, so the receiver can see what was not filled.
    """

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in context:
            return match.group(0)
        text_value = str(context[name])
        return quote_plus(text_value) if url else text_value

    return PARAMETER.sub(value, text)


def render_json(value: Any, context: Mapping[str, str]) -> Any:
    """Render every string (keys included) inside a parsed JSON body."""
    if isinstance(value, str):
        return render_template(value, context)
    if isinstance(value, list):
        return [render_json(item, context) for item in value]
    if isinstance(value, dict):
        return {render_template(key, context): render_json(item, context) for key, item in value.items()}
    return value


def is_only_parameters(text: str) -> bool:
    """True when the text has parameters and nothing else but spaces (nothing secret to hide)."""
    return bool(PARAMETER.search(text)) and not PARAMETER.sub("", text).strip()


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as shown to people: the outbound seam's rule for what is secret, except that a
    value made only of `${pactbroker.*}` placeholders holds nothing secret and is shown."""
    masked = http.redact_headers(headers)
    return {name: value if is_only_parameters(str(value)) else masked[name] for name, value in headers.items()}


def _status_names(verification: Verification | None) -> dict[str, str]:
    if verification is None:
        names = ("pending", "INPROGRESS", "pending", "pending")
    elif verification.success:
        names = ("success", "SUCCESSFUL", "success", "succeeded")
    else:
        names = ("failure", "FAILED", "failed", "failed")
    keys = ("github", "bitbucket", "gitlab", "azureDevOps")
    return {f"{key}VerificationStatus": name for key, name in zip(keys, names, strict=True)}


def _seg(value: str) -> str:
    # The same encoding as contracts.api.links.seg (services do not import the API layer).
    return quote(value, safe="")


def webhook_template_context(
    *,
    event_name: str,
    base_url: str,
    publication: ContractPublication | None = None,
    verification: Verification | None = None,
    consumer_version: Version | None = None,
    provider_version: Version | None = None,
    pact_url: str | None = None,
    build_url: str | None = None,
    provider_version_descriptions: str | None = None,
) -> dict[str, str]:
    """The `${pactbroker.*}` values for an event, from its publication and/or verification.

    Contract events pass the publication (and, for contract_requiring_verification_published,
    the provider version to verify); the newest verification of the content fills the
    provider side. Verification events pass the verification and, when known, the
    publication or consumer version it was for.
    """
    base = base_url.rstrip("/")
    if publication is None and verification is not None:
        publication = verification_publication(verification, consumer_version=consumer_version)
    if publication is not None:
        consumer_version = consumer_version or publication.consumer_version
        if verification is None and provider_version is None:
            verification = contract_latest_verification(publication)
    contract = publication.contract if publication else (verification.contract if verification else None)
    if verification is not None and provider_version is None:
        provider_version = verification.provider_version
    consumer = contract.consumer if contract else (consumer_version.pacticipant if consumer_version else None)
    provider = contract.provider if contract else (provider_version.pacticipant if provider_version else None)

    pact_version_url = ""
    if contract is not None:
        pact_version_url = (
            f"{base}/pacts/provider/{_seg(contract.provider.name)}/consumer/{_seg(contract.consumer.name)}"
            f"/pact-version/{contract.sha}"
        )
    if build_url is None:
        source_build = (
            verification.build_url if verification else (consumer_version.build_url if consumer_version else None)
        )
        build_url = source_build or ""
    return {
        "pactUrl": pact_url or pact_version_url,
        "verificationResultUrl": f"{pact_version_url}/verification-results/{verification.id}" if verification else "",
        "consumerName": consumer.name if consumer else "",
        "providerName": provider.name if provider else "",
        "consumerVersionNumber": consumer_version.number if consumer_version else "",
        "providerVersionNumber": provider_version.number if provider_version else "",
        "consumerVersionTags": ", ".join(version_tag_names(consumer_version)),
        "providerVersionTags": ", ".join(version_tag_names(provider_version)),
        "consumerVersionBranch": version_branch_name(consumer_version) or "",
        "providerVersionBranch": version_branch_name(provider_version) or "",
        "providerVersionDescriptions": provider_version_descriptions or "",
        "consumerLabels": ", ".join(pacticipant_label_names(consumer)),
        "providerLabels": ", ".join(pacticipant_label_names(provider)),
        "buildUrl": build_url,
        "eventName": event_name,
        **_status_names(verification),
    }


# ---------------------------------------------------------------- the outbox


def webhooks_trigger(
    *, event_name: str, consumer: Pacticipant, provider: Pacticipant, context: dict
) -> list[TriggeredWebhook]:
    """Record a delivery for every webhook matching the event, in the caller's transaction."""
    # Outside a transaction the event could commit while its deliveries are lost (or the
    # reverse); refuse rather than silently break the outbox guarantee.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("webhooks_trigger must run inside the transaction that records the event")
    webhooks = list(webhooks_matching(event_name=event_name, consumer=consumer, provider=provider))
    if not webhooks:
        return []
    now = timezone.now()
    created = TriggeredWebhook.objects.bulk_create(
        [
            TriggeredWebhook(
                webhook=webhook,
                webhook_uuid=webhook.uuid,
                event_name=event_name,
                status=TriggeredWebhook.Status.NOT_RUN,
                context=dict(context),
                consumer=consumer,
                provider=provider,
                next_attempt_at=now,
            )
            for webhook in webhooks
        ]
    )
    # Queued only once the event commits; the sweeper covers a queue that loses them.
    from verifier.services.delivery import deliveries_enqueue

    deliveries_enqueue([triggered.id for triggered in created])
    return created


# ---------------------------------------------------------------- definitions


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
