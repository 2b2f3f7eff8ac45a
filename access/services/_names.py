"""The rules for the names of accounts, teams and tokens (they appear in URLs and messages)."""

from __future__ import annotations

import re

from access.models import NAME_MAX_LENGTH, NAME_PATTERN
from contracts.exceptions import InvalidInput

_NAME = re.compile(NAME_PATTERN)


def name_problem(value: object) -> str | None:
    """What is wrong with `value` as a name, or None."""
    if not isinstance(value, str):
        return "must be a string"
    if not value:
        return "cannot be blank"
    if len(value) > NAME_MAX_LENGTH:
        return f"is longer than {NAME_MAX_LENGTH} characters"
    if not _NAME.match(value):
        return "must start with a letter or digit and hold only letters, digits and . _ @ + -"
    return None


def check_name(value: object, field: str = "name") -> str:
    problem = name_problem(value)
    if problem is not None:
        raise InvalidInput({field: [problem]})
    return value  # type: ignore[return-value]
