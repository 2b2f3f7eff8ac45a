"""A pact document as people read it: interactions as cards, matching rules and generators
in words, per-interaction results from a verification's testResults, and the difference
between two pacts interaction by interaction.

Pure functions over parsed JSON (no Django, no database). Where the specification versions
differ (the HTTP/message/v4 shapes, provider states), the Pact helpers in contracts.pact
decide; this module only decides how to show the result.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from contracts.pact.content import ELEMENT_KEYS, HTTP_TYPE, canonical_json
from contracts.pact.states import ProviderState, provider_states

HTTP = "http"
MESSAGE = "message"
SYNC_MESSAGE = "sync-message"
PLUGIN = "plugin"
KIND_LABELS = {
    HTTP: "HTTP",
    MESSAGE: "Asynchronous message",
    SYNC_MESSAGE: "Synchronous message",
    PLUGIN: "Plugin interaction",
}
_ASYNC = "Asynchronous/Messages"
_SYNC = "Synchronous/Messages"


# ---------------------------------------------------------------- shapes


@dataclass
class Part:
    """One side of an exchange (a request, a response, a message): a text block to show."""

    title: str
    text: str
    # Extra facts shown beside the block (e.g. "binary, 2,048 bytes").
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    """One interaction's outcome in a verification."""

    success: bool
    mismatches: list[Mismatch]


@dataclass
class Mismatch:
    attribute: str
    path: str
    expected: str
    actual: str
    description: str


@dataclass
class Interaction:
    """An interaction of any kind, ready for the contract page's card."""

    index: int
    kind: str
    description: str
    states: list[ProviderState]
    parts: list[Part]
    rules: list[str]
    generators: list[str]
    interaction_id: str | None
    plugin: bool = False
    pending: bool = False
    markup: str = ""
    markup_type: str = ""
    comments: list[str] = field(default_factory=list)
    result: Result | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def rule_count(self) -> int:
        return len(self.rules) + len(self.generators)

    @property
    def anchor(self) -> str:
        return f"interaction-{self.index + 1}"


def interactions_of(doc: Any) -> list[Interaction]:
    """Every interaction and message of a pact, in document order, as cards."""
    cards: list[Interaction] = []
    if not isinstance(doc, dict):
        return cards
    for key in ELEMENT_KEYS:
        elements = doc.get(key)
        for element in elements if isinstance(elements, list) else ():
            if isinstance(element, dict):
                cards.append(_card(len(cards), element, legacy_message=key == "messages"))
    return cards


def _kind(element: dict, legacy_message: bool) -> str:
    if legacy_message:
        return MESSAGE
    kind = element.get("type")
    if kind is None or kind == HTTP_TYPE:
        return HTTP
    if kind == _ASYNC:
        return MESSAGE
    if kind == _SYNC:
        return SYNC_MESSAGE
    return PLUGIN


def element_states(element: dict) -> list[ProviderState]:
    """The provider states of one interaction (contracts.pact.states reads every spec's form)."""
    return provider_states({"interactions": [element]})


def _card(index: int, element: dict, *, legacy_message: bool) -> Interaction:
    kind = _kind(element, legacy_message)
    markup = element.get("interactionMarkup")
    markup = markup if isinstance(markup, dict) else {}
    if kind == HTTP:
        parts = _http_parts(element)
    elif kind == MESSAGE:
        parts = [_message_part("Message", element)]
    elif kind == SYNC_MESSAGE:
        parts = _sync_parts(element)
    else:
        parts = []
    plugin = kind == PLUGIN or bool(element.get("pluginConfiguration"))
    if plugin and markup.get("markup"):
        # Plugin content (protobuf, gRPC...) is bytes in the pact; its markup is what people read.
        parts = []
    comments = element.get("comments")
    texts = comments.get("text") if isinstance(comments, dict) else None
    return Interaction(
        index=index,
        kind=kind,
        description=str(element.get("description", "")),
        states=element_states(element),
        parts=parts,
        rules=_in_words(element, "matchingRules", rules_in_words),
        generators=_in_words(element, "generators", generators_in_words),
        interaction_id=element.get("_id") if isinstance(element.get("_id"), str) else None,
        plugin=plugin,
        pending=element.get("pending") is True,
        markup=str(markup.get("markup") or ""),
        markup_type=str(markup.get("markupType") or ""),
        comments=[str(text) for text in texts] if isinstance(texts, list) else [],
    )


def _in_words(element: dict, key: str, explain: Any) -> list[str]:
    """Rules (or generators) of an interaction wherever its spec puts them: on the element
    (messages), or on its request and response(s) (HTTP in every version, v4 sync messages)."""
    sentences = explain(element.get(key))
    request = element.get("request")
    if isinstance(request, dict):
        sentences += [f"request {s}" for s in explain(request.get(key))]
    responses = element.get("response")
    responses = responses if isinstance(responses, list) else [responses]
    for response in responses:
        if isinstance(response, dict):
            sentences += [f"response {s}" for s in explain(response.get(key))]
    return sentences


# ---------------------------------------------------------------- HTTP


def _header_lines(headers: Any) -> list[str]:
    """`Name: value` lines; v4 writes each value as a list, earlier versions as a string."""
    if not isinstance(headers, dict):
        return []
    lines = []
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        lines.append(f"{name}: {', '.join(str(v) for v in values)}")
    return lines


def _query_string(query: Any) -> str:
    """v2 writes the query as a string, v3 and v4 as {name: [values]}."""
    if isinstance(query, str):
        return query
    if isinstance(query, dict):
        pairs = []
        for name, value in query.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, "" if item is None else str(item)))
        return urlencode(pairs)
    return ""


def body_text(body: Any, *, v4: bool = False) -> tuple[str, list[str]]:
    """A body as text (pretty JSON when it is JSON) and notes about it.

    v4 wraps bodies as {content, contentType, encoded}; base64-encoded content is shown
    as its size, never decoded into the page.
    """
    notes: list[str] = []
    if v4 and isinstance(body, dict) and "content" in body:
        content_type = body.get("contentType")
        if content_type:
            notes.append(str(content_type))
        content = body.get("content")
        encoded = body.get("encoded")
        if encoded and encoded is not False and isinstance(content, str):
            if str(encoded).lower() == "json":
                return _pretty_if_json(content), notes
            try:
                size = len(base64.b64decode(content, validate=True))
            except (binascii.Error, ValueError):
                size = len(content)
            return "", [*notes, f"binary content, {size:,} bytes"]
        body = content
    if body is None:
        return "", notes
    if isinstance(body, str):
        return _pretty_if_json(body), notes
    return pretty(body), notes


def _pretty_if_json(text: str) -> str:
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return pretty(json.loads(stripped))
        except ValueError:
            pass
    return text


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _http_parts(element: dict) -> list[Part]:
    v4 = element.get("type") == HTTP_TYPE
    request = element.get("request") if isinstance(element.get("request"), dict) else {}
    response = element.get("response") if isinstance(element.get("response"), dict) else {}
    query = _query_string(request.get("query"))
    target = str(request.get("path", "/")) + (f"?{query}" if query else "")
    lines = [f"{str(request.get('method', 'GET')).upper()} {target}", *_header_lines(request.get("headers"))]
    text, request_notes = body_text(request.get("body"), v4=v4)
    request_text = "\n".join(lines) + (f"\n\n{text}" if text else "")
    status = response.get("status", 200)
    lines = [f"HTTP {status}", *_header_lines(response.get("headers"))]
    text, response_notes = body_text(response.get("body"), v4=v4)
    response_text = "\n".join(lines) + (f"\n\n{text}" if text else "")
    return [Part("Request", request_text, request_notes), Part("Response", response_text, response_notes)]


# ---------------------------------------------------------------- messages


def _message_part(title: str, message: Any) -> Part:
    """A message's metadata then its contents (v3 `contents` is raw JSON, v4 wraps it)."""
    if not isinstance(message, dict):
        return Part(title, "")
    v4 = isinstance(message.get("contents"), dict) and "content" in message["contents"]
    text, notes = body_text(message.get("contents"), v4=v4)
    metadata = message.get("metadata")
    lines = [f"{name}: {_scalar(value)}" for name, value in metadata.items()] if isinstance(metadata, dict) else []
    header = "\n".join(lines)
    return Part(title, header + ("\n\n" if header and text else "") + text, notes)


def _sync_parts(element: dict) -> list[Part]:
    parts = [_message_part("Request", element.get("request"))]
    responses = element.get("response")
    responses = responses if isinstance(responses, list) else [responses] if responses else []
    for n, response in enumerate(responses, start=1):
        parts.append(_message_part("Response" if len(responses) == 1 else f"Response {n}", response))
    return parts


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- matching rules and generators


def _matcher_words(matcher: dict) -> str:
    """One matcher in words, e.g. "matches regex ^[A-Z]" or "matches by type (at least 1)"."""
    kind = str(matcher.get("match", "type"))
    sizes = []
    if "min" in matcher:
        sizes.append(f"at least {_items(matcher['min'])}")
    if "max" in matcher:
        sizes.append(f"at most {_items(matcher['max'])}")
    size = f" ({', '.join(sizes)})" if sizes else ""
    if kind == "type":
        return "matches by type" + size
    if kind == "regex":
        return f"matches regex {matcher.get('regex', '')}"
    if kind in ("date", "time", "timestamp", "datetime"):
        fmt = matcher.get("format") or matcher.get(kind) or matcher.get("timestamp")
        return f"is a {'date-time' if kind in ('timestamp', 'datetime') else kind}" + (
            f" formatted {fmt}" if fmt else ""
        )
    if kind == "include":
        return f"includes {matcher.get('value', '')!r}"
    if kind == "contentType":
        return f"has content type {matcher.get('value', '')}"
    if kind == "statusCode":
        return f"is a status of {matcher.get('status', '')}"
    if kind == "arrayContains":
        variants = matcher.get("variants")
        return f"contains items matching {len(variants) if isinstance(variants, list) else 'its'} variant(s)"
    if kind in ("eachKey", "eachValue"):
        inner = matcher.get("rules")
        what = "each key" if kind == "eachKey" else "each value"
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            return f"{what} {_matcher_words(inner[0])}"
        return f"{what} matches its example"
    words = {
        "equality": "equals the example",
        "integer": "is an integer",
        "decimal": "is a decimal number",
        "number": "is a number",
        "null": "is null",
        "boolean": "is a boolean",
        "values": "matches the values, ignoring keys",
        "notEmpty": "is not empty",
        "semver": "is a semantic version",
    }
    return words.get(kind, f"matches by {kind}") + size


def _items(count: Any) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _matchers(rule: Any) -> tuple[list[dict], str]:
    """The matchers of one rule entry and how they combine (v3/v4 `{matchers, combine}`, v2 flat)."""
    if isinstance(rule, dict) and isinstance(rule.get("matchers"), list):
        matchers = [m for m in rule["matchers"] if isinstance(m, dict)]
        return matchers, str(rule.get("combine", "AND")).upper()
    if isinstance(rule, dict):
        return [rule], "AND"
    if isinstance(rule, list):
        return [m for m in rule if isinstance(m, dict)], "AND"
    return [], "AND"


def _where(category: str, path: str) -> str:
    """Where a rule applies, as people say it: `$.id` (body), `header Content-Type`, `path`."""
    if category in ("body", "content", "contents"):
        return path
    if category in ("path", "status", "method"):
        return category if path in ("", "$") else f"{category} {path}"
    return f"{category} {path}".strip()


def rules_in_words(rules: Any) -> list[str]:
    """Matching rules, one sentence per path: "$.id: matches by type"."""
    sentences: list[str] = []
    if not isinstance(rules, dict):
        return sentences
    for category, entries in rules.items():
        if category.startswith("$"):
            # v2: flat `{"$.body.id": {"match": "type"}}`.
            sentences.append(_sentence(_v2_where(category), *_matchers(entries)))
            continue
        if isinstance(entries, dict) and isinstance(entries.get("matchers"), list):
            # A category with one rule and no paths (v3 `path`, `status`).
            sentences.append(_sentence(_where(category, ""), *_matchers(entries)))
            continue
        for path, rule in entries.items() if isinstance(entries, dict) else ():
            sentences.append(_sentence(_where(category, path), *_matchers(rule)))
    return sentences


def _v2_where(path: str) -> str:
    """A v2 rule path (`$.body.id`, `$.headers.Accept`, `$.query.q`, `$.path`) said as v3 says it."""
    for prefix, category in (("$.headers.", "header"), ("$.header.", "header"), ("$.query.", "query")):
        if path.startswith(prefix):
            return f"{category} {path.removeprefix(prefix)}"
    if path in ("$.path", "$.status", "$.method"):
        return path.removeprefix("$.")
    return "$" + path.removeprefix("$.body") if path.startswith("$.body") else path


def _sentence(where: str, matchers: list[dict], combine: str) -> str:
    joiner = " or " if combine == "OR" else " and "
    return f"{where}: {joiner.join(_matcher_words(m) for m in matchers) or 'matches its example'}"


def _generator_words(generator: dict) -> str:
    kind = str(generator.get("type", ""))
    if kind == "RandomInt":
        return f"random integer from {generator.get('min', 0)} to {generator.get('max', 2147483647)}"
    if kind == "RandomDecimal":
        return f"random decimal with {generator.get('digits', 10)} digits"
    if kind == "RandomHexadecimal":
        return f"random hexadecimal of {generator.get('digits', 10)} digits"
    if kind == "RandomString":
        return f"random string of {generator.get('size', 10)} characters"
    if kind == "RandomBoolean":
        return "random boolean"
    if kind == "Regex":
        return f"generated from regex {generator.get('regex', '')}"
    if kind == "Uuid":
        return "random UUID"
    if kind in ("Date", "Time", "DateTime"):
        fmt = generator.get("format")
        noun = {"Date": "date", "Time": "time", "DateTime": "date-time"}[kind]
        expression = generator.get("expression")
        return f"{noun} generated" + (f" as {fmt}" if fmt else "") + (f" ({expression})" if expression else "")
    if kind == "ProviderState":
        return f"from the provider state: {generator.get('expression', '')}"
    if kind == "MockServerURL":
        return f"the mock server's URL (example {generator.get('example', '')})"
    return f"generated by {kind or 'an unknown generator'}"


def generators_in_words(generators: Any) -> list[str]:
    """Generators, one sentence per path: "$.date: date generated as yyyy-MM-dd"."""
    sentences: list[str] = []
    if not isinstance(generators, dict):
        return sentences
    for category, entries in generators.items():
        if isinstance(entries, dict) and "type" in entries and not any(isinstance(v, dict) for v in entries.values()):
            sentences.append(f"{_where(category, '')}: {_generator_words(entries)}")
            continue
        for path, generator in entries.items() if isinstance(entries, dict) else ():
            if isinstance(generator, dict):
                sentences.append(f"{_where(category, path)}: {_generator_words(generator)}")
    return sentences


# ---------------------------------------------------------------- verification results


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def mismatch_rows(mismatches: Any) -> list[Mismatch]:
    """Mismatches in one shape, from a verifier's testResults (attribute, identifier,
    description) or from pact_ffi's raw results (type, path/key/parameter, expected, actual, mismatch)."""
    rows: list[Mismatch] = []
    for item in mismatches if isinstance(mismatches, list) else ():
        if not isinstance(item, dict):
            rows.append(Mismatch("", "", "", "", _text(item)))
            continue
        attribute = item.get("attribute") or str(item.get("type", "")).removesuffix("Mismatch").lower()
        path = item.get("identifier") or item.get("path") or item.get("key") or item.get("parameter") or ""
        description = item.get("description") or item.get("mismatch") or item.get("message") or ""
        rows.append(
            Mismatch(
                attribute=_text(attribute),
                path=_text(path),
                expected=_text(item.get("expected")),
                actual=_text(item.get("actual")),
                description=_text(description),
            )
        )
    return rows


@dataclass
class TestResult:
    interaction_id: str | None
    description: str
    success: bool
    mismatches: list[Mismatch]


def test_results_of(test_results: Any) -> list[TestResult]:
    """Per-interaction results from a verification's testResults: an array (the Rust and
    JVM verifiers, Accord's workers) or the Ruby verifier's object with `tests`."""
    items = test_results.get("tests") if isinstance(test_results, dict) else test_results
    found: list[TestResult] = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        success = item.get("success")
        if success is None and "status" in item:
            success = item.get("status") == "passed"
        mismatches = item.get("mismatches")
        if mismatches is None and item.get("exception"):
            mismatches = [{"description": _text(item.get("exception"))}]
        interaction_id = item.get("interactionId")
        found.append(
            TestResult(
                interaction_id=interaction_id if isinstance(interaction_id, str) else None,
                description=_text(item.get("interactionDescription") or item.get("testDescription") or ""),
                success=bool(success),
                mismatches=mismatch_rows(mismatches),
            )
        )
    return found


def attach_results(cards: list[Interaction], test_results: Any) -> None:
    """Give each card its outcome from testResults, matched by interaction id, else by description."""
    results = test_results_of(test_results)
    by_id = {result.interaction_id: result for result in results if result.interaction_id}
    by_description: dict[str, TestResult] = {}
    for result in results:
        by_description.setdefault(result.description, result)
    for card in cards:
        result = by_id.get(card.interaction_id or "") or by_description.get(card.description)
        card.result = Result(result.success, result.mismatches) if result else None


def describe_results(results: list[TestResult], doc: Any) -> list[TestResult]:
    """Fill in missing descriptions from the pact's interactions (some verifiers send only ids)."""
    names = {card.interaction_id: card.description for card in interactions_of(doc) if card.interaction_id}
    for result in results:
        if not result.description and result.interaction_id:
            result.description = names.get(result.interaction_id, result.interaction_id)
    return results


# ---------------------------------------------------------------- differences


@dataclass
class Change:
    path: str
    old: str
    new: str


@dataclass
class InteractionDiff:
    status: str  # added | removed | changed | unchanged
    description: str
    states: list[ProviderState]
    kind: str
    changes: list[Change] = field(default_factory=list)
    # An added or removed interaction whole, to read what appeared or went.
    card: Interaction | None = None


def interaction_key(element: dict, *, legacy_message: bool = False) -> str:
    """What identifies an interaction across versions: its kind, description and provider states."""
    states = [state.key for state in element_states(element)]
    return canonical_json([_kind(element, legacy_message), element.get("description"), sorted(states)])


def _keyed(doc: Any) -> dict[str, tuple[dict, bool]]:
    keyed: dict[str, tuple[dict, bool]] = {}
    if not isinstance(doc, dict):
        return keyed
    for key in ELEMENT_KEYS:
        elements = doc.get(key)
        for element in elements if isinstance(elements, list) else ():
            if isinstance(element, dict):
                keyed[interaction_key(element, legacy_message=key == "messages")] = (element, key == "messages")
    return keyed


def _leaves(value: Any, path: str, out: dict[str, Any]) -> dict[str, Any]:
    """Every leaf of a JSON value by its path; objects by key (so key order never counts)."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            if key == "_id" and path == "$":
                continue  # ours, derived from the rest
            _leaves(value[key], f"{path}.{key}" if _plain(key) else f"{path}[{json.dumps(key)}]", out)
    elif isinstance(value, list) and value:
        for n, item in enumerate(value):
            _leaves(item, f"{path}[{n}]", out)
    else:
        out[path] = value
    return out


def _plain(key: str) -> bool:
    return key.replace("_", "a").replace("-", "a").isalnum()


def _comparable(element: dict) -> dict:
    """An interaction without what only the specification version changes: v4's `type`,
    `pending: false`, body wrappers of plain JSON, and one-value header lists."""
    shown = {key: value for key, value in element.items() if key != "type" and not (key == "pending" and not value)}
    for side in ("request", "response"):
        part = shown.get(side)
        if isinstance(part, dict):
            part = dict(part)
            body = part.get("body")
            if isinstance(body, dict) and "content" in body and not body.get("encoded"):
                part["body"] = body["content"]
            headers = part.get("headers")
            if isinstance(headers, dict):
                part["headers"] = {
                    name: value[0] if isinstance(value, list) and len(value) == 1 else value
                    for name, value in headers.items()
                }
            shown[side] = part
    return shown


def changes_between(old: dict, new: dict) -> list[Change]:
    """The JSON paths whose values differ between two interactions, old → new (ignoring key
    order and what only the specification version changes)."""
    before, after = _leaves(_comparable(old), "$", {}), _leaves(_comparable(new), "$", {})
    missing = object()
    changes = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path, missing), after.get(path, missing)
        if a is missing or b is missing or canonical_json(a) != canonical_json(b):
            # JSON-encoded, so the string "1" and the number 1 (or "null" and null) read differently.
            changes.append(
                Change(path, "(absent)" if a is missing else _json(a), "(absent)" if b is missing else _json(b))
            )
    return changes


def pact_diff(old_doc: Any, new_doc: Any) -> list[InteractionDiff]:
    """Interaction by interaction, keyed by kind, description and provider states: removed and
    changed first (what a reviewer reads), then added, then unchanged; in each, by description."""
    before, after = _keyed(old_doc), _keyed(new_doc)
    diffs = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        element, legacy = new or old  # type: ignore[misc]
        base = {
            "description": str(element.get("description", "")),
            "states": element_states(element),
            "kind": KIND_LABELS[_kind(element, legacy)],
        }
        if old is None:
            diffs.append(InteractionDiff("added", card=_card(0, element, legacy_message=legacy), **base))
        elif new is None:
            diffs.append(InteractionDiff("removed", card=_card(0, element, legacy_message=legacy), **base))
        else:
            changes = changes_between(old[0], new[0])
            diffs.append(InteractionDiff("changed" if changes else "unchanged", changes=changes, **base))
    order = {"removed": 0, "changed": 1, "added": 2, "unchanged": 3}
    return sorted(diffs, key=lambda d: (order[d.status], d.description, [s.key for s in d.states]))
