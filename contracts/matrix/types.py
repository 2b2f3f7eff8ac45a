"""The matrix pipeline's values: resolved selectors, integrations and rows (no Django here).

Everything is a frozen dataclass, so the decision (decision.py) is a pure function of
them and tests can build any scenario by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.matrix.query import SelectorSpec


@dataclass(frozen=True)
class ResolvedSelector:
    """A selector pinned to one version, to all versions, or to nothing (a placeholder).

    A selector that matches several versions is expanded into one resolved selector per
    version with `one_of_many` set. A selector whose pacticipant exists but which matches
    no version is a placeholder: `version_id` None and `all_versions` False.
    """

    pacticipant_id: int
    pacticipant_name: str
    spec: SelectorSpec
    specified: bool = True
    version_id: int | None = None
    version_number: str | None = None
    all_versions: bool = False
    one_of_many: bool = False

    @property
    def exists(self) -> bool:
        return self.all_versions or self.version_id is not None

    @property
    def uses_environment(self) -> bool:
        return bool(self.spec.environment)

    def _what(self, *, plural: bool = False) -> str:
        """The selector in words, without the version number: "the latest version of Foo"."""
        spec, name = self.spec, self.pacticipant_name
        many = "one of the versions" if plural else None
        if spec.version:
            return f"version {spec.version} of {name}"
        if spec.environment:
            return f"{many or 'the version'} of {name} currently in {spec.environment}"
        if spec.tag:
            return (
                f"the latest version of {name} with tag {spec.tag}"
                if spec.latest
                else (f"{many or 'a version'} of {name} with tag {spec.tag}")
            )
        if spec.branch:
            return (
                f"the latest version of {name} from branch {spec.branch}"
                if spec.latest
                else (f"{many or 'a version'} of {name} from branch {spec.branch}")
            )
        if spec.main_branch:
            return (
                f"the latest version of {name} from the main branch"
                if spec.latest
                else (f"{many or 'a version'} of {name} from the main branch")
            )
        if spec.latest:
            return f"the latest version of {name}"
        return f"any version of {name}"

    def description(self) -> str:
        """How reasons name this selector, e.g. "the latest version of Bar with tag prod (20)"."""
        if self.all_versions:
            return f"any version of {self.pacticipant_name}"
        if self.version_id is None:
            return f"{self._placeholder_what()} ({self._missing_why()})"
        if self.spec.version:
            return self._what()
        return f"{self._what(plural=self.one_of_many)} ({self.version_number})"

    def not_found_description(self) -> str:
        """The missing version, for "No pacts or verifications have been published for ..."."""
        return self._placeholder_what()

    def _placeholder_what(self) -> str:
        spec, name = self.spec, self.pacticipant_name
        if spec.version:
            return f"version {spec.version} of {name}"
        if spec.environment:
            return f"a version of {name} currently in {spec.environment}"
        if spec.branch and not spec.latest:
            return f"any version of {name} from branch {spec.branch}"
        if spec.main_branch and not spec.latest:
            return f"any version of {name} from the main branch"
        return self._what()

    def _missing_why(self) -> str:
        spec = self.spec
        if spec.environment and not spec.version:
            return "no version is currently recorded as deployed/released in this environment"
        if (spec.branch or spec.main_branch) and not spec.latest and not spec.version:
            return "no versions exist for this branch"
        return "no such version exists"


def describe_group(selectors: list[ResolvedSelector]) -> str:
    """One phrase for all selectors of one pacticipant (several when one matched many versions)."""
    if len(selectors) == 1:
        return selectors[0].description()
    first = selectors[0]
    numbers = ", ".join(s.version_number for s in selectors if s.version_number)
    return f"{first._what(plural=True)} ({numbers})"


@dataclass(frozen=True)
class ResolvedIgnore:
    """An ignore selector and what it found (pacticipant_id None: unknown pacticipant)."""

    pacticipant_name: str
    version_number: str | None = None
    pacticipant_id: int | None = None
    version_id: int | None = None

    @property
    def exists(self) -> bool:
        if self.pacticipant_id is None:
            return False
        return self.version_number is None or self.version_id is not None

    def description(self) -> str:
        if self.pacticipant_id is None:
            return f"{self.pacticipant_name} (no such pacticipant exists)"
        if self.version_number is None:
            return self.pacticipant_name
        suffix = "" if self.version_id is not None else " (no such version exists)"
        return f"version {self.version_number} of {self.pacticipant_name}{suffix}"

    def matches(self, pacticipant_id: int, version_id: int | None) -> bool:
        if not self.exists or pacticipant_id != self.pacticipant_id:
            return False
        return self.version_number is None or (version_id is not None and version_id == self.version_id)


@dataclass(frozen=True)
class Integration:
    """A consumer/provider pair the question involves; required = the consumer needs the provider."""

    consumer_id: int
    consumer_name: str
    provider_id: int
    provider_name: str
    required: bool


@dataclass(frozen=True)
class Resolution:
    """Resolved selectors and the integrations between them: the input of rows and decide."""

    specified: tuple[ResolvedSelector, ...]
    inferred: tuple[ResolvedSelector, ...] = ()
    ignores: tuple[ResolvedIgnore, ...] = ()
    integrations: tuple[Integration, ...] = ()
    ignore_given: bool = False
    # The request named exactly one selector and no tag/environment/main branch target.
    no_target_for_single_selector: bool = False

    @property
    def selectors(self) -> tuple[ResolvedSelector, ...]:
        return self.specified + self.inferred

    @property
    def uses_environment(self) -> bool:
        return any(selector.uses_environment for selector in self.selectors)

    def for_pacticipant(self, pacticipant_id: int) -> list[ResolvedSelector]:
        return [s for s in self.selectors if s.pacticipant_id == pacticipant_id]


@dataclass(frozen=True)
class Row:
    """One matrix line: a consumer version's pact and one provider version's verdict on it.

    `provider_version_id` None: nobody in the provider selection verified the pact.
    `verification_id` None with a provider version: that version did not verify it.
    """

    publication_id: int
    consumer_id: int
    consumer_name: str
    consumer_version_id: int
    consumer_version_number: str
    provider_id: int
    provider_name: str
    pact_created_at: datetime
    contract_sha: str
    provider_version_id: int | None = None
    provider_version_number: str | None = None
    verification_id: int | None = None
    success: bool | None = None
    verified_at: datetime | None = None
