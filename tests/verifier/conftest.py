"""Fixtures for verification runs: real provider processes and workers that can be killed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.builders import interaction, pact_document
from tests.conftest import ROOT, wait_until


class Provider:
    def __init__(self, mode: str, tmp_path, release_file=None) -> None:
        port_file = tmp_path / f"provider-{mode}.port"
        args = [sys.executable, "-m", "tests.verifier.provider_app", mode, str(port_file)]
        if release_file:
            args.append(str(release_file))
        self.proc = subprocess.Popen(args, cwd=ROOT)
        self.port = int(wait_until(lambda: port_file.exists() and port_file.read_text(), 10, "the provider to start"))
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def provider_factory(tmp_path) -> Iterator:
    started: list[Provider] = []

    def start(mode: str = "correct", release_file=None) -> Provider:
        provider = Provider(mode, tmp_path, release_file)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


def order_pact(consumer: str = "Web", provider: str = "API") -> str:
    """A pact with two interactions; the second relies on the order's name."""
    return json.dumps(
        pact_document(
            consumer,
            provider,
            interactions=[
                interaction("a request for the health check", path="/health", body={"ok": True}),
                interaction(
                    "a request for order 1", path="/orders/1", body={"id": 1, "name": "Widget"}, state="order 1 exists"
                ),
            ],
        )
    )
