"""Keep selectors as the configuration spells them (contracts/keep_selectors.py, pure)."""

from __future__ import annotations

import pytest

from contracts.keep_selectors import (
    DEFAULT_KEEP_SELECTORS,
    KeepSelector,
    keep_selector_parse,
    keep_selectors_parse,
    with_always_kept,
)

VALID = {
    "camelCase": ({"branch": True, "latest": True}, KeepSelector(branch=True, latest=True)),
    "snake_case": ({"main_branch": True, "max_age": 30}, KeepSelector(main_branch=True, max_age=30)),
    "pacticipant and environment names": (
        {"pacticipantName": "Web", "environment_name": "production", "deployed": True},
        KeepSelector(pacticipant="Web", environment="production", deployed=True),
    ),
    "a named tag": ({"tag": "prod", "latest": True}, KeepSelector(tag="prod", latest=True)),
    "false is absent": ({"branch": False, "maxAge": 7}, KeepSelector(max_age=7)),
}
INVALID = {
    "unknown key": ({"lastest": True}, "unknown keep selector key 'lastest'"),
    "a key twice": ({"maxAge": 1, "max_age": 2}, "'max_age' is given twice"),
    "max age zero": ({"maxAge": 0}, "'maxAge' must be a whole number of days of at least 1"),
    "max age text": ({"maxAge": "90"}, "'maxAge' must be a whole number"),
    "max age true": ({"maxAge": True}, "'maxAge' must be a whole number"),
    "latest as text": ({"latest": "yes"}, "'latest' must be true or false"),
    "blank branch": ({"branch": " "}, "'branch' must be a name or true"),
    "no criterion": ({"latest": False}, "selects every version"),
    "not an object": (["latest"], "must be a JSON object"),
}


@pytest.mark.parametrize("data, selector", VALID.values(), ids=VALID.keys())
def test_valid_selectors(data, selector):
    assert keep_selector_parse(data) == selector


@pytest.mark.parametrize("data, message", INVALID.values(), ids=INVALID.keys())
def test_invalid_selectors_say_why(data, message):
    with pytest.raises(ValueError, match=message):
        keep_selector_parse(data)


def test_a_list_or_one_object_and_never_an_empty_list():
    assert keep_selectors_parse({"maxAge": 30}) == [KeepSelector(max_age=30)]
    assert keep_selectors_parse([{"maxAge": 30}, {"tag": True}]) == [KeepSelector(max_age=30), KeepSelector(tag=True)]
    for bad in ([], "maxAge", None):
        with pytest.raises(ValueError, match="non-empty JSON list"):
            keep_selectors_parse(bad)


def test_as_dict_round_trips_in_camel_case():
    for selector in DEFAULT_KEEP_SELECTORS:
        assert keep_selector_parse(selector.as_dict()) == selector
    assert KeepSelector(main_branch=True, latest=True).as_dict() == {"latest": True, "mainBranch": True}


def test_deployed_released_and_main_heads_are_added_once():
    added = with_always_kept([KeepSelector(max_age=90), KeepSelector(deployed=True), KeepSelector(max_age=90)])
    assert added == [
        KeepSelector(max_age=90),
        KeepSelector(deployed=True),
        KeepSelector(released=True),
        KeepSelector(main_branch=True, latest=True),
    ]
