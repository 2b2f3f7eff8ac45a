"""Fixtures for drift monitoring: a deployed provider process and a shop's pact."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, wait_until

STANDING = ["product 10 exists"]


class LiveProvider:
    """A provider process on loopback whose behaviour a test switches while it runs."""

    def __init__(self, tmp_path: Path, name: str = "provider") -> None:
        self.config = tmp_path / f"{name}.json"
        self.set(mode="correct")
        port_file = tmp_path / f"{name}.port"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.drift.provider_app", str(self.config), str(port_file)], cwd=ROOT
        )
        self.port = int(wait_until(lambda: port_file.exists() and port_file.read_text(), 10, "the provider to start"))
        self.url = f"http://127.0.0.1:{self.port}"

    def set(self, **settings) -> None:
        self.config.write_text(json.dumps(settings))

    def seen(self) -> dict:
        return httpx.get(self.url + "/_test/requests", timeout=5).json()

    def requests(self) -> list[tuple[str, str]]:
        return [(r["method"], r["path"]) for r in self.seen()["requests"]]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def live_provider(tmp_path) -> Iterator[LiveProvider]:
    provider = LiveProvider(tmp_path)
    yield provider
    provider.stop()


def _json_body(value) -> dict:
    return {"content": value, "contentType": "application/json", "encoded": False}


def http_interaction(description: str, method: str, path: str, status: int, body, states=()) -> dict:
    item = {
        "type": "Synchronous/HTTP",
        "description": description,
        "request": {"method": method, "path": path},
        "response": {"status": status, "headers": {"Content-Type": ["application/json"]}, "body": _json_body(body)},
    }
    if states:
        item["providerStates"] = [{"name": state} for state in states]
    return item


def shop_pact(consumer: str = "Web", provider: str = "Catalog") -> str:
    """Five interactions: two replayable live, a POST, a non-standing state and a message."""
    return json.dumps(
        {
            "consumer": {"name": consumer},
            "provider": {"name": provider},
            "interactions": [
                http_interaction("a request for the health check", "GET", "/health", 200, {"ok": True}),
                http_interaction(
                    "a request for product 10",
                    "GET",
                    "/products/10",
                    200,
                    {"id": 10, "name": "Widget"},
                    states=["product 10 exists"],
                ),  # fmt: skip
                http_interaction("a request to place an order", "POST", "/orders", 201, {"id": 1}),
                http_interaction(
                    "a request for a discontinued product",
                    "GET",
                    "/products/99",
                    200,
                    {"id": 99},
                    states=["product 99 is discontinued"],
                ),  # fmt: skip
                {
                    "type": "Asynchronous/Messages",
                    "description": "an order placed event",
                    "contents": _json_body({"orderId": 1}),
                    "metadata": {"contentType": "application/json"},
                },
            ],
            "metadata": {"pactSpecification": {"version": "4.0"}},
        }
    )


def deployed_shop(td, url: str, *, schedule: str = "1m", **target):
    """Web 1.0 (with the shop pact) and Catalog 7.0 deployed in production, and Catalog's live target."""
    from contracts.models import Environment, Pacticipant
    from drift.services.targets import live_target_put

    td.environment("production", production=True)
    td.publish("Web", "1.0", provider="Catalog", content=shop_pact())
    td.deploy("Web", "1.0", to="production").deploy("Catalog", "7.0", to="production")
    live, _ = live_target_put(
        provider=Pacticipant.objects.get(name="Catalog"),
        environment=Environment.objects.get(name="production"),
        base_url=url,
        schedule_text=schedule,
        standing_states=STANDING,
        **target,
    )
    return live
