"""Safe JSON parsing of untrusted request bodies and pact documents.

`json.loads` alone accepts `NaN`/`Infinity`, silently keeps the last of duplicate keys,
turns `1e400` into an infinite float and raises `RecursionError` on deep nesting. This
module rejects all of those with a `JsonParseError` whose text can be shown to a client.

Numbers: integers stay exact Python ints; non-integers become Python floats (binary
doubles), so `0.1000000000000000055` loses digits. Callers that must preserve the exact
published bytes keep the raw text alongside the parsed value.
"""

from __future__ import annotations

import json
import math
import re
import sys
from itertools import accumulate
from typing import Any, NoReturn

__all__ = ["DEFAULT_MAX_DEPTH", "JsonParseError", "parse_json"]

DEFAULT_MAX_DEPTH = 64

_UTF8_BOM = b"\xef\xbb\xbf"

# A whole JSON string. Possessive, so an unterminated string is consumed to the end in
# one linear pass instead of being retried at every later quote (quadratic otherwise).
_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_DEPTH_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}

# Lone surrogates cannot be encoded as UTF-8, so they would break hashing and storage.
# They enter only through a \uD800-\uDFFF escape (strict UTF-8 decoding never produces
# one) or a str argument that already holds one, so most documents skip the full check.
_MAYBE_SURROGATE = re.compile("\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}|[\ud800-\udfff]")


class JsonParseError(ValueError):
    """The input is not acceptable JSON; `str()` is a message fit for an API client."""


class _Rejected(Exception):
    """Raised from inside json.loads hooks; converted to JsonParseError by parse_json."""


def parse_json(raw: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse untrusted JSON strictly, raising JsonParseError with a human-readable reason."""
    text = _decode(raw)
    if not text or text.isspace():
        raise JsonParseError("the document is empty: expected a JSON value")
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise JsonParseError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except _Rejected as exc:
        raise JsonParseError(str(exc)) from None
    except RecursionError:
        # Only reachable when a caller raises max_depth above the interpreter's limit.
        raise JsonParseError("JSON nesting is too deep to parse") from None
    except ValueError:
        # int() refuses integers longer than sys.get_int_max_str_digits() (4300 by default).
        raise JsonParseError(f"invalid JSON: an integer has more than {sys.get_int_max_str_digits()} digits") from None
    if _MAYBE_SURROGATE.search(text):
        _check_no_lone_surrogates(value)
    return value


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    offset = len(_UTF8_BOM) if raw.startswith(_UTF8_BOM) else 0
    try:
        return raw[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start + offset
        raise JsonParseError(
            f"the document is not valid UTF-8: invalid byte 0x{raw[position]:02x} at byte position {position}"
        ) from None


def _check_depth(text: str, max_depth: int) -> None:
    # Cheap exit: a document cannot nest deeper than it has opening brackets.
    if text.count("[") + text.count("{") <= max_depth:
        return
    # Strings are removed first so brackets inside them are not counted. Up to the first
    # syntax error this agrees exactly with json's own tokenizer, so json.loads can never
    # recurse deeper than the depth measured here. Every step runs in C, without recursion.
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    deepest = max(accumulate(map(_DEPTH_DELTA.__getitem__, brackets)), default=0)
    if deepest > max_depth:
        raise JsonParseError(f"JSON nesting is deeper than {max_depth} levels")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Rejected(f"invalid JSON: duplicate key {key!r} in an object")
            seen.add(key)
    return result


def _reject_constant(name: str) -> NoReturn:
    raise _Rejected(f"invalid JSON: {name} is not a valid JSON number (use null or a string instead)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _Rejected(f"invalid JSON: number {_shorten(literal)} is out of range")
    return value


def _check_no_lone_surrogates(value: Any) -> None:
    # Iterative walk: the document may legitimately be max_depth levels deep.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                _check_string(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            _check_string(item)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise JsonParseError(
            f"invalid JSON: string {_shorten(text)!r} contains an unpaired UTF-16 surrogate \\u{code:04x}"
        ) from None


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
