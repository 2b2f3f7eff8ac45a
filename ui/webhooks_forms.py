"""The webhook form: what a person types, turned into the body the API accepts.

The form only parses what HTML cannot carry (headers as lines, a body that may be JSON);
every rule about a webhook is the API's (webhooks.api.definitions.webhook_definition), so
a definition saved here is one the API would have saved. Secrets never go to the browser:
an edit shows the password as empty and secret values as the mask, and both mean "keep
the stored value" when they come back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings

from ui.form_a11y import describe_controls
from ui.webhooks_selectors import EVENT_NAMES
from verifier.http import MASK, redact_url
from webhooks.rendering import redact_headers
from webhooks.services.definitions import WebhookDefinition

EVENT_HELP = {
    "contract_published": "a pact is published",
    "contract_content_changed": "a pact is published whose content changed",
    "contract_requiring_verification_published": "a pact is published that a provider version must verify",
    "provider_verification_published": "a verification result is published",
    "provider_verification_succeeded": "a verification result is published and it passed",
    "provider_verification_failed": "a verification result is published and it failed",
    "verification_run_succeeded": "a server-side verification run passes",
    "verification_run_failed": "a server-side verification run fails",
    "drift_detected": "a deployed provider drifts from its pacts",
    "drift_resolved": "a drift incident is resolved",
    "live_target_unreachable": "a live target stops answering",
}
HELP = {
    "events": "The webhook is sent when any of the chosen events happens.",
    "consumer": "Leave name and label empty for any consumer. A name must be an application the broker knows.",
    "provider": "Leave name and label empty for any provider. A label matches every application that has it.",
    "url": "Parameters such as ${pactbroker.consumerName}, and secrets as ${user.NAME}, are filled in when "
    "it is sent. On edit, credentials in the URL are shown masked (**********); leave the URL as shown to "
    "keep them.",
    "headers": "One per line, as Name: value. Secret values (Authorization, tokens, keys) are shown "
    "as ********** and keep their stored value when left so; better, store them as secrets and write "
    "Authorization: Bearer ${user.NAME}.",
    "body": "A JSON object or array is sent as JSON; anything else is sent as the text typed. "
    "${pactbroker.*} parameters and ${user.NAME} secrets are filled in.",
    "username": "With a password, sent as HTTP basic authentication. May be a secret: ${user.NAME}.",
}
PASSWORD_HELP = {
    "new": "Never shown again once saved. May be a secret: ${user.NAME}.",
    "edit": "Never shown. Leave it empty to keep the stored password unchanged; type a new one (or "
    "${user.NAME}) to replace it.",
}
HEADER_LINE = re.compile(r"^\s*([^:]+?)\s*:\s?(.*?)\s*$")


class WebhookForm(forms.Form):
    """A webhook definition as HTML fields; `api_data` gives the API's body."""

    description = forms.CharField(required=False, max_length=1024, label="Description")
    events = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, f"{name}: {EVENT_HELP.get(name, '')}") for name in EVENT_NAMES],
        error_messages={"required": "Choose at least one event."},
    )
    consumer = forms.CharField(required=False, max_length=255, label="Consumer name")
    consumer_label = forms.CharField(required=False, max_length=255, label="or consumers with the label")
    provider = forms.CharField(required=False, max_length=255, label="Provider name")
    provider_label = forms.CharField(required=False, max_length=255, label="or providers with the label")
    method = forms.ChoiceField(label="Method")
    url = forms.CharField(max_length=4096, label="URL")
    headers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Headers")
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6}), label="Body")
    username = forms.CharField(required=False, max_length=255, label="Username")
    password = forms.CharField(
        required=False, max_length=1024, widget=forms.PasswordInput(render_value=False), label="Password"
    )
    clear_password = forms.BooleanField(required=False, label="Remove the stored password")
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args: Any, stored: Any = None, **kwargs: Any) -> None:
        """`stored`: the webhook being edited (its secrets are kept when left unchanged)."""
        super().__init__(*args, **kwargs)
        self.stored = stored
        methods = [method.upper() for method in settings.ACCORD_WEBHOOK_METHODS]
        self.fields["method"].choices = [(method, method) for method in methods]
        if stored is None:
            del self.fields["clear_password"]
        elif stored.password:
            self.fields["password"].widget.attrs["placeholder"] = "unchanged"
        self.help = {**HELP, "password": PASSWORD_HELP["new" if stored is None else "edit"]}
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"

    def describe(self) -> None:
        """Tie each control to its help and its errors (aria-describedby), once both are known."""
        describe_controls(self, self.help)

    def clean_headers(self) -> dict[str, str]:
        """One header per line, "Name: value"; blank lines are skipped."""
        headers: dict[str, str] = {}
        problems = []
        for number, line in enumerate(self.cleaned_data["headers"].splitlines(), start=1):
            if not line.strip():
                continue
            match = HEADER_LINE.match(line)
            if match is None:
                problems.append(f"Line {number} is not of the form 'Name: value'.")
                continue
            headers[match.group(1)] = match.group(2)
        if problems:
            raise forms.ValidationError(problems)
        return headers

    def _stored_header(self, name: str) -> str | None:
        stored = dict(self.stored.headers or {}) if self.stored is not None else {}
        return next((value for key, value in stored.items() if key.lower() == name.lower()), None)

    def _url(self) -> str:
        """The URL typed, or the stored one when the redacted URL came back unchanged."""
        url = self.cleaned_data["url"]
        if self.stored is not None and url == redact_url(self.stored.url):
            return self.stored.url
        if MASK in url:
            self.add_error(
                "url", "Type the whole URL again: a masked part can only be kept by leaving the URL as it was."
            )
        return url

    def _headers(self) -> dict[str, str]:
        """The headers typed, each masked value replaced by the stored value of that header."""
        headers = {}
        for name, value in self.cleaned_data.get("headers", {}).items():
            if value == MASK:
                kept = self._stored_header(name)
                if kept is None:
                    self.add_error("headers", f"'{name}' has no stored value to keep: type its value.")
                    continue
                value = kept
            headers[name] = value
        return headers

    def _password(self) -> str | None:
        typed = self.cleaned_data["password"]
        if typed:
            return typed
        if self.stored is not None and not self.cleaned_data.get("clear_password"):
            return self.stored.password  # left empty: the stored one stays
        return None

    def api_data(self) -> dict:
        """The body POST /webhooks would take for this form (call after is_valid)."""
        data = self.cleaned_data
        request: dict[str, Any] = {
            "method": data["method"],
            "url": self._url(),
            "headers": self._headers(),
            "body": body_value(data["body"]),
            "username": data["username"] or None,
            "password": self._password(),
        }
        out: dict[str, Any] = {
            "description": data["description"] or None,
            "enabled": data["enabled"],
            "events": [{"name": name} for name in data["events"]],
            "request": request,
        }
        for role in ("consumer", "provider"):
            name, label = data[role].strip(), data[f"{role}_label"].strip()
            if name or label:
                out[role] = {key: value for key, value in (("name", name), ("label", label)) if value}
        return out

    def add_api_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Put each of the API's problems (`request.url`, `consumer.name`, ...) next to its field."""
        for key, messages in errors.items():
            self.add_error(field_of(key), [message[:1].upper() + message[1:] for message in messages])


def field_of(key: str) -> str | None:
    """The form field an API error key names (None: the form as a whole)."""
    parts = re.sub(r"\[\d+\]", "", key).split(".")
    if parts[0] == "request":
        parts = parts[1:] or ["url"]
    head = parts[0]
    if head in ("consumer", "provider"):
        return f"{head}_label" if parts[1:] == ["label"] else head
    fields = {"description", "enabled", "events", "method", "url", "headers", "body", "username", "password"}
    return head if head in fields else None


def body_value(text: str) -> Any:
    """A JSON object or array is sent as JSON (templates filled in its strings); anything
    else is sent as the text typed; an empty body is no body."""
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list)) else text


def initial_of(webhook: Any) -> dict:
    """The edit form's starting values: secrets masked, the password left out."""
    body = webhook.body
    if body is not None and webhook.body_is_json:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    headers = redact_headers(webhook.headers or {})
    return {
        "description": webhook.description or "",
        "events": list(webhook.events),
        "consumer": webhook.consumer.name if webhook.consumer else "",
        "consumer_label": webhook.consumer_label or "",
        "provider": webhook.provider.name if webhook.provider else "",
        "provider_label": webhook.provider_label or "",
        "method": webhook.method.upper(),
        "url": redact_url(webhook.url),
        "headers": "\n".join(f"{name}: {value}" for name, value in headers.items()),
        "body": body or "",
        "username": webhook.username or "",
        "enabled": webhook.enabled,
    }


def definition_of(webhook: Any) -> WebhookDefinition:
    """The stored webhook as the definition that writes it again unchanged (what enabling
    or disabling it starts from)."""
    body = json.loads(webhook.body) if webhook.body is not None and webhook.body_is_json else webhook.body
    return WebhookDefinition(
        method=webhook.method,
        url=webhook.url,
        events=tuple(webhook.events),
        description=webhook.description,
        enabled=webhook.enabled,
        consumer=webhook.consumer,
        consumer_label=webhook.consumer_label,
        provider=webhook.provider,
        provider_label=webhook.provider_label,
        headers=dict(webhook.headers or {}),
        body=body,
        username=webhook.username,
        password=webhook.password,
    )
