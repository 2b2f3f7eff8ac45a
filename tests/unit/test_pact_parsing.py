from __future__ import annotations

import math

import pytest

from contracts.pact.parsing import DEFAULT_MAX_DEPTH, JsonParseError, parse_json

VALID = [
    pytest.param('{"a": 1}', {"a": 1}, id="object"),
    pytest.param(b'{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}, id="bytes"),
    pytest.param(b'\xef\xbb\xbf{"a": 1}', {"a": 1}, id="utf8-bom-bytes"),
    pytest.param('\ufeff{"a": 1}', {"a": 1}, id="utf8-bom-str"),
    pytest.param('"Gr\u00fc\u00dfe \u2713"', "Grüße ✓", id="non-ascii"),
    pytest.param('"\\ud83d\\ude00"', "\U0001f600", id="surrogate-pair-escape"),
    pytest.param("123456789012345678901234567890", 123456789012345678901234567890, id="big-int"),
    pytest.param("-0.1", -0.1, id="float"),
    pytest.param('["' + "[" * 1000 + '"]', ["[" * 1000], id="brackets-in-string"),
    pytest.param('["\\"[[[[", "\\\\", []]', ['"[[[[', "\\", []], id="escapes-in-string"),
    pytest.param("[" * 64 + "]" * 64, None, id="nesting-at-limit"),
    pytest.param('{"a": {"a": 1}, "b": {"a": 2}}', None, id="same-key-in-sibling-objects"),
]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_accepts_valid_json(raw: str | bytes, expected: object) -> None:
    value = parse_json(raw)
    if expected is not None:
        assert value == expected


INVALID = [
    pytest.param(
        b'{"a": "\xff"}',
        "the document is not valid UTF-8: invalid byte 0xff at byte position 7",
        id="bad-utf8",
    ),
    pytest.param(
        b'\xef\xbb\xbf["\xc3',
        "invalid byte 0xc3 at byte position 5",
        id="bad-utf8-after-bom-counts-from-raw-start",
    ),
    pytest.param(
        b'"\xff\xfe\x00"',
        "invalid byte 0xff at byte position 1",
        id="utf16-bytes",
    ),
    pytest.param(
        '{"a": 1,}',
        "invalid JSON at line 1, column 9: Expecting property name enclosed in double quotes",
        id="trailing-comma",
    ),
    pytest.param(
        '{\n  "a": [1 2]\n}',
        "invalid JSON at line 2, column 11: Expecting ',' delimiter",
        id="missing-comma",
    ),
    pytest.param('{"a": 1} x', "invalid JSON at line 1, column 10: Extra data", id="extra"),
    pytest.param('{"a": "x', "Unterminated string starting at", id="unterminated"),
    pytest.param('"a\x01b"', "Invalid control character at", id="raw-control-char"),
    pytest.param(
        "NaN",
        "invalid JSON: NaN is not a valid JSON number (use null or a string instead)",
        id="nan",
    ),
    pytest.param("[Infinity]", "Infinity is not a valid JSON number", id="infinity"),
    pytest.param('{"x": -Infinity}', "-Infinity is not a valid JSON number", id="-infinity"),
    pytest.param("[1e400]", "invalid JSON: number 1e400 is out of range", id="float-overflow"),
    pytest.param("1" * 5000, "invalid JSON: an integer has more than 4300 digits", id="huge-int"),
    pytest.param(
        '{"name": "a", "name": "b"}',
        "invalid JSON: duplicate key 'name' in an object",
        id="duplicate-key",
    ),
    pytest.param(
        '{"a": [{"x": 1, "y": 2, "x": 1}]}',
        "duplicate key 'x' in an object",
        id="nested-duplicate-key-same-value",
    ),
    pytest.param("", "the document is empty: expected a JSON value", id="empty"),
    pytest.param(b" \n\t", "the document is empty", id="whitespace"),
    pytest.param("[" * 65 + "]" * 65, "JSON nesting is deeper than 64 levels", id="one-too-deep"),
    pytest.param(
        '{"a":' * 100 + "1" + "}" * 100,
        "JSON nesting is deeper than 64 levels",
        id="deep-objects",
    ),
    pytest.param(
        '"\\ud800"',
        "invalid JSON: string '\\ud800' contains an unpaired UTF-16 surrogate \\ud800",
        id="lone-surrogate",
    ),
    pytest.param(
        '{"k\\udfff": 1}',
        "unpaired UTF-16 surrogate \\udfff",
        id="surrogate-key",
    ),
    pytest.param(
        '["\ud800"]',  # a str argument that already holds a lone surrogate
        "unpaired UTF-16 surrogate \\ud800",
        id="raw-surrogate-in-str",
    ),
]


@pytest.mark.parametrize(("raw", "fragment"), INVALID)
def test_rejects_invalid_json_with_a_clear_message(raw: str | bytes, fragment: str) -> None:
    with pytest.raises(JsonParseError) as caught:
        parse_json(raw)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * 100_000, id="unclosed-arrays"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="closed-arrays"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="objects"),
        pytest.param("[" * 100_000 + '"' + "]" * 100_000, id="unterminated-string-inside"),
    ],
)
def test_deep_nesting_is_a_parse_error_not_a_recursion_error(raw: str | bytes) -> None:
    with pytest.raises(JsonParseError, match="JSON nesting is deeper than 64 levels"):
        parse_json(raw)


def test_max_depth_is_configurable() -> None:
    assert parse_json("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(JsonParseError, match="deeper than 2 levels"):
        parse_json("[[[1]]]", max_depth=2)


def test_depth_beyond_the_interpreter_limit_is_still_a_parse_error() -> None:
    with pytest.raises(JsonParseError, match="too deep to parse"):
        parse_json("[" * 100_000 + "]" * 100_000, max_depth=1_000_000)


def test_unterminated_string_with_many_escaped_quotes_is_rejected() -> None:
    # Guards against the quadratic rescans a naive string regex would do.
    with pytest.raises(JsonParseError, match="Unterminated string"):
        parse_json("[" * 50 + '"' + '\\"' * 500_000)


def test_default_depth_is_64() -> None:
    assert DEFAULT_MAX_DEPTH == 64


def test_error_is_a_value_error() -> None:
    assert issubclass(JsonParseError, ValueError)


def test_integers_stay_exact_and_other_numbers_are_floats() -> None:
    value = parse_json('{"i": 9007199254740993, "f": 0.1, "e": 1e2}')
    assert value["i"] == 9007199254740993
    assert type(value["i"]) is int
    assert type(value["f"]) is float
    assert value["e"] == 100.0
    assert not math.isinf(parse_json("1.7976931348623157e308"))
