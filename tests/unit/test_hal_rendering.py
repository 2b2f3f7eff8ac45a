"""The API's JSON writer (contracts/api/hal.py): orjson, byte for byte what the standard
library writes (but for the spelling of small floats, 0.00001 for 1e-05: the same number),
and the standard library for what orjson refuses."""

from __future__ import annotations

import json

import pytest

from contracts.api.hal import render_json


def standard(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False).encode("utf-8")


@pytest.mark.parametrize(
    "data",
    [
        {},
        [],
        {"name": "Zürich-Service ✓ 日本", "nested": {"list": [1, -2, 3.5, 12345678.9, 1e22, True, False, None]}},
        {"escapes": 'quote " backslash \\ newline \n tab \t nul \x00 bell \x07 del \x7f line separator \u2028'},
        {"emoji": "\U0001f600", "_links": {"self": {"href": "https://broker.example/pacts/provider/A%2FB"}}},
        {1: "int key", False: "bool key", None: "null key"},
        {"big": 2**63 - 1, "negative": -(2**63), "zero": 0, "float": 0.1 + 0.2},
        [{"same": "dict"}] * 3,
    ],
    ids=["empty object", "empty array", "unicode", "escapes", "astral", "non-str keys", "ints", "shared parts"],
)
def test_the_body_is_what_the_standard_library_writes(data):
    assert render_json(data) == standard(data)


def test_a_small_float_is_the_same_number_spelled_without_an_exponent():
    data = {"seconds": 1e-05, "ratio": 0.000123}
    assert render_json(data) == b'{"seconds":0.00001,"ratio":0.000123}'
    assert json.loads(render_json(data)) == data


def test_what_orjson_refuses_is_written_by_the_standard_library():
    huge = {"count": 2**70, "list": [2**64]}
    assert render_json(huge) == standard(huge) == b'{"count":1180591620717411303424,"list":[18446744073709551616]}'


def test_what_neither_can_write_is_an_error_not_a_guess():
    with pytest.raises(TypeError):
        render_json({"value": object()})
