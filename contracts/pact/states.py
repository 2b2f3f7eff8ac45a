"""The provider states a pact names, whatever its specification version.

Spec 1 writes `provider_state` and spec 2 `providerState` (one string); spec 3 and 4 write
`providerStates` (a list of `{name, params}`), on HTTP interactions and messages alike
(v3 `messages`, v4 interactions of every type). Empty params count as no params: a
verifier sends `params: {}` for both, so they are the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.pact.content import ELEMENT_KEYS, canonical_json

__all__ = ["ProviderState", "provider_states"]


@dataclass(frozen=True)
class ProviderState:
    """One provider state; `key` identifies it for de-duplication (name and params)."""

    name: str
    params: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, "" if self.params is None else canonical_json(self.params))


def provider_states(doc: Any) -> list[ProviderState]:
    """Every provider state of the pact's interactions and messages, in document order."""
    found: list[ProviderState] = []
    if not isinstance(doc, dict):
        return found
    for key in ELEMENT_KEYS:
        elements = doc.get(key)
        for element in elements if isinstance(elements, list) else ():
            if isinstance(element, dict):
                found += _element_states(element)
    return found


def _element_states(element: dict[str, Any]) -> list[ProviderState]:
    # The list form wins when both are present, as in content.py's merge rule.
    states = element.get("providerStates")
    if isinstance(states, list):
        return [state for state in map(_state, states) if state is not None]
    legacy = element.get("providerState", element.get("provider_state"))
    return [ProviderState(legacy)] if _is_name(legacy) else []


def _state(entry: Any) -> ProviderState | None:
    if not isinstance(entry, dict) or not _is_name(entry.get("name")):
        return None
    params = entry.get("params")
    # Validation allows only objects (or null) here; anything else is ignored, not echoed.
    return ProviderState(entry["name"], params if isinstance(params, dict) and params else None)


def _is_name(value: Any) -> bool:
    # An empty name is "no provider state" to every verifier.
    return isinstance(value, str) and value != ""
