"""The token format, apart from any storage: `acc_<prefix>_<secret>`.

The prefix (8 lowercase hex characters) is public: it identifies a token in lists, URLs
and logs. The secret is 32 random bytes, URL-safe Base64. What is stored is the SHA-256 of
the whole token; a presented token is hashed and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

PREFIX = "acc"
FORMAT = re.compile(r"^acc_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class NewToken(NamedTuple):
    value: str  # shown once, never stored
    prefix: str
    digest: str


def digest_of(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def generate() -> NewToken:
    """A fresh token with its public prefix and the digest to store."""
    prefix = secrets.token_hex(4)
    value = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(value, prefix, digest_of(value))


def prefix_of(value: str) -> str | None:
    """The public prefix of something shaped like an Accord token, else None."""
    found = FORMAT.match(value)
    return found.group(1) if found else None


def matches(value: str, digest: str) -> bool:
    """Whether `value` is the token whose digest is stored (constant time)."""
    return hmac.compare_digest(digest_of(value).encode(), digest.encode())


def scopes_closure(scopes: set[str] | frozenset[str] | list[str] | tuple[str, ...]) -> list[str]:
    """Scopes are cumulative: admin includes write, write includes read."""
    given = set(scopes)
    if "admin" in given:
        return ["read", "write", "admin"]
    if "write" in given:
        return ["read", "write"]
    return ["read"] if "read" in given else []
