"""What a live run may replay: pure functions over a pact document, no database.

An interaction is replayed live only when its method is allowed on the target and every
provider state it names is standing there (holds without set-up), or it names none:
the state change URL is never called against a real deployment. Everything else is
skipped with its reason, so coverage is visible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contracts.pact.content import HTTP_TYPE, MESSAGE_TYPES
from contracts.pact.states import provider_states


@dataclass
class PlannedInteraction:
    key: str
    interaction_id: str | None
    description: str
    states: list[str]
    method: str
    path: str
    element: dict[str, Any] = field(repr=False)
    skip_reason: str | None = None

    @property
    def replayable(self) -> bool:
        return self.skip_reason is None


def interaction_key(description: str, states: Iterable[str]) -> str:
    """Identity of an interaction across consumer versions: description and provider states."""
    text = json.dumps([description, sorted(states)], separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - an identifier, not security


def plan(document: str | dict, *, methods: Iterable[str], standing_states: Iterable[str]) -> list[PlannedInteraction]:
    """Every element of the pact, each replayable or skipped with its reason."""
    doc = json.loads(document) if isinstance(document, str) else document
    allowed = {m.upper() for m in methods}
    standing = set(standing_states)
    planned: list[PlannedInteraction] = []
    for key in ("interactions", "messages"):
        for element in doc.get(key) or ():
            if not isinstance(element, dict):
                continue
            states = [s.name for s in provider_states({key: [element]})]
            description = str(element.get("description", ""))
            request = element.get("request") if isinstance(element.get("request"), dict) else {}
            method = str(request.get("method") or ("" if _is_message(key, element) else "GET")).upper()
            path = str(request.get("path") or "")
            item = PlannedInteraction(
                key=interaction_key(description, states),
                interaction_id=element.get("_id"),
                description=description,
                states=states,
                method=method,
                path=path,
                element=element,
            )
            missing = [s for s in states if s not in standing]
            if _is_message(key, element):
                item.skip_reason = "a message interaction: it cannot be replayed over HTTP"
            elif method not in allowed:
                item.skip_reason = (
                    f"method {method} is not replayed live on this target (allowed: {', '.join(sorted(allowed))})"
                )
            elif missing:
                names = ", ".join(repr(s) for s in missing)
                item.skip_reason = f"provider state {names} is not a standing state of this environment"
            planned.append(item)
    return planned


def _is_message(key: str, element: dict[str, Any]) -> bool:
    kind = element.get("type")
    return key == "messages" or kind in MESSAGE_TYPES or (kind is not None and kind != HTTP_TYPE)


def single_interaction_document(document: str | dict, element: dict[str, Any]) -> str:
    """The pact with only this interaction, for the engine to replay on its own."""
    doc = json.loads(document) if isinstance(document, str) else dict(document)
    doc = {k: v for k, v in doc.items() if k not in ("interactions", "messages")}
    doc["interactions"] = [element]
    return json.dumps(doc)


def classify(success: bool, mismatches: list[dict[str, Any]]) -> str:
    """passed | failed | unreachable | unauthorized for one replayed interaction.

    Unreachable (no answer, or a 5xx where the pact expects otherwise) and unauthorized
    (401/403 where the pact expects otherwise) say something about the target, not
    about the contract: they never count towards drift.
    """
    if success:
        return "passed"
    for mismatch in mismatches:
        kind = str(mismatch.get("type", "")).lower()
        text = str(mismatch.get("mismatch", "")).lower()
        if kind == "error" and any(
            word in text
            for word in ("error sending request", "connection refused", "tcp connect", "timed out", "timeout")
        ):
            return "unreachable"
        if kind == "statusmismatch":
            actual, expected = _int(mismatch.get("actual")), _int(mismatch.get("expected"))
            if actual is not None and actual >= 500 and (expected is None or expected < 500):
                return "unreachable"
            if actual in (401, 403) and expected not in (401, 403):
                return "unauthorized"
    return "failed"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
