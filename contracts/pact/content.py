"""Pact content identity: canonical JSON, content SHA, interaction ids, counts, merging.

The content SHA follows the Ruby broker (api spec 4.2): only what affects verification
results is hashed, so re-publishing the same interactions with different whitespace, key
order, interaction order or metadata dedups to the same stored content.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any

from contracts.pact.validation import (
    declared_specification_version,
    specification_version,
)

__all__ = [
    "MergeConflict",
    "canonical_json",
    "content_sha",
    "interaction_counts",
    "merge_pacts",
    "with_interaction_ids",
]

ELEMENT_KEYS = ("interactions", "messages")
HTTP_TYPE = "Synchronous/HTTP"
MESSAGE_TYPES = frozenset({"Asynchronous/Messages", "Synchronous/Messages"})


class MergeConflict(ValueError):
    """The same interaction (description and provider states) differs between two pacts."""

    def __init__(self, message: str, *, description: Any = None, provider_states: Any = None) -> None:
        super().__init__(message)
        self.description = description
        self.provider_states = provider_states


def canonical_json(value: Any) -> str:
    """Serialise with recursively sorted keys, compact separators and raw UTF-8 text."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def content_sha(doc: dict[str, Any]) -> str:
    """Return the SHA-1 hex of the content that affects verification results."""
    # Ruby tests truthiness, so an explicit null counts as absent, like a missing key.
    present = [key for key in ELEMENT_KEYS if isinstance(doc, dict) and doc.get(key) is not None]
    if not present:
        return _sha1(canonical_json(doc))
    verifiable: dict[str, Any] = {key: _sorted_elements(doc[key]) for key in present}
    # The raw declared value, not the normalised family ("3.0.0" and "3.0" hash
    # differently), because that is what the Ruby broker hashes.
    version = declared_specification_version(doc)
    if version is not None:
        verifiable["pact_specification_version"] = version
    return _sha1(canonical_json(verifiable))


def with_interaction_ids(doc: dict[str, Any]) -> dict[str, Any]:
    """Return a copy whose interactions/messages each carry `_id`, the SHA-1 of their content."""
    result = dict(doc)
    for key in ELEMENT_KEYS:
        elements = doc.get(key)
        if isinstance(elements, list):
            result[key] = [_with_id(element) for element in elements]
    return result


def interaction_counts(doc: dict[str, Any]) -> tuple[int, int]:
    """Return (HTTP interactions, messages); v4 interactions are counted by their type."""
    http = messages = 0
    interactions = doc.get("interactions")
    for element in interactions if isinstance(interactions, list) else ():
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        # Before v4 every entry of "interactions" is HTTP; unknown v4 types count as neither.
        if kind is None or kind == HTTP_TYPE:
            http += 1
        elif kind in MESSAGE_TYPES:
            messages += 1
    legacy_messages = doc.get("messages")
    if isinstance(legacy_messages, list):
        messages += sum(1 for element in legacy_messages if isinstance(element, dict))
    return http, messages


def merge_pacts(existing: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Union the interactions/messages of two pacts for `onConflict: merge`."""
    existing_family = specification_version(existing)
    new_family = specification_version(new)
    if _document_shape(existing_family) != _document_shape(new_family):
        raise MergeConflict(
            f"cannot merge a pact for specification {new_family} into one for specification {existing_family}"
        )
    merged = dict(existing)
    for key in ELEMENT_KEYS:
        additions = new.get(key)
        if not isinstance(additions, list):
            continue
        current = existing.get(key)
        elements = list(current) if isinstance(current, list) else []
        by_key = {_merge_key(e): e for e in elements if isinstance(e, dict)}
        for element in additions:
            if not isinstance(element, dict):
                elements.append(element)
                continue
            identity = _merge_key(element)
            known = by_key.get(identity)
            if known is None:
                by_key[identity] = element
                elements.append(element)
            elif _identity_content(known) != _identity_content(element):
                raise _conflict(key, element)
        merged[key] = elements
    return merged


DIFF_MAX_LINES = 400


def content_diff(
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    labels: tuple[str, str] = ("stored", "published"),
    max_lines: int | None = DIFF_MAX_LINES,
) -> str:
    """What changed from one pact to another, as a unified diff of their sorted content.

    Interactions are compared without our `_id` and in a stable order, so the diff shows
    what a person changed, not where a library happened to write it. `labels` name the
    two sides; diffs longer than `max_lines` are cut (None: never).
    """

    def lines(doc: dict[str, Any]) -> list[str]:
        shown = {
            key: _sorted_elements(value) if key in ELEMENT_KEYS else value
            for key, value in doc.items()
            if isinstance(doc, dict)
        }
        return json.dumps(shown, sort_keys=True, indent=2, ensure_ascii=False).splitlines()

    diff = list(difflib.unified_diff(lines(old), lines(new), *labels, n=2, lineterm=""))
    if max_lines is not None and len(diff) > max_lines:
        diff = [*diff[:max_lines], f"... ({len(diff) - max_lines} more lines)"]
    return "\n".join(diff)


def _document_shape(family: str) -> int:
    # Versions 1.x and 2.0 share one interaction shape; 3 and 4 each changed it.
    return max(int(family.split(".")[0]), 2)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _sorted_elements(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    # _id is ours, derived from the rest of the element. Ignoring it gives a pact that was
    # downloaded from a broker and re-published the SHA of its original publication.
    elements = [_without_id(e) if isinstance(e, dict) else e for e in value]
    return sorted(elements, key=canonical_json)


def _without_id(element: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in element.items() if key != "_id"}


def _with_id(element: Any) -> Any:
    if not isinstance(element, dict):
        return element
    content = _without_id(element)
    # _id first, as the Ruby broker renders it.
    return {"_id": _sha1(canonical_json(content)), **content}


def _provider_states(element: dict[str, Any]) -> list[Any]:
    states = element.get("providerStates")
    if isinstance(states, list):
        return sorted(states, key=canonical_json)
    state = element.get("providerState", element.get("provider_state"))
    # A v2 state string and a v3 state without params name the same thing.
    return [] if state is None else [{"name": state}]


def _merge_key(element: dict[str, Any]) -> str:
    # The v4 type is part of the key so an HTTP interaction and a message that share a
    # description are not mistaken for the same interaction.
    return canonical_json([element.get("type"), element.get("description"), _provider_states(element)])


def _identity_content(element: dict[str, Any]) -> str:
    # Stored content carries _id and a republished file may not: ignore it when comparing.
    return canonical_json(_without_id(element))


def _conflict(key: str, element: dict[str, Any]) -> MergeConflict:
    noun = "message" if key == "messages" or element.get("type") in MESSAGE_TYPES else "interaction"
    description = element.get("description")
    states = [state.get("name") if isinstance(state, dict) else state for state in _provider_states(element)]
    given = " given " + ", ".join(repr(s) for s in states) if states else " (no provider state)"
    return MergeConflict(
        f"{noun} {description!r}{given} has different content in the existing pact and in the new pact",
        description=description,
        provider_states=states,
    )
