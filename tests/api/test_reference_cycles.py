"""A request leaves no reference cycles behind: everything it made is freed by reference
counting when the server lets go of the response.

What a request leaves in a cycle waits for the garbage collector, which frees it in bulk: a
hub's can-i-deploy body was ~700 dicts and lists in DRF's view/request/response cycle, and
in a web worker every ~30th request paid a 5-7 ms collection (the p99 of the benchmark).
Requests go through Django's WSGI handler as gunicorn calls it (Django's test client keeps
references of its own), and the collector is told to keep what it finds so the test can name
it.

Two things are let through. Django's SQL compiler makes one recursive closure (a function, its
cell and its closure tuple, holding nothing else) for each query with `select_related`. And
the UI's pages are not held to this: Django binds a form's fields to the form, and a page
leaves ~170 small objects; they are not on the hot paths the Pact clients drive.
"""

from __future__ import annotations

import base64
import gc
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from tests.builders import TestData, pact_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def serve() -> Iterator:
    """Call the WSGI application as gunicorn does: one environ, the body iterated, closed."""
    handler = WSGIHandler()
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def call(method: str, uri: str, body: bytes = b"", **headers: str) -> tuple[int, bytes]:
        path, _, query = uri.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "RAW_URI": uri,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver",
            "HTTP_ACCEPT": headers.pop("accept", "application/hal+json"),
            "CONTENT_TYPE": "application/json" if body else "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
        }
        status: list[str] = []
        chunks = handler(environ, lambda line, _headers, _exc_info=None: status.append(line))
        try:
            content = b"".join(chunks)
        finally:
            chunks.close()
        return int(status[0].split()[0]), content

    try:
        yield call
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def cyclic_garbage(request) -> Counter:
    """What the collector finds unreachable after `request()`, by type (none: all freed)."""
    request()  # first: whatever a process makes once (caches, prepared statements)
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            request()
        gc.collect()
        found = Counter(_name(found) for found in gc.garbage)
        closures = found.pop(COMPILER_CLOSURE, 0)
        found.subtract({"cell": closures, "tuple": closures})
        return +found
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()


COMPILER_CLOSURE = "function django.db.models.sql.compiler.SQLCompiler.get_select.<locals>.get_select_from_parent"


def _name(found: object) -> str:
    """A type's name; a function's own, and a module's (a recursive closure is a cycle)."""
    if type(found).__name__ == "function":
        return f"function {found.__module__}.{found.__qualname__}"
    return type(found).__qualname__


@pytest.fixture
def hub(db) -> TestData:
    data = TestData()
    data.environment("production", production=True)
    for consumer in ("Web", "Mobile", "Batch"):
        data.publish(consumer, "1.0.0", provider="Hub", branch="main", tags=["prod"]).verify("7.0.0", branch="main")
        data.deploy(consumer, "1.0.0", to="production")
    data.deploy("Hub", "7.0.0", to="production")
    return data


FOR_VERIFICATION = json.dumps(
    {
        "consumerVersionSelectors": [{"mainBranch": True}, {"deployedOrReleased": True}],
        "includePendingStatus": True,
        "includeWipPactsSince": "2020-01-01",
        "providerVersionBranch": "main",
    }
).encode()

READS = {
    "can-i-deploy": ("GET", "/can-i-deploy?pacticipant=Hub&version=7.0.0&environment=production"),
    "matrix": (
        "GET",
        "/matrix?q[][pacticipant]=Web&q[][version]=1.0.0&q[][pacticipant]=Hub&q[][latest]=true&latestby=cvpv",
    ),
    "pacts for verification": ("POST", "/pacts/provider/Hub/for-verification"),
    "a pact": ("GET", "/pacts/provider/Hub/consumer/Web/version/1.0.0"),
    "the index": ("GET", "/"),
    "heartbeat": ("GET", "/diagnostic/status/heartbeat"),
    "a 404": ("GET", "/pacticipants/Nobody"),
    "a 400 (bad JSON)": ("POST", "/pacts/provider/Hub/for-verification"),
}


@pytest.mark.parametrize("name", READS)
def test_an_api_read_leaves_no_cycles(serve, hub, name) -> None:
    method, uri = READS[name]
    body = {"pacts for verification": FOR_VERIFICATION, "a 400 (bad JSON)": b"{not json"}.get(name, b"")
    expected = {"a 404": 404, "a 400 (bad JSON)": 400}.get(name, 200)

    def request() -> None:
        status, content = serve(method, uri, body)
        assert status == expected, content[:500]

    assert cyclic_garbage(request) == Counter()


def test_a_publish_leaves_no_cycles(serve, hub) -> None:
    numbers = iter(range(100))

    def request() -> None:
        number = f"2.0.{next(numbers)}"
        body = {
            "pacticipantName": "Web",
            "pacticipantVersionNumber": number,
            "branch": "main",
            "contracts": [
                {
                    "consumerName": "Web",
                    "providerName": "Hub",
                    "specification": "pact",
                    "contentType": "application/json",
                    "content": base64.b64encode(pact_json("Web", "Hub", variant=number).encode()).decode(),
                }
            ],
        }
        status, content = serve("POST", "/contracts/publish", json.dumps(body).encode())
        assert status == 200, content[:500]

    assert cyclic_garbage(request) == Counter()


def test_the_check_sees_a_cycle(serve, hub) -> None:
    """The check itself: a request that does leave a cycle behind is caught."""
    kept: list = []

    def request() -> None:
        serve("GET", "/diagnostic/status/heartbeat")
        loop: dict = {}
        loop["self"] = loop
        kept.append(len(kept))

    assert cyclic_garbage(request) == Counter({"dict": 3})
