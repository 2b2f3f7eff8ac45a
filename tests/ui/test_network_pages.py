"""The network page: the system as a graph and a table, neighbourhoods, filters, hubs,
cycles, exports, and a bounded number of queries at 10 and 1,000 applications."""

from __future__ import annotations

import html as htmllib
import random
import re
import statistics
import time

import pytest

from contracts.models import Integration, Label, Pacticipant
from tests.builders import TestData, drift_incident
from tests.client import ApiClient
from ui import network_graph as graphs

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def network(api: ApiClient, query: str = ""):
    return api.get("/ui/network" + (f"?{query}" if query else ""), **HTML)


def table(response) -> dict[str, tuple[str, int, int, str]]:
    """Each table row: application -> (status text, consumes, consumed by, marks)."""
    html = response.content.decode().split('<table class="data network-table">')[1]
    found = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S):
        cells = [htmllib.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).split() for cell in re.split(r"</t[hd]>", row)]
        name, status, out, into, marks = (" ".join(c) for c in cells[:5])
        found[name] = (status, int(out), int(into), marks)
    return found


def svg_nodes(response) -> list[str]:
    """The applications drawn in the inline SVG, by their accessible labels."""
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>")[0]
    return sorted(
        htmllib.unescape(label) for label in re.findall(r'<a href="[^"]+" class="node[^"]*" aria-label="([^"]+)"', svg)
    )


def system(td: TestData) -> None:
    """web -> orders -> payments -> ledger -> orders (a cycle), admin -> payments, mobile -> orders."""
    for consumer, provider, outcome in [
        ("web", "orders", True),
        ("mobile", "orders", None),
        ("orders", "payments", False),
        ("payments", "ledger", True),
        ("ledger", "orders", True),
        ("admin", "payments", True),
    ]:
        td.publish(consumer, "1.0.0", provider=provider)
        if outcome is not None:
            td.verify("2.0.0", success=outcome)


def test_an_empty_broker_says_so(api: ApiClient) -> None:
    response = network(api)
    assert response.status_code == 200
    assert "No applications yet" in response.content.decode()
    assert 'aria-current="page">Network<' in response.content.decode()


def test_the_system_is_drawn_and_tabled_with_statuses(api: ApiClient, td: TestData) -> None:
    system(td)
    response = network(api)
    assert response.status_code == 200
    html = response.content.decode()
    rows = table(response)
    # The worst status of each application's integrations; degrees out and in.
    assert rows["web"][:3] == ("verified", 1, 0)
    assert rows["mobile"][:3] == ("unverified", 1, 0)
    assert rows["orders"][:3] == ("failed", 1, 3)
    assert rows["admin"][:3] == ("verified", 1, 0)
    # Every application is a node, labelled with its status in words and linked to its page.
    assert svg_nodes(response)[0] == "admin: verified"
    assert "orders: failed, hub, in cycle 1" in svg_nodes(response)
    assert '<title id="graph-title">All applications</title>' in html
    assert '<desc id="graph-desc">6 applications and 6 integrations' in html
    assert 'href="/ui/applications/orders"' in html
    assert ">✕ orders</text>" in html and ">? mobile</text>" in html  # text, not colour alone
    assert html.count('class="edge ') == 6


def test_hubs_and_cycles_are_listed_beside_the_graph(api: ApiClient, td: TestData) -> None:
    system(td)
    html = network(api).content.decode()
    hubs = html.split('<ol aria-labelledby="hubs-heading">')[1].split("</ol>")[0]
    assert re.findall(r">([a-z]+)</a>", hubs)[:2] == ["orders", "payments"]
    cycles = html.split('<ol aria-labelledby="cycles-heading">')[1].split("</ol>")[0]
    assert re.findall(r">([a-z]+)</a>", cycles) == ["ledger", "orders", "payments"]
    assert html.count("edge-cycle") == 3


def test_a_neighbourhood_one_or_two_steps_away(api: ApiClient, td: TestData) -> None:
    system(td)
    one = network(api, "around=web&depth=1")
    assert one.status_code == 200
    assert [label.split(":")[0] for label in svg_nodes(one)] == ["orders", "web (centre)"]
    assert "Applications within 1 step of web" in one.content.decode()
    two = network(api, "around=web&depth=2")
    assert [label.split(":")[0] for label in svg_nodes(two)] == [
        "ledger",
        "mobile",
        "orders",
        "payments",
        "web (centre)",
    ]
    # A node keeps its system-wide status in a neighbourhood.
    assert table(one)["orders"][0] == "failed"


def test_filters_by_label_and_environment_keep_the_neighbours(api: ApiClient, td: TestData) -> None:
    system(td)
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="admin"), name="backoffice")
    td.deploy("mobile", "1.0.0", to="production")
    by_label = network(api, "label=backoffice")
    assert sorted(table(by_label)) == ["admin", "payments"]
    by_environment = network(api, "environment=production")
    assert sorted(table(by_environment)) == ["mobile", "orders"]
    # The filters stay in the neighbourhood links (a permalink keeps them).
    assert "label=backoffice&amp;around=payments" in by_label.content.decode()
    assert network(api, "label=backoffice&around=web").status_code == 404


def test_drift_marks_the_provider(api: ApiClient, td: TestData) -> None:
    system(td)
    drift_incident("admin", "payments", "production")
    response = network(api)
    assert table(response)["payments"][0] == "failed drifting"
    assert "payments: failed, drifting, hub, in cycle 1" in svg_nodes(response)
    assert html_has(response, "⚡")


def html_has(response, text: str) -> bool:
    return text in response.content.decode()


@pytest.mark.parametrize(
    "query, status, says",
    [
        ("around=nobody", 404, "No application named &#x27;nobody&#x27;"),
        ("depth=3", 400, "depth:"),
        ("label=nope", 400, "label:"),
        ("format=png", 400, "format:"),
        ("around=" + "x" * 300, 400, "around:"),
    ],
)
def test_bad_input_is_a_clear_4xx(api: ApiClient, td: TestData, query: str, status: int, says: str) -> None:
    system(td)
    response = network(api, query)
    assert response.status_code == status
    assert says in response.content.decode()


def test_svg_and_dot_downloads(api: ApiClient, td: TestData) -> None:
    system(td)
    svg = network(api, "format=svg&around=orders")
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg["Content-Disposition"] == 'attachment; filename="accord-network-orders.svg"'
    body = svg.content.decode()
    assert body.startswith("<svg xmlns=") and "<style>" in body
    assert 'href="http://testserver/ui/applications/web"' in body
    dot = network(api, "format=dot")
    assert dot["Content-Type"] == "text/vnd.graphviz; charset=utf-8"
    assert dot["Content-Disposition"] == 'attachment; filename="accord-network.gv"'
    text = dot.content.decode()
    assert text.splitlines()[1] == "digraph accord {"
    assert '"orders" -> "payments" [label="failed", style=dashed, color="#8250df"];' in text
    assert '"mobile" -> "orders" [label="unverified"];' in text


def test_links_follow_a_script_name(api: ApiClient, td: TestData) -> None:
    system(td)
    html = api.get("/ui/network", SCRIPT_NAME="/pact", **HTML).content.decode()
    assert 'action="/pact/ui/network"' in html
    assert '<a href="/pact/ui/applications/orders" class="node' in html
    assert 'href="/pact/ui/network?around=orders"' in html
    assert 'src="/pact/static/ui/network.js"' in html
    svg = api.get("/ui/network", {"format": "svg"}, SCRIPT_NAME="/pact", **HTML).content.decode()
    assert 'href="http://testserver/pact/ui/applications/orders"' in svg


def big_system(applications: int, integrations: int) -> None:
    """`applications` applications and `integrations` integrations with every status, a
    few hubs and some cycles, inserted in bulk (publishing them one by one takes minutes)."""
    Pacticipant.objects.bulk_create(Pacticipant(name=f"app-{n:04d}") for n in range(applications))
    ids = list(Pacticipant.objects.order_by("name").values_list("id", flat=True))
    statuses = ["verified", "verified", "failed", "pending", "stale", "unverified"]
    rng = random.Random(42)  # the same system every run
    hubs = ids[: max(len(ids) // 20, 2)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < integrations:
        consumer = rng.choice(ids)
        # Most integrations reach one of a few hubs; the rest anyone (which makes cycles).
        provider = rng.choice(hubs) if rng.random() < 0.6 else rng.choice(ids)
        if consumer != provider:
            pairs.add((consumer, provider))
    Integration.objects.bulk_create(
        Integration(consumer_id=c, provider_id=p, verification_status=statuses[i % len(statuses)])
        for i, (c, p) in enumerate(sorted(pairs))
    )


@pytest.mark.parametrize("applications, integrations", [(10, 20), (1000, 3000)])
def test_a_bounded_number_of_queries(api: ApiClient, django_assert_max_num_queries, applications, integrations) -> None:
    big_system(applications, integrations)
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="app-0001"), name="core")
    # Label and environment options; applications; integrations (ids); drift; the filter.
    with django_assert_max_num_queries(6):
        response = network(api, "all=1&label=core")
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        response = network(api, "all=1")
    assert response.status_code == 200
    assert len(svg_nodes(response)) == applications
    assert response.content.decode().count('class="edge ') == integrations


def test_a_large_system_opens_on_the_neighbourhood_picker(api: ApiClient) -> None:
    big_system(200, 400)
    html = network(api).content.decode()
    assert "<svg" not in html and "more than 150" in html
    assert 'href="/ui/network?all=1"' in html
    assert len(re.findall(r"<option value=\"app-", html)) == 200
    # A large cycle is listed by its size and first names, not all of them.
    assert re.search(r"\d+ applications:</span>(?: <a [^>]+>app-\d+</a>,?){8} and \d+ more</li>", html)
    assert len(svg_nodes(network(api, "around=app-0003"))) > 1


def measure_whole_graph(api: ApiClient, runs: int = 5) -> dict[str, float]:
    """The whole-graph page at 1,000 applications and 3,000 integrations: the median
    seconds of the page and of its layout alone, and the page's size in kB (reported,
    not asserted: `pytest -k measure -s` prints them)."""
    big_system(1000, 3000)
    pages, layouts = [], []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        response = network(api, "all=1")
        pages.append(time.perf_counter() - start)
        assert response.status_code == 200
        size = len(response.content)
        graph = graphs.analyse(graphs.build(*_system_of_the_database()))
        start = time.perf_counter()
        graphs.layout(graph)
        layouts.append(time.perf_counter() - start)
    return {"page_s": statistics.median(pages), "layout_s": statistics.median(layouts), "kB": size / 1000}


def _system_of_the_database() -> tuple[list[str], list[graphs.Edge], set[str]]:
    from ui.network_selectors import network_data

    data = network_data()
    return data.names, data.edges, data.drifting


def test_measure_the_whole_graph_at_1000_applications(api: ApiClient) -> None:
    figures = measure_whole_graph(api)
    print(
        f"\nnetwork page, 1,000 applications / 3,000 integrations: {figures['page_s'] * 1000:.0f} ms "
        f"(layout {figures['layout_s'] * 1000:.0f} ms), {figures['kB']:.0f} kB of HTML"
    )
    assert figures["kB"] > 0


# ---------------------------------------------------------------- the graph module


def chain(length: int, *, closed: bool) -> graphs.Graph:
    names = [f"n{i:05d}" for i in range(length)]
    edges = [graphs.Edge(a, b, "verified") for a, b in zip(names, names[1:], strict=False)]
    if closed:
        edges.append(graphs.Edge(names[-1], names[0], "verified"))
    return graphs.build(names, edges, set())


def test_cycles_are_found_without_recursion_on_a_long_chain() -> None:
    assert graphs.strongly_connected(chain(5000, closed=False)) == []
    assert [len(c) for c in graphs.strongly_connected(chain(5000, closed=True))] == [5000]


def test_the_layout_is_layered_and_deterministic() -> None:
    graph = graphs.analyse(chain(6, closed=True))
    first = graphs.layout(graph)
    positions = {name: (node.x, node.y) for name, node in first.nodes.items()}
    # Consumers above their providers once the one closing edge is set aside.
    ys = [positions[f"n{i:05d}"][1] for i in range(6)]
    assert ys == sorted(ys) and len(set(ys)) == 6
    again = graphs.layout(graphs.analyse(chain(6, closed=True)))
    assert {name: (node.x, node.y) for name, node in again.nodes.items()} == positions
