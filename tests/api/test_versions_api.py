"""Versions through the HTTP API (spec 3.5; client-wire.md sections 3 and 5)."""

from __future__ import annotations

import pytest

from contracts.models import DeployedVersion, Pacticipant, ReleasedVersion, Tag, Version
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT, run_installed

HAL = "application/hal+json; charset=utf-8"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
BASE = "http://testserver"


def test_version_links_record_deployment_and_release_for_every_environment_by_name(api, td):
    td.publish("Web", "1.0", provider="API")
    test = td.environment("test")
    prod = td.environment("production", production=True)

    response = api.get("/pacticipants/Web/versions/1.0")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    links = response.json()["_links"]
    # The CLIs look the link up by environment *name* and POST to it.
    assert {link["name"]: link["href"] for link in links["pb:record-deployment"]} == {
        "production": f"{BASE}/pacticipants/Web/versions/1.0/deployed-versions/environment/{prod.uuid}",
        "test": f"{BASE}/pacticipants/Web/versions/1.0/deployed-versions/environment/{test.uuid}",
    }
    assert {link["name"]: link["href"] for link in links["pb:record-release"]} == {
        "production": f"{BASE}/pacticipants/Web/versions/1.0/released-versions/environment/{prod.uuid}",
        "test": f"{BASE}/pacticipants/Web/versions/1.0/released-versions/environment/{test.uuid}",
    }


def test_version_shows_branches_tags_pacts_deployments_and_releases(api, td):
    td.publish("Web", "1.0", provider="API", branch="main", tags=["dev"])
    td.deploy("Web", "1.0", to="test", target="blue").release("Web", "1.0", to="store")

    body = api.get("/pacticipants/Web/versions/1.0").json()

    assert body["number"] == "1.0"
    assert body["createdAt"].endswith("+00:00")
    membership = {
        "name": "main",
        "latest": True,
        "_links": {
            "self": {
                "title": "Branch version",
                "name": "main",
                "href": f"{BASE}/pacticipants/Web/branches/main/versions/1.0",
            }
        },
    }
    assert body["_embedded"]["branchVersions"] == [membership]
    assert body["_embedded"]["branches"] == [membership]
    assert body["_embedded"]["tags"] == [
        {
            "name": "dev",
            "_links": {
                "self": {"title": "Tag", "name": "dev", "href": f"{BASE}/pacticipants/Web/versions/1.0/tags/dev"}
            },
        }
    ]
    links = body["_links"]
    assert links["self"]["href"] == f"{BASE}/pacticipants/Web/versions/1.0"
    assert links["pb:pacticipant"] == {"title": "Pacticipant", "name": "Web", "href": f"{BASE}/pacticipants/Web"}
    assert links["pb:tag"]["href"] == f"{BASE}/pacticipants/Web/versions/1.0/tags/{{tag}}"
    assert [pact["href"] for pact in links["pb:pact-versions"]] == [
        f"{BASE}/pacts/provider/API/consumer/Web/version/1.0"
    ]
    [deployed] = links["pb:deployed-environments"]
    assert (deployed["name"], deployed["currently_deployed"]) == ("test", True)
    assert deployed["application_instance"] == "blue"
    assert "undeployed_at" not in deployed
    [released] = links["pb:released-environments"]
    assert (released["name"], released["currently_supported"]) == ("store", True)
    assert released["href"].startswith(f"{BASE}/released-versions/")


def test_unknown_version_or_pacticipant_is_404(api, td):
    td.publish("Web", "1.0", provider="API")

    missing_version = api.get("/pacticipants/Web/versions/9.9.9")
    missing_pacticipant = api.get("/pacticipants/Nobody/versions/1.0")

    assert missing_version.status_code == 404
    assert "9.9.9" in missing_version.json()["error"]
    assert missing_pacticipant.status_code == 404
    assert "Nobody" in missing_pacticipant.json()["error"]


def test_put_creates_then_updates_a_version_even_with_an_empty_body(api):
    created = api.put("/pacticipants/Foo/versions/1.2.3", "", content_type=JSON)
    again = api.put("/pacticipants/Foo/versions/1.2.3", "", content_type=JSON)

    assert created.status_code == 201
    assert created["Location"] == f"{BASE}/pacticipants/Foo/versions/1.2.3"
    assert created.json()["number"] == "1.2.3"
    assert again.status_code == 200
    assert Version.objects.filter(pacticipant__name="Foo", number="1.2.3").count() == 1


def test_put_sets_build_url_and_replaces_tags(api, td):
    td.publish("Web", "1.0", provider="API", tags=["old", "keep"])

    response = api.put(
        "/pacticipants/Web/versions/1.0",
        {"buildUrl": "http://ci/1", "tags": [{"name": "keep"}, {"name": "new"}], "branch": "ignored"},
        content_type=JSON,
    )

    assert response.status_code == 200
    assert [tag["name"] for tag in response.json()["_embedded"]["tags"]] == ["keep", "new"]
    version = Version.objects.get(pacticipant__name="Web", number="1.0")
    assert version.build_url == "http://ci/1"
    assert sorted(version.tags.values_list("name", flat=True)) == ["keep", "new"]
    assert not version.branch_versions.filter(branch_name="ignored").exists()


def test_put_takes_tags_as_objects_or_bare_names(api):
    response = api.put("/pacticipants/Foo/versions/1", {"tags": ["dev", {"name": "prod"}]}, content_type=JSON)

    assert response.status_code == 201
    assert [tag["name"] for tag in response.json()["_embedded"]["tags"]] == ["dev", "prod"]
    assert sorted(Version.objects.get(number="1").tags.values_list("name", flat=True)) == ["dev", "prod"]


def test_put_without_build_url_clears_it(api):
    api.put("/pacticipants/Foo/versions/1", {"buildUrl": "http://ci/1"}, content_type=JSON)

    api.put("/pacticipants/Foo/versions/1", {}, content_type=JSON)

    assert Version.objects.get(number="1").build_url is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": "prod"}, "tags"),
        ({"tags": [{"name": ""}]}, "tags[0].name"),
        ({"tags": ["ok", {"name": "a\nb"}]}, "tags[1].name"),
        ({"buildUrl": 7}, "buildUrl"),
        (["x"], "body"),
    ],
)
def test_put_with_bad_input_is_400_and_stores_nothing(api, body, field):
    response = api.put("/pacticipants/Foo/versions/1.0", body, content_type=JSON)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Pacticipant.objects.exists()


def test_put_with_a_padded_version_number_is_400(api):
    response = api.put("/pacticipants/Foo/versions/%201.0", "", content_type=JSON)

    assert response.status_code == 400
    assert "number" in response.json()["errors"]
    assert not Pacticipant.objects.exists()


def test_patch_needs_merge_patch_json(api, td):
    td.publish("Web", "1.0", provider="API")

    response = api.patch("/pacticipants/Web/versions/1.0", {"buildUrl": "http://ci/2"}, content_type=JSON)

    assert response.status_code == 415
    assert MERGE_PATCH in response.json()["error"]
    assert Version.objects.get(number="1.0").build_url is None


def test_patch_changes_only_given_fields_and_creates_when_missing(api):
    api.put("/pacticipants/Foo/versions/1", {"buildUrl": "http://ci/1", "tags": [{"name": "dev"}]}, content_type=JSON)

    updated = api.patch("/pacticipants/Foo/versions/1", {"tags": [{"name": "prod"}]}, content_type=MERGE_PATCH)
    created = api.patch("/pacticipants/Foo/versions/2", {"buildUrl": "http://ci/2"}, content_type=MERGE_PATCH)

    assert updated.status_code == 200
    version = Version.objects.get(number="1")
    assert version.build_url == "http://ci/1"
    assert list(version.tags.values_list("name", flat=True)) == ["prod"]
    assert created.status_code == 201
    assert Version.objects.get(number="2").build_url == "http://ci/2"


def test_patch_with_null_build_url_clears_it(api):
    api.put("/pacticipants/Foo/versions/1", {"buildUrl": "http://ci/1"}, content_type=JSON)

    response = api.patch("/pacticipants/Foo/versions/1", {"buildUrl": None}, content_type=MERGE_PATCH)

    assert response.status_code == 200
    assert "buildUrl" not in response.json()
    assert Version.objects.get(number="1").build_url is None


def test_delete_version_removes_it_and_its_tags(api, td):
    td.publish("Web", "1.0", provider="API", tags=["dev"])

    response = api.delete("/pacticipants/Web/versions/1.0")

    assert response.status_code == 204
    assert not Version.objects.filter(number="1.0").exists()
    assert not Tag.objects.exists()
    assert api.delete("/pacticipants/Web/versions/1.0").status_code == 404


def test_list_versions_newest_first(api, td):
    for number in ("1.0", "3.0", "2.0"):
        td.version("Web", number)

    response = api.get("/pacticipants/Web/versions")

    assert response.status_code == 200
    body = response.json()
    assert [version["number"] for version in body["_embedded"]["versions"]] == ["2.0", "3.0", "1.0"]
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants/Web/versions"
    assert body["_links"]["pb:pacticipant"]["href"] == f"{BASE}/pacticipants/Web"
    assert [link["name"] for link in body["_links"]["pb:versions"]] == ["2.0", "3.0", "1.0"]
    assert body["_links"]["pb:versions"][0]["title"].startswith("Version 2.0 - ")
    assert "page" not in body


def test_list_versions_paginates_when_asked(api, td):
    for number in ("1", "2", "3"):
        td.version("Web", number)

    body = api.get("/pacticipants/Web/versions", {"pageSize": 1, "pageNumber": 2}).json()

    assert [version["number"] for version in body["_embedded"]["versions"]] == ["2"]
    assert body["page"] == {"number": 2, "size": 1, "totalElements": 3, "totalPages": 3}
    assert body["_links"]["next"]["href"] == f"{BASE}/pacticipants/Web/versions?page=3&size=1"


def test_list_versions_of_unknown_pacticipant_is_404(api):
    assert api.get("/pacticipants/Nobody/versions").status_code == 404


def test_list_versions_costs_the_same_queries_for_many_versions(api, td, django_assert_num_queries):
    td.environment("prod")
    for index in range(5):
        td.publish("Web", f"1.{index}", provider="API", branch="main", tags=["dev", f"t{index}"])
        td.deploy("Web", f"1.{index}", to="prod").release("Web", f"1.{index}", to="store")

    # pacticipant, versions, tags, branches, deployments, releases, pacts, environments
    with django_assert_num_queries(8):
        response = api.get("/pacticipants/Web/versions")

    assert len(response.json()["_embedded"]["versions"]) == 5


def test_latest_version_is_the_newest_created(api, td):
    td.version("Web", "2.0")
    td.version("Web", "10.0")
    td.version("Web", "1.5")

    response = api.get("/pacticipants/Web/latest-version")

    assert response.status_code == 200
    assert response.json()["number"] == "1.5"


def test_latest_version_with_tag_is_the_newest_tagged(api, td):
    td.publish("Condor", "1.2.3", provider="API", tags=["production"])
    td.publish("Condor", "1.2.4", provider="API", tags=["dev"])

    response = api.get("/pacticipants/Condor/latest-version/production")

    assert response.status_code == 200
    assert response.json()["number"] == "1.2.3"
    assert response.json()["_links"]["self"]["href"] == f"{BASE}/pacticipants/Condor/versions/1.2.3"


def test_latest_version_is_404_without_versions_or_tag(api, td):
    api.post("/pacticipants", {"name": "Empty"}, content_type=JSON)
    td.version("Web", "1.0")

    assert api.get("/pacticipants/Empty/latest-version").status_code == 404
    assert api.get("/pacticipants/Web/latest-version/prod").status_code == 404
    assert api.get("/pacticipants/Nobody/latest-version").status_code == 404


def test_versions_with_tag(api, td):
    td.publish("Web", "1.0", provider="API", tags=["feat/x"])
    td.publish("Web", "2.0", provider="API", tags=["main"])
    td.publish("Web", "3.0", provider="API", tags=["feat/x"])

    response = api.get("/pacticipants/Web/tags/feat%2Fx/versions")

    assert response.status_code == 200
    assert [version["number"] for version in response.json()["_embedded"]["versions"]] == ["3.0", "1.0"]
    assert api.get("/pacticipants/Web/tags/none/versions").status_code == 404


def test_versions_in_an_environment(api, td):
    td.version("Web", "1.0")
    td.version("Web", "2.0")
    td.version("Web", "3.0")
    td.deploy("Web", "1.0", to="prod").release("Web", "2.0", to="prod")
    prod = td.environment("prod")

    response = api.get(f"/pacticipants/Web/environments/{prod.uuid}/versions")

    assert response.status_code == 200
    assert [version["number"] for version in response.json()["_embedded"]["versions"]] == ["2.0", "1.0"]
    assert api.get("/pacticipants/Web/environments/not-a-uuid/versions").status_code == 404


def test_version_numbers_with_slashes_work(api):
    response = api.put("/pacticipants/Foo/versions/release%2F1.0", "", content_type=JSON)

    assert response.status_code == 201
    assert response.json()["_links"]["self"]["href"] == f"{BASE}/pacticipants/Foo/versions/release%2F1.0"
    assert Version.objects.filter(number="release/1.0").exists()
    assert api.get("/pacticipants/Foo/versions/release%2F1.0").json()["number"] == "release/1.0"


# --- the real clients, against the real server -------------------------------------------

RUST_CLI, RUBY_CLI = RUST_PACT, RUBY_PACT_BROKER


@pytest.mark.clients
def test_real_clients_describe_versions_and_follow_record_links_by_name(live_broker, transactional_db, td):
    td.publish("Foo", "1.0", provider="Bar", tags=["prod"]).publish("Foo", "2.0", provider="Bar", tags=["dev"])
    td.environment("test")
    td.environment("production", production=True)
    rust = [str(RUST_CLI), "broker"]
    common = ["-b", live_broker, "--pacticipant", "Foo"]

    latest_prod = run_installed([str(RUBY_CLI), "describe-version", *common, "--latest", "prod"])
    latest = run_installed([*rust, "describe-version", *common, "--retries", "0"])
    missing = run_installed([*rust, "describe-version", *common, "--version", "9.9", "--retries", "0"])

    assert latest_prod.returncode == 0, latest_prod.stdout + latest_prod.stderr
    assert "1.0" in latest_prod.stdout
    assert "prod" in latest_prod.stdout
    assert latest.returncode == 0, latest.stdout + latest.stderr
    assert "2.0" in latest.stdout
    assert missing.returncode != 0

    # Both CLIs GET the version and POST to its pb:record-* link named after the environment.
    recorded = [
        run_installed(
            [*rust, "record-deployment", *common, "--version", "2.0", "--environment", "production", "--retries", "0"]
        ),
        run_installed([str(RUBY_CLI), "record-release", *common, "--version", "1.0", "--environment", "test"]),
    ]

    assert [result.returncode for result in recorded] == [0, 0], [r.stdout + r.stderr for r in recorded]
    deployment = DeployedVersion.objects.get()
    assert (deployment.version.number, deployment.environment.name) == ("2.0", "production")
    release = ReleasedVersion.objects.get()
    assert (release.version.number, release.environment.name) == ("1.0", "test")
