"""Links from route names: each name segment encoded once, placeholders only when marked."""

from __future__ import annotations

import pytest

from contracts.api.links import Placeholder, route_path


def test_names_are_percent_encoded_once_as_single_segments():
    assert route_path("version", {"name": "a/b c%", "number": "1.0"}) == "pacticipants/a%2Fb%20c%25/versions/1.0"


def test_a_placeholder_stays_a_template_variable_but_a_name_that_looks_like_one_is_encoded():
    templated = route_path("version-tag", {"name": "Foo", "number": Placeholder("version"), "tag": Placeholder("tag")})
    named = route_path("version-tag", {"name": "{tag}", "number": "1", "tag": "{tag}"})

    assert templated == "pacticipants/Foo/versions/{version}/tags/{tag}"
    assert named == "pacticipants/%7Btag%7D/versions/1/tags/%7Btag%7D"


def test_an_unknown_route_or_a_missing_parameter_fails_loudly():
    with pytest.raises(KeyError, match="no route named"):
        route_path("no-such-route", {})
    with pytest.raises(KeyError, match="needs number"):
        route_path("version", {"name": "Foo"})
