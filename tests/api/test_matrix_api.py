"""GET /matrix, /can-i-deploy and the path variants, with the exact query strings the CLIs send.

client-wire.md section 3: the Rust and Ruby CLIs ask the same questions with different
query strings (cvpv vs cvp, `q[][branch]` with or without `q[][latest]`); every pair
here must give the same verdict.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import DeployedVersion, Pacticipant, ReleasedVersion
from contracts.services import deployments
from contracts.services.versions import tag_add
from tests.builders import TestData
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT

pytestmark = pytest.mark.django_db
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


class MatrixData(TestData):
    """The shared builder plus tags and the end of deployments and releases."""

    def tag(self, pacticipant: str, number: str, *names: str) -> MatrixData:
        for name in names:
            tag_add(version=self.version(pacticipant, number), name=name)
        return self

    def undeploy(self, pacticipant: str, number: str) -> MatrixData:
        for deployed in DeployedVersion.objects.filter(version=self.version(pacticipant, number)):
            deployments.deployment_end(deployed_version=deployed)
        return self

    def end_support(self, pacticipant: str, number: str) -> MatrixData:
        for released in ReleasedVersion.objects.filter(version=self.version(pacticipant, number)):
            deployments.release_end_support(released_version=released)
        return self


@pytest.fixture
def md(db) -> MatrixData:
    return MatrixData()


def matrix(api, query: str, path: str = "/matrix") -> dict:
    response = api.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/hal+json")
    return response.json()


def verdict(api, query: str, path: str = "/matrix") -> tuple:
    summary = matrix(api, query, path)["summary"]
    for key in ("success", "failed", "unknown"):
        assert type(summary[key]) is int  # the Ruby CLI's retry-while-unknown needs integers
    return summary["deployable"], summary["success"], summary["failed"], summary["unknown"]


def both_clients(api, rust: str, ruby: str) -> tuple:
    """The verdict, asserting both CLIs' query strings get the same one."""
    rust_verdict, ruby_verdict = verdict(api, rust), verdict(api, ruby)
    assert rust_verdict == ruby_verdict, f"Rust {rust_verdict} != Ruby {ruby_verdict}"
    return rust_verdict


# --- can-i-deploy --pacticipant Foo --version 1.2.3 --to-environment production ---------
RUST_ENV = "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvpv&environment=production"
RUBY_ENV = "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&environment=production"


def foo_published(md: MatrixData) -> MatrixData:
    md.environment("production", production=True)
    return md.publish("Foo", "1.2.3", provider="Bar")


ENVIRONMENT_CASES = {
    "verified by the deployed provider": (
        lambda md: foo_published(md).verify("5").deploy("Bar", "5", to="production"),
        (True, 1, 0, 0),
    ),
    "failed with the deployed provider": (
        lambda md: foo_published(md).verify("5", success=False).deploy("Bar", "5", to="production"),
        (False, 0, 1, 0),
    ),
    "verified only by a version not deployed": (
        lambda md: foo_published(md).verify("4").deploy("Bar", "5", to="production"),
        (None, 0, 0, 1),
    ),
    "nothing of the provider deployed": (lambda md: foo_published(md).verify("5"), (None, 0, 0, 1)),
    "two instances, the newer unverified (#903)": (
        lambda md: (
            foo_published(md)
            .verify("5")
            .deploy("Bar", "5", to="production", target="blue")
            .deploy("Bar", "6", to="production", target="green")
        ),
        (None, 1, 0, 1),
    ),
    "two instances, the older unverified": (
        lambda md: (
            foo_published(md)
            .deploy("Bar", "5", to="production", target="blue")
            .verify("6")
            .deploy("Bar", "6", to="production", target="green")
        ),
        (None, 1, 0, 1),
    ),
    "two instances, both verified": (
        lambda md: (
            foo_published(md)
            .verify("5")
            .verify("6")
            .deploy("Bar", "5", to="production", target="blue")
            .deploy("Bar", "6", to="production", target="green")
        ),
        (True, 2, 0, 0),
    ),
    "two supported releases, one unverified": (
        lambda md: (
            foo_published(md).verify("5").release("Bar", "5", to="production").release("Bar", "6", to="production")
        ),
        (None, 1, 0, 1),
    ),
    "the unverified release is no longer supported": (
        lambda md: (
            foo_published(md)
            .verify("5")
            .release("Bar", "5", to="production")
            .release("Bar", "6", to="production")
            .end_support("Bar", "6")
        ),
        (True, 1, 0, 0),
    ),
    "the unverified deployment was undeployed": (
        lambda md: (
            foo_published(md)
            .verify("5")
            .deploy("Bar", "5", to="production", target="blue")
            .deploy("Bar", "6", to="production", target="green")
            .undeploy("Bar", "6")
        ),
        (True, 1, 0, 0),
    ),
    "a failure plus an unknown is unknown": (
        lambda md: (
            foo_published(md)
            .verify("5", success=False)
            .deploy("Bar", "5", to="production", target="a")
            .deploy("Bar", "6", to="production", target="b")
        ),
        (None, 0, 1, 1),
    ),
    "re-verified by the same provider version: the latest result counts": (
        lambda md: foo_published(md).verify("5", success=False).verify("5").deploy("Bar", "5", to="production"),
        (True, 1, 0, 0),
    ),
    "content verified through another consumer version": (
        lambda md: (
            md.environment("production")
            and md.publish("Foo", "1.2.2", provider="Bar")
            .verify("5")
            .publish("Foo", "1.2.3", provider="Bar")
            .deploy("Bar", "5", to="production")
        ),
        (True, 1, 0, 0),
    ),
    "a provider of a provider does not matter": (
        lambda md: (
            foo_published(md).verify("5").deploy("Bar", "5", to="production").publish("Bar", "5", provider="Baz")
        ),
        (True, 1, 0, 0),
    ),
}


@pytest.mark.parametrize(("build", "expected"), ENVIRONMENT_CASES.values(), ids=ENVIRONMENT_CASES.keys())
def test_version_to_environment(api, md, build, expected):
    build(md)

    assert both_clients(api, RUST_ENV, RUBY_ENV) == expected


def test_nothing_of_a_required_provider_in_the_environment_says_why(api, md):
    foo_published(md).verify("5")

    body = matrix(api, RUST_ENV)

    reason = (
        "There is no verified pact between version 1.2.3 of Foo and a version of Bar currently in production "
        "(no version is currently recorded as deployed/released in this environment)"
    )
    assert body["summary"]["reason"] == reason
    assert body["notices"] == [{"type": "error", "text": reason}]
    assert body["matrix"][0]["provider"] == {
        "name": "Bar",
        "version": None,
        "_links": {"self": {"href": "http://testserver/pacticipants/Bar"}},
    }
    assert body["matrix"][0]["verificationResult"] is None


def test_each_unverified_live_provider_version_is_named(api, md):
    foo_published(md).verify("5").deploy("Bar", "5", to="production", target="blue")
    md.deploy("Bar", "6", to="production", target="green")

    body = matrix(api, RUBY_ENV)

    rows = [
        (row["provider"]["version"]["number"], row["verificationResult"] and row["verificationResult"]["success"])
        for row in body["matrix"]
    ]
    assert rows == [("6", None), ("5", True)]
    assert body["summary"]["reason"] == (
        "There is no verified pact between version 1.2.3 of Foo and one of the "
        "versions of Bar currently in production (6)"
    )


PROVIDER_CASES = {
    "every live consumer version verified": (
        lambda md: md.verify("6", contract=md.contracts[("Foo", "2", "Bar")]),
        (True, 2, 0, 0),
    ),
    "one live consumer version unverified": (lambda md: None, (None, 1, 0, 1)),
    "consumers not in the environment": (lambda md: md.undeploy("Foo", "1").undeploy("Foo", "2"), (True, 0, 0, 0)),
}


@pytest.mark.parametrize(("change", "expected"), PROVIDER_CASES.values(), ids=PROVIDER_CASES.keys())
def test_provider_to_environment_with_several_live_consumer_versions(api, md, change, expected):
    md.environment("production")
    md.publish("Foo", "1", provider="Bar", variant="a").verify("6").deploy("Foo", "1", to="production", target="web")
    md.publish("Foo", "2", provider="Bar", variant="b").deploy("Foo", "2", to="production", target="mobile")
    change(md)

    rust = "q[][pacticipant]=Bar&q[][version]=6&latestby=cvpv&environment=production"
    assert both_clients(api, rust, rust.replace("cvpv", "cvp")) == expected


def test_a_provider_whose_consumers_are_elsewhere_has_no_missing_dependencies(api, md):
    md.environment("production")
    md.publish("Foo", "1", provider="Bar").deploy("Foo", "1", to="test").version("Bar", "6")

    body = matrix(api, "q[][pacticipant]=Bar&q[][version]=6&latestby=cvp&environment=production")

    assert body["summary"]["deployable"] is True
    assert body["summary"]["reason"] == "There are no missing dependencies"
    assert body["matrix"] == []


# --- can-i-deploy --pacticipant Foo --branch main --to-environment production -----------
RUST_BRANCH = "q[][pacticipant]=Foo&q[][branch]=main&latestby=cvpv&environment=production"
RUBY_BRANCH = "q[][pacticipant]=Foo&q[][latest]=true&q[][branch]=main&latestby=cvp&environment=production"


@pytest.mark.parametrize(("head_ok", "expected"), [(False, False), (True, True)])
def test_branch_means_the_branch_head_for_both_clients(api, md, head_ok, expected):
    md.environment("production")
    md.publish("Foo", "1", provider="Bar", branch="main", variant="old").verify("5", success=not head_ok)
    md.publish("Foo", "2", provider="Bar", branch="main", variant="new").verify("5", success=head_ok)
    md.deploy("Bar", "5", to="production")

    assert both_clients(api, RUST_BRANCH, RUBY_BRANCH)[0] is expected
    warning = matrix(api, RUBY_BRANCH)["notices"][0]
    assert warning["type"] == "warning" and warning["text"].startswith("WARN: It is recommended to specify the version")


def test_ignore_for_both_clients(api, md):
    foo_published(md)
    assert verdict(api, RUST_ENV) == (None, 0, 0, 1)

    rust = "q[][pacticipant]=Foo&q[][version]=1.2.3&ignore[][pacticipant]=Bar&latestby=cvpv&environment=production"
    ruby = RUBY_ENV + "&ignore[][pacticipant]=Bar"
    assert both_clients(api, rust, ruby) == (True, 0, 0, 0)
    body = matrix(api, ruby)
    assert body["summary"]["ignored"] == 1
    assert body["matrix"][0]["ignored"] is True
    assert body["notices"][0]["text"].startswith("Ignoring: There is no verified pact between version 1.2.3 of Foo")


def test_ignored_rows_come_after_considered_rows_and_only_ignore_output_has_ignored(api, md):
    md.publish("Foo", "1", provider="Bar", tags=["prod"], variant="a").verify("4.5.6")
    md.publish("Foo", "3", provider="Bar", tags=["prod"], variant="b").verify("4.5.6", success=False)
    query = "q[][pacticipant]=Bar&q[][version]=4.5.6&q[][pacticipant]=Foo&q[][tag]=prod&latestby=cvpv"

    assert "ignored" not in matrix(api, query)["summary"]
    body = matrix(api, query + "&ignore[][pacticipant]=Foo&ignore[][version]=3")

    assert body["summary"]["deployable"] is True and body["summary"]["ignored"] == 1
    assert [(row["consumer"]["version"]["number"], row.get("ignored")) for row in body["matrix"]] == [
        ("1", None),
        ("3", True),
    ]
    assert matrix(api, query + "&ignore[][pacticipant]=Nope")["notices"][0] == {
        "type": "warning",
        "text": "WARN: Cannot ignore Nope (no such pacticipant exists)",
    }


# --- can-i-deploy --pacticipant Foo --latest dev --to prod -------------------------------
RUST_TAGS = "q[][pacticipant]=Foo&q[][latest]=true&q[][tag]=dev&tag=prod&latestby=cvp&latest=true"
RUBY_TAGS = "q[][pacticipant]=Foo&q[][latest]=true&q[][tag]=dev&latestby=cvp&latest=true&tag=prod"


def test_latest_tag_to_tag(api, md):
    md.publish("Foo", "1", provider="Bar", tags=["dev"]).verify("5").tag("Bar", "5", "prod")
    assert both_clients(api, RUST_TAGS, RUBY_TAGS) == (True, 1, 0, 0)

    md.tag("Bar", "6", "prod")  # a newer prod provider that has not verified the pact
    assert both_clients(api, RUST_TAGS, RUBY_TAGS) == (None, 0, 0, 1)

    md.verify("6", success=False)
    assert both_clients(api, RUST_TAGS, RUBY_TAGS) == (False, 0, 1, 0)


@pytest.mark.parametrize(
    ("success", "expected"), [(True, (True, 1, 0, 0)), (False, (False, 0, 1, 0)), (None, (None, 0, 0, 1))]
)
def test_two_pacticipant_version_pairs(api, md, success, expected):
    md.publish("Foo", "1.2.3", provider="Bar")
    if success is not None:
        md.verify("4.5.6", success=success)
    md.version("Bar", "4.5.6")
    query = "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv"

    assert verdict(api, query) == expected
    # The same question as a verifier replays it from a pact file: grouped keys, encoded brackets.
    grouped = (
        "latestby=cvpv&q%5B%5D%5Bpacticipant%5D=Foo&q%5B%5D%5Bpacticipant%5D=Bar&q%5B%5D%5Bversion%5D=1%2e2%2e3"
        "&q%5B%5D%5Bversion%5D=4%2e5%2e6"
    )
    assert verdict(api, grouped) == expected
    assert (
        verdict(
            api, "q[0][pacticipant]=Foo&q[1][pacticipant]=Bar&q[0][version]=1.2.3&q[1][version]=4.5.6&latestby=cvpv"
        )
        == expected
    )


def test_each_selector_gets_its_own_version_when_the_numbers_cross(api, md):
    # The selectors' versions are read together (any of the names with any of the numbers):
    # Foo 2 and Bar 1 exist too, and must not join the question.
    md.publish("Foo", "1", provider="Bar").verify("2", success=True)
    md.publish("Foo", "2", provider="Bar", variant="x").verify("1", success=False)
    body = matrix(api, "q[][pacticipant]=Foo&q[][version]=1&q[][pacticipant]=Bar&q[][version]=2&latestby=cvpv")

    pairs = [(row["consumer"]["version"]["number"], row["provider"]["version"]["number"]) for row in body["matrix"]]
    assert pairs == [("1", "2")]
    assert body["summary"]["deployable"] is True


def test_a_named_branch_wins_over_main_branch_in_one_selector(api, md):
    md.publish("Foo", "1", provider="Bar", branch="main").verify("5", branch="main")
    md.publish("Foo", "2", provider="Bar", branch="feat/x", variant="x")
    body = matrix(
        api, "q[][pacticipant]=Foo&q[][branch]=feat%2Fx&q[][mainBranch]=true&q[][latest]=true&latestby=cvp&latest=true"
    )

    assert [row["consumer"]["version"]["number"] for row in body["matrix"]] == ["2"]


def test_can_i_merge_checks_the_main_branch_heads(api, md):
    md.publish("Foo", "1.2.3", provider="Bar").verify("7", branch="main")
    query = "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&latest=true&mainBranch=true"
    assert verdict(api, query) == (True, 1, 0, 0)

    md.branch("Bar", "8", "main")
    assert verdict(api, query) == (None, 0, 0, 1)
    # The provider side: Bar's candidate against the head of Foo's main branch.
    md.publish("Foo", "2", provider="Bar", branch="main", variant="x").verify("8")
    assert verdict(api, "q[][pacticipant]=Bar&q[][version]=8&latestby=cvp&latest=true&mainBranch=true") == (
        True,
        1,
        0,
        0,
    )


def test_latest_target_means_the_latest_version_of_each_other_pacticipant(api, md):
    md.publish("Foo", "1.2.3", provider="Bar").verify("4")
    query = "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp&latest=true"
    assert verdict(api, query) == (True, 1, 0, 0)

    md.version("Bar", "5")  # a newer Bar that has not verified the pact
    assert verdict(api, query) == (None, 0, 0, 1)
    # Without any target, every Bar version counts and cvp keeps the newest verified one.
    body = matrix(api, "q[][pacticipant]=Foo&q[][version]=1.2.3&latestby=cvp")
    assert [row["provider"]["version"]["number"] for row in body["matrix"]] == ["4"]
    assert body["summary"]["deployable"] is True
    assert body["notices"][0]["text"].startswith("WARN: It is recommended to specify the environment")


def test_body_shape(api, md):
    md.environment("production", production=True)
    md.publish("Foo", "1", provider="Bar", branch="main", tags=["dev"]).verify("5").deploy("Bar", "5", to="production")

    body = matrix(api, "q[][pacticipant]=Foo&q[][version]=1&latestby=cvpv&environment=production")

    assert set(body) == {"summary", "notices", "matrix"}
    assert body["summary"] == {
        "deployable": True,
        "success": 1,
        "failed": 0,
        "unknown": 0,
        "reason": "All required verification results are published and successful",
    }
    assert body["notices"] == [{"type": "success", "text": body["summary"]["reason"]}]
    row = body["matrix"][0]
    consumer_version = row["consumer"]["version"]
    assert consumer_version["number"] == "1" and consumer_version["branch"] == "main"
    assert consumer_version["branches"] == [
        {
            "name": "main",
            "latest": True,
            "_links": {"self": {"href": "http://testserver/pacticipants/Foo/branches/main"}},
        }
    ]
    assert consumer_version["branchVersions"][0]["_links"]["self"]["href"].endswith("/branches/main/versions/1")
    assert consumer_version["tags"] == [
        {
            "name": "dev",
            "latest": True,
            "_links": {"self": {"href": "http://testserver/pacticipants/Foo/versions/1/tags/dev"}},
        }
    ]
    assert consumer_version["_links"]["self"]["href"] == "http://testserver/pacticipants/Foo/versions/1"
    provider_version = row["provider"]["version"]
    assert provider_version["number"] == "5" and provider_version["branch"] is None
    assert [env["name"] for env in provider_version["environments"]] == ["production"]
    assert row["pact"]["_links"]["self"]["href"] == "http://testserver/pacts/provider/Bar/consumer/Foo/version/1"
    assert ISO.match(row["pact"]["createdAt"]) and ISO.match(row["verificationResult"]["verifiedAt"])
    assert row["verificationResult"]["success"] is True
    href = row["verificationResult"]["_links"]["self"]["href"]
    assert re.match(
        r"^http://testserver/pacts/provider/Bar/consumer/Foo/pact-version/[0-9a-f]{40}"
        r"/verification-results/\d+$",
        href,
    )
    assert "ignored" not in row


def test_names_with_slashes_and_spaces_are_encoded_in_hrefs(api, md):
    md.publish("My App", "feat/x 1", provider="Other App").verify("2")

    row = matrix(api, "q[][pacticipant]=My%20App&q[][version]=feat%2Fx%201&latestby=cvp&latest=true")["matrix"][0]

    assert row["consumer"]["version"]["_links"]["self"]["href"] == (
        "http://testserver/pacticipants/My%20App/versions/feat%2Fx%201"
    )


def test_all_versions_success_filter_and_limit(api, md):
    md.publish("Foo", "1", provider="Bar", variant="a").verify("5")
    md.publish("Foo", "2", provider="Bar", variant="b").verify("5", success=False)
    md.publish("Foo", "3", provider="Bar", variant="c")
    both = "q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvpv"

    numbers = [row["consumer"]["version"]["number"] for row in matrix(api, both)["matrix"]]
    assert numbers == ["3", "2", "1"]
    assert verdict(api, both) == (None, 1, 1, 1)
    assert [r["consumer"]["version"]["number"] for r in matrix(api, both + "&success[]=false")["matrix"]] == ["2"]
    assert [r["consumer"]["version"]["number"] for r in matrix(api, both + "&success[]=true&success[]=")["matrix"]] == [
        "3",
        "1",
    ]
    assert [r["consumer"]["version"]["number"] for r in matrix(api, both + "&limit=2")["matrix"]] == ["3", "2"]


def test_matrix_for_an_integration(api, md):
    md.publish("Foo", "1", provider="Bar", variant="a").verify("5").verify("6", success=False)
    md.publish("Foo", "2", provider="Bar", variant="b")

    rows = matrix(api, "latestby=cvpv", path="/matrix/provider/Bar/consumer/Foo")["matrix"]

    assert [
        (r["consumer"]["version"]["number"], r["provider"]["version"] and r["provider"]["version"]["number"])
        for r in rows
    ] == [("2", None), ("1", "6"), ("1", "5")]
    assert api.get("/matrix/provider/Bar/consumer/Nope").status_code == 404


BAD_QUERIES = {
    "": ["Please provide 1 or more version selectors."],
    "q[][version]=1": ["Please specify the pacticipant name (selector 1 has none)"],
    "q[][pacticipant]=Nope&q[][version]=1": ["Pacticipant Nope not found"],
    "q[][pacticipant]=Foo&q[][version]=1&q[][latest]=true": [
        "A version number and latest flag cannot both be specified for Foo"
    ],
    "q[][pacticipant]=Foo&environment=nowhere": ["Environment with name 'nowhere' does not exist"],
    "q[][pacticipant]=Foo&q[][environment]=nowhere": ["Environment with name 'nowhere' does not exist"],
    "q[][pacticipant]=Foo&limit=0": ["The limit must be 1 or more (got 0)"],
    "q[][pacticipant]=Foo&latest=true&environment=production": ["Cannot specify both latest=true and an environment"],
    "q[][pacticipant]=Foo&tag=prod&environment=production": [
        "Cannot specify more than one of tag, environment and mainBranch"
    ],
    "q[][pacticipant]=Foo&ignore[][version]=1": ["Please specify the pacticipant name to ignore"],
    "q[][pacticipant]=Foo&latestby=newest": ["latestby must be one of cvpv, cvp, cp (got 'newest')"],
    "q[][pacticipant]=Nope&limit=-1": ["The limit must be 1 or more (got -1)", "Pacticipant Nope not found"],
    "q[][pacticipant]=Fo%00o": ["Query parameters cannot contain NUL characters"],
}


@pytest.mark.parametrize(("query", "errors"), BAD_QUERIES.items(), ids=[q or "(none)" for q in BAD_QUERIES])
def test_bad_queries_are_400_with_every_message(api, md, query, errors):
    md.publish("Foo", "1", provider="Bar").environment("production")
    before = Pacticipant.objects.count()

    response = api.get("/matrix?" + query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/hal+json")
    assert response.json() == {"errors": errors}
    assert Pacticipant.objects.count() == before


def test_a_missing_version_is_not_deployable_with_a_reason(api, md):
    md.publish("Foo", "1.2.3", provider="Bar").verify("4.5.6")

    body = matrix(api, "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=9.9.9&latestby=cvpv")

    assert body["summary"]["deployable"] is False
    assert body["summary"]["reason"] == "No pacts or verifications have been published for version 9.9.9 of Bar"


# --- /can-i-deploy and the path-based variants -------------------------------------------
def test_can_i_deploy_to_an_environment_and_to_a_tag(api, md):
    md.environment("production")
    md.publish("Foo", "1", provider="Bar", tags=["dev"]).verify("5").deploy("Bar", "5", to="production")
    md.deploy("Bar", "6", to="production", target="green").tag("Bar", "5", "prod")

    assert verdict(api, "pacticipant=Foo&version=1&environment=production", "/can-i-deploy") == (None, 1, 0, 1)
    assert verdict(api, "pacticipant=Foo&version=1&to=prod", "/can-i-deploy") == (True, 1, 0, 0)
    body = matrix(api, "pacticipant=Foo&version=1&environment=production&ignore[]=Bar", "/can-i-deploy")
    assert (body["summary"]["deployable"], body["summary"]["ignored"]) == (True, 2)
    ignore_six = "pacticipant=Foo&version=1&environment=production&ignore[][pacticipant]=Bar&ignore[][version]=6"
    assert verdict(api, ignore_six, "/can-i-deploy") == (True, 1, 0, 0)


CAN_I_DEPLOY_ERRORS = {
    "pacticipant=Foo&version=1": [
        "You must specify the environment (environment=NAME) or the tag (to=TAG) to deploy to"
    ],
    "pacticipant=Foo&version=1&to=prod&environment=production": [
        "Cannot specify both an environment and a tag (to); choose one"
    ],
    "version=1&to=prod": ["Please specify the pacticipant to deploy (pacticipant=NAME)"],
    "pacticipant=Foo&to=prod": ["Please specify the version to deploy (version=NUMBER)"],
    "pacticipant=Nope&version=1&to=prod": ["Pacticipant Nope not found"],
    "pacticipant=Foo&version=1&environment=nowhere": ["Environment with name 'nowhere' does not exist"],
}


@pytest.mark.parametrize(("query", "errors"), CAN_I_DEPLOY_ERRORS.items(), ids=CAN_I_DEPLOY_ERRORS.keys())
def test_can_i_deploy_errors(api, md, query, errors):
    md.publish("Foo", "1", provider="Bar").environment("production")

    response = api.get("/can-i-deploy?" + query)

    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_latest_tagged_version_can_i_deploy_to_tag(api, md):
    md.publish("Foo", "1", provider="Bar", tags=["dev"]).verify("5").tag("Bar", "5", "prod")
    md.publish("Foo", "2", provider="Bar", tags=["dev"], variant="new").verify("5", success=False)

    path = "/pacticipants/Foo/latest-version/dev/can-i-deploy/to/prod"
    assert verdict(api, "", path) == (False, 0, 1, 0)
    assert api.get("/pacticipants/Foo/latest-version/nope/can-i-deploy/to/prod").status_code == 404
    assert api.get("/pacticipants/Nope/latest-version/dev/can-i-deploy/to/prod").status_code == 404


def test_branch_head_can_i_deploy_to_environment(api, md):
    md.environment("production")
    md.publish("Foo", "1", provider="Bar", branch="feat/x").verify("5").deploy("Bar", "5", to="production")

    path = "/pacticipants/Foo/branches/feat%2Fx/latest-version/can-i-deploy/to-environment/production"
    assert verdict(api, "", path) == (True, 1, 0, 0)
    assert api.get(path.replace("feat%2Fx", "nope")).status_code == 404
    assert api.get(path.replace("production", "nowhere")).json()["error"] == (
        "Environment with name 'nowhere' does not exist"
    )


# --- Physical limits: a constant number of queries ------------------------------------
def _hub(md: MatrixData, name: str, consumers: int) -> None:
    """Provider `name` v1 in prod, with `consumers` consumers live in prod, each verified; it consumes 2 others."""
    md.environment("prod")
    md.deploy(name, "1", to="prod")
    for index in range(consumers):
        consumer = f"{name}-consumer-{index}"
        md.publish(consumer, "1", provider=name, branch="main", tags=["dev"]).verify("1")
        md.deploy(consumer, "1", to="prod").deploy(consumer, "2", to="prod", target="second")
    for index in range(consumers):
        provider = f"{name}-provider-{index}"
        md.publish(name, "1", provider=provider).verify("1").deploy(provider, "1", to="prod")


QUERY_COUNT_REQUESTS = [
    "/matrix?q[][pacticipant]={hub}&q[][version]=1&latestby=cvp&environment=prod",
    "/matrix?q[][pacticipant]={hub}&q[][version]=1&latestby=cvpv&latest=true&tag=dev&ignore[][pacticipant]=x",
    "/matrix?q[][pacticipant]={hub}&q[][version]=1&latestby=cvp&latest=true&mainBranch=true",
    "/can-i-deploy?pacticipant={hub}&version=1&environment=prod",
]


@pytest.mark.parametrize("request_path", QUERY_COUNT_REQUESTS)
def test_query_count_does_not_grow_with_integrations(api, md, request_path):
    _hub(md, "Small", 1)
    _hub(md, "Large", 10)
    counts = []
    for hub in ("Small", "Large"):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(request_path.format(hub=hub))
        assert response.status_code == 200, response.content
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1] <= 12


# --- The real CLIs against a real server -------------------------------------------------
RUST_CLI = [str(RUST_PACT), "broker", "can-i-deploy"]
RUBY_CLI = [str(RUBY_PACT_BROKER), "can-i-deploy"]


def can_i_deploy(cli: list[str], broker: str, *args: str) -> tuple[int, str]:
    """Run a CLI's can-i-deploy; (exit code, output)."""
    if not Path(cli[0]).is_file():
        pytest.fail(f"{cli[0]} not found: run `make clients` to install the real Pact clients", pytrace=False)
    from tests.clients.conftest import run_cli

    code, stdout, stderr = run_cli([*cli, "--broker-base-url", broker, *args], timeout=120)
    return code, stdout + stderr


@pytest.mark.clients
def test_both_real_clients_agree_on_an_environment_with_two_live_provider_versions(live_broker, transactional_db):
    md = MatrixData()
    md.environment("production")
    md.publish("Foo", "1.2.3", provider="Bar", branch="main").verify("5")
    md.deploy("Bar", "5", to="production", target="blue").deploy("Bar", "6", to="production", target="green")
    by_version = ["--pacticipant", "Foo", "--version", "1.2.3", "--to-environment", "production"]
    by_branch = ["--pacticipant", "Foo", "--branch", "main", "--to-environment", "production"]

    for cli in (RUST_CLI, RUBY_CLI):
        for args in (by_version, by_branch):
            code, output = can_i_deploy(cli, live_broker, *args)
            assert code == 1, output
            assert "one of the versions of Bar currently in production (6)" in output
        code, output = can_i_deploy(cli, live_broker, *by_version, "--ignore", "Bar")
        assert code == 0, output

    md.verify("6")
    for cli in (RUST_CLI, RUBY_CLI):
        for args in (by_version, by_branch):
            code, output = can_i_deploy(cli, live_broker, *args, "--retry-while-unknown", "1", "--retry-interval", "1")
            assert code == 0, output
            assert "All required verification results are published and successful" in output
