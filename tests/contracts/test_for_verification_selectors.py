"""Consumer version selectors: resolution, fallbacks, merging by content, defaults, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import broker.urls  # noqa: F401  (registers the `seg` URL converter the API modules' routes use)
from contracts.models import Pacticipant
from contracts.selectors.for_verification import pacts_for_verification
from contracts.selectors.for_verification_query import for_verification_query


@pytest.fixture
def world(td):
    """Provider API with two consumers on branches, tags, and in environments.

    Web (main branch "main"): w1 main+prod tag, deployed to test; w2 main head; w3 feat-x head, dev tag.
    Mobile (main branch "master"): m1 master head + prod tag, released to production; m2 feat-x head.
    Every version publishes different content.
    """
    td.publish("Web", "w1", provider="API", branch="main", tags=["prod"], variant="w1")
    td.publish("Web", "w2", provider="API", branch="main", variant="w2")
    td.publish("Web", "w3", provider="API", branch="feat-x", tags=["dev"], variant="w3")
    td.publish("Mobile", "m1", provider="API", branch="master", tags=["prod"], variant="m1")
    td.publish("Mobile", "m2", provider="API", branch="feat-x", variant="m2")
    td.environment("production", production=True)
    td.deploy("Web", "w1", to="test").release("Mobile", "m1", to="production")
    return td


def resolve(body: dict) -> list[tuple[str, str, str]]:
    """(consumer, consumer version, shortDescription) of each pact, in answer order."""
    provider = Pacticipant.objects.get(name="API")
    pacts = pacts_for_verification(provider=provider, query=for_verification_query(body))
    return [(p.publication.consumer.name, p.publication.consumer_version.number, p.short_description()) for p in pacts]


CASES = {
    "main branch": (
        {"mainBranch": True},
        [("Mobile", "m1", "latest from main branch"), ("Web", "w2", "latest from main branch")],
    ),
    "named branch": (
        {"branch": "feat-x"},
        [("Mobile", "m2", "latest from branch feat-x"), ("Web", "w3", "latest from branch feat-x")],
    ),
    "every branch": (
        {"branch": True},
        [
            ("Mobile", "m1", "latest from branch master"),
            ("Mobile", "m2", "latest from branch feat-x"),
            ("Web", "w2", "latest from branch main"),
            ("Web", "w3", "latest from branch feat-x"),
        ],
    ),
    "latest for tag": (
        {"tag": "prod", "latest": True},
        [("Mobile", "m1", "latest with tag prod"), ("Web", "w1", "latest with tag prod")],
    ),
    "all for tag": ({"tag": "prod"}, [("Mobile", "m1", "one of prod"), ("Web", "w1", "one of prod")]),
    "all for tag and consumer": ({"tag": "prod", "consumer": "Web"}, [("Web", "w1", "one of Web prod")]),
    "overall latest": ({"latest": True}, [("Mobile", "m2", "latest"), ("Web", "w3", "latest")]),
    "latest for one consumer": ({"latest": True, "consumer": "Web"}, [("Web", "w3", "latest")]),
    "deployed": ({"deployed": True}, [("Web", "w1", "deployed to test")]),
    "released": ({"released": True}, [("Mobile", "m1", "released in production")]),
    "deployed or released": (
        {"deployedOrReleased": True},
        [("Mobile", "m1", "released in production"), ("Web", "w1", "deployed to test")],
    ),
    "environment": ({"environment": "test"}, [("Web", "w1", "deployed to test")]),
    "released in environment": (
        {"environment": "production", "released": True},
        [("Mobile", "m1", "released in production")],
    ),
    "deployed in other environment": ({"environment": "production", "deployed": True}, []),
    "unknown branch": ({"branch": "nope"}, []),
    "fallback tag": ({"tag": "nope", "latest": True, "fallbackTag": "dev"}, [("Web", "w3", "latest with tag dev")]),
    "fallback tag unused when the tag exists": (
        {"tag": "prod", "latest": True, "fallbackTag": "dev"},
        [("Mobile", "m1", "latest with tag prod"), ("Web", "w1", "latest with tag prod")],
    ),
    # Per consumer: Mobile has a master branch, Web falls back to its main branch.
    "fallback branch per consumer": (
        {"branch": "master", "fallbackBranch": "main"},
        [("Mobile", "m1", "latest from branch master"), ("Web", "w2", "latest from branch main")],
    ),
    "fallback branch for one consumer": (
        {"branch": "nope", "fallbackBranch": "feat-x", "consumer": "Mobile"},
        [("Mobile", "m2", "latest from branch feat-x")],
    ),
}


@pytest.mark.parametrize("selector, expected", CASES.values(), ids=CASES.keys())
def test_each_selector_kind_resolves_to_the_expected_pacts(world, selector, expected):
    assert resolve({"consumerVersionSelectors": [selector]}) == expected


def test_matching_branch_asks_each_consumer_for_the_provider_versions_branch(world):
    body = {"consumerVersionSelectors": [{"matchingBranch": True}], "providerVersionBranch": "feat-x"}
    assert resolve(body) == [("Mobile", "m2", "latest from branch feat-x"), ("Web", "w3", "latest from branch feat-x")]


def test_one_entry_per_content_with_every_selector_that_picked_it(world):
    # m1 is Mobile's main branch head and its latest prod version: one pact, two descriptions.
    body = {"consumerVersionSelectors": [{"tag": "prod", "latest": True}, {"mainBranch": True}]}
    assert resolve(body) == [
        ("Mobile", "m1", "latest from main branch, latest with tag prod"),
        ("Web", "w1", "latest with tag prod"),
        ("Web", "w2", "latest from main branch"),
    ]


def test_versions_sharing_content_merge_into_the_newest_version(td):
    td.publish("Web", "1", provider="API", tags=["prod"]).publish("Web", "2", provider="API", tags=["prod"])
    td.deploy("Web", "1", to="test")
    provider = Pacticipant.objects.get(name="API")
    query = for_verification_query({"consumerVersionSelectors": [{"tag": "prod"}, {"deployed": True}]})

    [pact] = pacts_for_verification(provider=provider, query=query)

    assert pact.publication.consumer_version.number == "2"
    assert [(s.kind, s.consumer_version_number) for s in pact.selectors] == [
        ("tag_all", "1"),
        ("tag_all", "2"),
        ("deployed", "1"),
    ]
    assert pact.short_description() == "one of prod, deployed to test"


def test_answer_is_ordered_by_consumer_name_ignoring_case(td):
    for name in ("beta", "Alpha", "gamma", "Delta"):
        td.publish(name, "1", provider="API")
    assert [row[0] for row in resolve({"consumerVersionSelectors": [{"latest": True}]})] == [
        "Alpha",
        "beta",
        "Delta",
        "gamma",
    ]


def test_latest_pact_ignores_newer_consumer_versions_without_a_pact_for_this_provider(td):
    td.publish("Web", "1", provider="API").publish("Web", "2", provider="Other")
    assert resolve({"consumerVersionSelectors": [{"latest": True}]}) == [("Web", "1", "latest")]


def test_latest_for_tag_is_the_head_tag_version_even_without_a_pact(td):
    # The newest prod version has no pact for API, so nothing is selected (api spec 4.1).
    td.publish("Web", "1", provider="API", tags=["prod"]).publish("Web", "2", provider="Other", tags=["prod"])
    assert resolve({"consumerVersionSelectors": [{"tag": "prod", "latest": True}]}) == []


def test_branch_selector_uses_the_branch_head_not_the_newest_version(td):
    td.publish("Web", "2", provider="API", branch="main", variant="two")
    td.publish("Web", "1", provider="API", branch="other", variant="one")
    td.branch("Web", "1", "main")  # most recently added to main: the head
    assert resolve({"consumerVersionSelectors": [{"branch": "main"}]}) == [("Web", "1", "latest from branch main")]


def test_undeployed_and_unsupported_versions_are_not_selected(td):
    from contracts.services import deployments

    td.publish("Web", "1", provider="API").deploy("Web", "1", to="test").release("Web", "1", to="prod")
    version = td.version("Web", "1")
    deployments.deployment_end(deployed_version=version.deployments.get())
    deployments.release_end_support(released_version=version.releases.get())
    assert resolve({"consumerVersionSelectors": [{"deployedOrReleased": True}]}) == []


def test_deployed_to_several_environments_lists_non_production_first(td):
    td.environment("aaa-prod", production=True)
    td.publish("Web", "1", provider="API").deploy("Web", "1", to="aaa-prod").deploy("Web", "1", to="zzz-test")
    assert resolve({"consumerVersionSelectors": [{"deployed": True}]}) == [
        ("Web", "1", "deployed to zzz-test, deployed to aaa-prod")
    ]


DEFAULT_CASES = {
    # A consumer whose main branch has versions: its head.
    "main branch head": ({"branch": "main"}, "latest from main branch"),
    # Main branch known (from a tag) but no branch versions: the latest version with that tag.
    "main branch tag": ({"tags": ["main"]}, "latest with tag main"),
    "no main branch": ({}, "latest"),
}


@pytest.mark.parametrize("publish, expected", DEFAULT_CASES.values(), ids=DEFAULT_CASES.keys())
def test_default_selectors_per_consumer(td, settings, publish, expected):
    settings.ACCORD_USE_FIRST_TAG_AS_BRANCH = False
    td.publish("Web", "1", provider="API", **publish)
    assert resolve({}) == [("Web", "1", expected)]


def test_default_main_branch_selector_picks_nothing_when_the_head_has_no_pact_for_this_provider(td):
    td.publish("Web", "1", provider="API", branch="main").publish("Web", "2", provider="Other", branch="main")
    assert resolve({}) == []


def test_default_selectors_add_deployed_and_released_versions(world):
    assert resolve({"consumerVersionSelectors": []}) == [
        ("Mobile", "m1", "latest from main branch, released in production"),
        ("Web", "w1", "deployed to test"),
        ("Web", "w2", "latest from main branch"),
    ]


BODY = {
    "consumerVersionSelectors": [
        {"mainBranch": True},
        {"branch": True},
        {"tag": "prod", "latest": True, "fallbackTag": "dev"},
        {"tag": "prod"},
        {"latest": True},
        {"deployedOrReleased": True},
        {"environment": "test"},
        {"branch": "nope", "fallbackBranch": "main"},
        {"matchingBranch": True},
    ],
    "providerVersionBranch": "main",
    "includePendingStatus": True,
    "includeWipPactsSince": "2020-01-01",
}


def _add_consumers(td, names: range) -> None:
    for i in names:
        name = f"Consumer{i}"
        td.publish(name, "1", provider="API", branch="main", tags=["prod"], variant="a")
        td.publish(name, "2", provider="API", branch="feat", variant="b")
        td.deploy(name, "1", to="test").release(name, "2", to="prod")


@pytest.mark.parametrize("body", [BODY, {}], ids=["every selector kind", "default selectors"])
def test_query_count_does_not_grow_with_the_number_of_consumers(td, body, django_assert_max_num_queries):
    provider = Pacticipant.objects.create(name="API")
    td.environment("test")
    _add_consumers(td, range(2))
    query = for_verification_query(body)
    with CaptureQueriesContext(connection) as two:
        assert len(pacts_for_verification(provider=provider, query=query)) == 4
    _add_consumers(td, range(2, 10))
    with django_assert_max_num_queries(len(two)):
        assert len(pacts_for_verification(provider=provider, query=query)) == 20


def test_the_answer_reads_publications_as_values_that_match_the_models(world):
    """The selectors answer with PublicationRefs (no model instances); each carries what the
    stored publication has."""
    from contracts.models import ContractPublication
    from contracts.selectors.publication_refs import PublicationRef

    provider = Pacticipant.objects.get(name="API")
    body = {"consumerVersionSelectors": [{"mainBranch": True}, {"deployedOrReleased": True}, {"branch": True}]}
    pacts = pacts_for_verification(provider=provider, query=for_verification_query(body))
    assert len(pacts) == 5
    for pact in pacts:
        ref = pact.publication
        assert isinstance(ref, PublicationRef)
        stored = ContractPublication.objects.select_related("consumer", "provider", "consumer_version", "contract").get(
            id=ref.id
        )
        assert (ref.consumer_id, ref.provider_id, ref.consumer_version_id, ref.contract_id) == (
            stored.consumer_id,
            stored.provider_id,
            stored.consumer_version_id,
            stored.contract_id,
        )
        assert (ref.consumer.name, ref.consumer.main_branch, ref.provider.name) == (
            stored.consumer.name,
            stored.consumer.main_branch,
            stored.provider.name,
        )
        assert (ref.consumer_version.number, ref.contract.sha) == (stored.consumer_version.number, stored.contract.sha)
