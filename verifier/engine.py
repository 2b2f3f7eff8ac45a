"""Replay pacts against a provider with pact-python's Verifier (the Rust pact_ffi).

This is the engine provider CIs use, so a pact passes here exactly when it passes in
the provider's own build. Pure orchestration: no Django, no database. The caller has
already vetted the URLs through verifier.http.vet_target.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# pact_ffi reports usage to a public endpoint unless told not to.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TRANSPORT_ERROR = re.compile(r"error sending request|connection refused|tcp connect error|timed out", re.I)


@dataclass(frozen=True)
class Target:
    """Where and how to reach the provider build."""

    base_url: str
    state_change_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    request_timeout_ms: int = 10_000


@dataclass
class InteractionOutcome:
    interaction_id: str | None
    description: str
    success: bool
    mismatches: list[dict[str, Any]]
    pending: bool = False


@dataclass
class PactOutcome:
    """The result of replaying one pact."""

    success: bool
    interactions: list[InteractionOutcome]
    output: str
    # Set when the provider could not be reached at all: not a verdict on the contract.
    unreachable: bool = False

    def test_results(self) -> list[dict[str, Any]]:
        """The testResults array the Rust verifier publishes with a verification result."""
        results = []
        for item in self.interactions:
            entry: dict[str, Any] = {
                "interactionId": item.interaction_id,
                "interactionDescription": item.description,
                "success": item.success,
            }
            if item.mismatches:
                entry["mismatches"] = [
                    {
                        "attribute": _attribute(m),
                        "description": m.get("mismatch") or m.get("message") or str(m),
                        **({"identifier": m["path"]} if m.get("path") else {}),
                    }
                    for m in item.mismatches
                ]
            results.append(entry)
        return results


def _attribute(mismatch: Mapping[str, Any]) -> str:
    kind = str(mismatch.get("type", "")).lower()
    for name in ("body", "status", "header", "query", "method", "path", "metadata"):
        if name in kind:
            return name
    return kind or "error"


def _mismatches(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    mismatch = result.get("mismatch") or {}
    if mismatch.get("type") == "mismatches":
        return [dict(m) for m in mismatch.get("mismatches", [])]
    if mismatch:
        return [{"type": mismatch.get("type", "error"), "mismatch": mismatch.get("message") or json.dumps(mismatch)}]
    return []


def replay(document: str, *, provider_name: str, target: Target, pending: bool = False) -> PactOutcome:
    """Replay one pact document against the target; a failing contract is a result, not an error."""
    from pact import Verifier

    parts = urlsplit(target.base_url)
    verifier = Verifier(provider_name, host=parts.hostname).add_transport(url=target.base_url)
    if target.state_change_url:
        verifier.state_handler(target.state_change_url, body=True, teardown=True)
    for name, value in target.headers.items():
        verifier.add_custom_header(name, value)
    verifier.set_request_timeout(target.request_timeout_ms)
    verifier.set_coloured_output(enabled=False)
    with tempfile.TemporaryDirectory(prefix="accord-pact-") as folder:
        path = Path(folder) / "pact.json"
        path.write_text(document)
        verifier.add_source(path)
        try:
            verifier.verify()
        except RuntimeError:
            pass  # failures are reported through results, below
        results = verifier.results
    interactions = [
        InteractionOutcome(
            interaction_id=item.get("interactionId"),
            description=item.get("description", ""),
            success=item.get("result") == "OK",
            mismatches=_mismatches(item),
            pending=pending or bool(item.get("pending")),
        )
        for item in results.get("interactionResults", [])
    ]
    output = _ANSI.sub("", "\n".join(results.get("output", [])))
    failed = [item for item in interactions if not item.success]
    unreachable = (
        bool(failed)
        and all(_TRANSPORT_ERROR.search(json.dumps(item.mismatches)) for item in failed)
        and len(failed) == len(interactions)
    )
    return PactOutcome(
        success=bool(interactions) and not failed, interactions=interactions, output=output, unreachable=unreachable
    )
