"""Step 3 of the pipeline: can the selected versions be deployed? A pure function (4.6 steps 7-9).

`deployable` is three-valued: True, False, or None meaning "unknown": some pact has not
been verified (yet) by a provider version that matters. Clients treat None as "no", and
the CLIs' --retry-while-unknown polls until it changes. Precedence: a missing specified
version makes it False; otherwise any unknown makes it None even if something also
failed (a failure plus a pending verification is still worth waiting for); otherwise any
failure makes it False.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from contracts.matrix.types import (
    Integration,
    Resolution,
    ResolvedSelector,
    Row,
    describe_group,
)

ERROR, WARNING, SUCCESS = "error", "warning", "success"


@dataclass(frozen=True)
class Reason:
    """One line of `summary.reason` and one notice; `kind` is the notice type."""

    kind: ClassVar[str] = ERROR

    @property
    def text(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class NeverVerified(Reason):
    consumer: str
    provider: str

    @property
    def text(self) -> str:
        return f"There is no verified pact between {self.consumer} and {self.provider}"


@dataclass(frozen=True)
class VerificationFailed(Reason):
    consumer: str
    provider: str

    @property
    def text(self) -> str:
        return f"The verification for the pact between {self.consumer} and {self.provider} failed"


@dataclass(frozen=True)
class VersionNotFound(Reason):
    selector: str

    @property
    def text(self) -> str:
        return f"No pacts or verifications have been published for {self.selector}"


@dataclass(frozen=True)
class NoEnvironmentGiven(Reason):
    kind: ClassVar[str] = WARNING

    @property
    def text(self) -> str:
        return (
            "WARN: It is recommended to specify the environment into which you are deploying. "
            "Without the environment, this result will not be reliable."
        )


@dataclass(frozen=True)
class SpecifyVersionNumber(Reason):
    kind: ClassVar[str] = WARNING

    @property
    def text(self) -> str:
        return (
            "WARN: It is recommended to specify the version number (rather than the tag or branch) of the "
            "pacticipant you wish to deploy to avoid race conditions. Without a version number, this result "
            "will not be reliable."
        )


@dataclass(frozen=True)
class CannotIgnore(Reason):
    kind: ClassVar[str] = WARNING
    selector: str

    @property
    def text(self) -> str:
        return f"WARN: Cannot ignore {self.selector}"


@dataclass(frozen=True)
class Ignored(Reason):
    """A failure or missing verification that does not count because it was ignored."""

    kind: ClassVar[str] = WARNING
    reason: Reason

    @property
    def text(self) -> str:
        return f"Ignoring: {self.reason.text}"


@dataclass(frozen=True)
class AllSuccessful(Reason):
    kind: ClassVar[str] = SUCCESS

    @property
    def text(self) -> str:
        return "All required verification results are published and successful"


@dataclass(frozen=True)
class NoDependencies(Reason):
    kind: ClassVar[str] = SUCCESS

    @property
    def text(self) -> str:
        return "There are no missing dependencies"


@dataclass(frozen=True)
class Counts:
    success: int
    failed: int
    unknown: int
    ignored: int | None  # only counted when ignore selectors were given


@dataclass(frozen=True)
class Decision:
    deployable: bool | None
    counts: Counts
    reasons: tuple[Reason, ...]
    considered: tuple[Row, ...]
    ignored: tuple[Row, ...]


class _Describer:
    """Names the versions of a row the way the selectors that picked them read."""

    def __init__(self, resolution: Resolution) -> None:
        self.by_version: dict[int, ResolvedSelector] = {}
        self.by_pacticipant: dict[int, list[ResolvedSelector]] = {}
        for selector in resolution.selectors:
            if selector.version_id is not None:
                self.by_version.setdefault(selector.version_id, selector)
            self.by_pacticipant.setdefault(selector.pacticipant_id, []).append(selector)

    def version(self, pacticipant_id: int, name: str, version_id: int | None, number: str | None) -> str:
        if version_id is None:
            return self.pacticipant(pacticipant_id, name)
        selector = self.by_version.get(version_id)
        if selector is None:  # picked by an "all versions" selector
            return f"version {number} of {name}"
        return selector.description()

    def pacticipant(self, pacticipant_id: int, name: str) -> str:
        selectors = self.by_pacticipant.get(pacticipant_id)
        return describe_group(selectors) if selectors else f"any version of {name}"

    def row(self, row: Row) -> tuple[str, str]:
        consumer = self.version(
            row.consumer_id, row.consumer_name, row.consumer_version_id, row.consumer_version_number
        )
        provider = self.version(
            row.provider_id, row.provider_name, row.provider_version_id, row.provider_version_number
        )
        return consumer, provider


def _row_reason(row: Row, describe: _Describer) -> Reason | None:
    if row.success is True:
        return None
    consumer, provider = describe.row(row)
    return VerificationFailed(consumer, provider) if row.success is False else NeverVerified(consumer, provider)


def _missing_integrations(resolution: Resolution, rows: Sequence[Row], ignored_ids: set[int]) -> list[Integration]:
    """Required integrations without any row (e.g. cut off by success[] or limit).

    An integration whose rows were all ignored is not missing: it was looked at and ignored.
    """
    seen = {(row.consumer_id, row.provider_id) for row in rows}
    return [
        i
        for i in resolution.integrations
        if i.required
        and (i.consumer_id, i.provider_id) not in seen
        and i.consumer_id not in ignored_ids
        and i.provider_id not in ignored_ids
    ]


def _is_ignored(row: Row, resolution: Resolution) -> bool:
    return any(
        ignore.matches(row.consumer_id, row.consumer_version_id)
        or ignore.matches(row.provider_id, row.provider_version_id)
        for ignore in resolution.ignores
    )


def _warnings(resolution: Resolution) -> list[Reason]:
    warnings: list[Reason] = [CannotIgnore(i.description()) for i in resolution.ignores if not i.exists]
    if resolution.no_target_for_single_selector:
        warnings.append(NoEnvironmentGiven())
    if any(s.specified and not s.spec.version and not s.all_versions for s in resolution.specified):
        warnings.append(SpecifyVersionNumber())
    return warnings


def decide(resolution: Resolution, rows: Sequence[Row]) -> Decision:
    """The can-i-deploy verdict, counts and reasons for these rows (pure)."""
    describe = _Describer(resolution)
    considered = [row for row in rows if not _is_ignored(row, resolution)]
    ignored = [row for row in rows if _is_ignored(row, resolution)]
    # Pacticipants ignored as a whole (no version): their required integrations are not missing.
    whole = {i.pacticipant_id for i in resolution.ignores if i.exists and i.version_number is None}

    not_found = [
        VersionNotFound(s.not_found_description())
        for s in resolution.specified
        if not s.exists
        and not any(i.matches(s.pacticipant_id, s.version_id) for i in resolution.ignores if i.version_number is None)
    ]
    missing = _missing_integrations(resolution, rows, whole)
    failed = [row for row in considered if row.success is False]
    unverified = [row for row in considered if row.success is None]

    errors: list[Reason] = list(not_found)
    if not errors:
        errors += [
            NeverVerified(
                describe.pacticipant(i.consumer_id, i.consumer_name),
                describe.pacticipant(i.provider_id, i.provider_name),
            )
            for i in missing
        ]
        errors += [reason for row in failed + unverified if (reason := _row_reason(row, describe))]
    notes = [Ignored(reason) for row in ignored if (reason := _row_reason(row, describe))]
    warnings = _warnings(resolution) + notes
    if errors:
        reasons = warnings + errors
    else:
        reasons = warnings + [AllSuccessful() if considered else NoDependencies()]

    counts = Counts(
        success=sum(1 for row in considered if row.success is True),
        failed=len(failed),
        unknown=len(unverified) + len(missing),
        ignored=len(ignored) if resolution.ignore_given else None,
    )
    if not_found:
        deployable: bool | None = False
    elif counts.unknown:
        deployable = None
    elif counts.failed:
        deployable = False
    else:
        deployable = True
    return Decision(deployable, counts, tuple(dict.fromkeys(reasons)), tuple(considered), tuple(ignored))
