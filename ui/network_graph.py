"""The network page's graph, in plain Python (no ORM, no layout library).

Applications are nodes and integrations are edges consumer -> provider. This module
finds hubs (by degree) and cycles (strongly connected components, iterative Tarjan),
cuts a neighbourhood, lays the graph out in layers (Sugiyama-style: break cycles,
longest-path layering, a few barycentric sweeps) and writes it as SVG or Graphviz DOT.
Everything is deterministic: ties are broken by name, so the same data draws the same.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from math import isqrt

# A node's status is the worst of its integrations' (contracts.VerificationStatus), in
# this order: a failure breaks a build; pending failed without breaking one; stale and
# unverified say nobody checked the latest pact; "none" is an application with no pact.
WORST_FIRST = ("failed", "pending", "stale", "unverified", "verified", "none")
# Text (and shape, in the SVG) beside the colour, so colour is never the only signal.
GLYPHS = {"failed": "✕", "pending": "!", "stale": "!", "unverified": "?", "verified": "✓", "none": "·"}
HUBS = 5  # how many of the best-connected applications are highlighted
HUB_DEGREE = 3  # ... with at least this many integrations (two is a chain, not a hub)
NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 160, 34, 16, 64, 16
SWEEPS = 4


@dataclass
class Node:
    name: str
    status: str = "none"
    drift: bool = False  # an unresolved drift incident names this application as provider
    outgoing: set[str] = field(default_factory=set)  # providers it consumes
    incoming: set[str] = field(default_factory=set)  # consumers of it
    hub: bool = False
    cycle: int | None = None  # the number of its cycle (strongly connected component), if any
    x: float = 0.0
    y: float = 0.0

    @property
    def degree(self) -> int:
        return len(self.outgoing) + len(self.incoming)

    @property
    def status_text(self) -> str:
        words = [self.status if self.status != "none" else "no pacts"]
        if self.drift:
            words.append("drifting")
        if self.hub:
            words.append("hub")
        if self.cycle is not None:
            words.append(f"in cycle {self.cycle}")
        return ", ".join(words)


@dataclass(frozen=True)
class Edge:
    consumer: str
    provider: str
    status: str
    drift: bool = False


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    cycles: list[list[str]] = field(default_factory=list)
    hubs: list[Node] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def build(names: Iterable[str], edges: Iterable[Edge], drifting: set[str]) -> Graph:
    """The graph of these applications and integrations; each node's status is the worst
    of its integrations', and `drifting` names the applications with an open incident."""
    nodes = {name: Node(name) for name in names}
    kept = []
    rank = {status: i for i, status in enumerate(WORST_FIRST)}
    for edge in edges:
        consumer, provider = nodes.get(edge.consumer), nodes.get(edge.provider)
        if consumer is None or provider is None or edge.consumer == edge.provider:
            continue
        kept.append(edge)
        consumer.outgoing.add(edge.provider)
        provider.incoming.add(edge.consumer)
        for node in (consumer, provider):
            if rank.get(edge.status, 0) < rank[node.status]:
                node.status = edge.status
    for name in drifting:
        if name in nodes:
            nodes[name].drift = True
    return Graph(nodes, sorted(kept, key=lambda e: (e.consumer, e.provider)))


def restrict(graph: Graph, keep: set[str]) -> Graph:
    """The subgraph on `keep`. Nodes keep the status, hub and cycle marks they have in
    `graph`, so an application looks the same in a neighbourhood as in the whole system."""
    edges = [edge for edge in graph.edges if edge.consumer in keep and edge.provider in keep]
    sub = build(sorted(keep), edges, {name for name in keep if graph.nodes[name].drift})
    for name, node in sub.nodes.items():
        whole = graph.nodes[name]
        node.status, node.hub, node.cycle = whole.status, whole.hub, whole.cycle
    sub.hubs = [node for node in graph.hubs if node.name in keep]
    sub.cycles = [cycle for cycle in graph.cycles if keep.intersection(cycle)]
    return sub


def neighbourhood(graph: Graph, centre: str, depth: int) -> set[str]:
    """The applications at most `depth` integrations away from `centre`, either direction."""
    seen = {centre}
    frontier = [centre]
    for _ in range(depth):
        following = []
        for name in frontier:
            node = graph.nodes[name]
            for other in sorted(node.outgoing | node.incoming):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    return seen


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's algorithm with an explicit stack (no recursion limit at 1,000 nodes):
    every strongly connected component of more than one node, each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.nodes[root].outgoing)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            name, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.nodes[successor].outgoing))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[name] = min(low[name], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[name])
            if low[name] == index[name]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == name:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found, key=lambda c: (-len(c), c[0]))


def analyse(graph: Graph, hubs: int = HUBS) -> Graph:
    """Mark the cycles and the `hubs` best-connected applications (degree, then name;
    HUB_DEGREE integrations at least)."""
    graph.cycles = strongly_connected(graph)
    for number, component in enumerate(graph.cycles, start=1):
        for name in component:
            graph.nodes[name].cycle = number
    ranked = sorted((n for n in graph.nodes.values() if n.degree >= HUB_DEGREE), key=lambda n: (-n.degree, n.name))
    graph.hubs = ranked[:hubs]
    for node in graph.hubs:
        node.hub = True
    return graph


# ---------------------------------------------------------------- layout


def _acyclic_successors(graph: Graph) -> dict[str, list[str]]:
    """Each node's successors without the edges that close a cycle (back edges of an
    iterative depth-first search), so longest-path layering terminates."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    kept: dict[str, list[str]] = {name: [] for name in graph.nodes}
    for root in sorted(graph.nodes):
        if root in state:
            continue
        state[root] = 1
        work = [(root, iter(sorted(graph.nodes[root].outgoing)))]
        while work:
            name, successors = work[-1]
            for successor in successors:
                if state.get(successor) == 1:
                    continue  # a back edge: dropped from the layering
                kept[name].append(successor)
                if successor not in state:
                    state[successor] = 1
                    work.append((successor, iter(sorted(graph.nodes[successor].outgoing))))
                    break
            else:
                state[name] = 2
                work.pop()
    return kept


def _layers(graph: Graph) -> list[list[str]]:
    """Longest-path layering: consumers nobody consumes on top, each provider one layer
    below its lowest consumer (Kahn's order over the acyclic edges)."""
    successors = _acyclic_successors(graph)
    indegree = {name: 0 for name in graph.nodes}
    for targets in successors.values():
        for target in targets:
            indegree[target] += 1
    layer = dict.fromkeys(graph.nodes, 0)
    ready = deque(sorted(name for name, d in indegree.items() if d == 0))
    while ready:
        name = ready.popleft()
        for target in successors[name]:
            layer[target] = max(layer[target], layer[name] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    layers: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for name in sorted(graph.nodes):
        layers[layer[name]].append(name)
    return layers


def _order(graph: Graph, layers: list[list[str]]) -> None:
    """Barycentric ordering: sweep down then up, placing each node at the mean position
    of its neighbours in the layers already placed (ties by name)."""
    position = {name: i for layer in layers for i, name in enumerate(layer)}
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        indices = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for i in indices:
            centre = {}
            for name in layers[i]:
                node = graph.nodes[name]
                placed = [position[other] for other in (node.incoming if down else node.outgoing)]
                centre[name] = sum(placed) / len(placed) if placed else position[name]
            layers[i].sort(key=lambda name: (centre[name], name))
            for j, name in enumerate(layers[i]):
                position[name] = j


def layout(graph: Graph) -> Graph:
    """Give every node x, y (its top-left corner) and the graph its width and height. A
    layer too wide wraps onto further rows, centred, so the page stays narrow."""
    layers = _layers(graph)
    _order(graph, layers)
    # At most about sqrt(n) nodes side by side: a square-ish drawing (five, the width of
    # the page, for a small graph).
    per_row = max(5, isqrt(len(graph.nodes)) + 1)
    rows = [layer[i : i + per_row] for layer in layers for i in range(0, len(layer), per_row)]
    widest = max((len(row) for row in rows), default=0)
    graph.width = MARGIN * 2 + widest * NODE_W + max(widest - 1, 0) * GAP_X + GAP_Y  # room for bows
    graph.height = MARGIN * 2 + len(rows) * NODE_H + max(len(rows) - 1, 0) * GAP_Y
    for r, row in enumerate(rows):
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = (graph.width - span) / 2
        for i, name in enumerate(row):
            graph.nodes[name].x = left + i * (NODE_W + GAP_X)
            graph.nodes[name].y = MARGIN + r * (NODE_H + GAP_Y)
    return graph


# ---------------------------------------------------------------- output


def _short(name: str, limit: int = 20) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def svg(graph: Graph, href: Callable[[str], str], *, title: str, centre: str = "", standalone: bool = False) -> str:
    """The laid-out graph as SVG: a `<title>` and `<desc>`, each node a link with its
    status as a glyph, a shape (dashed when unverified, doubled when failing or drifting)
    and a tooltip; the `centre` of a neighbourhood is outlined. Classes carry the colours (accord.css); a downloaded file gets its own."""
    cycle_edges = {
        (e.consumer, e.provider)
        for e in graph.edges
        if graph.nodes[e.consumer].cycle is not None and graph.nodes[e.consumer].cycle == graph.nodes[e.provider].cycle
    }
    desc = (
        f"{len(graph.nodes)} applications and {len(graph.edges)} integrations, each an arrow from consumer "
        f"to provider. Node text starts with the status: ✓ verified, ✕ failed, ! pending or stale, ? unverified. "
        f"{len(graph.hubs)} hubs are outlined in bold and {len(graph.cycles)} cycles are drawn with dashed arrows. "
        "The table below the graph lists the same applications."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network-graph" role="group" '
        f'aria-labelledby="graph-title graph-desc" viewBox="0 0 {graph.width:.0f} {graph.height:.0f}" '
        f'width="{graph.width:.0f}" height="{graph.height:.0f}">',
        f'<title id="graph-title">{escape(title)}</title>',
        f'<desc id="graph-desc">{escape(desc)}</desc>',
    ]
    if standalone:
        out.append(f"<style>{STANDALONE_STYLE}</style>")
    out.append(
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>'
    )
    out.append('<g class="edges">')
    for edge in graph.edges:
        a, b = graph.nodes[edge.consumer], graph.nodes[edge.provider]
        if b.y > a.y:  # down, the usual way: leave the bottom, enter the top, curving
            x1, y1, x2, y2 = a.x + NODE_W / 2, a.y + NODE_H, b.x + NODE_W / 2, b.y
            bend = (y2 - y1) / 2
            d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2:.1f}"
        else:  # up or sideways (an edge that closes a cycle): out on the right, into the bottom
            x1, y1, x2, y2 = a.x + NODE_W, a.y + NODE_H / 2, b.x + NODE_W * 0.75, b.y + NODE_H
            bow = 40 + abs(y2 - y1) / 4
            d = f"M{x1:.1f},{y1:.1f} C{x1 + bow:.1f},{y1:.1f} {x2:.1f},{y2 + bow / 2:.1f} {x2:.1f},{y2:.1f}"
        classes = f"edge edge-{edge.status}" + (" edge-cycle" if (edge.consumer, edge.provider) in cycle_edges else "")
        classes += " edge-drift" if edge.drift else ""
        out.append(
            f'<path class="{classes}" d="{d}" marker-end="url(#arrow)">'
            f"<title>{escape(edge.consumer)} → {escape(edge.provider)}: {edge.status}"
            f"{', drifting' if edge.drift else ''}</title></path>"
        )
    out.append('</g><g class="nodes">')
    for name in sorted(graph.nodes):
        node = graph.nodes[name]
        classes = f"node node-{node.status}" + (" node-hub" if node.hub else "")
        classes += (" node-cycle" if node.cycle is not None else "") + (" node-drift" if node.drift else "")
        classes += " node-centre" if name == centre else ""
        centred = " (centre)" if name == centre else ""
        label = f"{GLYPHS[node.status]} {_short(name)}" + (" ⚡" if node.drift else "")
        out.append(
            f'<a href="{escape(href(name))}" class="{classes}" aria-label="{escape(name)}{centred}: {escape(node.status_text)}">'
            f"<title>{escape(name)}: {escape(node.status_text)}; consumes {len(node.outgoing)}, "
            f"consumed by {len(node.incoming)}</title>"
            f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
        )
        if node.drift or node.status == "failed":
            out.append(
                f'<rect class="inner" x="{node.x + 3:.1f}" y="{node.y + 3:.1f}" '
                f'width="{NODE_W - 6}" height="{NODE_H - 6}" rx="4"/>'
            )
        out.append(f'<text x="{node.x + NODE_W / 2:.1f}" y="{node.y + NODE_H / 2:.1f}">{escape(label)}</text></a>')
    out.append("</g></svg>")
    return "\n".join(out)


# A downloaded SVG has no page stylesheet: the light palette of accord.css, inline.
STANDALONE_STYLE = (
    "svg{background:#fff;font-family:system-ui,sans-serif}"
    ".node rect{fill:#eaeef2;stroke:#57606a;stroke-width:1.5}.node text{font-size:13px;fill:#1b1f24;"
    "text-anchor:middle;dominant-baseline:central}.node .inner{fill:none}"
    ".node-verified rect{fill:#dafbe1;stroke:#0f5223}.node-failed rect{fill:#ffebe9;stroke:#a40e26}"
    ".node-pending rect,.node-stale rect{fill:#fff1c5;stroke:#6f4400}"
    ".node-unverified rect{stroke-dasharray:5 3}.node-drift rect{stroke:#a40e26}"
    ".node-hub>rect:first-of-type{stroke-width:4}.edge{fill:none;stroke:#8c959f;stroke-width:1.2}"
    ".edge-failed{stroke:#a40e26}.edge-cycle{stroke:#8250df;stroke-width:2.5;stroke-dasharray:6 4}"
    ".arrowhead{fill:#57606a}.node-centre>rect:first-of-type{stroke:#0969da;stroke-width:4}"
)


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(graph: Graph, href: Callable[[str], str], *, title: str) -> str:
    """The graph as Graphviz DOT text (`dot -Tsvg` lays it out again its own way)."""
    fills = {"verified": "#dafbe1", "failed": "#ffebe9", "pending": "#fff1c5", "stale": "#fff1c5"}
    lines = [
        f"// {title}",
        "digraph accord {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eaeef2", fontname="sans-serif"];',
    ]
    for name in sorted(graph.nodes):
        node = graph.nodes[name]
        style = "rounded,filled" + (",dashed" if node.status == "unverified" else "") + (",bold" if node.hub else "")
        attributes = [
            f"label={_dot_id(f'{GLYPHS[node.status]} {name}' + (' (drifting)' if node.drift else ''))}",
            f"tooltip={_dot_id(node.status_text)}",
            f"URL={_dot_id(href(name))}",
            f'style="{style}"',
        ]
        if node.status in fills:
            attributes.append(f'fillcolor="{fills[node.status]}"')
        if node.drift or node.status == "failed":
            attributes.append("peripheries=2")
        lines.append(f"  {_dot_id(name)} [{', '.join(attributes)}];")
    for edge in graph.edges:
        attributes = [f"label={_dot_id(edge.status)}"]
        a, b = graph.nodes[edge.consumer], graph.nodes[edge.provider]
        if a.cycle is not None and a.cycle == b.cycle:
            attributes.append('style=dashed, color="#8250df"')
        lines.append(f"  {_dot_id(edge.consumer)} -> {_dot_id(edge.provider)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
