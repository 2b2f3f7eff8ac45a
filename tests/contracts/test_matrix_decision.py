"""decide(): every verdict, count and reason, table-driven and without a database."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from contracts.matrix.decision import (
    AllSuccessful,
    CannotIgnore,
    Ignored,
    NeverVerified,
    NoDependencies,
    NoEnvironmentGiven,
    SpecifyVersionNumber,
    VerificationFailed,
    VersionNotFound,
    decide,
)
from contracts.matrix.query import SelectorSpec
from contracts.matrix.types import (
    Integration,
    Resolution,
    ResolvedIgnore,
    ResolvedSelector,
    Row,
)

FOO, BAR, BAZ = 1, 2, 3
NAMES = {FOO: "Foo", BAR: "Bar", BAZ: "Baz"}
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def sel(
    pid: int,
    vid: int | None = None,
    number: str | None = None,
    *,
    specified: bool = True,
    all_versions: bool = False,
    one_of_many: bool = False,
    **spec,
) -> ResolvedSelector:
    return ResolvedSelector(
        pid,
        NAMES[pid],
        SelectorSpec(pacticipant=NAMES[pid], **spec),
        specified=specified,
        version_id=vid,
        version_number=number,
        all_versions=all_versions,
        one_of_many=one_of_many,
    )


def row(
    consumer: tuple[int, int, str] = (FOO, 11, "1"),
    provider: tuple[int, int | None, str | None] = (BAR, 25, "5"),
    success: bool | None = True,
    pub: int = 100,
) -> Row:
    cid, cvid, cnum = consumer
    pid, pvid, pnum = provider
    verification = None if success is None else pub * 10 + (pvid or 0)
    return Row(
        publication_id=pub,
        consumer_id=cid,
        consumer_name=NAMES[cid],
        consumer_version_id=cvid,
        consumer_version_number=cnum,
        provider_id=pid,
        provider_name=NAMES[pid],
        pact_created_at=WHEN,
        contract_sha="a" * 40,
        provider_version_id=pvid,
        provider_version_number=pnum,
        verification_id=verification,
        success=success,
        verified_at=WHEN if verification else None,
    )


def integration(consumer: int = FOO, provider: int = BAR, required: bool = True) -> Integration:
    return Integration(consumer, NAMES[consumer], provider, NAMES[provider], required)


FOO_1 = sel(FOO, 11, "1", version="1")
BAR_IN_PROD = sel(BAR, 25, "5", specified=False, environment="prod")
BAR_NOTHING_IN_PROD = sel(BAR, specified=False, environment="prod")
ENV_CHECK = Resolution(specified=(FOO_1,), inferred=(BAR_IN_PROD,), integrations=(integration(),))
BAR_5 = "the version of Bar currently in prod (5)"


@dataclass
class Case:
    resolution: Resolution
    rows: list[Row]
    deployable: bool | None
    counts: tuple[int, int, int, int | None]  # success, failed, unknown, ignored
    reasons: list[object]
    ignored_rows: int = 0
    notes: dict = field(default_factory=dict)


CASES = {
    "all verified": Case(ENV_CHECK, [row()], True, (1, 0, 0, None), [AllSuccessful()]),
    "nothing required": Case(Resolution(specified=(FOO_1,)), [], True, (0, 0, 0, None), [NoDependencies()]),
    "never verified": Case(
        ENV_CHECK,
        [row(success=None, provider=(BAR, 25, "5"))],
        None,
        (0, 0, 1, None),
        [NeverVerified("version 1 of Foo", "the version of Bar currently in prod (5)")],
    ),
    "failed": Case(
        ENV_CHECK,
        [row(success=False)],
        False,
        (0, 1, 0, None),
        [VerificationFailed("version 1 of Foo", "the version of Bar currently in prod (5)")],
    ),
    "failed plus unknown is unknown (null), failures listed first": Case(
        replace(
            ENV_CHECK,
            inferred=(
                sel(BAR, 25, "5", specified=False, environment="prod", one_of_many=True),
                sel(BAR, 26, "6", specified=False, environment="prod", one_of_many=True),
            ),
        ),
        [row(success=None, provider=(BAR, 26, "6")), row(success=False)],
        None,
        (0, 1, 1, None),
        [
            VerificationFailed("version 1 of Foo", "one of the versions of Bar currently in prod (5)"),
            NeverVerified("version 1 of Foo", "one of the versions of Bar currently in prod (6)"),
        ],
    ),
    "failed plus success is false": Case(
        replace(ENV_CHECK, integrations=(integration(), integration(FOO, BAZ))),
        [row(), row(provider=(BAZ, 31, "1"), success=False, pub=101)],
        False,
        (1, 1, 0, None),
        [VerificationFailed("version 1 of Foo", "version 1 of Baz")],
    ),
    "nothing of a required provider in the environment is unknown": Case(
        replace(ENV_CHECK, inferred=(BAR_NOTHING_IN_PROD,)),
        [row(success=None, provider=(BAR, None, None))],
        None,
        (0, 0, 1, None),
        [
            NeverVerified(
                "version 1 of Foo",
                "a version of Bar currently in prod (no version is currently "
                "recorded as deployed/released in this environment)",
            )
        ],
    ),
    "a required integration without any row is unknown": Case(
        ENV_CHECK, [], None, (0, 0, 1, None), [NeverVerified("version 1 of Foo", BAR_5)]
    ),
    "a consumer not in the environment is not required": Case(
        Resolution(
            specified=(sel(BAR, 25, "5", version="5"),),
            inferred=(sel(FOO, specified=False, environment="prod"),),
            integrations=(integration(required=False),),
        ),
        [],
        True,
        (0, 0, 0, None),
        [NoDependencies()],
    ),
    "a missing specified version is false and hides other errors": Case(
        Resolution(specified=(sel(FOO, version="9"),), inferred=(BAR_IN_PROD,), integrations=(integration(),)),
        [row(success=False)],
        False,
        (0, 1, 0, None),
        [VersionNotFound("version 9 of Foo")],
    ),
    "a missing version named by tag": Case(
        Resolution(specified=(sel(FOO, tag="dev", latest=True),), no_target_for_single_selector=True),
        [],
        False,
        (0, 0, 0, None),
        [NoEnvironmentGiven(), SpecifyVersionNumber(), VersionNotFound("the latest version of Foo with tag dev")],
    ),
    "a missing version in an environment": Case(
        Resolution(specified=(sel(FOO, environment="prod"),)),
        [],
        False,
        (0, 0, 0, None),
        [SpecifyVersionNumber(), VersionNotFound("a version of Foo currently in prod")],
    ),
    "a missing version on a branch": Case(
        Resolution(specified=(sel(FOO, branch="feat"),)),
        [],
        False,
        (0, 0, 0, None),
        [SpecifyVersionNumber(), VersionNotFound("any version of Foo from branch feat")],
    ),
    "ignoring a failed provider makes it deployable": Case(
        replace(ENV_CHECK, ignores=(ResolvedIgnore("Bar", None, BAR),), ignore_given=True),
        [row(success=False)],
        True,
        (0, 0, 0, 1),
        [Ignored(VerificationFailed("version 1 of Foo", BAR_5)), NoDependencies()],
        ignored_rows=1,
    ),
    "ignoring a provider with nothing in the environment": Case(
        replace(
            ENV_CHECK, inferred=(BAR_NOTHING_IN_PROD,), ignores=(ResolvedIgnore("Bar", None, BAR),), ignore_given=True
        ),
        [row(success=None, provider=(BAR, None, None))],
        True,
        (0, 0, 0, 1),
        [
            Ignored(
                NeverVerified(
                    "version 1 of Foo",
                    "a version of Bar currently in prod (no version is currently "
                    "recorded as deployed/released in this environment)",
                )
            ),
            NoDependencies(),
        ],
        ignored_rows=1,
    ),
    "ignoring another version of the provider ignores nothing": Case(
        replace(ENV_CHECK, ignores=(ResolvedIgnore("Bar", "4", BAR, 24),), ignore_given=True),
        [row(success=False)],
        False,
        (0, 1, 0, 0),
        [VerificationFailed("version 1 of Foo", "the version of Bar currently in prod (5)")],
    ),
    "ignoring that version of the provider": Case(
        replace(ENV_CHECK, ignores=(ResolvedIgnore("Bar", "5", BAR, 25),), ignore_given=True),
        [row(success=False)],
        True,
        (0, 0, 0, 1),
        [Ignored(VerificationFailed("version 1 of Foo", BAR_5)), NoDependencies()],
        ignored_rows=1,
    ),
    "ignoring keeps the other rows": Case(
        replace(
            ENV_CHECK,
            integrations=(integration(), integration(FOO, BAZ)),
            ignores=(ResolvedIgnore("Baz", None, BAZ),),
            ignore_given=True,
        ),
        [row(), row(provider=(BAZ, 31, "1"), success=None, pub=101)],
        True,
        (1, 0, 0, 1),
        [Ignored(NeverVerified("version 1 of Foo", "version 1 of Baz")), AllSuccessful()],
        ignored_rows=1,
    ),
    "an unknown pacticipant cannot be ignored": Case(
        replace(ENV_CHECK, ignores=(ResolvedIgnore("Nope"),), ignore_given=True),
        [row()],
        True,
        (1, 0, 0, 0),
        [CannotIgnore("Nope (no such pacticipant exists)"), AllSuccessful()],
    ),
    "an unknown version cannot be ignored": Case(
        replace(ENV_CHECK, ignores=(ResolvedIgnore("Bar", "7", BAR),), ignore_given=True),
        [row()],
        True,
        (1, 0, 0, 0),
        [CannotIgnore("version 7 of Bar (no such version exists)"), AllSuccessful()],
    ),
    "ignoring the missing specified pacticipant": Case(
        Resolution(specified=(sel(FOO, version="9"),), ignores=(ResolvedIgnore("Foo", None, FOO),), ignore_given=True),
        [],
        True,
        (0, 0, 0, 0),
        [NoDependencies()],
    ),
    "a single selector without a target warns": Case(
        replace(ENV_CHECK, no_target_for_single_selector=True),
        [row()],
        True,
        (1, 0, 0, None),
        [NoEnvironmentGiven(), AllSuccessful()],
    ),
    "no version number warns, before the errors": Case(
        replace(ENV_CHECK, specified=(sel(FOO, 11, "1", branch="main", latest=True),)),
        [row(success=False)],
        False,
        (0, 1, 0, None),
        [SpecifyVersionNumber(), VerificationFailed("the latest version of Foo from branch main (1)", BAR_5)],
    ),
    "naming only pacticipants does not ask for a version number": Case(
        Resolution(specified=(sel(FOO, all_versions=True), sel(BAR, all_versions=True)), integrations=(integration(),)),
        [row(), row(consumer=(FOO, 12, "2"), success=None, provider=(BAR, None, None), pub=101)],
        None,
        (1, 0, 1, None),
        [NeverVerified("version 2 of Foo", "any version of Bar")],
    ),
    "the same reason is given once": Case(
        ENV_CHECK,
        [row(success=False), row(success=False, pub=101)],
        False,
        (0, 2, 0, None),
        [VerificationFailed("version 1 of Foo", "the version of Bar currently in prod (5)")],
    ),
    "latest with tag and main branch descriptions": Case(
        Resolution(
            specified=(sel(FOO, 11, "1", tag="dev", latest=True),),
            inferred=(sel(BAR, 25, "5", specified=False, main_branch=True, latest=True),),
            integrations=(integration(),),
        ),
        [row(success=None)],
        None,
        (0, 0, 1, None),
        [
            SpecifyVersionNumber(),
            NeverVerified(
                "the latest version of Foo with tag dev (1)", "the latest version of Bar from the main branch (5)"
            ),
        ],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_decision(case: Case):
    decision = decide(case.resolution, case.rows)

    assert decision.deployable is case.deployable
    counts = decision.counts
    assert (counts.success, counts.failed, counts.unknown, counts.ignored) == case.counts
    assert [reason.text for reason in decision.reasons] == [reason.text for reason in case.reasons]
    assert list(decision.reasons) == case.reasons
    assert len(decision.ignored) == case.ignored_rows
    assert len(decision.considered) == len(case.rows) - case.ignored_rows


def test_counts_are_integers_even_when_unknown():
    counts = decide(ENV_CHECK, [row(success=None)]).counts

    assert all(type(value) is int for value in (counts.success, counts.failed, counts.unknown))


REASON_TEXTS = [
    (NeverVerified("A", "B"), "error", "There is no verified pact between A and B"),
    (VerificationFailed("A", "B"), "error", "The verification for the pact between A and B failed"),
    (
        VersionNotFound("version 1 of Foo"),
        "error",
        "No pacts or verifications have been published for version 1 of Foo",
    ),
    (CannotIgnore("Nope"), "warning", "WARN: Cannot ignore Nope"),
    (Ignored(NeverVerified("A", "B")), "warning", "Ignoring: There is no verified pact between A and B"),
    (AllSuccessful(), "success", "All required verification results are published and successful"),
    (NoDependencies(), "success", "There are no missing dependencies"),
    (
        NoEnvironmentGiven(),
        "warning",
        (
            "WARN: It is recommended to specify the environment into which you are "
            "deploying. Without the environment, this result will not be reliable."
        ),
    ),
    (
        SpecifyVersionNumber(),
        "warning",
        (
            "WARN: It is recommended to specify the version number (rather than the tag "
            "or branch) of the pacticipant you wish to deploy to avoid race conditions. "
            "Without a version number, this result will not be reliable."
        ),
    ),
]


@pytest.mark.parametrize(("reason", "kind", "text"), REASON_TEXTS, ids=[type(r[0]).__name__ for r in REASON_TEXTS])
def test_reason_kind_and_text(reason, kind, text):
    assert (reason.kind, reason.text) == (kind, text)


SELECTOR_DESCRIPTIONS = [
    (sel(FOO, 11, "1", version="1"), "version 1 of Foo"),
    (sel(FOO, version="9"), "version 9 of Foo (no such version exists)"),
    (sel(FOO, 11, "1", latest=True), "the latest version of Foo (1)"),
    (sel(FOO, latest=True), "the latest version of Foo (no such version exists)"),
    (sel(FOO, 11, "1", tag="prod", latest=True), "the latest version of Foo with tag prod (1)"),
    (sel(FOO, 11, "1", tag="prod"), "a version of Foo with tag prod (1)"),
    (sel(FOO, 11, "1", tag="prod", one_of_many=True), "one of the versions of Foo with tag prod (1)"),
    (sel(FOO, 11, "1", branch="main", latest=True), "the latest version of Foo from branch main (1)"),
    (sel(FOO, branch="main"), "any version of Foo from branch main (no versions exist for this branch)"),
    (sel(FOO, main_branch=True), "any version of Foo from the main branch (no versions exist for this branch)"),
    (sel(FOO, 11, "1", environment="prod"), "the version of Foo currently in prod (1)"),
    (sel(FOO, 11, "1", environment="prod", one_of_many=True), "one of the versions of Foo currently in prod (1)"),
    (sel(FOO, all_versions=True), "any version of Foo"),
]


@pytest.mark.parametrize(("selector", "text"), SELECTOR_DESCRIPTIONS, ids=[t for _, t in SELECTOR_DESCRIPTIONS])
def test_selector_description(selector, text):
    assert selector.description() == text
