"""Matrix query strings (Rack nested parameters) into typed, validated options.

Both CLIs send `q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&environment=prod`
with literal brackets; replayed pact files send them percent-encoded; some callers use
the hash form `q[0][pacticipant]=Foo`. We follow Rack: in the list form a key that the
current selector already has (e.g. a second `pacticipant`) starts a new selector.

One exception: pact files store a query as a map, so a verifier replaying the Pact
Broker clients' own contracts sends the keys grouped and sorted
(`q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1&q[][version]=2`), which Rack
would split wrongly. Keys of several selectors in sorted, grouped order are therefore
matched by position (see `_by_position`).

Parsing never raises: every problem is collected in `MatrixQuery.problems`, so the
resolver can add the problems it finds in the database and answer them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

LATESTBY = ("cvpv", "cvp", "cp")
DEFAULT_LIMIT = 100
# Far above any real use; keeps the value a valid SQL bigint and the work bounded.
MAX_LIMIT = 1_000_000
MAX_SELECTORS = 100

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class SelectorSpec:
    """One `q[]` selector as asked for (or inferred from the "to" option)."""

    pacticipant: str | None = None
    version: str | None = None
    latest: bool = False
    tag: str | None = None
    branch: str | None = None
    environment: str | None = None
    main_branch: bool = False

    @property
    def only_pacticipant(self) -> bool:
        """Names just the pacticipant: all of its versions."""
        return not (self.version or self.latest or self.tag or self.branch or self.environment or self.main_branch)


@dataclass(frozen=True)
class IgnoreSpec:
    """`ignore[][pacticipant]` (+ `ignore[][version]`), or `ignore[]=NAME`."""

    pacticipant: str | None
    version: str | None = None


@dataclass(frozen=True)
class MatrixQuery:
    """Everything a matrix / can-i-deploy request asks for."""

    selectors: tuple[SelectorSpec, ...] = ()
    ignore: tuple[IgnoreSpec, ...] = ()
    ignore_given: bool = False
    latestby: str | None = None
    latest: bool = False
    tag: str | None = None
    environment: str | None = None
    main_branch: bool = False
    success: tuple[bool | None, ...] | None = None
    limit: int = DEFAULT_LIMIT
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def target_given(self) -> bool:
        """A "to" option: where the selected versions would go (tag, environment, main branch)."""
        return bool(self.tag or self.environment or self.main_branch)

    @property
    def infers_counterparts(self) -> bool:
        """Whether the other side of each integration is inferred (4.6 step 3)."""
        return self.latest or self.target_given or len(self.selectors) == 1


class _Params:
    """The query string as Rack would nest it: scalars, lists and lists of hashes."""

    def __init__(self) -> None:
        self.scalars: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}
        self.records: dict[str, list[dict[str, str]]] = {}
        self.fields: dict[str, list[tuple[str, str]]] = {}
        self.indexed: dict[str, dict[str, dict[str, str]]] = {}
        self.problems: list[str] = []

    def add(self, key: str, value: str) -> None:
        match = _KEY.match(key)
        if not match:
            return  # not a Rack key we understand (e.g. unbalanced brackets): ignore it like unknown params
        name, parts = match.group(1), _PART.findall(match.group(2))
        if not parts:
            self.scalars[name] = value
        elif parts == [""]:
            self.lists.setdefault(name, []).append(value)
        elif len(parts) == 2 and parts[0] == "" and parts[1]:
            self.fields.setdefault(name, []).append((parts[1], value))
            records = self.records.setdefault(name, [])
            if not records or parts[1] in records[-1]:
                records.append({})
            records[-1][parts[1]] = value
        elif len(parts) == 2 and parts[0] and parts[1]:
            self.indexed.setdefault(name, {}).setdefault(parts[0], {})[parts[1]] = value

    def _grouped(self, name: str) -> bool:
        """Several `pacticipant` keys, and every key in sorted, grouped order (a pact-file replay)."""
        keys = [key for key, _ in self.fields.get(name, [])]
        return keys.count("pacticipant") > 1 and keys == sorted(keys)

    def _by_position(self, name: str) -> list[dict[str, str]]:
        """The n-th value of each key belongs to the n-th pacticipant.

        A key with fewer values than there are pacticipants (`q[][latest]=true` for one of
        two selectors) is ambiguous; version numbers go to the first selectors and the
        other keys to the selectors without a version (a selector cannot have both a
        version and `latest`), which is how the clients' contracts build their selectors.
        """
        values: dict[str, list[str]] = {}
        for key, value in self.fields[name]:
            values.setdefault(key, []).append(value)
        records: list[dict[str, str]] = [{"pacticipant": value} for value in values.pop("pacticipant")]
        count = len(records)
        for key in sorted(values, key=lambda k: k != "version"):
            targets = list(range(count))
            if key != "version" and len(values[key]) < count:
                targets.sort(key=lambda i: "version" in records[i])
            for position, value in enumerate(values[key]):
                if position < count:
                    records[targets[position]][key] = value
                else:
                    records.append({key: value})
        return records

    def hashes(self, name: str) -> list[dict[str, str]]:
        """`name[][k]` or `name[i][k]` entries, in the order they first appeared."""
        listed, indexed = self.records.get(name, []), self.indexed.get(name, {})
        if self._grouped(name):
            listed = self._by_position(name)
        if listed and indexed:
            self.problems.append(f"Use either {name}[][...] or {name}[N][...] parameters, not both")
        return listed + list(indexed.values())


def parse_params(query_string: str) -> _Params:
    """Split a raw query string into Rack-style parameters (problems recorded, never raised)."""
    params = _Params()
    try:
        pairs = parse_qsl(query_string or "", keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        params.problems.append("The query string is not valid UTF-8")
        return params
    except ValueError as exc:  # e.g. too many fields
        params.problems.append(f"The query string cannot be parsed: {exc}")
        return params
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        params.problems.append("Query parameters cannot contain NUL characters")
        return params
    for key, value in pairs:
        params.add(key, value)
    return params


def _text(value: str | None) -> str | None:
    # Blank values count as absent, as in the Pact Broker.
    return value if value else None


def _selector(raw: dict[str, str]) -> SelectorSpec:
    return SelectorSpec(
        pacticipant=_text(raw.get("pacticipant")),
        version=_text(raw.get("version")),
        latest=raw.get("latest") == "true",
        tag=_text(raw.get("tag")),
        branch=_text(raw.get("branch")),
        environment=_text(raw.get("environment")),
        main_branch=raw.get("mainBranch") == "true",
    )


def ignore_specs(params: _Params) -> tuple[list[IgnoreSpec], bool]:
    """The ignore selectors, in either form; the flag says whether any ignore param was sent."""
    specs = [IgnoreSpec(_text(raw.get("pacticipant")), _text(raw.get("version"))) for raw in params.hashes("ignore")]
    specs += [IgnoreSpec(_text(name)) for name in params.lists.get("ignore", [])]
    given = bool(specs) or "ignore" in params.scalars
    if "ignore" in params.scalars:
        specs.append(IgnoreSpec(_text(params.scalars["ignore"])))
    return specs, given


def ignore_problems(specs: list[IgnoreSpec]) -> list[str]:
    """The problem with ignore selectors that name no pacticipant (reported once)."""
    return ["Please specify the pacticipant name to ignore" for spec in specs if not spec.pacticipant][:1]


def _limit(raw: str | None, problems: list[str]) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"The limit must be a whole number of 1 or more (got {raw!r})")
        return DEFAULT_LIMIT
    if value < 1:
        problems.append(f"The limit must be 1 or more (got {value})")
    elif value > MAX_LIMIT:
        problems.append(f"The limit must be at most {MAX_LIMIT} (got {value})")
    return min(max(value, 1), MAX_LIMIT)


def _success(params: _Params, problems: list[str]) -> tuple[bool | None, ...] | None:
    values = params.lists.get("success")
    if values is None and "success" in params.scalars:
        values = [params.scalars["success"]]
    if values is None:
        return None
    mapping = {"true": True, "false": False, "": None}
    bad = [value for value in values if value not in mapping]
    if bad:
        problems.append(f"success[] values must be true, false or empty (got {bad[0]!r})")
    return tuple(mapping[value] for value in values if value in mapping)


def parse_matrix_query(query_string: str, *, selectors: list[SelectorSpec] | None = None) -> MatrixQuery:
    """Parse and check a `/matrix` query string; problems are collected, not raised.

    `selectors` replaces the `q[]` parameters (for paths that name the pacticipants).
    """
    params = parse_params(query_string)
    problems = params.problems
    if selectors is None:
        selectors = [_selector(raw) for raw in params.hashes("q")]
    for number, spec in enumerate(selectors, start=1):
        if not spec.pacticipant:
            problems.append(f"Please specify the pacticipant name (selector {number} has none)")
        elif spec.version and spec.latest:
            problems.append(f"A version number and latest flag cannot both be specified for {spec.pacticipant}")
    ignores, ignore_given = ignore_specs(params)
    problems += ignore_problems(ignores)
    if not selectors and not params.problems:
        problems.append("Please provide 1 or more version selectors.")
    # Each selector costs a query; a question about more applications than this is a mistake.
    if len(selectors) > MAX_SELECTORS or len(ignores) > MAX_SELECTORS:
        problems.append(f"At most {MAX_SELECTORS} selectors and {MAX_SELECTORS} ignore selectors can be given")

    scalars = params.scalars
    latestby = _text(scalars.get("latestby"))
    if latestby is not None and latestby not in LATESTBY:
        problems.append(f"latestby must be one of {', '.join(LATESTBY)} (got {latestby!r})")
    tag, environment = _text(scalars.get("tag")), _text(scalars.get("environment"))
    main_branch, latest = scalars.get("mainBranch") == "true", scalars.get("latest") == "true"
    if sum(bool(option) for option in (tag, environment, main_branch)) > 1:
        problems.append("Cannot specify more than one of tag, environment and mainBranch")
    if latest and environment:
        problems.append("Cannot specify both latest=true and an environment")
    limit = _limit(scalars.get("limit"), problems)
    success = _success(params, problems)
    return MatrixQuery(
        selectors=tuple(selectors),
        ignore=tuple(ignores),
        ignore_given=ignore_given,
        latestby=latestby if latestby in LATESTBY else None,
        latest=latest,
        tag=tag,
        environment=environment,
        main_branch=main_branch,
        success=success,
        limit=limit,
        problems=tuple(problems),
    )
