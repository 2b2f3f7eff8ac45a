"""Webhook definitions: create, replace and delete.

A definition arrives validated (webhooks.api.definitions.WebhookInput checks its shape,
the Pact Broker's scheme and method whitelists, and that a scope's pacticipant exists).
Where it may send to is decided at delivery time by the outbound seam (verifier/http.py),
so a definition cannot reach a private address by being saved before the allow-list changed.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from contracts import access
from contracts.exceptions import InvalidInput
from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry
from verifier.http import url_origin
from webhooks.models import TriggeredWebhook, Webhook

DEFAULT_EVENT = "contract_content_changed"
UUID_FORMAT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def webhook_uuid_new() -> str:
    """A fresh webhook id: 22 URL-safe characters (128 random bits)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class WebhookDefinition:
    """What a webhook does when one of its events happens (the whole of a POST or PUT body).

    A scope is a pacticipant or a label per role (neither: any). `body` is any JSON value,
    or a string sent as it is.
    """

    method: str
    url: str
    events: tuple[str, ...] = (DEFAULT_EVENT,)
    description: str | None = None
    enabled: bool = True
    consumer: Pacticipant | None = None
    consumer_label: str | None = None
    provider: Pacticipant | None = None
    provider_label: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    username: str | None = None
    password: str | None = None

    def model_fields(self) -> dict[str, Any]:
        """The Webhook columns this definition sets (every one: a PUT replaces the whole)."""
        # Strings are sent as they are; anything else is JSON, kept as text to template it.
        body_is_json = self.body is not None and not isinstance(self.body, str)
        return {
            "description": self.description,
            "enabled": self.enabled,
            "consumer": self.consumer,
            "consumer_label": self.consumer_label,
            "provider": self.provider,
            "provider_label": self.provider_label,
            "events": list(dict.fromkeys(self.events)),
            "method": self.method.upper(),
            "url": self.url,
            "headers": dict(self.headers),
            "body": json.dumps(self.body, ensure_ascii=False) if body_is_json else self.body,
            "body_is_json": body_is_json,
            "username": self.username,
            "password": self.password,
        }


def webhook_in_words(uuid: str, description: str | None) -> str:
    """How the audit log names a webhook: "webhook 'Notify CI' (uuid)"."""
    return f"webhook '{description}' ({uuid})" if description else f"webhook {uuid}"


def _audited(definition: WebhookDefinition) -> dict[str, Any]:
    """What the audit log keeps of a definition: never its headers, body, credentials or
    the URL's path and query (any of them may hold a secret), only where it sends."""
    return {
        "events": list(dict.fromkeys(definition.events)),
        "method": definition.method.upper(),
        "url": url_origin(definition.url),
        "enabled": definition.enabled,
        "consumer": definition.consumer.name if definition.consumer else None,
        "provider": definition.provider.name if definition.provider else None,
        "consumerLabel": definition.consumer_label,
        "providerLabel": definition.provider_label,
    }


@atomic_with_retry
def webhook_create(*, definition: WebhookDefinition) -> Webhook:
    """Create a webhook with a new uuid (POST /webhooks and the scoped collections)."""
    uuid = webhook_uuid_new()
    access.write(
        "webhook.create", webhook_in_words(uuid, definition.description), admin=True, details=_audited(definition)
    )
    webhook = Webhook.objects.create(uuid=uuid, **definition.model_fields())
    # auto_now and auto_now_add read the clock separately; equal stamps mean "never updated".
    Webhook.objects.filter(pk=webhook.pk).update(updated_at=F("created_at"))
    webhook.refresh_from_db(fields=["updated_at"])
    return webhook


@atomic_with_retry
def webhook_put(*, uuid: str, definition: WebhookDefinition) -> tuple[Webhook, bool]:
    """Create the webhook with this uuid, or replace it entirely; returns (webhook, created)."""
    if not UUID_FORMAT.match(uuid):
        raise InvalidInput({"uuid": ["must be 16 to 64 characters of letters, digits, '-' and '_'"]})
    fields = definition.model_fields()
    existing = Webhook.objects.select_for_update(of=("self",)).filter(uuid=uuid).first()
    # (A create racing another PUT of the same uuid is still announced as a create.)
    access.write(
        "webhook.update" if existing else "webhook.create",
        webhook_in_words(uuid, definition.description),
        admin=True,
        details=_audited(definition),
    )
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
    access.write("webhook.delete", webhook_in_words(webhook.uuid, webhook.description), admin=True)
    webhook.delete()


@atomic_with_retry
def webhooks_of_pair_delete(*, consumer: Pacticipant, provider: Pacticipant) -> int:
    """Delete the webhooks scoped to exactly this consumer and provider, and every delivery
    triggered for the pair; webhooks for any consumer, any provider or a label stay."""
    TriggeredWebhook.objects.filter(consumer=consumer, provider=provider).delete()
    deleted, _ = Webhook.objects.filter(consumer=consumer, provider=provider).delete()
    return deleted
