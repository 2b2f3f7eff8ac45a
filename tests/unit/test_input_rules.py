"""House rules for request input (contracts/api/inputs.py): NUL in Text, domain rules as validators."""

from __future__ import annotations

import pytest

from contracts.api.inputs import Input, Text, checked_by, no_control_characters, parse
from contracts.exceptions import InvalidInput
from contracts.services.versions import validate_version_number


class NumberInput(Input):
    number = Text(validators=[checked_by(validate_version_number)])


class LabelInput(Input):
    label = Text(required=False, validators=[no_control_characters])


def errors(input_class: type[Input], data: dict) -> dict:
    with pytest.raises(InvalidInput) as raised:
        parse(input_class, data)
    return raised.value.errors


VERSION_NUMBERS = {
    "spaces around": (" 1.0 ", ["cannot start or end with a space"]),
    "only spaces": ("   ", ["cannot be blank"]),
    "two lines": ("1.0\n2", ["cannot contain a new line"]),
    "a control character": ("1.0\x01", ["cannot contain control characters"]),
    "too long": ("1" * 256, ["is longer than 255 characters"]),
    # Refused by Text itself, once, before the rule runs (PostgreSQL cannot store it).
    "a NUL character": ("1\x000", ["cannot contain NUL characters"]),
}


@pytest.mark.parametrize(("number", "messages"), VERSION_NUMBERS.values(), ids=VERSION_NUMBERS.keys())
def test_a_domain_rule_reports_its_own_messages_on_the_field(number, messages):
    assert errors(NumberInput, {"number": number}) == {"number": messages}


def test_a_value_the_domain_rule_accepts_is_kept_as_sent():
    assert parse(NumberInput, {"number": "1.0.0+build.7"}) == {"number": "1.0.0+build.7"}


@pytest.mark.parametrize("label", ["tab\there", "bell\x07", "delete\x7f", "line\nbreak"])
def test_control_characters_are_refused(label):
    assert errors(LabelInput, {"label": label}) == {"label": ["cannot contain control characters"]}


@pytest.mark.parametrize("label", ["plain", "spaces and ünïcödé", "emoji 🚀"])
def test_printable_text_passes(label):
    assert parse(LabelInput, {"label": label}) == {"label": label}


def test_nul_is_refused_in_any_text_field_in_the_house_language():
    assert errors(LabelInput, {"label": "a\x00"}) == {"label": ["cannot contain NUL characters"]}
