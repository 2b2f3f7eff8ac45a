"""Keep selectors: which versions the clean keeps (the Pact Broker's clean "keep" selectors).

Pure Python with no Django imports, so settings can validate the configured selectors at
start-up. The clean itself (contracts/services/clean.py) turns them into SQL.

A selector's criteria are ANDed; selectors are ORed: a version is kept when any selector
selects it. The criteria, with the Pact Broker's meaning (keys in camelCase or snake_case):

- `pacticipant`: only that pacticipant's versions;
- `branch`: on that branch (`true`: on any branch); with `latest`, the branch's head;
- `mainBranch`: on the pacticipant's main branch; with `latest`, its head;
- `tag`: with that tag (`true`: any tag); with `latest`, the newest with it (per tag name
  for `true`);
- `latest` alone (or with tag, environment, deployed...): the newest version of each
  pacticipant among those the other criteria select;
- `deployed` / `released`: currently deployed / released and supported (in `environment`
  when one is named; `environment` alone means either);
- `maxAge`: created within that many days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

# Accepted spellings of each field (the Pact Broker snake-cases its keys; its docs and
# Docker examples use both).
_ALIASES = {
    "pacticipant": "pacticipant",
    "pacticipantName": "pacticipant",
    "pacticipant_name": "pacticipant",
    "branch": "branch",
    "tag": "tag",
    "latest": "latest",
    "mainBranch": "main_branch",
    "main_branch": "main_branch",
    "deployed": "deployed",
    "released": "released",
    "environment": "environment",
    "environmentName": "environment",
    "environment_name": "environment",
    "maxAge": "max_age",
    "max_age": "max_age",
}
_CAMEL = {
    "pacticipant": "pacticipant",
    "branch": "branch",
    "tag": "tag",
    "latest": "latest",
    "main_branch": "mainBranch",
    "deployed": "deployed",
    "released": "released",
    "environment": "environment",
    "max_age": "maxAge",
}


@dataclass(frozen=True)
class KeepSelector:
    """One keep selector; the empty default selects nothing in particular (refused by parse)."""

    pacticipant: str | None = None
    branch: str | bool | None = None
    tag: str | bool | None = None
    latest: bool = False
    main_branch: bool = False
    deployed: bool = False
    released: bool = False
    environment: str | None = None
    max_age: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The selector as the configuration spells it (camelCase), without unset fields."""
        return {
            _CAMEL[key]: value
            for key, value in asdict(self).items()
            if value is not None and value is not False and value != ""
        }

    @property
    def latest_is_head(self) -> bool:
        """`latest` means a branch head (branch or main branch given), not the newest per pacticipant."""
        return self.latest and (bool(self.branch) or self.main_branch)


# The Pact Broker's DEFAULT_KEEP_SELECTORS (clean_incremental.rb), in its order.
DEFAULT_KEEP_SELECTORS: tuple[KeepSelector, ...] = (
    KeepSelector(tag=True, latest=True),
    KeepSelector(branch=True, latest=True),
    KeepSelector(latest=True),
    KeepSelector(deployed=True),
    KeepSelector(released=True),
    KeepSelector(max_age=90),
)
# Always kept, whatever is configured: what is running somewhere, and each main line's head
# (the Pact Broker adds the first two itself; Accord adds the third).
ALWAYS_KEPT: tuple[KeepSelector, ...] = (
    KeepSelector(deployed=True),
    KeepSelector(released=True),
    KeepSelector(main_branch=True, latest=True),
)


def _name_or_true(key: str, value: object) -> str | bool | None:
    if value is None or value is False:
        return None
    if value is True:
        return True
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError(f"'{key}' must be a name or true, got {value!r}")


def _flag(key: str, value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise ValueError(f"'{key}' must be true or false, got {value!r}")


def _name(key: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError(f"'{key}' must be a name, got {value!r}")


def keep_selector_parse(data: object) -> KeepSelector:
    """One selector from its JSON object; ValueError names what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a keep selector must be a JSON object, got {data!r}")
    fields: dict[str, object] = {}
    for key, value in data.items():
        name = _ALIASES.get(key)
        if name is None:
            known = ", ".join(sorted(set(_CAMEL.values())))
            raise ValueError(f"unknown keep selector key '{key}' (known: {known})")
        if name in fields:
            raise ValueError(f"'{key}' is given twice in {dict(data)!r}")
        fields[name] = value
    max_age = fields.get("max_age")
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 1):
        raise ValueError(f"'maxAge' must be a whole number of days of at least 1, got {max_age!r}")
    selector = KeepSelector(
        pacticipant=_name("pacticipant", fields.get("pacticipant")),
        branch=_name_or_true("branch", fields.get("branch")),
        tag=_name_or_true("tag", fields.get("tag")),
        latest=_flag("latest", fields.get("latest")),
        main_branch=_flag("mainBranch", fields.get("main_branch")),
        deployed=_flag("deployed", fields.get("deployed")),
        released=_flag("released", fields.get("released")),
        environment=_name("environment", fields.get("environment")),
        max_age=max_age,  # type: ignore[arg-type]
    )
    if selector == KeepSelector():
        raise ValueError(f"the keep selector {dict(data)!r} selects every version; give it a criterion")
    return selector


def keep_selectors_parse(data: object) -> list[KeepSelector]:
    """A list of selectors from JSON (a list of objects, or one object); ValueError says what is wrong."""
    items: Iterable[object] = [data] if isinstance(data, Mapping) else data  # type: ignore[assignment]
    if not isinstance(items, list) or not items:
        raise ValueError('keep selectors must be a non-empty JSON list of objects, e.g. [{"maxAge": 90}]')
    return [keep_selector_parse(item) for item in items]


def with_always_kept(selectors: Iterable[KeepSelector]) -> list[KeepSelector]:
    """The selectors plus those that are always kept (each once)."""
    result = list(dict.fromkeys(selectors))
    result += [selector for selector in ALWAYS_KEPT if selector not in result]
    return result
