"""Pacts for verification over HTTP: the verifiers' exact requests, answer shape, validation."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from contracts.selectors.pacts import decode_metadata

HAL = "application/hal+json"
BASE = "http://testserver"
URL = "/pacts/provider/ProviderX/for-verification"
# client-wire.md section 4: the bodies real verifiers POST.
RUST_BODY = {
    "providerVersionTags": ["main", "ci"],
    "includePendingStatus": True,
    "includeWipPactsSince": "2024-01-01",
    "consumerVersionSelectors": [{"mainBranch": True}, {"deployedOrReleased": True}, {"branch": "feat-x"}],
    "providerVersionBranch": "main",
}
RUBY_BODY = {
    "includePendingStatus": True,
    "consumerVersionSelectors": [{"mainBranch": True}],
    "providerVersionTags": ["main"],
    "providerVersionBranch": "main",
    "includeWipPactsSince": "2024-01-01",
}
PACT_PYTHON_BROKER_SOURCE_BODY = {"includePendingStatus": False, "consumerVersionSelectors": []}


@pytest.fixture
def consumers(td):
    """ConsumerA: 1.0.0 on main (deployed to production), 1.1.0 on feat-x, 1.2.0 on feat-y (a WIP head)."""
    td.publish("ConsumerA", "1.0.0", provider="ProviderX", branch="main", variant="main")
    td.publish("ConsumerA", "1.1.0", provider="ProviderX", branch="feat-x", variant="x")
    td.publish("ConsumerA", "1.2.0", provider="ProviderX", branch="feat-y", variant="y")
    td.environment("production", production=True)
    td.deploy("ConsumerA", "1.0.0", to="production")
    return td


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(HAL)
    return response.json()["_embedded"]["pacts"]


def metadata_of(entry: dict) -> dict:
    path = urlsplit(entry["_links"]["self"]["href"]).path
    assert "/metadata/" in path
    return decode_metadata(path.rsplit("/metadata/", 1)[1])


def assert_rust_readable(entry: dict) -> None:
    """What the Rust verifier deserialises strictly (client-wire.md section 5)."""
    assert isinstance(entry["shortDescription"], str) and entry["shortDescription"]
    assert entry["_links"]["self"]["href"].startswith(
        BASE + "/pacts/provider/ProviderX/consumer/ConsumerA/pact-version/"
    )
    notices = entry["verificationProperties"]["notices"]
    assert notices and all(set(n) == {"when", "text"} and all(isinstance(v, str) for v in n.values()) for n in notices)


def test_rust_verifier_post_body(api, consumers):
    response = api.post(URL, RUST_BODY)

    pacts = entries(response)
    for entry in pacts:
        assert_rust_readable(entry)
    assert [
        (p["shortDescription"], p["verificationProperties"]["pending"], p["verificationProperties"].get("wip"))
        for p in pacts
    ] == [
        ("latest from main branch, deployed to production", True, None),
        ("latest from branch feat-x", True, None),
        ("latest from branch feat-y", True, True),
    ]
    assert pacts[0]["_links"]["self"]["name"] == "Pact between ConsumerA (1.0.0) and ProviderX"
    assert response.json()["_links"]["self"] == {"href": BASE + URL, "title": "Pacts to be verified"}


def test_notices_explain_inclusion_and_pending_state(api, consumers):
    main, _, wip = entries(api.post(URL, RUST_BODY))
    whens = [n["when"] for n in main["verificationProperties"]["notices"]]
    assert whens == [
        "before_verification",
        "before_verification",
        "after_verification:success_true_published_false",
        "after_verification:success_false_published_false",
        "after_verification:success_true_published_true",
        "after_verification:success_false_published_true",
    ]
    inclusion = main["verificationProperties"]["notices"][0]["text"]
    assert main["_links"]["self"]["href"] in inclusion
    assert "latest version from the main branch 'main' (1.0.0)" in inclusion
    assert "a consumer version currently deployed to production (1.0.0)" in inclusion
    assert "branch 'main'" in main["verificationProperties"]["notices"][1]["text"]
    assert "work in progress" in wip["verificationProperties"]["notices"][0]["text"]


def test_self_href_metadata_carries_selectors_consumer_versions_and_pending(api, consumers):
    main, _, wip = entries(api.post(URL, RUST_BODY))
    version_id = consumers.version("ConsumerA", "1.0.0").id
    assert metadata_of(main) == {
        "p": True,
        "s": [
            {"b": "main", "cv": version_id, "cvn": "1.0.0", "l": True},
            {"cv": version_id, "cvn": "1.0.0", "e": "production"},
        ],
    }
    assert metadata_of(wip)["w"] is True


def test_ruby_verifier_post_body(api, consumers):
    pacts = entries(api.post(URL, RUBY_BODY))
    assert [p["shortDescription"] for p in pacts] == [
        "latest from main branch",
        "latest from branch feat-x",
        "latest from branch feat-y",
    ]
    assert [p["verificationProperties"].get("wip", False) for p in pacts] == [False, True, True]


def test_pact_python_broker_source_without_selectors_gets_the_defaults_without_pending(api, consumers):
    pacts = entries(api.post(URL, PACT_PYTHON_BROKER_SOURCE_BODY))
    assert [p["shortDescription"] for p in pacts] == ["latest from main branch, deployed to production"]
    assert "pending" not in pacts[0]["verificationProperties"]
    assert [n["when"] for n in pacts[0]["verificationProperties"]["notices"]] == ["before_verification"]
    assert "p" not in metadata_of(pacts[0])


def test_include_pending_status_defaults_to_true(api, consumers):
    [pact] = entries(api.post(URL, {"consumerVersionSelectors": [{"mainBranch": True}]}))
    assert pact["verificationProperties"]["pending"] is True


def test_rust_verifier_gets_first_then_posts_to_the_self_href(api, consumers):
    got = api.get(URL)
    [entry] = entries(got)  # the default selectors
    assert entry["verificationProperties"]["notices"][0]["text"].startswith("WARNING - GET on pacts for verification")
    self_href = got.json()["_links"]["self"]["href"]
    assert self_href == BASE + URL

    posted = api.post(urlsplit(self_href).path, RUST_BODY)

    assert len(entries(posted)) == 3


def test_get_with_snake_case_query_parameters(api, consumers):
    consumers.publish("ConsumerA", "0.9.0", provider="ProviderX", tags=["prod"], variant="old")
    consumers.publish("ConsumerA", "0.9.1", provider="ProviderX", tags=["dev"], variant="dev")
    # Rack nesting: a key already present in the last selector starts the next one.
    query = (
        "provider_version_tags[]=main&consumer_version_selectors[][tag]=prod&consumer_version_selectors[][latest]=true"
        "&consumer_version_selectors[][tag]=dev&consumer_version_selectors[][latest]=true&include_pending_status=false"
    )
    pacts = entries(api.get(f"{URL}?{query}"))
    assert [p["shortDescription"] for p in pacts] == ["latest with tag prod", "latest with tag dev"]
    assert "pending" not in pacts[0]["verificationProperties"]


def test_get_accepts_percent_encoded_brackets_and_indexes(api, consumers):
    query = "consumer_version_selectors%5B0%5D%5Bbranch%5D=feat-x&consumer_version_selectors%5B1%5D%5Bbranch%5D=main"
    assert [p["shortDescription"] for p in entries(api.get(f"{URL}?{query}"))] == [
        "latest from branch main",
        "latest from branch feat-x",
    ]


def test_no_pacts_is_an_empty_list(api, td):
    td.version("ProviderX", "1")
    response = api.post(URL, {"consumerVersionSelectors": [{"branch": "nope"}]})
    assert entries(response) == []


def test_unknown_provider_is_404(api, db):
    nul = "/pacts/provider/Provider%00X/for-verification"
    for response in (api.get(URL), api.post(URL, RUST_BODY), api.get(nul), api.post(nul, RUST_BODY)):
        assert response.status_code == 404
        assert response.json()["error"]


def test_post_without_a_json_content_type_is_415(api, consumers):
    response = api.post(URL, json.dumps(RUST_BODY), content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


def test_malformed_json_is_400(api, consumers):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "errors" in response.json()


@override_settings(
    ACCORD_BASIC_AUTH_USERNAME="writer",
    ACCORD_BASIC_AUTH_PASSWORD="w",
    ACCORD_BASIC_AUTH_READ_ONLY_USERNAME="reader",
    ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD="r",
)
def test_post_is_a_read_for_read_only_credentials(api, consumers):
    reader = "Basic " + base64.b64encode(b"reader:r").decode()
    assert api.post(URL, RUST_BODY, HTTP_AUTHORIZATION=reader).status_code == 200
    assert api.post(URL, RUST_BODY).status_code == 401


SELECTOR_ERRORS = {
    "not an object": ("main", "must be an object (at index 0)"),
    "nothing selected": ({"consumer": "ConsumerA"}, "must specify at least one of"),
    "latest false alone": ({"latest": False}, "must specify at least one of"),
    "main branch false": ({"mainBranch": False}, "mainBranch can only be true (at index 0)"),
    "main branch with tag": ({"mainBranch": True, "tag": "x"}, "mainBranch can only be combined with consumer"),
    "main branch not latest": ({"mainBranch": True, "latest": False}, "mainBranch can only be combined with consumer"),
    "blank branch": ({"branch": " "}, "branch must be a non-blank string"),
    "branch not latest": ({"branch": "main", "latest": False}, "cannot specify latest: false with branch"),
    "tag and branch": ({"tag": "a", "branch": "b"}, "cannot specify both a tag and a branch"),
    "tag not a string": ({"tag": 1}, "tag must be a non-blank string"),
    "latest not boolean": ({"tag": "a", "latest": "yes"}, "latest must be true or false"),
    "fallback tag without latest": ({"tag": "a", "fallbackTag": "b"}, "fallbackTag can only be specified with a tag"),
    "fallback branch without branch": (
        {"tag": "a", "latest": True, "fallbackBranch": "b"},
        "fallbackBranch can only be specified with a branch name",
    ),
    "branch with environment": (
        {"branch": "main", "environment": "production"},
        "cannot combine branch with environment",
    ),
    "deployed and released": (
        {"deployed": True, "released": True},
        "can only specify one of deployed, released or deployedOrReleased",
    ),
    "unknown environment": ({"environment": "mars"}, "environment 'mars' does not exist (at index 0)"),
    "blank consumer": ({"latest": True, "consumer": ""}, "consumer must be a non-blank string"),
    # PostgreSQL cannot even compare text with a NUL character: a 400, not a 500.
    "nul in branch": ({"branch": "feat\u0000x"}, "branch must be a non-blank string"),
    "nul in tag": ({"tag": "prod\u0000"}, "tag cannot contain control characters"),
    "nul in environment": ({"environment": "\u0000"}, "environment cannot contain control characters"),
    "matching branch without provider branch": (
        {"matchingBranch": True},
        "matchingBranch can only be used when providerVersionBranch",
    ),
    "matching branch with tag": (
        {"matchingBranch": True, "tag": "a"},
        "matchingBranch can only be combined with consumer",
    ),
}


@pytest.mark.parametrize("selector, message", SELECTOR_ERRORS.values(), ids=SELECTOR_ERRORS.keys())
def test_invalid_selectors_are_400_with_the_index(api, consumers, selector, message):
    response = api.post(URL, {"consumerVersionSelectors": [{"mainBranch": True}, selector]})
    assert response.status_code == 400
    errors = response.json()["errors"]["consumerVersionSelectors"]
    assert any(message.replace("index 0", "index 1") in error for error in errors), errors
    assert all(error.endswith("(at index 1)") for error in errors)


TOP_LEVEL_ERRORS = {
    "selectors not an array": ({"consumerVersionSelectors": {"mainBranch": True}}, "consumerVersionSelectors"),
    "pending not boolean": ({"includePendingStatus": "true"}, "includePendingStatus"),
    "wip date": ({"includeWipPactsSince": "last week"}, "includeWipPactsSince"),
    "tags not an array": ({"providerVersionTags": "main"}, "providerVersionTags"),
    "blank tag": ({"providerVersionTags": ["main", ""]}, "providerVersionTags[1]"),
    "branch not a string": ({"providerVersionBranch": True}, "providerVersionBranch"),
    "branch whitespace": ({"providerVersionBranch": "  "}, "providerVersionBranch"),
    "branch with nul": ({"providerVersionBranch": "main\u0000"}, "providerVersionBranch"),
    "tag with nul": ({"providerVersionTags": ["main\u0000"]}, "providerVersionTags[0]"),
    "empty branch with pending": ({"providerVersionBranch": "", "includePendingStatus": True}, "providerVersionBranch"),
    "body not an object": ([1, 2], "body"),
}


@pytest.mark.parametrize("body, field", TOP_LEVEL_ERRORS.values(), ids=TOP_LEVEL_ERRORS.keys())
def test_invalid_top_level_fields_are_400(api, consumers, body, field):
    response = api.post(URL, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_empty_branch_is_accepted_when_pending_and_wip_are_off(api, consumers):
    body = {
        "providerVersionBranch": "",
        "includePendingStatus": False,
        "consumerVersionSelectors": [{"mainBranch": True}],
    }
    assert len(entries(api.post(URL, body))) == 1


def test_every_problem_is_reported_at_once(api, consumers):
    body = {"includePendingStatus": 1, "consumerVersionSelectors": [{"tag": ""}, {}]}
    errors = api.post(URL, body).json()["errors"]
    assert set(errors) == {"includePendingStatus", "consumerVersionSelectors"}
    assert len(errors["consumerVersionSelectors"]) == 2


def test_deprecated_query_parameters_are_checked_as_the_body_is(api, consumers):
    query = "include_pending_status=maybe&provider_version_tags[]=%20&consumer_version_selectors[][main_branch]=no"

    response = api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "includePendingStatus": ["must be true or false"],
            "providerVersionTags[0]": ["cannot be blank"],
            "consumerVersionSelectors": ["mainBranch can only be true (at index 0)"],
        }
    }


def test_an_unknown_environment_is_reported_once_the_body_is_valid(api, consumers):
    body = {"consumerVersionSelectors": [{"mainBranch": True}, {"environment": "mars"}]}

    response = api.post(URL, body)

    assert response.status_code == 400
    assert response.json() == {
        "errors": {"consumerVersionSelectors": ["environment 'mars' does not exist (at index 1)"]}
    }


def test_answer_takes_as_many_queries_for_ten_consumers_as_for_two(api, td, django_assert_max_num_queries):
    def add_consumers(names: range) -> None:
        for i in names:
            td.publish(f"Consumer{i}", "1", provider="ProviderX", branch="main", variant="main")
            td.publish(f"Consumer{i}", "2", provider="ProviderX", branch="feat-x", variant="x")
            td.publish(f"Consumer{i}", "3", provider="ProviderX", branch="feat-y", variant="y")
            td.deploy(f"Consumer{i}", "1", to="production")

    add_consumers(range(2))
    with CaptureQueriesContext(connection) as two:
        assert len(entries(api.post(URL, RUST_BODY))) == 6
    add_consumers(range(2, 10))
    with django_assert_max_num_queries(len(two)):
        assert len(entries(api.post(URL, RUST_BODY))) == 30
