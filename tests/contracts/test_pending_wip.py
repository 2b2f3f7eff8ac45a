"""Pending pacts (by provider branch, by provider tags, or neither) and WIP pacts (api spec 4.4, 4.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import broker.urls  # noqa: F401  (registers the `seg` URL converter the API modules' routes use)
from contracts.models import Pacticipant
from contracts.selectors.for_verification import pacts_for_verification
from contracts.selectors.for_verification_query import for_verification_query
from contracts.services.verifications import verification_record
from contracts.services.versions import tag_add

MAIN = [{"mainBranch": True}]


def pacts(**body) -> list:
    provider = Pacticipant.objects.get(name="API")
    return pacts_for_verification(provider=provider, query=for_verification_query(body))


def pending_of(**body) -> bool | None:
    [pact] = pacts(consumerVersionSelectors=MAIN, **body)
    return pact.pending


def verify(
    td,
    number: str,
    *,
    success: bool = True,
    branch: str | None = None,
    tags: tuple[str, ...] = (),
    wip: bool = False,
    days_ago: int = 0,
) -> None:
    """A provider version (on a branch / with tags) publishes a result for the last published pact."""
    if branch:
        td.branch("API", number, branch)
    for tag in tags:
        tag_add(version=td.version("API", number), name=tag)
    verification_record(
        contract=td.contract,
        provider_version_number=number,
        success=success,
        wip=wip,
        execution_date=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def web(td):
    td.publish("Web", "1", provider="API", branch="main")
    return td


# ---------------------------------------------------------------- pending


def test_without_branch_or_tags_a_pact_is_pending_until_any_successful_verification(web):
    assert pending_of() is True
    verify(web, "p1", success=False)
    assert pending_of() is True, "a failure never clears pending"
    verify(web, "p2", success=True)
    assert pending_of() is False


def test_pending_status_is_only_computed_when_requested(web):
    assert pending_of(includePendingStatus=False) is None


def test_pending_status_is_computed_when_the_flag_is_omitted(web):
    # The Pact Broker's code (not its docs) defaults includePendingStatus to true.
    assert for_verification_query({}).include_pending_status is True
    assert pending_of() is True


BRANCH_CASES = {
    "verified on the same branch": ("main", True, "main", False),
    "verification failed on the same branch": ("main", False, "main", True),
    # A provider branch that does not exist yet inherits "not pending" from every other branch.
    "new provider branch inherits from main": ("main", True, "feat-new", False),
    "new provider branch does not inherit failures": ("main", False, "feat-new", True),
    "verified on another branch after this one was created": ("main", True, "feat-old", True),
}


@pytest.mark.parametrize(
    "verified_on, success, provider_branch, pending", BRANCH_CASES.values(), ids=BRANCH_CASES.keys()
)
def test_pending_by_provider_branch(web, verified_on, success, provider_branch, pending):
    web.branch("API", "p0", "feat-old")  # created before any verification
    verify(web, "p1", branch=verified_on, success=success)
    assert pending_of(providerVersionBranch=provider_branch) is pending


def test_verified_on_another_branch_before_this_branch_was_created_is_not_pending(web):
    verify(web, "p1", branch="main")
    web.branch("API", "p2", "feat-later")
    assert pending_of(providerVersionBranch="feat-later") is False


def test_a_provider_version_on_no_branch_does_not_clear_pending_for_a_branch(web):
    verify(web, "p1")
    assert pending_of(providerVersionBranch="main") is True


def test_wip_results_count_for_pending(web):
    verify(web, "p1", branch="main", wip=True)
    assert pending_of(providerVersionBranch="main") is False


def test_pending_by_provider_tags_lists_the_tags_it_is_pending_for(web):
    tag_add(version=web.version("API", "p0"), name="feat-old")  # tag in use before the verification
    verify(web, "p1", tags=("main",))
    [pact] = pacts(consumerVersionSelectors=MAIN, providerVersionTags=["main", "feat-old", "feat-new"])
    assert pact.pending is True
    assert pact.pending_tags == ("feat-old",)
    assert pact.non_pending_tags == ("main", "feat-new")


def test_pending_by_tags_uses_the_tags_the_provider_version_had_when_it_published(web):
    verify(web, "p1")
    tag_add(version=web.version("API", "p1"), name="main")  # tagged after publishing: does not count
    assert pending_of(providerVersionTags=["main"]) is True


def test_pending_is_per_content_so_a_republished_pact_stays_verified(web):
    verify(web, "p1", branch="main")
    web.publish("Web", "2", provider="API", branch="main")  # same content, new consumer version
    assert pending_of(providerVersionBranch="main") is False


# ---------------------------------------------------------------- WIP

SINCE = "2020-01-01"


def wip_pacts(**body) -> list[tuple[str, str]]:
    return [
        (p.publication.consumer_version.number, p.short_description())
        for p in pacts(includeWipPactsSince=SINCE, **body)
        if p.wip
    ]


@pytest.fixture
def feature(web):
    """Web 2 on branch feat-x (a head, not selected by the main branch selector)."""
    return web.publish("Web", "2", provider="API", branch="feat-x", variant="feature")


def test_wip_pacts_are_recent_heads_not_selected_explicitly(feature):
    found = pacts(consumerVersionSelectors=MAIN, includeWipPactsSince=SINCE, providerVersionBranch="main")
    assert [(p.publication.consumer_version.number, p.wip, p.pending) for p in found] == [
        ("1", False, True),
        ("2", True, True),
    ]
    assert found[1].short_description() == "latest from branch feat-x"


def test_wip_pacts_need_a_provider_branch_or_tags(feature):
    assert wip_pacts(consumerVersionSelectors=MAIN) == []
    assert wip_pacts(consumerVersionSelectors=MAIN, providerVersionTags=["main"]) == [
        ("2", "latest from branch feat-x")
    ]


def test_explicitly_selected_pacts_are_not_repeated_as_wip(feature):
    selectors = [*MAIN, {"branch": "feat-x"}]
    assert wip_pacts(consumerVersionSelectors=selectors, providerVersionBranch="main") == []


def test_only_pacts_published_after_the_date_are_wip(feature):
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    found = pacts(consumerVersionSelectors=MAIN, includeWipPactsSince=tomorrow, providerVersionBranch="main")
    assert [p.wip for p in found] == [False]


def test_head_tags_are_wip_candidates_too(web, settings):
    settings.ACCORD_USE_FIRST_TAG_AS_BRANCH = False  # else the tag also becomes a branch
    web.publish("Web", "2", provider="API", tags=["feat-y"], variant="tagged")
    assert wip_pacts(consumerVersionSelectors=MAIN, providerVersionBranch="main") == [("2", "latest with tag feat-y")]


def test_a_pact_that_is_no_longer_a_head_is_not_wip(feature):
    feature.publish("Web", "3", provider="API", branch="feat-x", variant="newer")
    assert wip_pacts(consumerVersionSelectors=MAIN, providerVersionBranch="main") == [
        ("3", "latest from branch feat-x")
    ]


WIP_EXCLUSIONS = {
    "verified by the provider branch": ({"branch": "main"}, "main", []),
    "a WIP result does not end WIP": ({"branch": "main", "wip": True}, "main", ["2"]),
    "a failed result does not end WIP": ({"branch": "main", "success": False}, "main", ["2"]),
    "verified by another branch, provider branch not created yet": ({"branch": "other"}, "feat-new", []),
    "verified by another branch after the provider branch existed": ({"branch": "other"}, "feat-old", ["2"]),
    # Only results of the last 30 days count (Pact Broker #902).
    "verified too long ago": ({"branch": "main", "days_ago": 40}, "main", ["2"]),
}


@pytest.mark.parametrize("verification, provider_branch, expected", WIP_EXCLUSIONS.values(), ids=WIP_EXCLUSIONS.keys())
def test_wip_exclusions_by_branch(feature, verification, provider_branch, expected):
    feature.branch("API", "p0", "feat-old")
    verify(feature, "p1", **verification)
    found = wip_pacts(consumerVersionSelectors=MAIN, providerVersionBranch=provider_branch)
    assert [number for number, _ in found] == expected


def test_wip_exclusions_by_tags_keep_the_pact_for_tags_that_have_not_accepted_it(feature):
    tag_add(version=feature.version("API", "p0"), name="feat-old")
    verify(feature, "p1", tags=("main",))
    [pact] = [
        p
        for p in pacts(
            consumerVersionSelectors=MAIN, includeWipPactsSince=SINCE, providerVersionTags=["main", "feat-old"]
        )
        if p.wip
    ]
    assert pact.pending_tags == ("feat-old",)
    assert wip_pacts(consumerVersionSelectors=MAIN, providerVersionTags=["main"]) == []


def test_wip_pacts_sharing_content_are_one_entry(feature):
    feature.publish("Web", "3", provider="API", branch="feat-z", variant="feature")
    assert wip_pacts(consumerVersionSelectors=MAIN, providerVersionBranch="main") == [
        ("3", "latest from branch feat-x, latest from branch feat-z")
    ]
