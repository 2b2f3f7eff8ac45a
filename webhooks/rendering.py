"""Webhook templates: filling a webhook's request with an event's values and with secrets.

`${pactbroker.X}` takes the event's values (webhooks.selectors.template_context, stored
with each triggered webhook); `${user.NAME}` takes the value of the secret NAME
(PactFlow's syntax), loaded by the caller. Both are filled in one pass, so a value that
happens to contain `${user.X}` (a branch name is anyone's to choose) is never expanded
into a secret. Pure functions (no database).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from verifier import http

PARAMETER = re.compile(r"\$\{pactbroker\.([A-Za-z0-9_]+)\}")
SECRET_REFERENCE = re.compile(r"\$\{user\.([A-Za-z0-9_]+)\}")
# Either kind: what a definition's checks treat as "filled in when sent".
TEMPLATE = re.compile(r"\$\{(pactbroker|user)\.([A-Za-z0-9_]+)\}")
MASK = http.MASK
# Header values shown as written when, but for this scheme word, they are only parameters
# ("Bearer ${user.githubToken}"): the word is no secret.
AUTH_SCHEMES = {"basic", "bearer", "bot", "digest", "token"}


class SecretsMissing(Exception):
    """A webhook refers to secrets that do not exist; nothing was sent.

    The message names the secrets (names are not secret) and says what to do.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        listed = ", ".join(f"${{user.{name}}}" for name in self.names)
        many = len(self.names) > 1
        super().__init__(
            f"not sent: the webhook refers to {listed}, but no such secret{'s exist' if many else ' exists'}. "
            f"Create {'them' if many else 'it'} (POST /secrets, or Webhooks > Secrets in the UI), "
            "then test-fire the webhook"
        )


class _Filler:
    """Fills templates with one context and one set of secrets, noting which secrets it used."""

    def __init__(self, context: Mapping[str, str], secrets: Mapping[str, str] | None) -> None:
        self.context = context
        self.secrets = secrets  # None: `${user.*}` is left as written (nothing to fill it with)
        self.used: dict[str, str] = {}
        self.missing: set[str] = set()

    def text(self, text: str, *, url: bool = False) -> str:
        def value(match: re.Match) -> str:
            kind, name = match.group(1), match.group(2)
            if kind == "user":
                if self.secrets is None:
                    return match.group(0)
                if name not in self.secrets:
                    self.missing.add(name)
                    return match.group(0)
                found = self.used[name] = self.secrets[name]
            elif name not in self.context:
                return match.group(0)
            else:
                found = str(self.context[name])
            return quote_plus(found) if url else found

        return TEMPLATE.sub(value, text)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.json(item) for key, item in value.items()}
        return value


def render_template(text: str, context: Mapping[str, str], *, url: bool = False) -> str:
    """Replace `${pactbroker.X}` with context values; form-escape them inside a URL.

    Unknown parameters are left as written, so the receiver can see what was not filled.
    """
    return _Filler(context, None).text(text, url=url)


def render_json(value: Any, context: Mapping[str, str]) -> Any:
    """Render every string (keys included) inside a parsed JSON body."""
    return _Filler(context, None).json(value)


def is_only_parameters(text: str) -> bool:
    """True when the text has template parameters (`${pactbroker.*}`, `${user.*}`) and nothing
    else but spaces, or but an authorization scheme before them: nothing secret to hide."""
    if not TEMPLATE.search(text):
        return False
    rest = TEMPLATE.sub("", text).strip()
    return not rest or (rest.lower() in AUTH_SCHEMES and text.strip().lower().startswith(rest.lower() + " "))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as shown to people: the outbound seam's rule for what is secret, except that a
    value made only of template parameters holds nothing secret and is shown."""
    masked = http.redact_headers(headers)
    return {name: value if is_only_parameters(str(value)) else masked[name] for name, value in headers.items()}


def secret_names(webhook: Any) -> set[str]:
    """The names of the secrets a webhook refers to, wherever they are in its request."""
    texts = [webhook.url, webhook.body or "", webhook.username or "", webhook.password or ""]
    texts += [f"{name}\n{value}" for name, value in (webhook.headers or {}).items()]
    return {name for text in texts for name in SECRET_REFERENCE.findall(text)}


def _forms_of(value: str) -> list[str]:
    """The ways a secret's value can appear in a request, its log or an answer echoing it: as
    it is, form-escaped (in a URL), and escaped in a JSON string, with and without ASCII
    escapes, once (our JSON body) or twice (a receiver answering JSON that quotes it)."""
    forms = {value, quote_plus(value)}
    for _ in range(2):
        forms |= {json.dumps(form, ensure_ascii=ascii_only)[1:-1] for form in forms for ascii_only in (True, False)}
    return sorted(forms)


@dataclass
class RenderedRequest:
    """A webhook's request with the event's template values and its secrets filled in.

    `secrets` holds every value to redact from what is stored or shown: the secrets used
    (in each form they can take), secret header values, the password and the basic token.
    """

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    secrets: list[str] = field(default_factory=list)

    def shown(self) -> dict[str, Any]:
        """The request as a response may show it: secrets masked everywhere."""
        hide = self.secrets
        return {
            "method": self.method,
            "url": http.redact_text(http.redact_url(self.url), hide),
            "headers": {
                name: http.redact_text(value, hide) for name, value in http.redact_headers(self.headers).items()
            },
            "body": http.redact_text(self.body, hide) if self.body is not None else None,
        }


def request_render(
    webhook: Any, context: Mapping[str, str], secrets: Mapping[str, str] | None = None, *, partial: bool = False
) -> RenderedRequest:
    """Fill `${pactbroker.*}` and `${user.*}` into a webhook's URL, headers, body and credentials.

    `webhook` is a Webhook row (or anything with its request fields); `secrets` maps the
    names it refers to (webhooks.selectors.secret_values) to their values. A reference to a
    secret not in `secrets` raises SecretsMissing, unless `partial`: then it stays as
    written (to show what could not be sent, never to send it).
    """
    fill = _Filler(context, secrets if secrets is not None else {})
    headers = {name: fill.text(value) for name, value in (webhook.headers or {}).items()}
    body: str | None = None
    if webhook.body is not None:
        if webhook.body_is_json:
            body = json.dumps(fill.json(json.loads(webhook.body)))
        else:
            body = fill.text(webhook.body)
    url = fill.text(webhook.url, url=True)
    hidden = http.secret_header_values(headers)
    if webhook.username:
        username = fill.text(webhook.username)
        password = fill.text(webhook.password or "")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        headers.setdefault("Authorization", f"Basic {token}")
        hidden += [password, token]
    if fill.missing and not partial:
        raise SecretsMissing(fill.missing)
    for value in fill.used.values():
        hidden += _forms_of(value)
    return RenderedRequest(webhook.method, url, headers, body, hidden)
