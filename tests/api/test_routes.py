"""The busiest routes are tried first (broker/urls.py): no other route's path may reach them.

Django tries URL patterns in order and takes the first that matches. can-i-deploy, the
matrix, pacts for verification and publishing were moved ahead of every other pattern, which
is only safe if no path of another route matches one of theirs: such a path would have gone
to its own route before and would now go to the busy one. Every route's path is built with
each of its parameters set, one at a time, to every literal word of the busy routes' paths
(and "x" for the others), and must resolve to its own route.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from broker.urls import urlpatterns as broker_urlpatterns
from contracts.api.urls import hot_urlpatterns

PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def _routes(patterns: list, prefix: str = "") -> list[tuple[str, str]]:
    """(route, name) of every named pattern, with its includes' prefixes."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((route, pattern.name))
    return found


HOT = {pattern.name for pattern in hot_urlpatterns}
HOT_WORDS = sorted(
    {word for pattern in hot_urlpatterns for word in str(pattern.pattern).split("/") if not PARAMETER.search(word)}
)
OTHERS = [(route, name) for route, name in _routes(get_resolver().url_patterns) if name not in HOT]


def _paths(route: str) -> list[str]:
    parameters = PARAMETER.findall(route)
    base = ["x"] * len(parameters)
    fills = [base] + [base[:i] + [word] + base[i + 1 :] for i in range(len(parameters)) for word in HOT_WORDS]
    return ["/" + _fill(route, fill) for fill in fills]


def _fill(route: str, values: list[str]) -> str:
    parts = PARAMETER.split(route)
    return "".join(part + (values[i] if i < len(values) else "") for i, part in enumerate(parts))


def test_the_busy_routes_are_the_first_patterns_tried():
    index, busy = broker_urlpatterns[:2]
    assert index.name == "index" and str(index.pattern) == ""  # the bare "/" only
    assert isinstance(busy, URLResolver) and busy.url_patterns == hot_urlpatterns
    assert {"matrix", "can-i-deploy", "pacts-for-verification", "contracts-publish"} <= HOT


@pytest.mark.parametrize(("route", "name"), OTHERS, ids=[name for _, name in OTHERS])
def test_no_path_of_another_route_reaches_a_busy_one(route, name):
    for path in _paths(route):
        match = resolve(path)
        assert match.url_name not in HOT, f"{path} (route {name!r}) now resolves to {match.url_name!r}"


def test_the_check_sees_a_route_that_would_collide():
    # A route of any pacts' sub-resource by name would take /pacts/provider/P/for-verification.
    reached = set()
    for path in _paths("pacts/provider/<seg:provider>/<seg:resource>"):
        try:
            reached.add(resolve(path).url_name)
        except Resolver404:  # the base path, "x" everywhere: no route of ours
            continue
    assert "pacts-for-verification" in reached
