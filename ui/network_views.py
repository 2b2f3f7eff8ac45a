"""The network page: the whole system of applications and integrations as a graph, or
one application's neighbourhood, with hubs, cycles, a table, and SVG and DOT exports.

The view validates its query, reads through ui.network_selectors and draws with
ui.network_graph; it never touches the ORM (.importlinter forbids the models here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_safe

from ui import network_graph as graphs
from ui import network_selectors, selectors
from ui.contracts_forms import problems
from ui.contracts_views import not_found
from ui.network_forms import NetworkQuery
from ui.paths import broker_url, use_base_path
from ui.views import _page, bad_request

# Above this many applications the whole graph is too dense to read at a glance: the page
# opens on a neighbourhood picker, and the full drawing is one explicit link away.
FULL_GRAPH_LIMIT = 150
CYCLES_LISTED = 20
NAMES_PER_CYCLE = 8  # a cycle of hundreds is listed by its first names and its size


def _filtered(data: network_selectors.NetworkData) -> graphs.Graph:
    """The system, or the applications a filter picked with their direct neighbours."""
    whole = graphs.build(data.names, data.edges, data.drifting)
    if data.matched is None:
        return whole
    keep = set(data.matched)
    for name in data.matched:
        keep |= whole.nodes[name].outgoing | whole.nodes[name].incoming
    return graphs.restrict(whole, keep)


def _linker(base: str) -> Callable[[str], str]:
    """Each application's link under `base`: its UI page."""
    prefix = get_script_prefix()
    return lambda name: f"{base}/{reverse('ui-application', kwargs={'name': name})[len(prefix) :]}"


def _export(request: HttpRequest, shown: graphs.Graph, title: str, kind: str, centre: str) -> HttpResponse:
    """The drawing as a download: SVG (laid out here) or Graphviz DOT; links are absolute."""
    href = _linker(broker_url(request))
    stem = f"accord-network-{centre}" if centre else "accord-network"
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "network"
    if kind == "svg":
        body = graphs.svg(graphs.layout(shown), href, title=title, centre=centre, standalone=True)
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    else:
        response = HttpResponse(graphs.dot(shown, href, title=title), content_type="text/vnd.graphviz; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{"svg" if kind == "svg" else "gv"}"'
    return response


@require_safe
def network(request: HttpRequest) -> HttpResponse:
    """The whole system, or `?around=<name>&depth=1|2`; `?format=svg|dot` downloads it."""
    use_base_path(request)
    form = NetworkQuery(request.GET, options=selectors.home_options())
    if not form.is_valid():
        return bad_request(request, problems(form))
    query = form.cleaned_data
    label, environment, around = query["label"], query["environment"], query["around"].strip()
    system = graphs.analyse(_filtered(network_selectors.network_data(label=label, environment=environment)))
    filters = " and ".join(
        part for part in (label and f"label {label}", environment and f"environment {environment}") if part
    )
    if around:
        if around not in system.nodes:
            where = f" among the applications with {filters}" if filters else ""
            return not_found(request, f"No application named '{around}'{where}.")
        shown = graphs.restrict(system, graphs.neighbourhood(system, around, query["depth"]))
        title = f"Applications within {query['depth']} step{'s' if query['depth'] > 1 else ''} of {around}"
    elif len(system.nodes) > FULL_GRAPH_LIMIT and not query["all"] and not query["format"]:
        shown, title = None, "All applications"
    else:
        shown, title = system, "All applications"
    if filters:
        title += f" ({filters})"
    if query["format"]:
        return _export(request, shown or system, title, query["format"], around)
    if shown is not None:
        graphs.layout(shown)

    href = _linker(get_script_prefix().rstrip("/"))
    kept = [(key, value) for key, value in request.GET.items() if key != "format" and value]
    listed = shown or system
    context = {
        "form": form,
        "filters": [form["label"], form["environment"], form["depth"]],
        "system": system,
        "shown": shown,
        "title": title,
        "around": around,
        "svg": graphs.svg(shown, href, title=title, centre=around) if shown is not None else "",
        "rows": [(listed.nodes[name], href(name)) for name in sorted(listed.nodes)],
        "names": sorted(system.nodes),
        "cycles": [
            {"size": len(cycle), "names": cycle[:NAMES_PER_CYCLE], "more": max(len(cycle) - NAMES_PER_CYCLE, 0)}
            for cycle in system.cycles[:CYCLES_LISTED]
        ],
        "more_cycles": max(len(system.cycles) - CYCLES_LISTED, 0),
        "svg_query": urlencode([*kept, ("format", "svg")] + ([] if shown else [("all", "1")])),
        "dot_query": urlencode([*kept, ("format", "dot")] + ([] if shown else [("all", "1")])),
        "all_query": urlencode([(k, v) for k, v in kept if k not in ("around", "depth")] + [("all", "1")]),
        "filter_query": urlencode([(k, v) for k, v in kept if k in ("label", "environment")]),
        "limit": FULL_GRAPH_LIMIT,
    }
    return _page(request, "ui/network/network.html", context)
