"""Request input, in one style: a DRF serializer for every request body and query string.

A view hands what it received to `parse(SomeInput, data)` and gets validated values or a
400 in the Pact Broker's validation shape, the same everywhere:

    {"errors": {"request.url": ["is missing"], "contracts[1].content": ["is not valid Base64"]}}

Nested serializers and lists are flattened into dotted and indexed keys, a body that is
not a JSON object is `{"body": [...]}`, and cross-field problems go under `base`. Fields
speak the house language ("is missing", "must be a string", "cannot be blank") rather
than DRF's defaults, and never coerce: `1` is not the string "1", "true" is not `true`
in a JSON body. The serializers double as the request schemas of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.exceptions import InvalidInput

BODY = "body"
BASE = "base"


def _messages(**extra: str) -> dict[str, str]:
    return {"required": "is missing", "null": "cannot be null", **extra}


class Text(serializers.CharField):
    """A JSON string, never a number or a boolean coerced into one; kept as sent (no trimming)."""

    default_error_messages = _messages(
        invalid="must be a string",
        blank="cannot be blank",
        nul="cannot contain NUL characters",
        max_length="is longer than {max_length} characters",
        min_length="is shorter than {min_length} characters",
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        # PostgreSQL cannot store NUL: refused below, once and in the house language, rather
        # than by DRF's validator ("Null characters are not allowed.") beside the field's own.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("nul")
        return super().to_internal_value(data)


@extend_schema_field({"type": "boolean"})
class Flag(serializers.Field):
    """`true` or `false` in a JSON body; "true"/"false" in a query string (`query=True`)."""

    default_error_messages = _messages(invalid="must be true or false")

    def __init__(self, *, query: bool = False, **kwargs: Any) -> None:
        self.query = query
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if self.query and isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid")

    def to_representation(self, value: Any) -> bool:
        return bool(value)


class Whole(serializers.IntegerField):
    """A whole number; in a query string, digits only."""

    default_error_messages = _messages(
        invalid="must be a whole number",
        max_value="must be at most {max_value}",
        min_value="must be at least {min_value}",
        max_string_length="is too long",
    )

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or (isinstance(data, str) and not (data.isascii() and data.isdigit())):
            self.fail("invalid")
        return super().to_internal_value(data)


class Items(serializers.ListField):
    """A JSON array (of strings unless `child` says otherwise)."""

    default_error_messages = _messages(
        not_a_list="must be an array",
        empty="cannot be empty",
        max_length="has more than {max_length} items",
        min_length="has fewer than {min_length} items",
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", Text())
        super().__init__(**kwargs)


class Object(serializers.DictField):
    """A JSON object of any values."""

    default_error_messages = _messages(not_a_dict="must be an object")


def single_line(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise serializers.ValidationError("cannot contain multiple lines")


def no_spaces(value: str) -> None:
    if any(char.isspace() for char in value):
        raise serializers.ValidationError("cannot contain spaces")


class Input(serializers.Serializer):
    """The base of every request serializer (a body's fields, or a query string's)."""

    default_error_messages = _messages(invalid="must be an object")


def flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"a.b": [...], "items[0].c": [...]}; cross-field errors under `base`."""
    flat: dict[str, list[str]] = {}

    def add(key: str, message: Any) -> None:
        flat.setdefault(key or BASE, []).append(str(message))

    def walk(detail: Any, key: str) -> None:
        if isinstance(detail, Mapping):
            for name, value in detail.items():
                if name == "non_field_errors":
                    walk(value, key)
                elif isinstance(name, int):
                    walk(value, f"{key}[{name}]")
                else:
                    walk(value, f"{key}.{name}" if key else str(name))
        elif isinstance(detail, list) and detail and all(isinstance(item, str) for item in detail):
            for message in detail:
                add(key, message)
        elif isinstance(detail, list):
            for index, value in enumerate(detail):
                if value:
                    walk(value, f"{key}[{index}]")
        else:
            add(key, detail)

    walk(errors, prefix)
    return flat


def parse(input_class: type[serializers.Serializer], data: Any, **context: Any) -> dict:
    """Validated values of `data` (a parsed body or a QueryDict), or InvalidInput naming every problem."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidInput({BODY: ["must be a JSON object"]})
    serializer = input_class(data=data, context=context)
    try:
        if not serializer.is_valid():
            raise InvalidInput(flatten(serializer.errors))
        return dict(serializer.validated_data)
    finally:
        _unbind(serializer)


def _unbind(field: serializers.Field) -> None:
    """Empty a serializer once it has been used, and every field under it.

    DRF binds each field to its parent (`field.parent`, and the serializer's `fields`
    mapping holds the serializer): reference cycles, which kept the validated body (a
    publish's contracts) alive until the garbage collector's next pass. The fields are
    the serializer's own copies, used once.
    """
    state = field.__dict__
    bound = state.get("fields")
    children = list(bound.values()) if bound is not None else []
    if state.get("child") is not None:
        children.append(state["child"])
    for child in children:
        _unbind(child)
    state.clear()


# ---------------------------------------------------------------- additions: webhooks and verification runs


def not_blank(value: str) -> None:
    """Refuses text of spaces only (Text itself refuses only the empty string)."""
    if not value.strip():
        raise serializers.ValidationError("cannot be blank")


# RFC 9110 token characters: what a header name or an HTTP method is made of.
_TOKEN_CHARACTERS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def is_http_token(text: str) -> bool:
    """True for a valid header name or HTTP method (an RFC 9110 token)."""
    return bool(text) and all(char in _TOKEN_CHARACTERS for char in text)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class Headers(serializers.Field):
    """HTTP headers to send: an object of header names to single-line string values.

    Problems are listed under the field's own key, each naming its header: a header name
    is not a field path (it may hold dots), and a value with a new line would inject headers.
    """

    default_error_messages = _messages(invalid="must be an object of header names to string values")

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, Mapping):
            self.fail("invalid")
        problems = []
        for name, value in data.items():
            if not is_http_token(name):
                problems.append(f"'{name}' is not a valid header name")
            elif not isinstance(value, str):
                problems.append(f"the value of '{name}' must be a string")
            elif "\r" in value or "\n" in value:
                problems.append(f"the value of '{name}' cannot contain a new line")
        if problems:
            raise serializers.ValidationError(problems)
        return dict(data)

    def to_representation(self, value: Any) -> dict[str, str]:
        return dict(value)


class StrictInput(Input):
    """An Input that refuses fields it does not declare, under `body` (a typo is not silently dropped)."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        problem = [f"unknown field(s): {', '.join(unknown)}"]
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail[BODY] = problem
            raise
        if unknown:
            raise serializers.ValidationError({BODY: problem})
        return values


class Choice(serializers.ChoiceField):
    """One of a few strings (listed as an enum in the OpenAPI document); never coerced."""

    default_error_messages = _messages()

    def __init__(self, *, choices: tuple[str, ...] | list[str], **kwargs: Any) -> None:
        super().__init__(choices=choices, **kwargs)
        # DRF formats messages: braces in a choice would be placeholders.
        listed = ", ".join(str(choice) for choice in choices).replace("{", "{{").replace("}", "}}")
        self.error_messages["invalid_choice"] = f"must be one of {listed}"

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class Empty(Input):
    """A body whose content is not read (the URL says everything): still a JSON object, or empty."""


# ---------------------------------------------------------------- additions: publishing, pacts for verification, results


def no_control_characters(value: str) -> None:
    """Refuses control characters (tabs, new lines, NUL...): no name or label needs one."""
    if any(ord(char) < 32 or char == "\x7f" for char in value):
        raise serializers.ValidationError("cannot contain control characters")


def checked_by(rule: Callable[[Any, str], Any]) -> Callable[[Any], None]:
    """A field validator applying a domain rule that raises InvalidInput (e.g. `validate_version_number`).

    The rule stays in one place, with its messages, for the API and for the services that
    apply it again before writing.
    """

    def validator(value: Any) -> None:
        try:
            rule(value, "value")
        except InvalidInput as exc:
            raise serializers.ValidationError([message for messages in exc.errors.values() for message in messages])

    return validator
