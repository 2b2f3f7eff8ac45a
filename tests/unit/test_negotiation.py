"""Choosing a representation from the Accept header (contracts/api/negotiation.py)."""

from __future__ import annotations

import pytest

from contracts.api.negotiation import preferred_media_type

JSON, HAL, OPENMETRICS, TEXT = "application/json", "application/hal+json", "application/openmetrics-text", "text/plain"
METRICS = (HAL, JSON, OPENMETRICS, TEXT)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HAL),
        ("", HAL),
        ("*/*", HAL),
        ("application/hal+json, application/json, */*; q=0.01", HAL),
        ("application/json", JSON),
        ("application/json, text/plain, */*", HAL),  # a tie goes to the first offer (axios)
        ("text/plain", TEXT),
        ("text/plain; version=0.0.4", TEXT),  # media type parameters other than q are ignored
        ("text/*", TEXT),
        ("TEXT/PLAIN", TEXT),
        ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OPENMETRICS),
        ("text/plain;q=0.3, */*;q=0.2", TEXT),
        ("text/plain;q=0.1, */*;q=0.2", HAL),  # */* rates JSON above the explicit text/plain
        ("text/plain;q=0, */*", HAL),  # q=0 means "not this"
        ("image/png", HAL),  # nothing acceptable: the first offer, never a 406
        ("text/plain;q=abc", HAL),  # an unreadable q counts as 0
        ("garbage, ;;, text/plain", TEXT),
        ("text/plain;q=7", TEXT),  # q above 1 is read as 1
    ],
)
def test_preferred_media_type(accept, expected):
    assert preferred_media_type(accept, METRICS) == expected


def test_the_most_specific_range_decides():
    # text/plain is explicitly refused even though text/* would accept it.
    assert preferred_media_type("text/*, text/plain;q=0", (TEXT, "text/vnd.graphviz")) == "text/vnd.graphviz"
