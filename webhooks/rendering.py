"""`${pactbroker.*}` templates: filling a webhook's request with an event's values.

Pure functions (no database): the values come from webhooks.selectors.template_context,
stored with each triggered webhook, and are rendered at delivery time.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from verifier import http

PARAMETER = re.compile(r"\$\{pactbroker\.([A-Za-z0-9_]+)\}")
MASK = http.MASK


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


@dataclass
class RenderedRequest:
    """A webhook's request with the event's template values filled in."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    secrets: list[str] = field(default_factory=list)


def request_render(webhook: Any, context: Mapping[str, str]) -> RenderedRequest:
    """Fill `${pactbroker.*}` into a webhook's URL, headers, body and credentials.

    `webhook` is a Webhook row (or anything with its request fields).
    """
    headers = {name: render_template(value, context) for name, value in (webhook.headers or {}).items()}
    body: str | None = None
    if webhook.body is not None:
        if webhook.body_is_json:
            body = json.dumps(render_json(json.loads(webhook.body), context))
        else:
            body = render_template(webhook.body, context)
    secrets = http.secret_header_values(headers)
    if webhook.username:
        username = render_template(webhook.username, context)
        password = render_template(webhook.password or "", context)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        headers.setdefault("Authorization", f"Basic {token}")
        secrets += [password, token]
    return RenderedRequest(webhook.method, render_template(webhook.url, context, url=True), headers, body, secrets)
