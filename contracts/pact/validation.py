"""Pact document validation against the bundled per-specification JSON Schemas.

Errors are plain strings of the form ``"<path>: <problem>"``, e.g.
``"interactions[2].response.status: 'abc' is not of type 'integer'"``; problems with the
document root have no path prefix (``"'consumer' is a required property"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

__all__ = [
    "DEFAULT_SPECIFICATION_VERSION",
    "KNOWN_SPECIFICATION_VERSIONS",
    "declared_specification_version",
    "specification_version",
    "validate_pact",
    "validate_pact_names",
]

SCHEMA_DIR = Path(__file__).with_name("schemas")
KNOWN_SPECIFICATION_VERSIONS = ("1.0", "1.1", "2.0", "3.0", "4.0")
# Pacts without a declared version predate the metadata block; the Ruby broker and the
# verifiers treat them as version 2.
DEFAULT_SPECIFICATION_VERSION = "2.0"
MAX_ERRORS = 100

# Bounded digit runs: int() of a hostile 5000-digit "version" would raise.
_VERSION = re.compile(r"\s*[vV]?(\d{1,6})(?!\d)(?:\.(\d{1,6})(?!\d))?")
_PLAIN_KEY = re.compile(r"[A-Za-z_$][\w$-]*")
_MAX_VALUE_REPR = 60


def declared_specification_version(doc: Any) -> Any:
    """Return the raw version from the pact's metadata (three spellings), or None."""
    metadata = doc.get("metadata") if isinstance(doc, Mapping) else None
    if not isinstance(metadata, Mapping):
        return None
    for key in ("pactSpecification", "pact-specification"):
        block = metadata.get(key)
        if isinstance(block, Mapping) and block.get("version") is not None:
            return block["version"]
    return metadata.get("pactSpecificationVersion")


def specification_version(doc: dict[str, Any]) -> str:
    """Return the pact's specification family as "major.minor" ("2.0" when undeclared)."""
    declared = declared_specification_version(doc)
    match = _VERSION.match(str(declared)) if declared is not None else None
    if match is None:
        return DEFAULT_SPECIFICATION_VERSION
    return f"{int(match[1])}.{int(match[2] or 0)}"


def validate_pact(doc: Any, *, max_errors: int = MAX_ERRORS) -> list[str]:
    """Validate a parsed pact; return human-readable errors (empty when valid)."""
    if not isinstance(doc, dict):
        return [f"the pact must be a JSON object, not {_json_type(doc)}"]
    validator = _validator(_closest_known(specification_version(doc)))
    errors = sorted(validator.iter_errors(doc), key=_error_sort_key)
    messages = [_render(error) for error in errors[:max_errors]]
    if len(errors) > max_errors:
        messages.append(f"... and {len(errors) - max_errors} more errors")
    return messages


def validate_pact_names(doc: Any, *, consumer: str, provider: str) -> list[str]:
    """Check that the pact names the consumer and provider the request is about."""
    if not isinstance(doc, dict):
        # Shape problems are reported by validate_pact; nothing to compare here.
        return []
    errors = []
    for role, expected in (("consumer", consumer), ("provider", provider)):
        party = doc.get(role)
        found = party.get("name") if isinstance(party, dict) else None
        if not isinstance(found, str):
            errors.append(f"{role}.name: expected {expected!r} but the pact names no {role}")
        elif found != expected:
            errors.append(
                f"{role}.name: the {role} in the pact is {found!r} but the request is for {role} {expected!r}"
            )
    return errors


def _closest_known(version: str) -> str:
    if version in KNOWN_SPECIFICATION_VERSIONS:
        return version
    major, minor = (int(part) for part in version.split("."))

    def distance(known: str) -> tuple[int, int]:
        known_major, known_minor = (int(part) for part in known.split("."))
        return abs(known_major - major), abs(known_minor - minor)

    return min(KNOWN_SPECIFICATION_VERSIONS, key=distance)


@cache
def _validator(version: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"pact-v{version}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _error_sort_key(error: ValidationError) -> tuple[list[tuple[int, int | str]], str]:
    # Ints and strings never compare directly: each path element carries its kind first.
    path = [(0, part) if isinstance(part, int) else (1, str(part)) for part in error.absolute_path]
    return path, error.message


def _render(error: ValidationError) -> str:
    path = _format_path(error.absolute_path)
    problem = _problem(error)
    return f"{path}: {problem}" if path else problem


def _format_path(parts: Iterable[int | str]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def _problem(error: ValidationError) -> str:
    kind = error.validator
    if kind == "type":
        expected = error.validator_value
        types = [expected] if isinstance(expected, str) else list(expected)
        # null is tolerated as "absent" in many places; naming it only confuses.
        shown = [name for name in types if name != "null"] or types
        return f"{_short(error.instance)} is not of type {', '.join(map(repr, shown))}"
    if kind == "pattern" and error.validator_value == r"\S":
        return f"{_short(error.instance)} must not be blank"
    if kind == "anyOf" and _all_required_alternatives(error.validator_value):
        names = [alternative["required"][0] for alternative in error.validator_value]
        return f"one of {', '.join(map(repr, names))} is required"
    if kind in ("anyOf", "oneOf") and error.context:
        return _problem(best_match(error.context))
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        return f"{_short(error.instance)} is not one of {', '.join(map(repr, allowed))}"
    if kind == "required":
        return error.message
    return _shorten(error.message, 200)


def _all_required_alternatives(alternatives: Any) -> bool:
    return isinstance(alternatives, list) and all(
        isinstance(item, dict) and set(item) == {"required"} and len(item["required"]) == 1 for item in alternatives
    )


def _short(value: Any) -> str:
    return _shorten(repr(value), _MAX_VALUE_REPR)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else f"a {type(value).__name__}"
