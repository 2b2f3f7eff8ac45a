"""Checks shared by the services for the names that end up in URLs and keys."""

from __future__ import annotations

from contracts.exceptions import InvalidInput


def single_line_name(value: object, field: str, *, max_length: int = 255) -> str:
    """A non-blank, single-line string without control characters, or InvalidInput on `field`."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput({field: ["cannot be blank"]})
    if "\n" in value or "\r" in value:
        raise InvalidInput({field: ["cannot contain a new line"]})
    # PostgreSQL cannot store NUL, and no name needs a control character.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInput({field: ["cannot contain control characters"]})
    if len(value) > max_length:
        raise InvalidInput({field: [f"is longer than {max_length} characters"]})
    return value
