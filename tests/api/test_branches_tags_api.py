"""Branches, branch versions and tags through the HTTP API (spec 3.6, 3.7; client-wire.md sections 3-5)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from contracts.models import Branch, BranchVersion, DeployedVersion, Pacticipant, Tag, Version
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT, run_installed

HAL = "application/hal+json; charset=utf-8"
JSON = "application/json"
BASE = "http://testserver"

# What the clients send to the branch-version and tag URLs (client-wire.md section 2).
CLIENT_BODIES = [
    pytest.param("", id="ruby-empty-body"),
    pytest.param("{}", id="rust-verifier-empty-object"),
    pytest.param('{"name": "main"}', id="rust-cli-name"),
]


# --- branch versions ---------------------------------------------------------------------


@pytest.mark.parametrize("body", CLIENT_BODIES)
def test_put_branch_version_creates_everything_and_answers_json(api, body):
    response = api.put("/pacticipants/Foo/branches/main/versions/1.2.3", body, content_type=JSON)

    assert response.status_code == 201
    # The Rust verifier drops its verification results unless this answer is JSON.
    assert response["Content-Type"] == HAL
    assert response["Location"] == f"{BASE}/pacticipants/Foo/branches/main/versions/1.2.3"
    payload = response.json()
    assert payload["createdAt"].endswith("+00:00")
    assert payload["_links"] == {
        "self": {"title": "Branch version", "href": f"{BASE}/pacticipants/Foo/branches/main/versions/1.2.3"},
        "pb:branch": {"title": "Branch", "name": "main", "href": f"{BASE}/pacticipants/Foo/branches/main"},
        "pb:version": {"title": "Version", "name": "1.2.3", "href": f"{BASE}/pacticipants/Foo/versions/1.2.3"},
    }
    membership = BranchVersion.objects.get(branch__pacticipant__name="Foo", branch__name="main")
    assert membership.version.number == "1.2.3"
    assert Branch.objects.get(pk=membership.branch_id).head_id == membership.id


def test_put_branch_version_again_is_200_and_changes_nothing(api):
    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    response = api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    assert response.status_code == 200
    assert response.json()["_links"]["pb:version"]["name"] == "1"
    assert BranchVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/pacticipants/Foo/branches/%20/versions/1", "branch"),
        ("/pacticipants/%20/branches/main/versions/1", "pacticipant"),
        ("/pacticipants/Foo/branches/main/versions/1%20", "version"),
    ],
)
def test_put_branch_version_with_bad_names_is_400_and_stores_nothing(api, path, field):
    response = api.put(path, "", content_type=JSON)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Pacticipant.objects.exists()


def test_put_branch_version_with_malformed_json_is_400(api):
    response = api.put("/pacticipants/Foo/branches/main/versions/1", "{nope", content_type=JSON)

    assert response.status_code == 400
    assert not Pacticipant.objects.exists()


def test_branch_names_with_slashes_stay_one_segment(api):
    response = api.put("/pacticipants/Foo/branches/feat%2Fx/versions/1", "", content_type=JSON)

    assert response.status_code == 201
    assert response.json()["_links"]["pb:branch"]["href"] == f"{BASE}/pacticipants/Foo/branches/feat%2Fx"
    assert Branch.objects.get().name == "feat/x"
    assert api.get("/pacticipants/Foo/branches/feat%2Fx").json()["name"] == "feat/x"
    assert api.get("/pacticipants/Foo/branches/feat%2Fx/latest-version").json()["number"] == "1"
    branches = api.get("/pacticipants/Foo/branches").json()
    assert branches["_links"]["pb:branches"] == [
        {"name": "feat/x", "href": f"{BASE}/pacticipants/Foo/branches/feat%2Fx"}
    ]
    assert api.delete("/pacticipants/Foo/branches/feat%2Fx").status_code == 204
    assert not Branch.objects.exists()


@pytest.mark.parametrize("branch", ["main", "master", "develop"])
def test_first_main_branch_candidate_becomes_the_main_branch(api, branch):
    api.put("/pacticipants/Foo/branches/feat-1/versions/1", "", content_type=JSON)
    assert Pacticipant.objects.get(name="Foo").main_branch is None

    api.put(f"/pacticipants/Foo/branches/{branch}/versions/2", "", content_type=JSON)
    api.put("/pacticipants/Foo/branches/main/versions/3", "", content_type=JSON)

    assert Pacticipant.objects.get(name="Foo").main_branch == branch
    assert api.get("/pacticipants/Foo").json()["mainBranch"] == branch


def test_branch_head_is_the_most_recently_added_version_not_the_newest(api, td):
    td.version("Foo", "1")
    td.version("Foo", "2")
    api.put("/pacticipants/Foo/branches/main/versions/2", "", content_type=JSON)

    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    assert api.get("/pacticipants/Foo/branches/main/latest-version").json()["number"] == "1"
    on_branch = api.get("/pacticipants/Foo/branches/main/versions").json()["_embedded"]["versions"]
    assert [version["number"] for version in on_branch] == ["1", "2"]
    assert api.get("/pacticipants/Foo/versions/1").json()["_embedded"]["branchVersions"][0]["latest"] is True
    assert api.get("/pacticipants/Foo/versions/2").json()["_embedded"]["branchVersions"][0]["latest"] is False


def test_removing_the_head_moves_it_back(api):
    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)
    api.put("/pacticipants/Foo/branches/main/versions/2", "", content_type=JSON)

    response = api.delete("/pacticipants/Foo/branches/main/versions/2")

    assert response.status_code == 204
    assert api.get("/pacticipants/Foo/branches/main/versions/2").status_code == 404
    assert api.get("/pacticipants/Foo/branches/main/latest-version").json()["number"] == "1"
    assert Version.objects.filter(number="2").exists()  # the version stays


def test_get_branch_version(api):
    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    response = api.get("/pacticipants/Foo/branches/main/versions/1")

    assert response.status_code == 200
    assert response.json()["_links"]["self"]["href"] == f"{BASE}/pacticipants/Foo/branches/main/versions/1"
    assert api.get("/pacticipants/Foo/branches/other/versions/1").status_code == 404


# --- branches ----------------------------------------------------------------------------


def test_get_branch(api):
    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    response = api.get("/pacticipants/Foo/branches/main")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "main"
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants/Foo/branches/main"
    assert body["_links"]["pb:latest-version"]["href"] == f"{BASE}/pacticipants/Foo/branches/main/versions?pageSize=1"
    assert api.get("/pacticipants/Foo/branches/nope").status_code == 404
    assert api.get("/pacticipants/Nobody/branches/main").status_code == 404


def test_list_branches_most_recently_updated_first(api):
    for branch, number in (("a", "1"), ("b", "2"), ("c", "3"), ("a", "4")):
        api.put(f"/pacticipants/Foo/branches/{branch}/versions/{number}", "", content_type=JSON)

    body = api.get("/pacticipants/Foo/branches").json()

    assert [branch["name"] for branch in body["_embedded"]["branches"]] == ["a", "c", "b"]
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants/Foo/branches"
    filtered = api.get("/pacticipants/Foo/branches", {"q": "b"}).json()["_embedded"]["branches"]
    assert [branch["name"] for branch in filtered] == ["b"]
    paged = api.get("/pacticipants/Foo/branches", {"size": 2, "page": 2}).json()
    assert [branch["name"] for branch in paged["_embedded"]["branches"]] == ["b"]
    assert paged["page"]["totalElements"] == 3


def test_list_branches_costs_the_same_queries_for_many_branches(api, django_assert_num_queries):
    for index in range(6):
        api.put(f"/pacticipants/Foo/branches/feat-{index}/versions/{index}", "", content_type=JSON)

    # pacticipant, branches
    with django_assert_num_queries(2):
        response = api.get("/pacticipants/Foo/branches")

    assert len(response.json()["_embedded"]["branches"]) == 6


def test_delete_branch_keeps_its_versions(api):
    # delete-branch (Ruby and Rust CLIs) expects a 204.
    api.put("/pacticipants/Foo/branches/feat-x/versions/1", "", content_type=JSON)

    response = api.delete("/pacticipants/Foo/branches/feat-x")

    assert response.status_code == 204
    assert not Branch.objects.exists()
    assert Version.objects.filter(number="1").exists()
    assert api.delete("/pacticipants/Foo/branches/feat-x").status_code == 404


def test_bulk_delete_branches_keeps_excluded_and_main(api):
    for branch in ("main", "feat-a", "feat-b", "feat-c"):
        api.put(f"/pacticipants/Foo/branches/{branch}/versions/1", "", content_type=JSON)

    response = api.delete("/pacticipants/Foo/branches?exclude[]=feat-a&exclude[]=feat-c")

    assert response.status_code == 202
    assert response.json()["notices"] == [
        {"type": "success", "text": "Deleted 1 branch of Foo. Remaining branches: main, feat-a, feat-c."}
    ]
    assert set(Branch.objects.values_list("name", flat=True)) == {"main", "feat-a", "feat-c"}


def test_bulk_delete_of_unknown_pacticipant_is_404(api):
    assert api.delete("/pacticipants/Nobody/branches").status_code == 404


# --- tags --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [*CLIENT_BODIES[:2], pytest.param('{"name": "prod"}', id="rust-cli-name")])
def test_put_tag_creates_everything(api, body):
    response = api.put("/pacticipants/Condor/versions/1.3.0/tags/prod", body, content_type=JSON)

    assert response.status_code == 201
    assert response["Content-Type"] == HAL
    assert response["Location"] == f"{BASE}/pacticipants/Condor/versions/1.3.0/tags/prod"
    payload = response.json()
    assert payload["name"] == "prod"
    assert payload["createdAt"].endswith("+00:00")
    assert payload["_links"] == {
        "self": {"title": "Tag", "name": "prod", "href": f"{BASE}/pacticipants/Condor/versions/1.3.0/tags/prod"},
        "version": {"title": "Version", "name": "1.3.0", "href": f"{BASE}/pacticipants/Condor/versions/1.3.0"},
        "pacticipant": {"title": "Pacticipant", "name": "Condor", "href": f"{BASE}/pacticipants/Condor"},
    }
    assert Tag.objects.get().version.number == "1.3.0"


@pytest.mark.parametrize(
    "path", ["/pacticipants/Condor/versions/1.3.0/tags/prod", "/pacticipants/Condor/branches/main/versions/1.3.0"]
)
def test_a_name_in_the_body_that_is_not_a_string_is_400_and_stores_nothing(api, path):
    response = api.put(path, {"name": 7}, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["must be a string"]}
    assert not Version.objects.exists()


def test_put_existing_tag_is_200(api):
    api.put("/pacticipants/Condor/versions/1.3.0/tags/prod", "", content_type=JSON)

    response = api.put("/pacticipants/Condor/versions/1.3.0/tags/prod", "", content_type=JSON)

    assert response.status_code == 200
    assert Tag.objects.count() == 1


def test_first_tag_of_a_new_version_also_becomes_its_branch(api):
    api.put("/pacticipants/Foo/versions/1/tags/feat%2Fy", "", content_type=JSON)
    api.put("/pacticipants/Foo/versions/1/tags/second", "", content_type=JSON)

    memberships = api.get("/pacticipants/Foo/versions/1").json()["_embedded"]["branchVersions"]

    assert [membership["name"] for membership in memberships] == ["feat/y"]
    assert BranchVersion.objects.get().auto_created is True


def test_tag_does_not_become_a_branch_when_the_version_has_one(api):
    api.put("/pacticipants/Foo/branches/main/versions/1", "", content_type=JSON)

    api.put("/pacticipants/Foo/versions/1/tags/dev", "", content_type=JSON)

    assert list(BranchVersion.objects.values_list("branch_name", flat=True)) == ["main"]


def test_main_branch_candidate_tag_sets_the_main_branch(api):
    api.put("/pacticipants/Foo/versions/1/tags/master", "", content_type=JSON)

    assert Pacticipant.objects.get(name="Foo").main_branch == "master"


def test_tag_named_like_an_environment_records_a_deployment(api, td):
    prod = td.environment("prod", production=True)

    api.put("/pacticipants/Foo/versions/1/tags/prod", "", content_type=JSON)
    api.put("/pacticipants/Foo/versions/1/tags/other", "", content_type=JSON)

    deployment = DeployedVersion.objects.get()
    assert (deployment.version.number, deployment.environment_id) == ("1", prod.id)
    assert deployment.auto_created is True
    assert deployment.currently_deployed
    [link] = api.get("/pacticipants/Foo/versions/1").json()["_links"]["pb:deployed-environments"]
    assert link["name"] == "prod"


@override_settings(ACCORD_CREATE_DEPLOYED_VERSIONS_FOR_TAGS=False)
def test_tag_records_no_deployment_when_switched_off(api, td):
    td.environment("prod")

    api.put("/pacticipants/Foo/versions/1/tags/prod", "", content_type=JSON)

    assert not DeployedVersion.objects.exists()


def test_get_and_delete_tag(api):
    api.put("/pacticipants/Foo/versions/1/tags/dev", "", content_type=JSON)

    got = api.get("/pacticipants/Foo/versions/1/tags/dev")
    deleted = api.delete("/pacticipants/Foo/versions/1/tags/dev")

    assert got.status_code == 200
    assert got.json()["name"] == "dev"
    assert deleted.status_code == 204
    assert not Tag.objects.exists()
    assert api.get("/pacticipants/Foo/versions/1/tags/dev").status_code == 404
    assert api.delete("/pacticipants/Foo/versions/1/tags/dev").status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/pacticipants/Foo/versions/1/tags/%20", "tag"),
        ("/pacticipants/Foo/versions/%201/tags/dev", "version"),
    ],
)
def test_put_tag_with_bad_names_is_400_and_stores_nothing(api, path, field):
    response = api.put(path, "", content_type=JSON)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Pacticipant.objects.exists()


# --- the real clients, against the real server -------------------------------------------

RUST_CLI, RUBY_CLI = RUST_PACT, RUBY_PACT_BROKER


@pytest.mark.clients
def test_real_clients_branch_tag_and_delete_branches(live_broker, transactional_db):
    rust = [str(RUST_CLI), "broker"]
    common = ["-b", live_broker, "--pacticipant", "Foo"]

    created = [
        run_installed(
            [
                *rust,
                "create-or-update-version",
                *common,
                "--version",
                "1",
                "--branch",
                "feat/x",
                "--tag",
                "dev",
                "--retries",
                "0",
            ]
        ),
        run_installed(
            [str(RUBY_CLI), "create-or-update-version", *common, "--version", "2", "--branch", "feat/y", "--tag", "dev"]
        ),
        run_installed(
            [
                *rust,
                "create-version-tag",
                *common,
                "--version",
                "3",
                "--tag",
                "a",
                "b",
                "--auto-create-version",
                "--retries",
                "0",
            ]
        ),
        run_installed(
            [
                str(RUBY_CLI),
                "create-version-tag",
                *common,
                "--version",
                "4",
                "--tag",
                "a",
                "--tag",
                "b",
                "--auto-create-version",
            ]
        ),
    ]

    assert [result.returncode for result in created] == [0, 0, 0, 0], [r.stdout + r.stderr for r in created]
    assert set(Branch.objects.values_list("name", flat=True)) == {"feat/x", "feat/y", "a"}
    assert sorted(Tag.objects.values_list("version__number", "name")) == [
        ("1", "dev"),
        ("2", "dev"),
        ("3", "a"),
        ("3", "b"),
        ("4", "a"),
        ("4", "b"),
    ]

    deleted = [
        run_installed([*rust, "delete-branch", *common, "--branch", "feat/x", "--retries", "0"]),
        run_installed([str(RUBY_CLI), "delete-branch", *common, "--branch", "feat/y"]),
    ]

    assert [result.returncode for result in deleted] == [0, 0], [r.stdout + r.stderr for r in deleted]
    assert list(Branch.objects.values_list("name", flat=True)) == ["a"]
    assert Version.objects.filter(number__in=["1", "2"]).count() == 2
