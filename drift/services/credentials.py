"""How a live run authenticates to the real provider: the headers each request carries.

A target's `auth` (encrypted at rest) is one of
  {"type": "none"}
  {"type": "basic", "username": ..., "password": ...}
  {"type": "bearer", "token": ...}
  {"type": "oauth2", "tokenUrl": ..., "clientId": ..., "clientSecret": ..., "scope"?: ..., "audience"?: ...}
with an optional "consumers": {consumer name: <one of the above>} for credentials that
differ per consumer. OAuth2 client-credentials tokens are fetched through the one outbound
seam (verifier/http.py) and cached in the worker's memory until shortly before they expire.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from verifier import http

AUTH_TYPES = ("none", "basic", "bearer", "oauth2")
_REFRESH_MARGIN_SECONDS = 30
_cache: dict[tuple, tuple[str, float]] = {}
_lock = threading.Lock()


class CredentialsFailed(Exception):
    """The token endpoint refused or could not be reached; the message is redacted."""


def auth_for(auth: Mapping[str, Any], consumer: str | None) -> Mapping[str, Any]:
    """The auth settings that apply to requests made for `consumer`'s pact."""
    per_consumer = auth.get("consumers") or {}
    if consumer is not None and consumer in per_consumer:
        return per_consumer[consumer]
    return auth


def secrets_of(auth: Mapping[str, Any], headers: Mapping[str, str]) -> list[str]:
    """Every credential value a target holds, to scrub from anything stored or logged."""
    found: list[str] = list(headers.values())

    def walk(item: Any) -> None:
        if isinstance(item, Mapping):
            for key, value in item.items():
                if key in {"type", "tokenUrl", "clientId", "scope", "audience", "username"}:
                    continue
                walk(value)
        elif isinstance(item, str):
            found.append(item)

    walk(auth)
    # The Basic tokens username/password pairs make (what an echoing server would show).
    for chosen in [auth, *(auth.get("consumers") or {}).values()]:
        if isinstance(chosen, Mapping) and chosen.get("type") == "basic":
            pair = f"{chosen.get('username', '')}:{chosen.get('password', '')}".encode()
            found.append(base64.b64encode(pair).decode("ascii"))
    return [s for s in found if isinstance(s, str) and len(s) >= 4]


def request_headers(auth: Mapping[str, Any], headers: Mapping[str, str], consumer: str | None) -> dict[str, str]:
    """The target's static headers plus the Authorization its auth calls for."""
    result = dict(headers)
    chosen = auth_for(auth, consumer)
    kind = chosen.get("type", "none")
    if kind == "basic":
        pair = f"{chosen.get('username', '')}:{chosen.get('password', '')}".encode()
        result["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    elif kind == "bearer":
        result["Authorization"] = f"Bearer {chosen['token']}"
    elif kind == "oauth2":
        result["Authorization"] = f"Bearer {oauth2_token(chosen)}"
    return result


def oauth2_token(settings: Mapping[str, Any]) -> str:
    """A client-credentials access token, from the cache or the token endpoint."""
    # The secret's digest is part of the key: new credentials never reuse an old token.
    digest = hashlib.sha256(str(settings["clientSecret"]).encode()).hexdigest()
    key = (settings["tokenUrl"], settings["clientId"], digest, settings.get("scope"), settings.get("audience"))
    with _lock:
        cached = _cache.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    form = {"grant_type": "client_credentials"}
    for name, field in (("scope", "scope"), ("audience", "audience")):
        if settings.get(field):
            form[name] = settings[field]
    pair = f"{settings['clientId']}:{settings['clientSecret']}".encode()
    secret = settings["clientSecret"]
    try:
        answer = http.request(
            "POST",
            settings["tokenUrl"],
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
            },
            content=urlencode(form),
            secrets=[secret],
        )
    except http.OutboundError as exc:
        raise CredentialsFailed(f"the OAuth2 token endpoint could not be reached: {exc}") from None
    if answer.status != 200:
        raise CredentialsFailed(f"the OAuth2 token endpoint answered {answer.status}")
    try:
        data = json.loads(answer.body)
        token = str(data["access_token"])
        lifetime = float(data.get("expires_in") or 300)
    except (ValueError, KeyError, TypeError):
        raise CredentialsFailed("the OAuth2 token endpoint's answer has no access_token") from None
    with _lock:
        _cache[key] = (token, time.monotonic() + max(lifetime - _REFRESH_MARGIN_SECONDS, 1))
    return token


def forget_tokens() -> None:
    """Drop cached tokens (tests; a target whose credentials changed)."""
    with _lock:
        _cache.clear()
